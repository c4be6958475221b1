"""Each item is measured against its own standard: the level the athletes did (a scaled track as wodcraft
resolves it) and the team's share of the work (structure.item_version, difficulty.observed.item_standard)."""

from __future__ import annotations

import math

import pytest
from wodcraft.library import get

from wodlab.workouts.compiler import compile_documents
from wodlab.workouts.levels import level_document, resolved_versions
from wodlab.workouts.structure import Scoring, item_version, standard_performance, team_size_of

PARTNER = """# Partner chipper
For time, cap 20:00, teams of 2
  50 cal Row (split)
  40 Pull-up (each)
  30 Thruster 43/30 kg (sync)
"""
SHARED = """# Shared chipper
For time, cap 20:00, teams of 2
  50 cal Row (split)
  40 Pull-up (split)
  30 Thruster 43/30 kg (sync)
"""


def compiled(text: str) -> dict:
    return compile_documents(text, "test.wod")[0]


def test_a_team_does_each_line_once_per_member_and_shares_the_rest():
    partner, shared = compiled(PARTNER), compiled(SHARED)
    assert Scoring.of(item_version(partner, 2)).total_reps == 50 + 2 * 40 + 30
    assert Scoring.of(item_version(shared, 2)).total_reps == 50 + 40 + 30
    # the 40 extra pull-ups take time: the team's standard is slower than the written work's
    assert standard_performance(item_version(partner, 2)) > standard_performance(item_version(partner, 1))
    assert standard_performance(item_version(shared, 2)) == standard_performance(item_version(shared, 1))


def test_the_team_size_is_the_workouts_own_else_the_sessions():
    assert team_size_of(compiled(PARTNER)) == 2
    assert team_size_of(compiled(PARTNER), 4) == 2  # "teams of 2" is what was done
    fran = compiled(get("girls/fran").source)
    assert team_size_of(fran) == 1 and team_size_of(fran, 3) == 3 and team_size_of(fran, None) == 1


@pytest.mark.parametrize("path", ["girls/grace", "girls/fran", "girls/cindy"])
def test_a_scaled_version_has_its_own_standard(path):
    document = compiled(get(path).source)
    scaled = level_document(document, resolved_versions(document), "SCALED")
    rx_standard = standard_performance(item_version(document))
    assert rx_standard == standard_performance(document)  # Rx re-estimated is wodcraft's own estimate
    scaled_standard = standard_performance(item_version(scaled))
    if Scoring.of(document).kind == "time":  # a lighter barbell: quicker reps
        assert scaled_standard < rx_standard
    else:  # Cindy's scaled movements have their own catalog paces
        assert scaled_standard != pytest.approx(rx_standard, rel=0.01)


ATHLETES = [("a1", "M"), ("a2", "F"), ("a3", "M"), ("a4", "F"), ("a5", "M"), ("a6", "F")]


@pytest.fixture
def team_box(lab, tmp_path):
    """Grace done Rx, scaled and in pairs (a session of team size 2), and a partner workout."""
    lab.store_wod(get("girls/grace").source)
    lab.store_wod(PARTNER)
    (tmp_path / "athletes.csv").write_text("external_id,name,gender\n" + "".join(f"{a},{a},{g}\n" for a, g in ATHLETES))
    sessions = [("Grace", "2026-09-01", "RX", 1), ("Grace", "2026-09-01", "SCALED", 1), ("Grace", "2026-09-08", "RX", 2),
                ("Partner chipper", "2026-09-15", "RX", 2)]
    (tmp_path / "sessions.csv").write_text("wod,session_date,session_time,track,team_size\n" + "".join(
        f"{w},{d},18:00,{t},{n}\n" for w, d, t, n in sessions))
    results = []
    for k, (athlete, _) in enumerate(ATHLETES):
        results.append(("Grace", "2026-09-01", "RX" if k < 3 else "SCALED", athlete, 150 + 20 * k))
        results.append(("Grace", "2026-09-08", "RX", athlete, 100 + 10 * (k // 2)))
        results.append(("Partner chipper", "2026-09-15", "RX", athlete, 600 + 30 * (k // 2)))
    (tmp_path / "results.csv").write_text("wod,session_date,session_time,track,athlete,score\n" + "".join(
        f"{w},{d},18:00,{t},{a},{s // 60}:{s % 60:02d}\n" for w, d, t, a, s in results))
    lab.load_athletes(tmp_path / "athletes.csv")
    lab.load_sessions(tmp_path / "sessions.csv")
    lab.load_results(tmp_path / "results.csv")
    return lab


def test_items_are_kept_apart_by_level_and_team_size_and_measured_against_their_version(team_box):
    observed = team_box.difficulty.observed(errors="model")
    items = {(t, k, n): r for t, k, n, r in zip(observed.items["title"], observed.items["track"],
                                                 observed.items["team_size"], observed.items["n_results"])}
    assert items == {("Grace", "RX", 1): 3, ("Grace", "SCALED", 1): 3, ("Grace", "RX", 2): 6,
                     ("Partner chipper", "RX", 2): 6}
    grace = compiled(get("girls/grace").source)
    partner = compiled(PARTNER)
    standard = {"SCALED": standard_performance(item_version(level_document(grace, resolved_versions(grace), "SCALED"))),
                "RX": standard_performance(item_version(grace)),
                "team": standard_performance(item_version(partner, 2))}
    results = team_box.sql("""SELECT ar.id::text AS result_id, ar.score_value, w.title
                              FROM athlete_results ar JOIN scheduled_sessions ss ON ss.id = ar.session_id
                              JOIN wod_definitions w ON w.id = ss.wod_definition_id""")
    # each item on its workout's Rx scale: the level's own measure plus how much less its version asks
    rx_alone = {"Grace": standard["RX"], "Partner chipper": standard_performance(item_version(partner, 1))}
    gaps = {(t, k, n): g for t, k, n, g in zip(observed.items["title"], observed.items["track"],
                                               observed.items["team_size"], observed.items["level_gap"])}
    assert gaps[("Grace", "RX", 1)] == 0
    assert gaps[("Grace", "SCALED", 1)] == pytest.approx(math.log(standard["RX"] / standard["SCALED"]))
    assert gaps[("Partner chipper", "RX", 2)] == pytest.approx(math.log(rx_alone["Partner chipper"] / standard["team"]))
    fitted = observed.residuals.merge(results, on="result_id")
    for row in fitted.itertuples():
        key = "team" if row.title == "Partner chipper" else row.track  # the item's level
        gap = gaps[(row.title, row.track, row.team_size)]
        assert row.y - gap == pytest.approx(math.log(standard[key] / row.score_value)), row
        assert row.y == pytest.approx(math.log(rx_alone[row.title] / row.score_value)), row
