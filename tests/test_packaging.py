"""The project installs the way the README says: same dependencies everywhere, SQL in the wheel."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile

import pytest

from conftest import ROOT


def _requirement_names(requirements: list[str]) -> dict[str, str]:
    return {re.split(r"[<>=!\[ ;]", r, maxsplit=1)[0].lower(): r.replace(" ", "") for r in requirements}


def test_environment_yml_lists_the_runtime_dependencies_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    text = (ROOT / "environment.yml").read_text()
    pip_section = text.split("- pip:", 1)[1]
    conda_pip = [line.strip()[2:] for line in pip_section.splitlines() if line.strip().startswith("- ")]
    assert _requirement_names(conda_pip) == _requirement_names(project["dependencies"])


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    first_commands = re.findall(r"^make \w+", readme, flags=re.M)[:2]
    assert first_commands == ["make demo", "make test"]


@pytest.mark.slow
def test_a_plain_wheel_ships_the_sql_and_data_files(tmp_path):
    """Non-editable `pip install .` must find migrations and queries inside the package."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True,
    )
    (wheel,) = tmp_path.glob("wodlab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "wodlab/sql/migrations/001_seed_schema.sql" in names
    assert "wodlab/sql/queries/search_wods.sql" in names
    assert "wodlab/data/movement_enrichment.toml" in names
    subpackages = sorted(str(init.relative_to(ROOT)) for init in (ROOT / "wodlab").glob("*/__init__.py"))
    assert subpackages and set(subpackages) <= set(names), "a subpackage of wodlab/ is missing from [tool.setuptools] packages"

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True)
    probe = (
        "import wodlab, wodlab.store.queries as q, wodlab.store.schema as s, wodlab.workouts.catalog as c, wodlab.difficulty,"
        " wodlab.scoring.scores, wodlab.programming;"
        "print(wodlab.__file__); print(len(q.catalog()), len(s.migrations()), len(c.enrichment()),"
        " wodlab.scoring.scores.parse_score('7+12').format())"
    )
    # -S skips .pth files, so the editable install of this checkout is invisible; the venv's
    # site-packages comes after the wheel for the dependencies. cwd elsewhere: '' is on sys.path.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]]))
    out = subprocess.run([sys.executable, "-S", "-c", probe], env=env, cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert out[0].startswith(str(target)), "the probe imported the editable checkout, not the wheel"
    queries_in_repo = len(list((ROOT / "sql" / "queries").glob("*.sql")))
    migrations_in_repo = len(list((ROOT / "sql" / "migrations").glob("*.sql")))
    assert out[1].split() == [str(queries_in_repo), str(migrations_in_repo), "228", "7+12"]  # the grammar ships too
