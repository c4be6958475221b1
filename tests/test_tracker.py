"""Live tracking: a writer process records events, a listener process hears them within a second."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pandas as pd
import pytest

from wodlab.core.errors import WodlabError
from wodlab.store.names import athlete_id
from wodlab.tables.tracker import replay

ATHLETES = ["alice", "bruno", "chloe"]

LISTENER = """
import json, sys, time, wodlab
lab = wodlab.connect()
for event in lab.listen(sys.argv[1], timeout=30, stop_after=int(sys.argv[2]),
                        on_ready=lambda: print("ready", flush=True)):
    event["received_at"] = time.time()
    print(json.dumps(event), flush=True)
"""

WRITER = """
import sys, time, wodlab
lab = wodlab.connect()
tracker = lab.tracker(sys.argv[1])
plan = [(a, m) for _ in range(4) for a in sys.argv[2:] for m in ("push_up", "Thruster", "pull-ups")]
for k, (athlete, movement) in enumerate(plan):
    tracker.record_movement_completion(athlete, movement, 10 if athlete != sys.argv[2] else 7, offset=5 * k,
                                       metadata={"sent_at": time.time()})
"""


@pytest.fixture
def amrap_session(box_lab):
    lab = box_lab
    (session,) = lab.sql("SELECT ss.id::text FROM scheduled_sessions ss JOIN wod_definitions w ON w.id = "
                         "ss.wod_definition_id WHERE w.title = 'Push Pull Twelve'").iloc[:, 0]
    return lab, session


@pytest.mark.slow
def test_events_from_one_process_reach_a_listener_in_another_within_a_second(amrap_session):
    lab, session = amrap_session
    env = {**os.environ, "DATABASE_URL": lab.engine.url.render_as_string(hide_password=False)}
    athletes = [str(athlete_id(a)) for a in ATHLETES]
    expected = 4 * len(athletes) * 3
    listener = subprocess.Popen([sys.executable, "-c", LISTENER, session, str(expected)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert listener.stdout.readline().strip() == "ready"  # LISTEN is active before anything is sent
    writer = subprocess.run([sys.executable, "-c", WRITER, session, *athletes], env=env, capture_output=True, text=True)
    assert writer.returncode == 0, writer.stderr
    out, err = listener.communicate(timeout=60)
    assert listener.returncode == 0, err
    heard = [json.loads(line) for line in out.splitlines()]
    assert len(heard) == expected
    latencies = [e["received_at"] - e["metadata"]["sent_at"] for e in heard]
    assert max(latencies) < 1.0, latencies
    assert {e["movement"] for e in heard} == {"push_up", "thruster", "pull_up"}

    live = lab.live_leaderboard(session)
    replayed = replay(heard)
    assert live["athlete_id"].tolist() == replayed["athlete_id"].tolist()
    assert live["total_reps"].tolist() == replayed["total_reps"].tolist()
    assert live["last_update"].tolist() == replayed["last_update"].tolist()
    assert live["total_reps"].tolist() == [120.0, 120.0, 84.0]  # the first athlete does 7s


def test_the_tracker_leaderboard_is_the_seed_query(amrap_session):
    lab, session = amrap_session
    tracker = lab.tracker(session, start_time=time.monotonic())
    alice, bruno = str(athlete_id("alice")), str(athlete_id("bruno"))
    tracker.record_movement_completion(alice, "push_up", 10, offset=30)
    tracker.record_movement_completion(bruno, "push_up", 10, offset=25)
    tracker.record_movement_completion(bruno, None, None, event_type="REST", offset=40)
    board = tracker.get_live_leaderboard()
    pd.testing.assert_frame_equal(board, lab.live_leaderboard(session))
    assert board["athlete_id"].tolist() == [bruno, alice]  # same reps, Bruno got there first


def test_an_unknown_movement_is_refused_and_not_recorded(amrap_session, count):
    lab, session = amrap_session
    with pytest.raises(WodlabError, match="did you mean"):
        lab.tracker(session).record_movement_completion(str(athlete_id("alice")), "thrusterz", 10)
    assert count(lab, "realized_events") == 0


def test_a_listener_stops_after_its_timeout_when_nothing_comes(amrap_session):
    lab, session = amrap_session
    started = time.monotonic()
    assert list(lab.listen(session, timeout=0.2)) == []
    assert time.monotonic() - started < 5
