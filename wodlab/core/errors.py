"""The errors wodlab raises. Each says what went wrong, where, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass


class WodlabError(Exception):
    """Base class of every error wodlab raises on purpose."""


class DatabaseError(WodlabError):
    """The database cannot be reached, started, or is not at the schema wodlab expects."""


class DatabaseUnavailable(DatabaseError):
    """The server cannot be reached (stopped, killed, wrong address): the command line exits 3."""


class QueryError(WodlabError):
    """An unknown query name, or parameters that do not fit the query."""


@dataclass(frozen=True)
class Diagnostic:
    """One compiler message, located in its source."""

    code: str
    line: int
    column: int
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        help_ = f" ({self.suggestion})" if self.suggestion else ""
        return f"line {self.line}, column {self.column}: {self.code} {self.message}{help_}"


class WodCompileError(WodlabError):
    """wodcraft rejected a source: carries every error diagnostic, nothing was written."""

    def __init__(self, diagnostics: list[Diagnostic], source_name: str | None = None):
        self.diagnostics = list(diagnostics)
        self.source_name = source_name
        where = f"{source_name}: " if source_name else ""
        lines = "\n".join(f"  {where}{d}" for d in self.diagnostics)
        super().__init__(f"the workout does not compile, nothing was stored:\n{lines}")
