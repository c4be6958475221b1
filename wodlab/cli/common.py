"""What every command shares: the Lab it opens, how it prints a frame, defaults read from the code."""

from __future__ import annotations

import inspect

import pandas as pd

from wodlab.core.errors import WodlabError

OPENED: list = []  # the Labs a command opened: main() closes their connections when the command ends


def connect(init: bool = True):
    from wodlab.lab import connect as open_lab

    lab = open_lab(init=init)
    OPENED.append(lab)
    return lab


def close_opened() -> None:
    while OPENED:
        OPENED.pop().engine.dispose()


def print_table(frame: pd.DataFrame, empty: str = "(no rows)", width: int = 200, colwidth: int = 80) -> None:
    """A frame as the commands print it: no index, wide, long texts cut at `colwidth`; `empty` when no rows."""
    with pd.option_context("display.width", width, "display.max_columns", 20, "display.max_colwidth", colwidth):
        print(frame.to_string(index=False) if len(frame) else empty)


def default(function, parameter: str):
    """The default of a parameter of `function`: a command's default is the code's, never restated."""
    return inspect.signature(function).parameters[parameter].default


def progress(args) -> bool | None:
    """--quiet: no progress bar; otherwise the code's choice (a bar on a terminal)."""
    return False if args.quiet else None


def labelled(text: str, option: str, example: str) -> tuple[str, str]:
    """LABEL=VALUE of a repeatable option."""
    label, sep, value = text.partition("=")
    if not sep:
        raise WodlabError(f"{option} takes LABEL=VALUE (e.g. {example}), got {text!r}")
    return label.strip(), value.strip()
