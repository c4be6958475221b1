"""The layout a newcomer relies on, as ARCHITECTURE.md states it: the layers, each table's writers, ruff in `make test`."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "wodlab"


ARCHITECTURE = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
WRITE = re.compile(r"\b(?:INSERT INTO|UPDATE|DELETE FROM|TRUNCATE(?: TABLE)?|COPY)\s+([a-z_]+|\{)")  # SQL is written in capitals


def _section(title: str) -> list[list[str]]:
    """The rows of the first table under `## title` in ARCHITECTURE.md, as lists of cells."""
    body = ARCHITECTURE.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in body.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]


def _layers() -> dict[str, int]:
    """Each folder or face file of wodlab/ -> its layer's number."""
    out = {}
    for number, _, places, _ in _section("The tree is the architecture"):
        for place in re.findall(r"`wodlab/([\w./]+)`", places):
            out[place.rstrip("/")] = int(number)
    return out


def _place(path: Path, layers: dict[str, int]) -> str:
    relative = path.relative_to(PACKAGE).as_posix()
    return relative.split("/")[0] if "/" in relative else relative


def _imports(path: Path) -> set[str]:
    """The wodlab modules a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wodlab"):
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
            found |= {node.module} if node.module != "wodlab" else set()
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("wodlab")}
    return found


def _place_of_module(module: str, layers: dict[str, int]) -> str | None:
    parts = module.split(".")[1:]
    if not parts:
        return "__init__.py"
    if parts[0] in layers:
        return parts[0]
    if f"{parts[0]}.py" in layers:
        return f"{parts[0]}.py"
    return None  # a name imported from a package (wodlab.difficulty -> BASELINE) is checked by its module


def test_every_module_is_in_a_layer_and_imports_only_below_it():
    layers = _layers()
    assert len(layers) >= 15, layers
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _place(path, layers)
        assert here in layers, f"{path.relative_to(ROOT)} is in no layer of ARCHITECTURE.md"
        for module in _imports(path):
            there = _place_of_module(module, layers)
            if there is None or there == here:
                continue
            assert layers[there] < layers[here], (
                f"{path.relative_to(ROOT)} (layer {layers[here]}) imports {module} (layer {layers[there]})")


TABLES = {m for sql in (ROOT / "sql" / "migrations").glob("*.sql")
          for m in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", sql.read_text(encoding="utf-8"))
          if not m.endswith("_default")} | {"schema_migrations"}  # the default partitions are no tables of their own


def _written_tables() -> dict[str, set[str]]:
    """table -> the files (relative to wodlab/) whose SQL writes it; generic writers ({table}) of every spec's table."""
    specs = {}
    writers: dict[str, set[str]] = {}
    generic = set()
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        if name.startswith("bench/"):
            continue
        text = path.read_text(encoding="utf-8")
        specs.update({table: name for table in re.findall(r"TableSpec\(\s*table=\"(\w+)\"", text)})
        for table in WRITE.findall(text):
            if table == "{":
                generic.add(name)
            elif table in TABLES:  # not "COPY of CSV" in a docstring
                writers.setdefault(table, set()).add(name)
    for table in specs:
        writers.setdefault(table, set()).update(generic)
    return writers


def test_each_table_is_written_by_the_modules_architecture_names_and_no_other():
    listed = {}
    for tables, written_by, _ in _section("Which module writes which table"):
        files = set(re.findall(r"`([\w/]+\.py)`", written_by))
        for table in re.findall(r"`(\w+)`", tables):
            listed[table] = files
    assert set(listed) >= TABLES, f"tables without a row: {TABLES - set(listed)}"
    found = _written_tables()
    for table, files in found.items():
        assert table in listed, f"{files} write {table}, which ARCHITECTURE.md does not list"
        assert files == listed[table], f"{table}: written by {sorted(files)}, ARCHITECTURE.md says {sorted(listed[table])}"
    for table, files in listed.items():
        assert not files or table in found, f"ARCHITECTURE.md says {sorted(files)} write {table}; none does"


def test_the_workout_documents_are_read_by_the_workout_tables_alone():
    """ast_json / compiled_json appear in tables/wods.py (the reader, wods.documents) and tables/wod_records.py (the
    records written) alone: every other module asks wods.documents()."""
    mentions = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                      if re.search(r"\b(ast_json|compiled_json)\b", p.read_text(encoding="utf-8")))
    assert mentions == ["tables/wod_records.py", "tables/wods.py"]


def test_no_room_is_over_400_lines():
    long = {p.relative_to(ROOT).as_posix(): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long


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


def test_every_test_and_file_the_docs_cite_exists():
    """The README and the docs name tests as `tests/FILE.py::NAME` (and `::NAME` for another in the same file) and
    files of the repository as `path/to/file.ext`: each must exist."""
    pages = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").rglob("*.md"))]
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    for cited in sorted(set(re.findall(r"`((?:wodlab|sql|tests|fixtures|benchmarks|docs|notebooks)/[\w./-]+\.\w+)`", text))):
        assert (ROOT / cited).exists() or (ROOT / "wodlab" / cited).exists(), f"the docs cite {cited}, which is not there"
    checked = 0
    for line in text.splitlines():
        current = None
        for path, name in re.findall(r"`(tests/\w+\.py)?(?:::(\w+))?`", line):
            current = path or current
            if current and name:
                assert f"def {name}(" in (ROOT / current).read_text(encoding="utf-8"), f"{current}::{name}"
                checked += 1
            elif path:
                assert (ROOT / path).is_file(), path
    assert checked >= 10
