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


class _Silent:
    """What counter gives when no bar is shown: the same two calls, doing nothing."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def counter(total: int, show: bool, **options):
    """A bar counting `total` steps the caller reports (update(n), then close()), or a silent stand-in."""
    if not show:
        return _Silent()
    from tqdm.auto import tqdm

    return tqdm(total=total, **options)
