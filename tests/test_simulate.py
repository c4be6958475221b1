"""The simulated box: deterministic, loadable through the real loaders, true to its own ground truth."""

from __future__ import annotations

import filecmp
import json

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from wodcraft.api import compile_source

from conftest import FIXTURES
from wodlab.sim.config import SimulationConfig
from wodlab.sim.simulate import simulate, write_box

SIM = FIXTURES / "sim"
# fixtures/sim was written by: wodlab simulate --seed 7 --wods fixtures/wods --out fixtures/sim
FIXTURE_COMMAND = ["simulate", "--seed", "7", "--wods", "fixtures/wods"]


@pytest.fixture(scope="module")
def truth():
    return json.loads((SIM / "truth.json").read_text())


def _same_files(a, b) -> bool:
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def test_the_same_seed_gives_byte_identical_files(tmp_path):
    config = SimulationConfig(athletes=30, weeks=4, seed=11)
    write_box(simulate(config), tmp_path / "one")
    write_box(simulate(config), tmp_path / "two")
    assert _same_files(tmp_path / "one", tmp_path / "two")
    write_box(simulate(SimulationConfig(athletes=30, weeks=4, seed=12)), tmp_path / "three")
    assert (tmp_path / "one" / "results.csv").read_bytes() != (tmp_path / "three" / "results.csv").read_bytes()


@pytest.mark.slow
def test_the_committed_fixture_is_what_the_command_writes(wodlab_cli, tmp_path):
    run = wodlab_cli(*FIXTURE_COMMAND, "--out", str(tmp_path / "sim"), cwd=FIXTURES.parent)
    assert run.returncode == 0, run.stderr
    assert _same_files(SIM, tmp_path / "sim"), "fixtures/sim is stale: regenerate it with the command above"


def test_the_fixture_loads_whole_through_the_loaders(sim_lab):
    reports = sim_lab.load_reports
    # the library, the 7 planted twins and the 4 scored workouts of fixtures/wods
    assert reports["wods"].ok and reports["wods"].count("new") == 83 + 7 + 4
    for name, csv_name in [("athletes", "athletes"), ("sessions", "sessions"), ("results", "results"), ("events", "events")]:
        rows = len(pd.read_csv(SIM / f"{csv_name}.csv"))
        assert (reports[name].rows_read, reports[name].inserted, reports[name].rejected) == (rows, rows, 0)
    assert 100 <= len(pd.read_csv(SIM / "athletes.csv")) <= 150


def test_planted_duplicates_are_what_truth_says(truth):
    """Semantic twins compile to the same blocks, near twins do not; the exact twin differs only in spacing."""
    sources = {p.stem: p.read_text() for p in (SIM / "wods").glob("*.wod")}
    kinds = sorted(d["kind"] for d in truth["duplicates"])
    assert kinds.count("semantic") >= 3 and kinds.count("near") >= 3 and "exact" in kinds

    def shape(document):  # the workout without where and how it was written
        text = json.dumps(document["blocks"], sort_keys=True)
        text = json.dumps(json.loads(text), sort_keys=True)
        return json.loads(text)

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("source", "unit", "written", "name")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    from wodcraft.library import entries

    library = {compile_source(e.source).document["title"]: e.source for e in entries()}
    exact = next(p for p in truth["duplicates"] if p["kind"] == "exact")
    assert exact["a_id"] != exact["b_id"] and exact["a"] == exact["b"]
    respaced = sources["jackie_again"]
    assert " ".join(respaced.split()) == " ".join(library[exact["a"]].split()) and respaced != library[exact["a"]]
    for pair in truth["duplicates"]:
        if pair["kind"] == "exact":
            continue
        twin = next(s for s in sources.values() if s.startswith(f"# {pair['b']}\n"))
        a, b = (compile_source(library[pair["a"]]).document, compile_source(twin).document)
        same = strip(shape(a)) == strip(shape(b))
        assert same == (pair["kind"] == "semantic"), pair


def test_the_athlete_workout_graph_is_connected(truth):
    results = pd.read_csv(SIM / "results.csv", dtype=str)
    athletes = {a: i for i, a in enumerate(sorted(results["athlete"].unique()))}
    items = {k: i for i, k in enumerate(sorted(set(results["wod"] + "|" + results["track"])))}
    rows = results["athlete"].map(athletes).to_numpy()
    cols = (results["wod"] + "|" + results["track"]).map(items).to_numpy() + len(athletes)
    n = len(athletes) + len(items)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    assert connected_components(graph, directed=False)[0] == 1
    assert {f"{i['reference']}|{i['track']}" for i in truth["items"]} >= set(items)


def test_gross_errors_are_listed_and_near_the_configured_rate(truth):
    results = pd.read_csv(SIM / "results.csv", dtype=str)
    errors = truth["gross_errors"]
    assert 0.01 <= len(errors) / len(results) <= 0.03
    written = set(zip(results["athlete"], results["wod"], results["session_date"], results["score"].str.replace(" Rx", "")))
    assert all((e["athlete"], e["wod"], e["session_date"], e["written"]) in written for e in errors)


def test_strong_athletes_come_more_to_hard_workouts(truth):
    """The selection bias the difficulty model must see through."""
    results = pd.read_csv(SIM / "results.csv", dtype=str)
    difficulty = {(i["reference"], i["track"]): i["difficulty"] for i in truth["items"]}
    general = {a: v["general"] for a, v in truth["athletes"].items()}
    frame = pd.DataFrame({"d": [difficulty[(w, "RX")] for w in results["wod"]],
                          "g": results["athlete"].map(general)})
    hard = frame["d"] > frame["d"].median()
    assert frame.loc[hard, "g"].mean() > frame.loc[~hard, "g"].mean() + 0.02


def test_live_events_agree_with_the_results_they_come_from(sim_lab, truth):
    """Where the whiteboard is right, each tracked class's live ranking is its results ranking."""
    lab = sim_lab
    tracked = lab.sql("""
        SELECT DISTINCT ss.id::text AS session, w.id::text AS wod_id, w.title, ss.track FROM realized_events re
        JOIN scheduled_sessions ss ON ss.id = re.session_id JOIN wod_definitions w ON w.id = ss.wod_definition_id
        ORDER BY 1""")
    assert len(tracked) >= 20
    slips = {(e["athlete"], e["wod_id"], e["session_date"]) for e in truth["gross_errors"]}
    checked = 0
    for row in tracked.itertuples():
        board = lab.leaderboard(row.wod_id, track=row.track, session=row.session, limit=None)
        external = lab.sql("SELECT id::text AS athlete_id, external_id FROM athletes")
        names = dict(zip(external["athlete_id"], external["external_id"]))
        date = str(board["session_date"].iloc[0].date())
        board = board[~board["athlete_id"].map(lambda a, names=names, wod=row.wod_id, date=date: (names[a], wod, date) in slips)]
        board = board[board["result_status"].isin(["finished", "capped"])]
        live = lab.live_leaderboard(row.session)
        live = live[live["athlete_id"].isin(board["athlete_id"])]
        if board["score_type"].iloc[0] == "ROUNDS" or (board["result_status"] == "capped").all():
            assert live["athlete_id"].tolist() == board["athlete_id"].tolist(), row.title
            checked += 1
        capped = board[board["result_status"] == "capped"]
        totals = dict(zip(live["athlete_id"], live["total_reps"]))
        assert all(totals[a] == v for a, v in zip(capped["athlete_id"], capped["score_value"])), row.title
    assert checked >= 3


def test_the_tracker_catches_the_slips_it_can_see(sim_lab, truth):
    """Whiteboard vs tracker: in tracked AMRAP classes, a score disagrees with the events exactly when
    it is a planted gross error (ten rounds too many)."""
    tracked = sim_lab.tracked_sessions()
    amraps = tracked[tracked["form"] == "amrap"]
    names = dict(zip(*sim_lab.sql("SELECT display_name, external_id FROM athletes").T.values))
    slips = {(e["athlete"], e["wod_id"], e["session_date"]) for e in truth["gross_errors"]}
    flagged, planted = set(), set()
    for row in amraps.itertuples():
        check = sim_lab.reconcile(row.session_id)
        date = str(row.session_date.date())
        disagrees = check["agrees"].eq(False).fillna(False)
        for athlete, wrong in zip(check["athlete"], disagrees):
            key = (names[athlete], row.wod_id, date)
            if wrong:
                flagged.add(key)
            if key in slips:
                planted.add(key)
    assert planted and flagged == planted


# --- scenarios: data that departs from the model the difficulty fit assumes -------------------------------------

SMALL = dict(athletes=40, weeks=20, seed=5)  # twenty weeks: capped workouts come up (censoring)


@pytest.fixture(scope="module")
def boxes():
    from wodlab.sim.config import SCENARIOS

    return {name: simulate(SimulationConfig(**SMALL, scenario=name)) for name in SCENARIOS}


def _count(box, status_words) -> int:
    return sum(any(w in r["score"].lower() for w in status_words) for r in box.results)


@pytest.mark.slow
def test_every_scenario_keeps_the_calendar_and_says_what_it_changed(boxes):
    """Only the results depart, except where a scenario names the programming: fewer scaled classes, or days
    given to mostly-capped workouts."""
    base = boxes["default"]
    held = lambda sessions: [(s["wod"], s["session_date"]) for s in sessions if s["track"] == "RX"]  # noqa: E731
    for name, box in boxes.items():
        departures = box.truth["departures"]
        if departures["capped_programming"]:
            assert [s["session_date"] for s in box.sessions if s["track"] == "RX"] == \
                   [s["session_date"] for s in base.sessions if s["track"] == "RX"], name  # the same days
            assert held(box.sessions) != held(base.sessions), name
        elif departures["scaled_only_written"]:
            assert held(box.sessions) == held(base.sessions), name
            scaled = lambda sessions: [s for s in sessions if s["track"] == "SCALED"]  # noqa: E731
            assert 0 < len(scaled(box.sessions)) < len(scaled(base.sessions)), name  # where a scaled version is written
        else:
            assert box.sessions == base.sessions, name  # the same programming: only the results depart
        assert box.truth["config"]["scenario"] == name
        if name != "default":
            assert box.results != base.results, name
            assert box.truth["departures"] != base.truth["departures"]


@pytest.mark.slow
def test_unlogged_bad_days_leave_results_missing_and_censoring_adds_dnfs(boxes):
    assert len(boxes["unlogged-bad-days"].results) < 0.95 * len(boxes["default"].results)
    assert _count(boxes["censoring"], ("dnf", "did not finish")) > _count(boxes["default"], ("dnf", "did not finish"))


@pytest.mark.slow
def test_specialists_have_a_duration_edge_and_realistic_errs_more(boxes):
    edges = [a["duration_edge"] for a in boxes["specialists"].truth["athletes"].values()]
    assert 0.08 < np.std(edges) < 0.25 and all(a["duration_edge"] == 0 for a in boxes["default"].truth["athletes"].values())
    realistic, default = boxes["realistic"], boxes["default"]
    rate = lambda box: len(box.truth["gross_errors"]) / len(box.results)  # noqa: E731
    assert rate(realistic) > 1.8 * rate(default)


@pytest.mark.slow
def test_the_truth_is_no_longer_a_linear_formula_of_the_features(boxes):
    """Under hidden-effects, the features the calibrated model uses explain much less of the true difficulty."""
    from wodlab.workouts.features import features
    from wodlab.workouts.levels import level_document, resolved_versions

    def explained(box) -> float:
        documents = {_wod_id(w): w.document for w in box.workouts}
        rows, target = [], []
        for item in box.truth["items"]:
            document = documents[item["wod_id"]]
            if item["track"] == "SCALED":
                document = level_document(document, resolved_versions(document), "SCALED")
            f = features(document)
            minutes = f["est_minutes"] if f["est_minutes"] == f["est_minutes"] else 10.0
            rows.append([1, np.log(max(1.0, min(minutes, f["cap_minutes"] or minutes)) / 10), min(f["load_ratio_max"] or 1, 2.5),
                         f["skill_top2"], f["share_gymnastics"], f["share_cardio"], f["vest_kg"], item["track"] == "SCALED"])
            target.append(item["difficulty"])
        X, y = np.array(rows, dtype=float), np.array(target)
        fitted = X @ np.linalg.lstsq(X, y, rcond=None)[0]
        return 1 - np.var(y - fitted) / np.var(y)

    assert explained(boxes["default"]) > 0.75
    assert explained(boxes["hidden-effects"]) < explained(boxes["default"]) - 0.15


def _wod_id(workout) -> str:
    from wodlab.sim.workouts import workout_id

    return workout_id(workout)


def test_the_command_takes_a_scenario(wodlab_cli, tmp_path):
    run = wodlab_cli("simulate", "--athletes", "20", "--weeks", "2", "--scenario", "realistic", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "truth.json").read_text())["config"]["scenario"] == "realistic"
    bad = wodlab_cli("simulate", "--scenario", "tidy", "--out", str(tmp_path))
    assert bad.returncode == 2 and "realistic" in bad.stderr


def test_the_command_line_offers_every_scenario_and_the_simulators_defaults():
    """`wodlab simulate` reads its scenarios and defaults from the simulator's config, never restated."""
    from wodlab import cli
    from wodlab.sim.config import SCENARIOS, SimulationConfig

    args = cli.build_parser().parse_args(["simulate", "--out", "x"])
    assert (args.athletes, args.weeks, args.seed, args.scenario) == (SimulationConfig.athletes, SimulationConfig.weeks,
                                                                     SimulationConfig.seed, SimulationConfig.scenario)
    for scenario in SCENARIOS:
        assert cli.build_parser().parse_args(["simulate", "--scenario", scenario, "--out", "x"]).scenario == scenario
