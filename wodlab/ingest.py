"""Import workouts: files, folders, or wodcraft's standard library, with a report of what happened."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine
from wodcraft import library

from wodlab.difficulty.model import BASELINE, DifficultyModel
from wodlab.errors import WodCompileError, WodlabError
from wodlab.progress import progress as with_progress
from wodlab.wods import compile_records, insert_record

STATUSES = ("new", "present", "rejected")


@dataclass(frozen=True)
class Outcome:
    source: str  # file path, or "library:girls/fran"
    title: str | None
    wod_id: str | None
    status: str  # new | present | rejected
    reason: str | None = None


@dataclass
class LoadReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return self.count("rejected") == 0

    @property
    def ids(self) -> list[str]:
        return [o.wod_id for o in self.outcomes if o.wod_id]

    def to_frame(self) -> pd.DataFrame:
        """Columns: source, title, wod_id, status, reason (one row per workout or rejected file)."""
        frame = pd.DataFrame([o.__dict__ for o in self.outcomes], columns=list(Outcome.__dataclass_fields__))
        return frame.astype({"source": "string", "title": "string", "wod_id": "string", "status": "string", "reason": "string"})

    def summary(self) -> str:
        lines = [f"{self.count('new')} new, {self.count('present')} already present, {self.count('rejected')} rejected"]
        lines += [f"  rejected {o.source}:\n    {o.reason.replace(chr(10), chr(10) + '    ')}" for o in self.outcomes if o.status == "rejected"]
        return "\n".join(lines)


@dataclass(frozen=True)
class SourceText:
    name: str  # shown in reports and diagnostics
    text: str
    path: Path | None = None  # for `use` lines relative to the file


def expand_paths(paths) -> list[SourceText]:
    """Files as given; folders walked for *.wod, sorted so imports are reproducible."""
    found: list[SourceText] = []
    for raw in [paths] if isinstance(paths, (str, Path)) else paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.rglob("*.wod"))
        elif path.is_file():
            files = [path]
        else:
            raise WodlabError(f"{path}: no such file or folder")
        found += [SourceText(str(f), f.read_text(encoding="utf-8"), f) for f in files]
    return found


def library_sources() -> list[SourceText]:
    """Every workout of wodcraft's standard library, read from the installed package."""
    return [SourceText(f"library:{e.path}", e.source, e.file) for e in library.entries()]


def import_sources(engine: Engine, sources: list[SourceText], *, strict: bool = False, progress: bool | None = None,
                   model: DifficultyModel = BASELINE) -> LoadReport:
    """Compile every source, then store each file's workouts in one transaction per file.

    A file that does not compile is rejected whole and writes nothing; the others are stored.
    With strict=True any rejection raises WodCompileError before anything is written.
    """
    compiled, report = [], LoadReport()
    for source in sources:
        try:
            name = str(source.path) if source.path else source.name
            compiled.append((source, compile_records(source.text, name, model=model)))
        except WodCompileError as exc:
            if strict:
                raise
            reason = "\n".join(str(d) for d in exc.diagnostics)
            report.outcomes.append(Outcome(source.name, None, None, "rejected", reason))
    show = sys.stderr.isatty() if progress is None else progress
    for source, records in with_progress(compiled, show and len(compiled) >= 20, desc="storing workouts", unit="file"):
        with engine.begin() as conn:
            for record in records:
                status = "new" if insert_record(conn, record) else "present"
                report.outcomes.append(Outcome(source.name, record.title, str(record.id), status))
    return report
