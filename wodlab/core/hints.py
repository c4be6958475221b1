"""The "did you mean" of every error about a name: the closest known names, or what is known."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(value: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Up to n known names close to `value` (difflib's ratio of 0.6 or more), closest first."""
    return difflib.get_close_matches(str(value), sorted(set(known)), n=n)


def did_you_mean(value: str, known: Iterable[str], *, list_known: bool = False) -> str:
    """"; did you mean 'a', 'b'?" when some known names are close; with list_known, "; known: ..." otherwise;
    "" when nothing helps. Appended to an error that names `value`."""
    known = sorted(set(known))
    close = closest(value, known)
    if close:
        return f"; did you mean {', '.join(map(repr, close))}?"
    if list_known:
        return f"; known: {', '.join(known) or 'none'}"
    return ""
