"""Balance checks a coach recognises, run over a programme: each a rule with its threshold.

- `time_domain_mix`: a time domain's share of the sessions further than `tolerance` from its
  target (`Targets.time_domains`).
- `modality_mix`: a modality's mean share of the work time further than `tolerance` from its
  target (`Targets.modalities`).
- `repeated_family`: a strength family (`repeat_families`) that is the focus of sessions on
  consecutive days, a focus being at least `focus_share` of a session's work time.
- `family_gap`: a family the box programmes (seen in its history, warm-up mobility aside) not seen
  for `gap_weeks` or more by the period's end.
- `difficulty_jump`: a week whose mean difficulty moved more than `difficulty_jump` points from
  the week before.
- `retest_due`: a benchmark workout (a title of wodcraft's library) last done `retest_weeks` or
  more before the period's end.

Each finding's `severity` is how far past its threshold it is (1 = just past; 2 = twice as far),
so findings of different rules sort together, worst first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from wodlab.core.frames import DATE, FLOAT, TEXT, typed_frame
from wodlab.programming.profile import MODALITIES, TIME_DOMAINS, Programme

FINDINGS_SCHEMA = {
    "rule": TEXT, "severity": FLOAT, "subject": TEXT, "first_date": DATE, "last_date": DATE,
    "observed": FLOAT, "target": FLOAT, "message": TEXT,
}


def _even(names) -> dict[str, float]:
    return {name: round(1 / len(names), 4) for name in names}


@dataclass(frozen=True)
class Targets:
    """The mix a coach aims for and the thresholds of the balance rules (all can be set)."""

    # Share of sessions per time domain; a general-fitness week leans on the middle.
    time_domains: dict[str, float] = field(default_factory=lambda: {"short": 0.3, "medium": 0.45, "long": 0.25})
    # Mean share of the work time per modality: the three in equal parts.
    modalities: dict[str, float] = field(default_factory=lambda: _even(MODALITIES))
    tolerance: float = 0.15
    repeat_families: tuple[str, ...] = ("olympic", "squat", "lunge", "hinge", "press", "pull")
    focus_share: float = 0.25
    gap_weeks: int = 4
    ignore_in_gaps: tuple[str, ...] = ("mobility",)  # warm-up drills are not programming
    difficulty_jump: float = 15.0
    retest_weeks: int = 12

    def __post_init__(self):
        for name, mix, known in (("time_domains", self.time_domains, TIME_DOMAINS),
                                 ("modalities", self.modalities, MODALITIES)):
            if set(mix) != set(known) or abs(sum(mix.values()) - 1) > 0.01:
                raise ValueError(f"{name} must give a share to each of {', '.join(known)}, summing to 1; got {mix}")


def _finding(rule, severity, subject, first, last, observed, target, message) -> dict:
    return {"rule": rule, "severity": round(severity, 3), "subject": subject, "first_date": first, "last_date": last,
            "observed": round(observed, 4), "target": target, "message": message}


def _period(programme: Programme) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    dates = programme.sessions["session_date"]
    first = pd.Timestamp(programme.start) if programme.start else (dates.min() if len(dates) else None)
    last = pd.Timestamp(programme.end) if programme.end else (dates.max() if len(dates) else None)
    return first, last


def _mix_findings(rule: str, observed: dict[str, float], targets: dict[str, float], tolerance: float,
                  first, last, what: str) -> list[dict]:
    found = []
    for name, target in targets.items():
        share = observed.get(name, 0.0)
        if abs(share - target) > tolerance:
            word = "too much" if share > target else "too little"
            found.append(_finding(rule, abs(share - target) / tolerance, name, first, last, share, target,
                                  f"{word} {name} {what}: {share:.0%} against a target of {target:.0%}"))
    return found


def time_domain_mix(programme: Programme, history: Programme, targets: Targets) -> list[dict]:
    known = programme.sessions[programme.sessions["time_domain"].isin(TIME_DOMAINS)]
    if known.empty:
        return []
    shares = known["time_domain"].value_counts(normalize=True).to_dict()
    return _mix_findings("time_domain_mix", shares, targets.time_domains, targets.tolerance, *_period(programme),
                         "work (share of sessions)")


def modality_mix(programme: Programme, history: Programme, targets: Targets) -> list[dict]:
    sessions = programme.sessions
    if sessions.empty:
        return []
    shares = {m: float(sessions[f"share_{m}"].mean()) for m in MODALITIES}
    return _mix_findings("modality_mix", shares, targets.modalities, targets.tolerance, *_period(programme),
                         "(share of the work time)")


def _day_focus(programme: Programme, families: tuple[str, ...], focus_share: float) -> pd.DataFrame:
    """(day, family) pairs where the family is >= focus_share of a session's work that day."""
    per_session = programme.movements.groupby(["session_id", "session_date", "family"], as_index=False)["share"].sum()
    focus = per_session[per_session["family"].isin(families) & (per_session["share"] >= focus_share - 1e-9)]
    return focus.groupby(["family", "session_date"], as_index=False)["share"].max()


def repeated_family(programme: Programme, history: Programme, targets: Targets) -> list[dict]:
    found = []
    focus = _day_focus(programme, targets.repeat_families, targets.focus_share)
    for family, days in focus.groupby("family", sort=True):
        days = days.sort_values("session_date")
        run_id = (days["session_date"].diff() != pd.Timedelta(days=1)).cumsum()
        for _, run in days.groupby(run_id):
            if len(run) < 2:
                continue
            first, last, share = run["session_date"].iloc[0], run["session_date"].iloc[-1], float(run["share"].min())
            found.append(_finding("repeated_family", len(run) - 1 + share / targets.focus_share - 1, family, first, last,
                                  share, targets.focus_share,
                                  f"{family} is the focus {len(run)} days running ({first:%a %d %b} to {last:%a %d %b})"))
    return found


def family_gap(programme: Programme, history: Programme, targets: Targets) -> list[dict]:
    _, end = _period(programme)
    if end is None:
        return []
    seen = history.movements[~history.movements["family"].isin(targets.ignore_in_gaps)]
    found = []
    for family, last_seen in seen.groupby("family")["session_date"].max().sort_index().items():
        weeks = (end - last_seen).days / 7
        if weeks >= targets.gap_weeks:
            found.append(_finding("family_gap", weeks / targets.gap_weeks, family, last_seen, end, weeks, targets.gap_weeks,
                                  f"no {family} for {weeks:.1f} weeks (last on {last_seen:%Y-%m-%d})"))
    return found


def difficulty_jump(programme: Programme, history: Programme, targets: Targets) -> list[dict]:
    weeks = programme.weeks.dropna(subset=["mean_difficulty"]).reset_index(drop=True)
    found = []
    for before, after in zip(weeks.itertuples(), weeks.iloc[1:].itertuples()):
        delta = float(after.mean_difficulty - before.mean_difficulty)
        if abs(delta) > targets.difficulty_jump:
            word = "harder" if delta > 0 else "easier"
            found.append(_finding("difficulty_jump", abs(delta) / targets.difficulty_jump, f"week of {after.week:%Y-%m-%d}",
                                  before.week, after.week, delta, targets.difficulty_jump,
                                  f"week of {after.week:%Y-%m-%d} is {abs(delta):.0f} points {word} than the week before"))
    return found


@lru_cache(maxsize=1)
def benchmark_titles() -> frozenset[str]:
    """Titles of wodcraft's library workouts (Girls, Heroes, Open, benchmarks), lower case."""
    from wodcraft import library

    return frozenset(entry.title.lower() for entry in library.entries())


def retest_due(programme: Programme, history: Programme, targets: Targets) -> list[dict]:
    _, end = _period(programme)
    if end is None:
        return []
    sessions = history.sessions
    benchmarks = sessions[sessions["title"].str.lower().isin(benchmark_titles())]
    found = []
    for title, last_done in benchmarks.groupby("title")["session_date"].max().sort_index().items():
        weeks = (end - last_done).days / 7
        if weeks >= targets.retest_weeks:
            message = f"{title} last done {weeks:.0f} weeks ago ({last_done:%Y-%m-%d}): due for a retest"
            found.append(_finding("retest_due", weeks / targets.retest_weeks, title, last_done, end, weeks,
                                  targets.retest_weeks, message))
    return found


RULES: dict[str, Callable[[Programme, Programme, Targets], list[dict]]] = {
    "time_domain_mix": time_domain_mix,
    "modality_mix": modality_mix,
    "repeated_family": repeated_family,
    "family_gap": family_gap,
    "difficulty_jump": difficulty_jump,
    "retest_due": retest_due,
}


def findings(programme: Programme, history: Programme, targets: Targets | None = None) -> pd.DataFrame:
    """Every rule's findings over `programme` (`history`: the same track up to the period's end), worst first."""
    targets = targets or Targets()
    rows = [row for rule in RULES.values() for row in rule(programme, history, targets)]
    rows.sort(key=lambda r: (-r["severity"], r["rule"], r["subject"], r["first_date"]))
    return typed_frame(rows, FINDINGS_SCHEMA)
