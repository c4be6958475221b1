"""`wodlab export DIR` is the backup: loading the folder into an empty database gives the same rows."""

from __future__ import annotations

import json
import os
import stat

import pandas as pd
import pytest

from conftest import FIXTURES, ROOT
from wodlab.core.errors import WodlabError
from wodlab.exchange import export
from wodlab.workouts.difficulty_model import BASELINE, DifficultyModel

pytestmark = pytest.mark.slow  # servers in other processes, whole boxes exported and loaded back: `make test`

COMPARED = {
    "wod_definitions": "id, title, dsl_source, source_hash, ast_json::text AS ast, compiled_json::text AS versions, "
                       "movements_list, equipment_list, duration_seconds, modality_tags, difficulty_score, difficulty_version",
    "athletes": "id, external_id, display_name, gender, birth_year",
    "scheduled_sessions": "id, wod_definition_id, session_date, session_time, track, gender_mode, team_size, location, "
                          "coach_notes, max_participants",
    "athlete_results": "id, session_id, athlete_id, score_text, score_type, score_value, score_secondary, score_unit, is_rx, "
                       "is_dnf, notes, recorded_at, division, result_status, tiebreak_seconds, rank_tier, rank_value",
    "realized_events": "id, session_id, athlete_id, timestamp_offset, movement, quantity_completed, quantity_unit, "
                       "event_type, metadata::text AS metadata, recorded_at",
    "competitions": "id, name, notation, created_at, rules::text AS rules",
    "result_judging": "result_id AS id, session_date, status, penalty, penalty_unit, reason, judged_at",
    "competition_workouts": "competition_id AS id, label, ordinal, session_id",
    "competition_entries": "competition_id AS id, athlete_id, division",
    "load_history": "id, table_name, row_id, old_row::text AS old_row, new_row::text AS new_row, source, replaced_at",
}


def _table(lab, table: str) -> pd.DataFrame:
    return lab.sql(f"SELECT {COMPARED[table]} FROM {table} ORDER BY 1, 2, 3")


def _active(lab) -> str:
    return lab.difficulty.model().version


@pytest.mark.slow
def test_export_then_load_box_gives_the_same_rows(wodlab_cli, sim_copy, lab, tmp_path):
    source = sim_copy
    # A second difficulty version, active, so the export must carry models, not only scores.
    params = BASELINE.params()
    params["weights"] = {name: weight * (2 if i == 0 else 1) for i, (name, weight) in enumerate(params["weights"].items())}
    source.difficulty.save(DifficultyModel.from_params("roundtrip-2", params, "export test"))
    assert source.difficulty.apply("roundtrip-2") > 0
    # A live event: its id is random, so only a verbatim id column brings it back.
    session = source.tracked_sessions()["session_id"].iloc[0]
    athlete = source.athletes()["external_id"].iloc[0]
    source.tracker(session).record_movement_completion(athlete, "thruster", 21, offset=7, metadata={"note": "x" * 20_000})
    # A competition (three tables) and a correction (load_history): stored nowhere a loader reads.
    source.load_leaderboard(FIXTURES / "leaderboards" / "open_long.csv", competition="Open Test", rules="fixed-step")
    assert source.judge("Open Test", athlete="m1", workout="24.1", status="adjusted", penalty=5, unit="seconds",
                        reason="late start")
    _correct_a_name(source, tmp_path)

    env = {**os.environ, "DATABASE_URL": source.engine.url.render_as_string(hide_password=False)}
    folder = tmp_path / "backup"
    run = wodlab_cli("export", str(folder), env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert (folder / "wods").is_dir() and (folder / "results.csv").is_file() and "load box" in run.stdout

    lab.load_box(folder, progress=False)
    for table in COMPARED:
        before, after = _table(source, table), _table(lab, table)
        assert len(before) > 0, table
        pd.testing.assert_frame_equal(after, before, check_dtype=False, obj=table)
    assert _active(lab) == "roundtrip-2"
    versions = lab.difficulty.list()
    assert set(versions["version"]) == set(source.difficulty.list()["version"])


def _correct_a_name(lab, tmp_path) -> None:
    first = lab.sql("SELECT external_id, display_name, gender, birth_year FROM athletes ORDER BY external_id LIMIT 1")
    fix = first.rename(columns={"display_name": "name"}).assign(name=lambda f: f["name"] + " Jr")
    fix.to_csv(tmp_path / "fix.csv", index=False)
    assert lab.load_athletes(tmp_path / "fix.csv", update=True).updated == 1


def test_an_export_is_one_snapshot_while_a_load_commits(sim_copy, lab, tmp_path, monkeypatch):
    """A load that commits between two files of the export (athletes.csv written, results.csv not yet) is
    in none of them: every file is read from one snapshot, so the folder restores."""
    writes = []
    copy_out = export._copy_out

    def and_a_load_commits(conn, sql, path):
        written = copy_out(conn, sql, path)
        if path.name == "athletes.csv":  # another user's load, committed on its own connection
            session = sim_copy.sql("SELECT id::text AS id FROM scheduled_sessions ORDER BY id LIMIT 1")["id"].iloc[0]
            (tmp_path / "late.csv").write_text("external_id,name\nlate-comer,Late Comer\n")
            sim_copy.load_athletes(tmp_path / "late.csv")
            wod = sim_copy.sql(f"SELECT s.track, w.title FROM scheduled_sessions s JOIN wod_definitions w "
                               f"ON w.id = s.wod_definition_id WHERE s.id = '{session}'")
            score = sim_copy.sql(f"SELECT score_text FROM athlete_results WHERE session_id = '{session}' LIMIT 1")
            (tmp_path / "late_result.csv").write_text(
                f"session_id,athlete,score\n{session},late-comer,{score['score_text'].iloc[0]}\n")
            sim_copy.load_results(tmp_path / "late_result.csv")
            writes.append(wod)
        return written

    monkeypatch.setattr(export, "_copy_out", and_a_load_commits)
    counts = sim_copy.export(tmp_path / "backup")
    assert writes, "the load ran during the export"
    results_now = sim_copy.sql("SELECT count(*) AS n FROM athlete_results")["n"].iloc[0]
    assert counts["results.csv"] == results_now - 1  # the late result is not in the export...
    assert "late-comer" not in (tmp_path / "backup" / "athletes.csv").read_text()
    lab.load_box(tmp_path / "backup", progress=False)  # ...and the folder restores
    assert lab.sql("SELECT count(*) AS n FROM athlete_results")["n"].iloc[0] == counts["results.csv"]


@pytest.fixture
def exported(sim_copy, tmp_path):
    folder = tmp_path / "backup"
    sim_copy.export(folder)
    return folder


def _cut_at_a_line_end(path):
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) // 2]))


@pytest.mark.parametrize("damage, named", [
    (lambda folder: _cut_at_a_line_end(folder / "results.csv"), "results.csv: .* bytes where the export wrote"),
    (lambda folder: (folder / "events.csv").unlink(), "events.csv: missing"),
    (lambda folder: (folder / "athletes.csv").write_bytes((folder / "athletes.csv").read_bytes().replace(b"F", b"M")),
     "athletes.csv: changed since the export"),
    (lambda folder: (folder / "wods" / "extra.wod").write_text("x"), "wods/extra.wod: not in the manifest"),
])
def test_a_damaged_export_is_refused_before_anything_is_written(exported, lab, count, damage, named):
    damage(exported)
    with pytest.raises(WodlabError, match=f"does not match its manifest; nothing was loaded[^$]*{named}"):
        lab.load_box(exported, progress=False)
    assert count(lab, "wod_definitions") == 0 and count(lab, "athletes") == 0


def test_the_manifest_lists_every_file_with_its_rows_and_checksum(exported):
    manifest = json.loads((exported / "manifest.json").read_text())
    files = manifest["files"]
    written = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(files) == written
    for name in ("competitions.csv", "competition_workouts.csv", "competition_entries.csv", "result_judging.csv",
                 "load_history.csv"):
        assert name in files
    results = files["results.csv"]
    assert results["rows"] > 1000 and results["bytes"] == (exported / "results.csv").stat().st_size


def test_an_export_is_readable_by_its_owner_only(exported):
    assert stat.S_IMODE(exported.stat().st_mode) == 0o700
    assert stat.S_IMODE((exported / "wods").stat().st_mode) == 0o700
    modes = {stat.S_IMODE(p.stat().st_mode) for p in exported.rglob("*") if p.is_file()}
    assert modes == {0o600}


def test_an_export_into_a_folder_that_is_not_empty_needs_force_and_leaves_no_stale_file(sim_copy, exported, tmp_path):
    with pytest.raises(WodlabError, match="is not empty .*--force"):
        sim_copy.export(exported)
    stale = exported / "wods" / "gone-0000.wod"
    stale.write_text("an old export's workout")
    sim_copy.export(exported, force=True)
    assert not stale.exists()
    export.verify(exported)  # the new export is whole
    (exported / "notes.txt").write_text("mine")
    with pytest.raises(WodlabError, match="notes.txt.*--force only replaces an earlier export"):
        sim_copy.export(exported, force=True)
    assert (exported / "notes.txt").read_text() == "mine"


def test_load_box_update_applies_the_folders_values_and_keeps_the_old_ones(sim_copy, exported, tmp_path):
    """A restore over a database corrected since the export: a conflict without --update, applied with it."""
    _correct_a_name(sim_copy, tmp_path)
    with pytest.raises(WodlabError, match="would change what is stored, nothing was loaded"):
        sim_copy.load_box(exported, progress=False)
    before = sim_copy.sql("SELECT count(*) AS n FROM load_history")["n"].iloc[0]
    reports = sim_copy.load_box(exported, update=True, progress=False)
    assert reports["athletes"].updated == 1
    assert sim_copy.sql("SELECT count(*) AS n FROM load_history")["n"].iloc[0] == before + 1
    assert not sim_copy.sql("SELECT 1 FROM athletes WHERE display_name LIKE '% Jr'").shape[0]
