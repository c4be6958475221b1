"""Files shipped inside the package: SQL migrations and queries, the grammar, data tables."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from importlib.resources.abc import Traversable


def sql_dir(kind: str) -> Traversable:
    """`migrations` or `queries`, from the installed package (wheel or editable)."""
    return files("wodlab.sql") / kind


def data_file(name: str) -> Traversable:
    return files("wodlab") / "data" / name


def wodlab_version() -> str:
    """The installed package's version (pyproject.toml): in exports' manifests and the compile cache's keys."""
    try:
        return version("wodlab")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout without installing
        return "0"
