"""`wodlab rebuild`: recompiling stored workouts after a compiler upgrade, resumable after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import sqlalchemy as sa
import wodcraft

from conftest import ROOT

OLD = "0.0.1"  # the "previous" wodcraft the rows were compiled by


def _simulate_an_upgrade(lab, stale: int = 10) -> list[str]:
    """Stamp every row with an old compiler; strip the estimate from the first `stale` rows (by id), as a
    compiler that did not estimate durations would have stored them. Returns those rows' ids."""
    with lab.engine.begin() as conn:
        conn.execute(sa.text("UPDATE wod_definitions SET wodcraft_version = :old"), {"old": OLD})
        ids = conn.execute(sa.text("SELECT id::text FROM wod_definitions WHERE ast_json ? 'estimate' ORDER BY id LIMIT :n"),
                           {"n": stale}).scalars().all()
        conn.execute(sa.text("UPDATE wod_definitions SET ast_json = ast_json - 'estimate', duration_seconds = NULL, "
                             "updated_at = '2020-01-01' WHERE id::text = ANY(:ids)"), {"ids": ids})
    return ids


def _state(lab):
    return lab.sql("SELECT id::text AS id, wodcraft_version, version, updated_at, ast_json ? 'estimate' AS estimated, "
                   "duration_seconds FROM wod_definitions ORDER BY id")


def test_dry_run_lists_what_would_change_and_writes_nothing(lab):
    lab.load_wods([ROOT / "fixtures" / "wods"], library=True, progress=False)
    stale = _simulate_an_upgrade(lab)
    before = _state(lab)
    plan = lab.rebuild(dry_run=True)
    assert len(plan) == len(before)
    changing = plan[plan["status"] == "would change"]
    assert sorted(changing["wod_id"]) == sorted(stale)
    assert all("ast_json" in c and "duration_seconds" in c for c in changing["changes"])
    assert set(plan["status"]) == {"would change", "unchanged"} and set(plan["stored_wodcraft_version"]) == {OLD}
    assert _state(lab).equals(before)


@pytest.mark.slow
def test_a_rebuild_killed_midway_loses_nothing_and_a_rerun_finishes(lab):
    lab.load_wods([ROOT / "fixtures" / "wods"], library=True, progress=False)
    stale = _simulate_an_upgrade(lab)
    total = len(_state(lab))
    env = {**os.environ, "DATABASE_URL": lab.engine.url.render_as_string(hide_password=False)}
    blocker = lab.engine.connect()
    transaction = blocker.begin()
    # Hold the fifth row: the rebuild (one workout per batch) commits four batches, then waits on it.
    # (Not "OFFSET 4 LIMIT 1 FOR UPDATE": that would lock the four rows it skips as well.)
    fifth = blocker.execute(sa.text("SELECT id::text FROM wod_definitions ORDER BY id OFFSET 4 LIMIT 1")).scalar()
    blocker.execute(sa.text("SELECT 1 FROM wod_definitions WHERE id = CAST(:id AS UUID) FOR UPDATE"), {"id": fifth})
    run = subprocess.Popen([sys.executable, "-m", "wodlab.cli", "rebuild", "--batch", "1"], env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, text=True)
    committed = [run.stdout.readline() for _ in range(4)]
    assert committed[-1].startswith("batch 4 committed")
    os.kill(run.pid, signal.SIGKILL)  # as a crash or a kill -9 would
    run.wait()
    transaction.rollback()
    blocker.close()

    midway = _state(lab)
    assert len(midway) == total
    assert (midway["wodcraft_version"] == wodcraft.__version__).sum() == 4
    untouched = midway[midway["wodcraft_version"] == OLD]
    assert fifth in set(untouched["id"]) and len(untouched) == total - 4
    still_stale = [i for i in stale if i in set(untouched["id"])]
    assert still_stale and not untouched.set_index("id").loc[still_stale, "estimated"].any()  # still as stored

    rerun = subprocess.run([sys.executable, "-m", "wodlab.cli", "rebuild"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    after = _state(lab).set_index("id")
    assert len(after) == total and set(after["wodcraft_version"]) == {wodcraft.__version__}
    assert after.loc[stale, "estimated"].all() and after.loc[stale, "duration_seconds"].notna().all()
    assert set(after.loc[stale, "version"]) == {2}  # the document changed: version and updated_at moved
    assert (after.loc[stale, "updated_at"].dt.year > 2020).all()
    assert set(after.drop(index=stale)["version"]) == {1}  # same document: only the stamp moved

    again = subprocess.run([sys.executable, "-m", "wodlab.cli", "rebuild"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_a_source_the_new_compiler_refuses_is_kept_and_reported(lab):
    lab.store_wod("# Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n")
    with lab.engine.begin() as conn:
        conn.execute(sa.text("UPDATE wod_definitions SET wodcraft_version = :old, "
                             "dsl_source = '# Fran' || chr(10) || '21-15-9 for time' || chr(10) || '  Thruster 43/30 kg' "
                             "|| chr(10) || '  Pul-up'"), {"old": OLD})
    report = lab.rebuild()
    (row,) = report.itertuples()
    assert row.status == "failed" and "Pul-up" in row.reason
    assert _state(lab)["wodcraft_version"].iloc[0] == OLD  # left as it was, tried again next time


def test_a_rebuild_leaves_a_learned_duration_alone(lab):
    """A duration learned from results (migration 028: source 'observed' or 'estimated') is not the compiler's to
    rewrite; one still wodcraft's is rewritten with the rest of the document."""
    lab.load_wods([ROOT / "fixtures" / "wods"], library=True, progress=False)
    with lab.engine.begin() as conn:
        learned, plain = conn.execute(sa.text(
            "SELECT id::text FROM wod_definitions WHERE duration_seconds IS NOT NULL ORDER BY id LIMIT 2")).scalars().all()
        conn.execute(sa.text("UPDATE wod_definitions SET duration_seconds = 4321, duration_source = 'observed' "
                             "WHERE id::text = :id"), {"id": learned})
        conn.execute(sa.text("UPDATE wod_definitions SET duration_seconds = 1234 WHERE id::text = :id"), {"id": plain})
        conn.execute(sa.text("UPDATE wod_definitions SET wodcraft_version = :old"), {"old": OLD})
    plan = lab.rebuild(dry_run=True).set_index("wod_id")
    assert "duration_seconds" not in plan.at[learned, "changes"] and "duration_seconds" in plan.at[plain, "changes"]
    lab.rebuild()
    stored = lab.sql("SELECT id::text AS id, duration_seconds, duration_source FROM wod_definitions").set_index("id")
    assert (stored.at[learned, "duration_seconds"], stored.at[learned, "duration_source"]) == (4321, "observed")
    assert stored.at[plain, "duration_seconds"] != 1234 and stored.at[plain, "duration_source"] == "wodcraft"
