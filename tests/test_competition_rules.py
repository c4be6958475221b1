"""A competition's rules as data (wodlab.competition.rules, wodlab.competition.standings): each preset and
tie-break reproduces its hand-made fixture (fixtures/competitions/README.md works each one out), changing
the rules re-ranks without a reload, and judged results count as the judge said."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import FIXTURES
from wodlab.competition.rules import PRESETS, Rules, rules_of
from wodlab.core.errors import QueryError, WodlabError

COMPETITION = FIXTURES / "competitions"
RULES = {
    "open": "open",
    "open-countback": "open-countback",
    "best-finish": {"tiebreaks": ["best-finish", "shared"]},
    "best-finish-then-last-workout": {"tiebreaks": ["best-finish", "last-workout"]},
    "fixed-step": "fixed-step",
    "points-table-no-points": {"scoring": "points-table", "table": str(COMPETITION / "points_table.csv"),
                               "no_score": "no-points", "tiebreaks": ["shared"]},
}


@pytest.fixture(scope="module")
def board(admin, server_url, template):
    from conftest import lab_on_new_database

    with lab_on_new_database(admin, server_url, template, "wl_competition_rules") as lab:
        assert lab.load_wods(library=True, progress=False).ok
        report = lab.load_leaderboard(COMPETITION / "board.csv", competition="Rules Cup")
        assert report.inserted == 30
        yield lab


def _by_external_id(lab, frame: pd.DataFrame) -> list:
    names = dict(lab.sql("SELECT id::text AS id, external_id FROM athletes").values.tolist())
    frame = frame.assign(athlete_id=frame["athlete_id"].map(names))
    return frame[["division", "rank", "athlete_id", "points", "decided_by"]].values.tolist()


@pytest.mark.parametrize("name", list(RULES))
def test_each_rule_set_gives_its_hand_made_standings(board, name):
    board.set_competition_rules("Rules Cup", RULES[name])  # no reload: the standings are computed on read
    expected = pd.read_csv(COMPETITION / f"{name}.csv").values.tolist()
    assert _by_external_id(board, board.standings("Rules Cup")) == expected


def test_standings_show_each_workouts_place_and_points(board):
    board.set_competition_rules("Rules Cup", "fixed-step")
    women = board.standings("Rules Cup", division="Women").set_index("athlete")
    assert women.loc["Hal", ["23.1 place", "24.1 place", "19.1 place"]].tolist() == [2, 2, 3]
    assert women.loc["Hal", ["23.1 points", "24.1 points", "19.1 points"]].tolist() == [95, 95, 90]
    assert women.loc["Jo", "24.1 points"] == 85  # a no-score shares the place after the last score: 4th
    assert list(board.standings("Rules Cup").columns[:8]) == ["division", "rank", "athlete_id", "athlete", "points",
                                                              "decided_by", "best_finish", "workouts_scored"]


def test_rules_given_with_the_board_are_stored(board, tmp_path):
    board.load_leaderboard(COMPETITION / "board.csv", competition="Rules Cup", rules="open-countback")
    assert board.competition_rules("Rules Cup") == PRESETS["open-countback"]


def test_a_capped_time_is_shown_as_its_time_equivalent_when_the_rules_say_so(board):
    board.set_competition_rules("Rules Cup", {"capped_as_time": True})
    men = board.competition_results("Rules Cup", division="Men")
    capped = men[men["label"] == "24.1"].set_index("athlete")
    assert capped.loc["Fay", "shown"] == "15:10" and capped.loc["Dee", "shown"] == "15:20"  # cap + 1 s per rep left
    assert capped.loc["Fay", "place"] == 5 and capped.loc["Ada", "shown"] == "9:30"
    board.set_competition_rules("Rules Cup", "open")
    plain = board.competition_results("Rules Cup", division="Men")
    assert plain[(plain["label"] == "24.1") & (plain["athlete"] == "Fay")]["shown"].item() == "CAP+170"  # canonical: reps done


def test_judging_invalid_pending_and_a_penalty(board):
    board.set_competition_rules("Rules Cup", "open")
    results = board.competition_results("Rules Cup", division="Women")
    assert set(results.loc[results["athlete"] == "Hal", "judging"]) == {"valid", "pending"}  # the board's valid column
    # only what a judge accepted: Hal's two pending results become no-scores
    valid_only = board.standings("Rules Cup", division="Women", judging="valid").set_index("athlete")
    assert valid_only.loc["Hal", ["24.1 place", "19.1 place"]].tolist() == [3, 4]
    assert valid_only.loc["Ivy", "rank"] == 2 and valid_only.loc["Hal", "rank"] == 3
    # a penalty: 30 reps off Ivy's 19.1 (290 -> 260 reps) drops her below Hal (280) and Jo (270)
    assert board.judge("Rules Cup", athlete="i", workout="19.1", status="adjusted", penalty=30, unit="reps", reason="no-reps on wall balls")
    placed = board.competition_results("Rules Cup", division="Women")
    on_19 = placed[placed["label"] == "19.1"].set_index("athlete")
    assert on_19.loc["Ivy", "place"] == 4 and on_19.loc["Ivy", "judging_reason"] == "no-reps on wall balls"
    # invalid: Gia's 23.1 counts as no score
    assert board.judge("Rules Cup", athlete="g", workout="23.1", status="invalid", reason="video missing")
    on_23 = board.competition_results("Rules Cup", division="Women").query("label == '23.1'").set_index("athlete")
    assert on_23.loc["Gia", "place"] == 4 and not on_23.loc["Gia", "counted"]
    # every change is in the history, the old judgment beside the new
    history = board.sql("SELECT old_row->>'status' AS was, new_row->>'status' AS now, source FROM load_history "
                        "WHERE table_name = 'result_judging' AND source LIKE 'judge:%' ORDER BY id")
    assert history[["was", "now"]].values.tolist() == [["valid", "adjusted"], ["valid", "invalid"]]
    assert not board.judge("Rules Cup", athlete="g", workout="23.1", status="invalid", reason="video missing")  # nothing changed
    for athlete, label in (("i", "19.1"), ("g", "23.1")):  # back as the board had them
        board.judge("Rules Cup", athlete=athlete, workout=label, status="valid")


@pytest.mark.parametrize("rules, said", [
    ("olympic", "unknown rules preset 'olympic'"),
    ({"scoring": "points-table"}, "needs its table"),
    ({"tiebreaks": ["coin-toss"]}, "unknown tie-break 'coin-toss'"),
    ({"no_score": "no-points"}, "needs points that grow with the place"),
    ({"scoring": "points-table", "table": [90, 100]}, "must not give a lower place more points"),
    ({"scoring": "points-table", "table": [100, 95.5]}, "whole numbers"),
    ({"colour": "red"}, "unknown key"),
])
def test_bad_rules_are_named(rules, said):
    with pytest.raises(WodlabError, match=said):
        rules_of(rules)


def test_a_points_table_from_a_csv_names_a_bad_line(tmp_path):
    (tmp_path / "table.csv").write_text("place,points\n1,100\n2,ninety\n")
    with pytest.raises(WodlabError, match=r"table.csv, line 3, column 'points': 'ninety'"):
        rules_of({"scoring": "points-table", "table": str(tmp_path / "table.csv")})


def test_rules_round_trip_through_their_json():
    rules = rules_of({"scoring": "points-table", "table": [100, 90, 80], "tiebreaks": ["countback", "last-workout"]})
    assert rules_of(rules.as_json()) == rules and isinstance(rules, Rules)


def test_judging_mistakes_are_query_errors(board):
    with pytest.raises(QueryError, match="needs a penalty"):
        board.judge("Rules Cup", athlete="a", workout="23.1", status="adjusted")
    with pytest.raises(QueryError, match="no result of athlete 'zz'"):
        board.judge("Rules Cup", athlete="zz", workout="23.1", status="valid")
    with pytest.raises(QueryError, match="unknown judging"):
        board.standings("Rules Cup", judging="some")


def test_the_command_line_sets_rules_judges_and_prints_standings(board, capsys, monkeypatch):
    from wodlab import cli

    monkeypatch.setenv("DATABASE_URL", board.engine.url.render_as_string(hide_password=False))
    assert cli.main(["competition", "rules", "Rules Cup", "--rules", "open-countback"]) == 0
    assert '"countback"' in capsys.readouterr().out
    assert cli.main(["competition", "standings", "Rules Cup", "--division", "Men"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in printed[1:4]] == ["1", "2", "3"] and "countback" in printed[1]
    assert cli.main(["competition", "judge", "Rules Cup", "a", "23.1", "adjusted", "--penalty", "5", "--unit", "percent",
                     "--reason", "short reps"]) == 0
    assert "adjusted" in capsys.readouterr().out
    assert cli.main(["competition", "judge", "Rules Cup", "a", "23.1", "valid"]) == 0
    assert cli.main(["competition", "rules", "Rules Cup", "--rules", "coin-toss"]) == 2
    assert "unknown rules preset 'coin-toss'" in capsys.readouterr().err
    board.set_competition_rules("Rules Cup", "open")


def test_judgments_go_with_their_results_and_a_truncate_empties_them(lab, count):
    import sqlalchemy as sa

    assert lab.load_wods(library=True, progress=False).ok
    lab.load_leaderboard(COMPETITION / "board.csv", competition="Rules Cup")
    judged = count(lab, "result_judging")
    assert judged == 27  # every cell of the valid column but the three left empty
    with lab.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM athlete_results WHERE id IN (SELECT result_id FROM result_judging LIMIT 3)"))
    assert count(lab, "result_judging") == judged - 3
    with lab.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE athlete_results"))
    assert count(lab, "result_judging") == 0
