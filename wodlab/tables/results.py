"""The athlete_results table spec: the session, the athlete and the score as written -> athlete_results.

Each score is read by the score grammar and checked against its workout (wodlab.scoring.scores); the row
stores the seed's columns, the canonical text and the rank key every leaderboard sorts by. A
result's id is uuid5 of (session, athlete): one result per athlete and session.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wodlab.core.fields import RowProblem, optional, required, timestamp
from wodlab.core.ids import stable_id, stable_id_texts
from wodlab.load.columnar import Distinct, cell, read_distinct, stripped
from wodlab.load.reading import TableSpec
from wodlab.scoring.ranking import rank_key
from wodlab.scoring.scores import parse_score
from wodlab.scoring.values import Score, ScoreMismatch, ScoreSyntaxError
from wodlab.tables.sessions import SESSION_KEY, SessionRefs
from wodlab.workouts.structure import Scoring


def result_id(session: uuid.UUID, athlete: uuid.UUID) -> uuid.UUID:
    return stable_id("result", f"{session}|{athlete}")


class ResultRefs(SessionRefs):
    """SessionRefs, and each distinct (score text, workout, track) read once: scores repeat heavily in a file.
    A second row for one (session, athlete) is loading.validate's to judge, as for every table: the same
    row again loads once, other values are refused naming the first row."""

    def __init__(self, conn):
        super().__init__(conn)
        self.workouts.preload(wod for wod, _ in self.sessions.values())  # every workout a result can name

    def score(self, text: str, wod_id: str, track: str) -> ScoreColumns:
        """The score columns of a score text on a workout and track, or RowProblem; each distinct one checked once.

        A finished time ("4:05", "4:05 Rx") on a for-time workout gives the same columns on every such
        workout whose cap it is within (its rank value is the seconds, whatever the workout): those
        are checked once per (text, track) for all workouts, the most common score of a box read once,
        not once per workout. tests/test_scores.py pins this to the full check."""
        scoring = self.workouts.scoring(wod_id)
        if scoring.kind == "time" and _BARE_TIME.match(text):
            (columns,) = self.scores([("time", text, track)])
            if within_cap(columns, scoring):
                return columns
        return self.scores([("score", text, wod_id, track)])[0]

    def scores(self, keys: list[tuple]) -> list[ScoreColumns]:
        """The columns of many scores at once: ("time", text, track) for a bare time on a for-time workout
        (the caller checks the caps), ("score", text, wod_id, track) for the full check."""
        return self.each_once(keys, self._score)

    def _score(self, kind: str, text: str, *place) -> ScoreColumns:
        if kind == "time":
            return _time_columns(text, *place)
        wod_id, track = place
        scoring = self.workouts.scoring(wod_id)
        try:
            return score_columns(parse_score(text, scoring), scoring, track)
        except (ScoreSyntaxError, ScoreMismatch) as problem:
            raise RowProblem("score", str(problem).splitlines()[0]) from None


# m:ss (fractions allowed) and an optional division marker: never a three-part clock, whose reading
# depends on the workout's cap (scores._hundredths_if_hours_impossible)
_BARE_TIME = re.compile(r"^\d+:\d{1,2}(?:\.\d+)?(?:\s+(?:rx\+|rx|sc|scaled))?$", re.IGNORECASE)


def within_cap(columns: ScoreColumns, scoring: Scoring) -> bool:
    """Whether a finished time's columns hold on a workout (their seconds within its cap, if it has one)."""
    return not scoring.cap_seconds or columns.first[1] <= Decimal(str(scoring.cap_seconds))


def _time_columns(text: str, track: str) -> ScoreColumns:
    """The columns of a finished time, which no workout changes (within its cap); RowProblem if unreadable."""
    try:
        return score_columns(parse_score(text), None, track)
    except (ScoreSyntaxError, ScoreMismatch) as problem:
        raise RowProblem("score", str(problem).splitlines()[0]) from None


def _result_row(record: dict, refs: ResultRefs) -> tuple:
    session = refs.session(record)
    athlete = refs.athlete(record)
    wod_id, track = refs.sessions[session]
    columns = refs.score(required(record, "score"), wod_id, track)
    return _row(session, athlete, columns, optional(record, "notes"), timestamp(record, "recorded_at"), refs.dates[session])


def _columnar(batch: dict, refs: ResultRefs) -> pa.Table | None:
    """A batch of a file with no problem as RESULTS.columns (wodlab.load.columnar), computed per distinct value.

    Sessions, athletes, scores (text, workout, track) and timestamps repeat across a results file:
    each distinct one goes through the same checks as the row-by-row path (_result_row) once, and
    the rows are assembled by indexing. None as soon as anything is a problem or a repeat (a bad
    cell, two results for one athlete in a session): the row-by-row path then names each row.
    """
    try:
        where = refs.who_and_where(batch)
        if Distinct(where.sessions.codes, where.athletes.codes).size != len(where.sessions.codes):
            return None  # an athlete twice in a session: the row path says which rows
        scores, columns = _scores(stripped(batch["score"]), [refs.sessions[s] for s in where.session_ids],
                                  where.sessions.codes, refs)
        stamps, stamp_values = read_distinct(batch, "recorded_at", lambda r: timestamp(r, "recorded_at"))
    except RowProblem:
        return None
    notes = Distinct(batch["notes"])
    return results_table(where.session_text(), where.athlete_text(), scores, columns, where.session_dates(),
                         notes=notes.spread([text.strip() or None for text in notes.values()]),
                         recorded_at=stamps.spread([None if v is None else v.isoformat() for v in stamp_values]))


def results_table(session_text, athlete_text, score_codes: np.ndarray, columns: list[ScoreColumns], session_dates,
                  notes: pa.Array | None = None, recorded_at: pa.Array | None = None) -> pa.Table:
    """Rows of athlete_results as CSV cells (RESULTS_COLUMNS), for a COPY: each row's session and athlete
    ids as text, its score as a code into `columns` (each distinct score's columns, rendered once).
    Missing notes and recording times are NULL (recorded_at: now, by the COPY's caller)."""
    empty = pa.nulls(len(session_text), pa.string())
    cells = {
        "id": pa.array(stable_id_texts("result", (f"{s}|{a}" for s, a in zip(session_text, athlete_text))), pa.string()),
        "session_id": pa.array(session_text, pa.string()), "athlete_id": pa.array(athlete_text, pa.string()),
        "notes": empty if notes is None else notes, "recorded_at": empty if recorded_at is None else recorded_at,
        "session_date": session_dates,
    }
    codes = pa.array(score_codes)
    for name, texts in zip(SCORE_FIRST + SCORE_LAST, zip(*(c.cells for c in columns))):
        cells[name] = pa.array(texts, pa.string()).take(codes)
    return pa.table({name: cells[name] for name in RESULTS_COLUMNS})


def _scores(texts: pa.Array, place_of_session: list[tuple], session_codes: np.ndarray, refs: ResultRefs
            ) -> tuple[np.ndarray, list[ScoreColumns]]:
    """Each row's code into a list of ScoreColumns, each checked once (RowProblem at the first bad one).

    Rows are grouped by (text, workout, track), except a bare time on a for-time workout, grouped by
    (text, track) alone (ResultRefs.score says why): most of a box's scores are such times. A row
    whose time is over its workout's cap leaves that group for its own workout's check."""
    places, place_of_row = _factorized(place_of_session)
    place_of_row = place_of_row[session_codes]
    scorings = [refs.workouts.scoring(wod) for wod, _ in places]
    tracks, track_of_place = _factorized([track for _, track in places])
    timed = np.array([scoring.kind == "time" for scoring in scorings])[place_of_row]
    shared = timed & pc.match_substring_regex(texts, _BARE_TIME.pattern, ignore_case=True).to_numpy(zero_copy_only=False)
    group = np.where(shared, len(places) + track_of_place[place_of_row], place_of_row)
    for _ in range(2):  # a second pass only when a shared time is over some row's cap
        distinct = Distinct(texts, group)
        group_of = group[distinct.firsts]
        columns = refs.scores([("time", text, tracks[g - len(places)]) if g >= len(places) else ("score", text, *places[g])
                               for text, g in zip(distinct.values(0), group_of.tolist())])
        over = shared & ~_within_caps(columns, distinct.codes, scorings, place_of_row, shared)
        if not over.any():
            return distinct.codes, columns
        group, shared = np.where(over, place_of_row, group), shared & ~over
    raise AssertionError("unreachable: the second pass has no shared row over its cap")  # pragma: no cover


def _factorized(values: list) -> tuple[list, np.ndarray]:
    """The distinct values in order of first appearance, and each value's index among them."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    return list(uniques), codes


def _within_caps(columns: list[ScoreColumns], codes: np.ndarray, scorings: list[Scoring], place_of_row: np.ndarray,
                 shared: np.ndarray) -> np.ndarray:
    """For each shared row, whether its time is within its workout's cap (other rows: True)."""
    caps = np.array([scoring.cap_seconds or np.inf for scoring in scorings], dtype=float)[place_of_row]
    seconds = np.array([float(c.first[1]) if c.first[1] is not None else 0.0 for c in columns])[codes]
    return ~shared | (seconds <= caps)


@dataclass(frozen=True)
class ScoreColumns:
    """What a checked score stores, the same for every athlete who wrote that text on that workout and track."""

    first: tuple  # score_type, score_value, score_secondary, score_unit, is_rx, is_dnf
    last: tuple  # score_text, division, result_status, tiebreak_seconds, rank_tier, rank_value

    @cached_property
    def cells(self) -> tuple:
        """first + last as CSV cells (columnar.cell), made once per distinct score, not once per batch."""
        return tuple(cell(value) for value in self.first + self.last)


def score_columns(score: Score, scoring: Scoring | None, track: str) -> ScoreColumns:
    """The columns of a checked score; the rank key stored is policy "box"."""
    is_rx = score.is_rx if score.is_rx is not None else track == "RX"  # unmarked: the class's track says
    key = rank_key(score, scoring, is_rx=is_rx)
    return ScoreColumns((score.score_type, score.score_value, score.score_secondary, score.score_unit, is_rx, score.is_dnf),
                        (score.format(), score.division, score.status, score.tiebreak, key.tier, key.value))


def _row(session: uuid.UUID, athlete: uuid.UUID, columns: ScoreColumns, notes, recorded_at, day) -> tuple:
    return (result_id(session, athlete), session, athlete, *columns.first, notes, recorded_at, *columns.last, day)


def result_row(session: uuid.UUID, athlete: uuid.UUID, columns: ScoreColumns, day) -> tuple:
    """One athlete_results row (RESULTS.columns) of a score already checked (score_columns), no notes,
    recorded now."""
    return _row(session, athlete, columns, None, None, day)


def result_values(session: uuid.UUID, athlete: uuid.UUID, score: Score, scoring: Scoring, track: str, day,
                  notes: str | None = None, recorded_at=None) -> tuple:
    """One athlete_results row (RESULTS.columns) of a checked score; `day` is the session's date."""
    return _row(session, athlete, score_columns(score, scoring, track), notes, recorded_at, day)


SCORE_FIRST = ("score_type", "score_value", "score_secondary", "score_unit", "is_rx", "is_dnf")  # ScoreColumns.first
SCORE_LAST = ("score_text", "division", "result_status", "tiebreak_seconds", "rank_tier", "rank_value")  # .last
RESULTS_COLUMNS = ("id", "session_id", "athlete_id", *SCORE_FIRST, "notes", "recorded_at", *SCORE_LAST, "session_date")

RESULTS = TableSpec(
    table="athlete_results",
    columns=RESULTS_COLUMNS,
    required=("athlete", "score"),
    optional=("session_id", *SESSION_KEY, "notes", "recorded_at"),
    row=_result_row,
    columnar=_columnar,
    context=lambda conn: ResultRefs(conn),
    casts={"recorded_at": "COALESCE(recorded_at, NOW())"},
    key_names="athlete and session",
    monthly="session_date",
    shown=("score_text", "notes"),
)
