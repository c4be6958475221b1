"""What each session of a programme asks of the athletes: time domain, modality mix, movement
families, loading and difficulty.

A workout's mix is measured in *work time*, not in reps: each set's amount times the catalog's pace
for that movement (wodcraft's seconds per rep, metre or calorie, the paces its duration estimate
uses), so 400 m of running and 21 thrusters weigh what they take, not 400 against 21. Timed holds
count their seconds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.engine import Engine

from wodlab.core.frames import DATE, FLOAT, INT, OBJECT, TEXT, conform, typed_frame
from wodlab.store import queries
from wodlab.tables import wods
from wodlab.workouts.catalog import FAMILIES, catalog_movements, family_of
from wodlab.workouts.features import load_ratios
from wodlab.workouts.structure import TIME_DOMAINS, movement_sets, time_domain, walk_movements

MODALITIES = tuple(category for category, _ in FAMILIES.values())  # weightlifting, gymnastics, cardio

# Seconds per unit when the catalog gives no pace for the movement in that unit.
_PACE_KEYS = {"reps": "rep", "distance": "m", "calories": "cal"}
_DEFAULT_PACE = {"reps": 2.0, "distance": 0.3, "calories": 4.0, "time": 1.0}


def _seconds_per_unit(movement: str, kind: str) -> float:
    if kind == "time":
        return 1.0
    pace = catalog_movements()[movement].pace or {}
    return float(pace.get(_PACE_KEYS[kind]) or _DEFAULT_PACE[kind])


def work_seconds(document: dict) -> dict[str, float]:
    """Movement -> estimated seconds of work in one pass of the body (rounds and ladders expanded).

    A body with no measurable amount (movements without quantities) weighs each movement equally,
    so its mix is still known.
    """
    blocks = document.get("blocks", [])
    seconds: dict[str, float] = defaultdict(float)
    for item in movement_sets(blocks, holds=True):
        seconds[item.movement] += item.amount * _seconds_per_unit(item.movement, item.kind)
    if not sum(seconds.values()):
        return {movement: 1.0 for movement in dict.fromkeys(i["movement"] for i in walk_movements(blocks))}
    return dict(seconds)


def work_shares_by(document: dict, group: Callable[[str], str]) -> dict[str, float]:
    """The workout's share of catalog work time in each group of its movements (`group(movement)`: its family,
    its modality), from work_seconds."""
    shares: dict[str, float] = defaultdict(float)
    for movement, share in _shares(work_seconds(document)).items():
        shares[group(movement)] += share
    return dict(shares)


def _shares(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {key: value / total for key, value in weights.items()} if total else {}


@dataclass(frozen=True)
class WorkoutProfile:
    """One workout (at one track's level) as the programming review sees it."""

    wod_id: str
    title: str
    duration_seconds: int | None
    difficulty: int | None
    movement_shares: dict[str, float]  # movement -> share of the work time
    load_ratio: float  # heaviest load / the catalog's Rx reference; 0 when nothing is loaded
    family_shares: dict[str, float] = field(init=False)
    modality_shares: dict[str, float] = field(init=False)

    def __post_init__(self):
        families: dict[str, float] = defaultdict(float)
        modalities: dict[str, float] = {m: 0.0 for m in MODALITIES}
        catalog = catalog_movements()
        for movement, share in self.movement_shares.items():
            families[family_of(movement)] += share
            modalities[FAMILIES[catalog[movement].family][0]] += share
        object.__setattr__(self, "family_shares", dict(families))
        object.__setattr__(self, "modality_shares", modalities)

    @property
    def time_domain(self) -> str:
        return time_domain(self.duration_seconds)


def workout_profile(stored: wods.StoredWod, track: str, duration_seconds, difficulty) -> WorkoutProfile:
    """The profile of a stored workout as one track does it (a scaled track's resolved version)."""
    document = stored.level_document(track)
    items = list(walk_movements(document.get("blocks", [])))
    return WorkoutProfile(
        wod_id=stored.id, title=stored.title,
        duration_seconds=None if pd.isna(duration_seconds) else int(duration_seconds),
        difficulty=None if pd.isna(difficulty) else int(difficulty),
        movement_shares=_shares(work_seconds(document)),
        load_ratio=round(max(load_ratios(items), default=0.0), 3),
    )


SESSIONS_SCHEMA = {
    "session_id": TEXT, "session_date": DATE, "week": DATE, "track": TEXT, "wod_id": TEXT, "title": TEXT,
    "duration_seconds": INT, "time_domain": TEXT,
    "share_weightlifting": FLOAT, "share_gymnastics": FLOAT, "share_cardio": FLOAT,
    "families": OBJECT, "movements": OBJECT, "load_ratio": FLOAT, "difficulty_score": INT,
}
MOVEMENTS_SCHEMA = {
    "session_id": TEXT, "session_date": DATE, "week": DATE, "movement": TEXT, "family": TEXT, "modality": TEXT,
    "share": FLOAT,
}
WEEKS_SCHEMA = {
    "week": DATE, "sessions": INT, "share_short": FLOAT, "share_medium": FLOAT, "share_long": FLOAT,
    "share_weightlifting": FLOAT, "share_gymnastics": FLOAT, "share_cardio": FLOAT, "mean_difficulty": FLOAT,
}


@dataclass(frozen=True)
class Programme:
    """A period's programme: `sessions` (one row each), `movements` (session x movement, with its
    share of the session's work time) and `weeks` (Monday-started weekly summary)."""

    start: dt.date | None
    end: dt.date | None
    track: str | None
    sessions: pd.DataFrame
    movements: pd.DataFrame
    weeks: pd.DataFrame
    profiles: dict[tuple[str, str], WorkoutProfile]  # (wod_id, track) -> profile


def profiles_of(engine: Engine, pairs: set[tuple[str, str]], stored: pd.DataFrame) -> dict[tuple[str, str], WorkoutProfile]:
    """Profiles of (wod_id, track) pairs; `stored` holds wod_id, duration_seconds, difficulty_score."""
    facts = stored.drop_duplicates("wod_id").set_index("wod_id")
    with engine.connect() as conn:
        documents = {w.id: w for w in wods.documents(conn, sorted({wod for wod, _ in pairs}))}
    return {(wod, track): workout_profile(documents[wod], track, facts.at[wod, "duration_seconds"],
                                          facts.at[wod, "difficulty_score"])
            for wod, track in sorted(pairs)}


def programme(engine: Engine, start: dt.date | None, end: dt.date | None, track: str | None) -> Programme:
    """The sessions scheduled from `start` to `end` (inclusive) on `track` (None: every track), profiled."""
    calendar = queries.run(engine, "programming_sessions", start=start, end=end, track=track)
    profiles = profiles_of(engine, set(zip(calendar["wod_id"], calendar["track"])), calendar)
    return Programme(start, end, track, *_frames(calendar, profiles), profiles)


def _frames(calendar: pd.DataFrame, profiles: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sessions, movements = [], []
    catalog = catalog_movements()
    for row in calendar.itertuples(index=False):
        profile = profiles[(row.wod_id, row.track)]
        week = row.session_date - pd.Timedelta(days=row.session_date.weekday())
        sessions.append({
            **row._asdict(), "week": week, "time_domain": profile.time_domain,
            **{f"share_{m}": round(s, 4) for m, s in profile.modality_shares.items()},
            "families": sorted(profile.family_shares), "movements": sorted(profile.movement_shares),
            "load_ratio": profile.load_ratio,
        })
        movements += [{"session_id": row.session_id, "session_date": row.session_date, "week": week,
                       "movement": movement, "family": family_of(movement),
                       "modality": FAMILIES[catalog[movement].family][0], "share": round(share, 4)}
                      for movement, share in sorted(profile.movement_shares.items())]
    session_frame = typed_frame(sessions, SESSIONS_SCHEMA)
    return session_frame, typed_frame(movements, MOVEMENTS_SCHEMA), weekly(session_frame)


def weekly(sessions: pd.DataFrame) -> pd.DataFrame:
    """Per week: sessions, each time domain's share of them, mean modality shares, mean difficulty."""
    if sessions.empty:
        return typed_frame([], WEEKS_SCHEMA)
    frame = sessions.assign(**{f"is_{d}": (sessions["time_domain"] == d).astype(float) for d in TIME_DOMAINS})
    grouped = frame.groupby("week", sort=True)
    summary = pd.DataFrame({
        "sessions": grouped.size(),
        **{f"share_{d}": grouped[f"is_{d}"].mean() for d in TIME_DOMAINS},
        **{f"share_{m}": grouped[f"share_{m}"].mean() for m in MODALITIES},
        "mean_difficulty": grouped["difficulty_score"].mean(),
    }).round(4).reset_index()
    return conform(summary, WEEKS_SCHEMA)
