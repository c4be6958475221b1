"""Run the curated notebooks: refresh their committed outputs, or render them as HTML reports.

Committed notebooks keep plotly's mimetype-only output (no random ids, stable under nbval), which
nbconvert's HTML export does not draw. A report therefore replaces each figure's output with HTML
drawn by plotly.io.to_html, and embeds plotly.js once per report (no CDN: reports open offline).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat

PLOTLY_MIME = "application/vnd.plotly.v1+json"


@contextlib.contextmanager
def fixture_database(directory: Path | str) -> Iterator[str]:
    """A throw-away embedded server loaded with a box folder (the notebooks' fixture); yields its URL."""
    from wodlab.lab import connect
    from wodlab.store.server import temporary_server

    with temporary_server() as url:
        lab = connect(url)
        lab.load_box(directory, progress=False)
        lab.engine.dispose()  # the notebooks' scratch copies need the database to themselves
        yield url


def execute(notebook: nbformat.NotebookNode, folder: Path, database_url: str | None, timeout: int = 600) -> None:
    """Run every cell in a kernel of this Python, in the notebook's folder, against `database_url`."""
    from nbclient import NotebookClient

    from wodlab.store.server import url_in_environment

    with url_in_environment(database_url):  # the kernel inherits it
        NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()


def refresh(paths: list[Path], fixture: Path) -> None:
    """Re-execute notebooks in place against a fresh fixture database: their new committed outputs."""
    with fixture_database(fixture) as url:
        for path in paths:
            notebook = nbformat.read(path, as_version=4)
            execute(notebook, path.parent, url)
            nbformat.write(notebook, path)
            print(f"refreshed {path}")


def embed_figures(notebook: nbformat.NotebookNode, *, plotlyjs: bool = True) -> int:
    """Give every plotly output an HTML rendering; plotly.js goes in the first one only (or in none, when the
    page loads it itself: the docs site)."""
    import plotly.io as pio

    figures = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PLOTLY_MIME in data:
                figure = pio.from_json(nbformat.v4.nbjson.json.dumps(data[PLOTLY_MIME]))
                data["text/html"] = pio.to_html(figure, full_html=False, include_plotlyjs=plotlyjs and figures == 0,
                                                div_id=f"wodlab-figure-{figures}")
                del data[PLOTLY_MIME]
                figures += 1
    return figures


# nbconvert's template loads require.js and MathJax from a CDN. The reports need neither (no math),
# and with require.js present plotly.js registers as an AMD module instead of defining Plotly.
_CDN_SCRIPT = re.compile(r'<script[^>]*src="https://cdnjs\.cloudflare\.com/[^"]*"[^>]*>\s*</script>')


def offline(html: str) -> str:
    """The report without scripts fetched from the network."""
    return _CDN_SCRIPT.sub("", html)


def build(paths: list[Path], out: Path, database_url: str | None = None) -> list[Path]:
    """Execute each notebook against the database and write NAME.html reports into `out`."""
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        execute(notebook, path.parent, database_url)
        embed_figures(notebook)
        html, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
        target = out / f"{path.stem}.html"
        html = offline(html)
        target.write_text(html, encoding="utf-8")
        written.append(target)
    return written


def for_docs(paths: list[Path], out: Path) -> list[Path]:
    """Copies of the notebooks, as committed (not executed), with their figures as HTML, for the docs site
    (mkdocs-jupyter draws no plotly mimetype), and plotly.js in out/../assets for the site to load once."""
    from importlib.resources import files

    out.mkdir(parents=True, exist_ok=True)
    assets = out.parent / "assets"
    assets.mkdir(exist_ok=True)
    (assets / "plotly.min.js").write_bytes((files("plotly") / "package_data" / "plotly.min.js").read_bytes())
    written = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        embed_figures(notebook, plotlyjs=False)
        nbformat.write(notebook, out / path.name)
        written.append(out / path.name)
    return written


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--virtual-time-budget=5000", "--dump-dom"]


# Elements of the rendered page (the plotly.js source in the page holds these class names too).
_PLOT_DIV = re.compile(r'<div[^>]*class="[^"]*\bplotly-graph-div\b')
_DRAWN = re.compile(r'<div[^>]*class="[^"]*\bsvg-container\b')


def check_in_browser(path: Path, chromium: str = "chromium") -> dict:
    """Open a report in headless Chromium: how many plotly figures were drawn, and any JavaScript error.

    A drawn figure is a plot div that received its SVG; errors are the console's uncaught errors.
    """
    import subprocess

    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", Path(path).resolve().as_uri()],
                             capture_output=True, text=True, timeout=180)
    dom = run.stdout
    errors = [line for line in run.stderr.splitlines() if ":CONSOLE" in line and "Error" in line]
    return {"report": str(path), "plot_divs": len(_PLOT_DIV.findall(dom)), "drawn": len(_DRAWN.findall(dom)),
            "errors": errors}


def notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))
