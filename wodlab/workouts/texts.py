"""Cut a WODCraft file into the texts of the workouts it holds.

A file may hold several `#` documents, and a document with `##` sections is a session whose
sections are workouts. wodlab stores one row per workout, and each row's `dsl_source` must compile
on its own to the row's compiled document. So a session section becomes a standalone workout text: a
`# Session / Section` heading, the session's meta lines that a workout accepts, and the section
body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOCUMENT = re.compile(r"^#(?!#)\s*(.*?)\s*(//.*)?$")
_SECTION = re.compile(r"^##(?!#)\s*(.*?)\s*(//.*)?$")
_META_KEY = re.compile(r"^\s*([A-Za-z]+)\s*:")
# Session meta lines a workout does not accept (SPEC §6): they stay with the session.
_SESSION_ONLY_META = {"date", "time"}


@dataclass(frozen=True)
class WorkoutText:
    title: str
    text: str
    first_line: int  # 1-based line of the file where this workout's text starts


def _is_blank(line: str) -> bool:
    return not line.split("//", 1)[0].strip()


def _documents(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(first line index, lines) of each document; a preamble before the first `#` counts when it holds content."""
    starts = [i for i, line in enumerate(lines) if _DOCUMENT.match(line)]
    if not starts or any(not _is_blank(line) for line in lines[: starts[0]]):
        starts = [0, *starts]
    bounds = [*starts, len(lines)]
    return [(bounds[k], lines[bounds[k] : bounds[k + 1]]) for k in range(len(starts))]


def split_workouts(source: str) -> list[WorkoutText]:
    """Every workout of a file, in order, each as a text that compiles alone."""
    lines = source.splitlines(keepends=True)  # keep CRLF: a lone workout's hash is of its exact text
    out: list[WorkoutText] = []
    for start, doc in _documents(lines):
        heading = _DOCUMENT.match(doc[0]) if doc else None
        title = heading[1] if heading else "Untitled"
        sections = [i for i, line in enumerate(doc) if _SECTION.match(line)]
        if not sections:
            out.append(WorkoutText(title, "".join(doc), start + 1))
            continue
        preamble = [
            line for line in doc[1 : sections[0]]
            if not _is_blank(line) and (_META_KEY.match(line) or [None, ""])[1].lower() not in _SESSION_ONLY_META
        ]
        for k, first in enumerate(sections):
            last = sections[k + 1] if k + 1 < len(sections) else len(doc)
            name = f"{title} / {_SECTION.match(doc[first])[1]}"
            body = doc[first + 1 : last]
            text = "".join([f"# {name}\n", *preamble, *body])
            out.append(WorkoutText(name, text, start + first + 1))
    return out
