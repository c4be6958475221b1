"""What a load did and what it refused: problems by place, conflicts with stored rows, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wodlab.core.errors import WodlabError
from wodlab.core.frames import INT, TEXT, typed_frame

MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    row: int  # the line of the file as an editor shows it (header = line 1), or the DataFrame's index label
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.reason}"


def _listed(problems: list) -> str:
    shown = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
    more = f"\n  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
    return shown + more


class LoadError(WodlabError):
    """Bad rows: nothing was loaded. Carries every problem."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source, self.problems = source, problems
        super().__init__(
            f"{source}: {len(problems)} bad row(s), nothing was loaded (fix them, or load the good rows with "
            f"--skip-bad / skip_bad=True):\n{_listed(problems)}"
        )


@dataclass(frozen=True)
class Conflict:
    """A row whose id is stored with other values: a correction."""

    row: int
    row_id: str
    changes: dict  # column -> (stored value, value in the file)

    def __str__(self) -> str:
        shown = "; ".join(f"{c} stored {old!r}, file says {new!r}" for c, (old, new) in list(self.changes.items())[:3])
        return f"row {self.row}: {shown}"


class ConflictError(LoadError):
    """Rows that would change stored rows: nothing was loaded. Carries every conflict."""

    def __init__(self, source: str, conflicts: list[Conflict]):
        self.source, self.conflicts = source, conflicts
        self.problems = [Problem(c.row, next(iter(c.changes)), str(c)) for c in conflicts]
        WodlabError.__init__(
            self, f"{source}: {len(conflicts)} row(s) would change what is stored, nothing was loaded (load with "
                  f"--update / update=True to apply the corrections; the old values are kept in load_history):\n"
                  f"{_listed(conflicts)}")


@dataclass(frozen=True)
class Outcome:
    """One line of a load report: a workout stored or found, a file or a row rejected."""

    source: str  # file path, "library:girls/fran", or "DataFrame"
    row: int | None  # the line where the workout or row starts in its file
    title: str | None
    wod_id: str | None
    status: str  # new | present | rejected
    reason: str | None = None


REPORT_SCHEMA = {"source": TEXT, "row": INT, "title": TEXT, "wod_id": TEXT, "status": TEXT, "reason": TEXT}


@dataclass
class LoadReport:
    """What a load did: counts of new, unchanged, updated and rejected rows, and why rows were rejected."""

    table: str
    source: str = ""
    rows_read: int = 0
    inserted: int = 0
    unchanged: int = 0  # already stored with the same values
    updated: int = 0  # corrections applied (update=True); the old values are in load_history
    rejected: int = 0
    reject_file: Path | None = None
    outcomes: list[Outcome] = field(default_factory=list)  # workouts: each one; tables: each rejected or updated row

    @property
    def already_present(self) -> int:
        """Rows that were there already, whether unchanged or updated."""
        return self.unchanged + self.updated

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status == "new":
            self.inserted += 1
        elif outcome.status == "present":
            self.unchanged += 1
        elif outcome.status == "updated":
            self.updated += 1
        else:
            self.rejected += 1

    def count(self, status: str) -> int:
        return {"new": self.inserted, "present": self.unchanged, "updated": self.updated, "rejected": self.rejected}[status]

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    @property
    def ids(self) -> list[str]:
        return [o.wod_id for o in self.outcomes if o.wod_id]

    def to_frame(self) -> pd.DataFrame:
        """REPORT_SCHEMA: one row per workout or rejected file (workouts), per rejected or updated row (tables)."""
        return typed_frame([o.__dict__ for o in self.outcomes], REPORT_SCHEMA)

    def summary(self) -> str:
        if self.table == "wod_definitions":
            lines = [f"{self.inserted} new, {self.unchanged} already present, {self.rejected} rejected"]
            lines += [f"  rejected {o.source}:\n    {o.reason.replace(chr(10), chr(10) + '    ')}"
                      for o in self.outcomes if o.status == "rejected"]
            return "\n".join(lines)
        text = (f"{self.table}: {self.rows_read} rows read, {self.inserted} new, {self.unchanged} unchanged, "
                f"{self.updated} updated")
        if self.rejected:
            text += f", {self.rejected} rejected (written to {self.reject_file})"
        return text
