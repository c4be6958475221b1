"""`wodlab export DIR` is the backup: loading the folder into an empty database gives the same rows."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

from conftest import ROOT
from wodlab.difficulty.model import BASELINE, DifficultyModel

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
}


def _table(lab, table: str) -> pd.DataFrame:
    return lab.sql(f"SELECT {COMPARED[table]} FROM {table} ORDER BY id")


def _active(lab) -> str:
    return lab.difficulty.model().version


def test_export_then_load_box_gives_the_same_rows(sim_copy, lab, tmp_path):
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

    env = {**os.environ, "DATABASE_URL": source.engine.url.render_as_string(hide_password=False)}
    folder = tmp_path / "backup"
    run = subprocess.run([sys.executable, "-m", "wodlab.cli", "export", str(folder)], env=env, cwd=ROOT,
                         capture_output=True, text=True)
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
