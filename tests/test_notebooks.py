"""The curated notebooks: committed with real outputs, and checked by nbval for real.

`make test` runs them under strict nbval (see the Makefile); these tests check what nbval cannot:
that the stored outputs are there to compare, and that a changed number does fail the run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PLOTLY = "application/vnd.plotly.v1+json"


def test_the_curated_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["01_dedup_audit", "02_difficulty_calibration", "03_leaderboards",
                                           "04_athlete_progression", "05_programming_review"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_notebook_is_committed_with_its_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    outputs = [o for c in code for o in c.outputs]
    assert sum(1 for c in code if c.outputs) >= len(code) - 1  # the parameters cell prints nothing
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], "stderr holds per-run paths"
    assert any("text/plain" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_has_a_title_and_axis_labels(path):
    notebook = nbformat.read(path, as_version=4)
    figures = [o["data"][PLOTLY] for c in notebook.cells if c.cell_type == "code" for o in c.outputs
               if PLOTLY in o.get("data", {})]
    assert figures, "a curated notebook shows at least one figure"
    for figure in figures:
        layout = figure["layout"]
        assert layout["title"]["text"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]


@pytest.mark.slow
def test_a_changed_number_in_a_stored_output_fails_nbval(tmp_path):
    """Strict nbval compares the numbers: tampering with one stored count must fail that cell."""
    copy = tmp_path / "notebooks"
    copy.mkdir()
    shutil.copy(ROOT / "notebooks" / "conftest.py", copy)
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")  # the conftest loads ../fixtures/sim
    notebook = nbformat.read(ROOT / "notebooks" / "01_dedup_audit.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if c.source.startswith('pairs["kind"].value_counts()'))
    data = cell.outputs[0]["data"]
    assert "exact         1" in data["text/plain"]
    data["text/plain"] = data["text/plain"].replace("exact         1", "exact         2")
    nbformat.write(notebook, copy / "01_dedup_audit.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
         str(ROOT / "nbval_sanitize.cfg"), "-p", "no:cacheprovider", "-c", "/dev/null", "--rootdir", str(tmp_path),
         "--color=no", str(copy)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 1, run.stdout[-3000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert "1 failed" in summary, summary
    failure = run.stdout.split("FAILURES", 1)[1]
    assert "Cell outputs differ" in failure and "mismatch 'text/plain'" in failure
    assert 'pairs["kind"].value_counts()' in failure  # the failing cell is the tampered one


def test_the_sanitize_file_pairs_each_regex_with_its_replacement():
    lines = [line for line in (ROOT / "nbval_sanitize.cfg").read_text().splitlines() if line and not line.startswith("[")]
    assert len(lines) % 2 == 0
    assert all(a.startswith("regex: ") and b.startswith("replace: ") for a, b in zip(lines[::2], lines[1::2]))
    assert all(line == line.rstrip() for line in lines)
