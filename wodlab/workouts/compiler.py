"""wodcraft's compiler, as wodlab calls it: documents out, or WodCompileError with every error.

Below both the compile cache (wodlab.store.cache), which calls it on a miss, and wods.py, which derives
the stored rows from its documents.
"""

from __future__ import annotations

from pathlib import Path

from wodcraft.api import compile_source

from wodlab.core.errors import Diagnostic, WodCompileError


def compile_documents(source: str, name: str | None = None, library_paths: list[Path] | None = None) -> list[dict]:
    """wodcraft's documents for a source; WodCompileError (with every error) if it does not compile."""
    result = compile_source(source, name, library_paths=list(library_paths or []))
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    if errors:
        raise WodCompileError(
            [Diagnostic(d.code, d.span.line, d.span.col, d.message, d.suggestion) for d in errors], name
        )
    return result.documents
