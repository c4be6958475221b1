"""Programming review (wodlab.programming): profiles, balance rules, similar and suggested workouts.

The calendar here is written by hand so that its imbalances are known: eight weeks of three short
sessions (Mon, Wed, Fri) whose modalities are balanced, running only in the first two weeks, and
deadlifts as the focus on Monday 30 and Tuesday 31 March. The review must find exactly those.
"""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest

from conftest import ROOT
from wodlab.core.errors import QueryError
from wodlab.core.frames import dtypes_of
from wodlab.programming import FINDINGS_SCHEMA, SIMILAR_SCHEMA, SUGGEST_SCHEMA, Targets, WorkoutProfile, distance
from wodlab.programming.profile import MOVEMENTS_SCHEMA, SESSIONS_SCHEMA, WEEKS_SCHEMA, time_domain
from wodlab.programming.similar import distance_parts

CALENDAR_WODS = ROOT / "fixtures" / "programming" / "calendar.wod"
FIRST_MONDAY = dt.date(2026, 3, 2)
PERIOD_END = dt.date(2026, 4, 26)  # the Sunday ending week 8


def _calendar() -> list[tuple[str, dt.date]]:
    """(title, date) of each session: Mon lift, Wed bodyweight, Fri cardio (running weeks 1-2, rowing after)."""
    sessions = []
    for week in range(8):
        monday = FIRST_MONDAY + dt.timedelta(weeks=week)
        if week == 4:  # the planted repeat: a hinge focus two days running
            sessions += [("Pull Heavy", monday), ("Deadlift Jumps", monday + dt.timedelta(days=1))]
        else:
            sessions.append(("Barbell Sprint", monday))
        sessions.append(("Bodyweight Sprint", monday + dt.timedelta(days=2)))
        sessions.append(("Run Sprint" if week < 2 else "Row Sprint", monday + dt.timedelta(days=4)))
    return sessions


def _load_calendar(lab, sessions: list[tuple[str, dt.date]]) -> None:
    lab.load_wods([CALENDAR_WODS], progress=False)
    _load_calendar_sessions(lab, sessions)


@pytest.fixture
def calendar_lab(lab):
    _load_calendar(lab, _calendar())
    return lab


def _found(report: pd.DataFrame) -> set[tuple]:
    return {(r.rule, r.subject, r.first_date.date(), r.last_date.date()) for r in report.itertuples()}


def test_the_hand_written_calendar_shows_exactly_its_imbalances_with_their_dates(calendar_lab):
    report = calendar_lab.programming_report(start=FIRST_MONDAY, end=PERIOD_END)
    assert dtypes_of(report) == FINDINGS_SCHEMA
    first, end = FIRST_MONDAY, PERIOD_END
    assert _found(report) == {
        # all short: too much short work, none of the others
        ("time_domain_mix", "short", first, end), ("time_domain_mix", "medium", first, end),
        ("time_domain_mix", "long", first, end),
        # deadlifts two days running
        ("repeated_family", "hinge", dt.date(2026, 3, 30), dt.date(2026, 3, 31)),
        # the last run on Friday 13 March: no running for six weeks by the period's end
        ("family_gap", "run", dt.date(2026, 3, 13), end),
    }
    by_subject = report.set_index("subject")
    assert by_subject.loc["short", "observed"] == 1.0 and by_subject.loc["long", "observed"] == 0.0
    assert by_subject.loc["run", "observed"] == pytest.approx(44 / 7, abs=1e-3)
    assert list(report["severity"]) == sorted(report["severity"], reverse=True)  # worst first


def test_each_threshold_is_the_coachs_to_set(calendar_lab):
    # An all-short target makes the time domains balanced; a 7-week gap allowance forgives the running.
    targets = Targets(time_domains={"short": 1.0, "medium": 0.0, "long": 0.0}, gap_weeks=7)
    report = calendar_lab.programming_report(start=FIRST_MONDAY, end=PERIOD_END, targets=targets)
    assert _found(report) == {("repeated_family", "hinge", dt.date(2026, 3, 30), dt.date(2026, 3, 31))}
    with pytest.raises(ValueError, match="summing to 1"):
        Targets(time_domains={"short": 0.5, "medium": 0.2, "long": 0.1})


def test_a_difficulty_jump_and_a_benchmark_due_for_retest_are_found(lab):
    lab.load_wods([CALENDAR_WODS], progress=False)
    lab.store_wod("# Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n")
    sessions = [("Fran", dt.date(2026, 1, 5))]
    sessions += [("Row Sprint", FIRST_MONDAY + dt.timedelta(weeks=w, days=d)) for w in range(2) for d in (0, 2)]
    sessions += [("Pull Heavy", FIRST_MONDAY + dt.timedelta(weeks=2, days=d)) for d in (0, 2)]
    _load_calendar_sessions(lab, sessions)
    report = lab.programming_report(start=FIRST_MONDAY, end=FIRST_MONDAY + dt.timedelta(weeks=3, days=-1),
                                    targets=Targets(tolerance=1.0, retest_weeks=8))
    jumps = report[report["rule"] == "difficulty_jump"]
    assert list(jumps["subject"]) == ["week of 2026-03-16"] and jumps["observed"].iloc[0] > 15
    retests = report[report["rule"] == "retest_due"]
    assert list(retests["subject"]) == ["Fran"] and retests["first_date"].iloc[0].date() == dt.date(2026, 1, 5)


def _load_calendar_sessions(lab, sessions) -> None:
    lab.load_sessions(pd.DataFrame({"wod": [t for t, _ in sessions], "session_date": [d.isoformat() for _, d in sessions],
                                    "track": "RX"}), progress=False)


def test_the_profile_has_each_sessions_domain_mix_families_and_loading(calendar_lab):
    programme = calendar_lab.programming(start="2026-03-30", end="2026-04-05", track="rx")
    assert dtypes_of(programme.sessions) == SESSIONS_SCHEMA
    assert dtypes_of(programme.movements) == MOVEMENTS_SCHEMA and dtypes_of(programme.weeks) == WEEKS_SCHEMA
    sessions = programme.sessions.set_index("title")
    assert list(programme.sessions["title"]) == ["Pull Heavy", "Deadlift Jumps", "Bodyweight Sprint", "Row Sprint"]
    assert set(sessions["time_domain"]) == {"short"}
    assert sessions.loc["Pull Heavy", "families"] == ["hinge", "olympic"]
    assert sessions.loc["Pull Heavy", "share_weightlifting"] == 1.0 and sessions.loc["Row Sprint", "share_cardio"] == 1.0
    # deadlift 100 kg against the catalog's Rx reference for it
    assert sessions.loc["Pull Heavy", "load_ratio"] > 0 and sessions.loc["Bodyweight Sprint", "load_ratio"] == 0
    shares = programme.movements.groupby("session_id")["share"].sum()
    assert shares.round(3).eq(1.0).all()  # each session's work adds up to the whole
    week = programme.weeks.iloc[0]
    assert week["sessions"] == 4 and week["share_short"] == 1.0


def test_time_domains_follow_the_coachs_boundaries():
    assert [time_domain(s) for s in (299, 300, 900, 901, None)] == ["short", "medium", "medium", "long", "unknown"]


def _profile(moves: dict[str, float], seconds: int, load: float, wod_id: str = "x") -> WorkoutProfile:
    return WorkoutProfile(wod_id, wod_id, seconds, None, moves, load)


def test_the_distance_is_pinned_on_hand_made_pairs():
    couplet = _profile({"thruster": 0.5, "pull_up": 0.5}, 240, 1.0)
    triplet = _profile({"thruster": 0.5, "pull_up": 0.25, "burpee": 0.25}, 200, 1.0)
    long_run = _profile({"run": 1.0}, 1800, 0.0)
    assert distance(couplet, couplet) == 0
    # movements 1 - 2/3, families (squat .5 .5, pull .5 .25, burpee 0 .25) -> 0.25, modalities equal,
    # same time domain, same load: 0.30 / 3 + 0.20 * 0.25
    assert distance_parts(couplet, triplet) == pytest.approx(
        {"movements": 1 / 3, "families": 0.25, "modalities": 0.0, "time_domain": 0.0, "loading": 0.0})
    assert distance(couplet, triplet) == pytest.approx(0.15)
    assert distance(couplet, long_run) == pytest.approx(1.0)  # nothing in common
    assert distance(triplet, couplet) == distance(couplet, triplet)


def test_similar_wods_puts_short_thruster_and_pull_up_work_above_murph(lab):
    lab.load_wods(library=True, progress=False)
    lab.store_wod("# Thruster Pull Sprint\n3 rounds for time\n  10 Thruster 43/30 kg\n  10 Pull-up\n")
    near = lab.similar_wods("Fran", k=200)
    assert dtypes_of(near) == SIMILAR_SCHEMA
    assert "Fran" not in set(near["title"])
    order = list(near["title"])
    assert order[0] == "Thruster Pull Sprint"
    assert order.index("Thruster Pull Sprint") < order.index("Murph")
    couplets = near[near["shared_movements"].map(len).eq(2) & near["time_domain"].eq("short")]
    assert (couplets["distance"] < near.set_index("title").loc["Murph", "distance"]).all()
    assert list(near["distance"]) == sorted(near["distance"])
    assert len(lab.similar_wods("Fran", k=3)) == 3


def test_suggestions_for_a_cardio_starved_period_are_cardio_work_not_done_in_it(lab):
    lab.load_wods([CALENDAR_WODS], progress=False)
    lab.store_wod("# Cardio Mix\nFor time\n  500 m Row\n  400 m Run\n  50 Double-under\n")
    lab.store_wod("# Row Sprint Again\nFor time\n  600 m Row\n")  # a repeat of Row Sprint under another title
    sessions = [("Row Sprint", FIRST_MONDAY)]  # the one cardio session: done, so not suggested
    sessions += [(title, FIRST_MONDAY + dt.timedelta(weeks=w, days=d))
                 for w in range(4) for d, title in ((1, "Barbell Sprint"), (3, "Bodyweight Sprint"), (4, "Pull Heavy"))]
    _load_calendar_sessions(lab, sessions)
    suggested = lab.suggest_wods(start=FIRST_MONDAY, end=FIRST_MONDAY + dt.timedelta(weeks=4, days=-1), k=2)
    assert dtypes_of(suggested) == SUGGEST_SCHEMA
    assert set(suggested["title"]) == {"Run Sprint", "Cardio Mix"}
    assert (suggested["share_cardio"] >= 0.9).all() and (suggested["gain"] > 0).all()
    assert suggested["reason"].str.contains("cardio").all()
    everything = lab.suggest_wods(start=FIRST_MONDAY, end=FIRST_MONDAY + dt.timedelta(weeks=4, days=-1), k=50)
    assert not {"Row Sprint", "Row Sprint Again", "Barbell Sprint", "Bodyweight Sprint", "Pull Heavy"} & set(everything["title"])


def test_bad_arguments_name_themselves(calendar_lab):
    with pytest.raises(QueryError, match="start"):
        calendar_lab.programming_report(start="the first of March")
    with pytest.raises(QueryError, match="after end"):
        calendar_lab.programming(start="2026-04-01", end="2026-03-01")
    with pytest.raises(QueryError, match="track"):
        calendar_lab.programming(track="elite")
    with pytest.raises(QueryError, match="no workout titled"):
        calendar_lab.similar_wods("Franny")
    with pytest.raises(QueryError, match="k expects"):
        calendar_lab.similar_wods("Row Sprint", k=-1)


def test_weeks_reviews_the_last_weeks_of_the_calendar(calendar_lab):
    last_four = calendar_lab.programming(weeks=4)
    assert last_four.sessions["session_date"].min().date() == dt.date(2026, 3, 30)
    assert last_four.sessions["session_date"].max().date() == dt.date(2026, 4, 24)


def test_the_command_line_prints_the_findings(wodlab_cli, calendar_lab):
    env = {**os.environ, "DATABASE_URL": calendar_lab.engine.url.render_as_string(hide_password=False)}
    run = wodlab_cli("programming", "report", "--weeks", "8", env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "repeated_family" in run.stdout and "2026-03-30" in run.stdout and "no run for" in run.stdout
    bad = wodlab_cli("programming", "report", "--weeks", "0", env=env, cwd=ROOT)
    assert bad.returncode == 2 and "weeks must be at least 1" in bad.stderr


def test_a_period_after_the_last_session_reports_nothing_rather_than_failing(calendar_lab):
    calendar_lab.store_wod("# Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n")  # a benchmark in the history
    _load_calendar_sessions(calendar_lab, [("Fran", dt.date(2026, 1, 5))])
    assert calendar_lab.programming_report(start="2030-01-01").empty
    assert calendar_lab.programming(start="2030-01-01").sessions.empty
