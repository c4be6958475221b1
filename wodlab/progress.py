"""Progress bars for long loads: tqdm (which adapts to notebooks), only when one is shown."""

from __future__ import annotations

from collections.abc import Iterable


def progress(items: Iterable, show: bool, **options) -> Iterable:
    """`items`, wrapped in a progress bar when `show`.

    tqdm is imported only then: importing tqdm.auto in a kernel without ipywidgets prints a warning
    to stderr, which would land in every notebook's output.
    """
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, **options)
