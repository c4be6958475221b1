"""HTML reports: figures drawn as HTML with plotly.js inside the page, nothing fetched from a CDN."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from wodlab import reports

pytestmark = pytest.mark.slow  # fits or runs of whole boxes: `make test`, not `make test-fast`


def test_a_report_embeds_plotly_and_fetches_nothing(sim_lab, tmp_path):
    url = sim_lab.engine.url.render_as_string(hide_password=False)
    (report,) = reports.build([ROOT / "notebooks" / "01_dedup_audit.ipynb"], tmp_path, database_url=url)
    html = report.read_text()
    assert report.name == "01_dedup_audit.html"
    assert not re.findall(r'<script[^>]*\bsrc="http', html), "a report must open offline"
    assert 'id="wodlab-figure-0"' in html and "Plotly.newPlot" in html
    assert html.count("Copyright") >= 1 and len(html) > 3_000_000  # plotly.js itself is inside
    assert reports.PLOTLY_MIME not in html  # every figure became HTML
    assert "Duplicate audit" in html and "Merge plan" in html


def test_the_offline_filter_removes_only_cdn_scripts():
    page = ('<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script>'
            '<script type="text/javascript">var x = 1;</script>')
    assert reports.offline(page) == '<script type="text/javascript">var x = 1;</script>'
