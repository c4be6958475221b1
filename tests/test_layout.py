"""The layout a newcomer relies on: one reader of the workout documents, ruff in `make test`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from conftest import ROOT

PACKAGE = ROOT / "wodlab"


def test_the_workout_documents_are_read_in_one_module_only():
    """ast_json / compiled_json appear in wods.py alone: every other module asks wods.documents()."""
    mentions = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                      if re.search(r"\b(ast_json|compiled_json)\b", p.read_text(encoding="utf-8")))
    assert mentions == ["wodlab/wods.py"]


def test_each_table_is_written_by_its_own_module():
    """INSERT/UPDATE/DELETE on a table appear only in the module that owns it (ARCHITECTURE.md's table)."""
    owners = {"wod_definitions": {"wods.py"}, "difficulty_models": {"versions.py"}, "movement_catalog": {"catalog.py"},
              "realized_events": {"tracker.py"}, "schema_migrations": {"schema.py"}}
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for table, allowed in owners.items():
            if re.search(rf"(INSERT INTO|UPDATE|DELETE FROM)\s+{table}\b", text):
                assert path.name in allowed, f"{path.name} writes {table}, owned by {allowed}"


def test_make_test_runs_ruff_first():
    plan = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = plan.splitlines()
    ruff = next(i for i, line in enumerate(lines) if "ruff check" in line)
    pytest_line = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert ruff < pytest_line


def test_ruff_fails_on_a_lint_error(tmp_path):
    """The configured rules catch a real mistake (an unused import, an undefined name)."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "bad.py").write_text("import os\n\n\ndef f():\n    return undefined_name\n")
    (tmp_path / "good.py").write_text('"""Fine."""\n\n\ndef f() -> int:\n    return 1\n')
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache"]
    assert subprocess.run([*ruff, "good.py"], cwd=tmp_path, capture_output=True).returncode == 0
    bad = subprocess.run([*ruff, "bad.py"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 1 and "F401" in bad.stdout and "F821" in bad.stdout


def test_every_test_the_readme_cites_exists():
    """The README names tests as `tests/FILE.py::NAME` (and `::NAME` for another in the same file): each must exist."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    checked = 0
    for line in readme.splitlines():
        current = None
        for path, name in re.findall(r"`(tests/\w+\.py)?(?:::(\w+))?`", line):
            current = path or current
            if current and name:
                assert f"def {name}(" in (ROOT / current).read_text(encoding="utf-8"), f"{current}::{name}"
                checked += 1
            elif path:
                assert (ROOT / path).is_file(), path
    assert checked >= 10
