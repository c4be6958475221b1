"""The athlete_results table spec: the session, the athlete and the score as written -> athlete_results.

Each score is read by the score grammar and checked against its workout (wodlab.scores); the row
stores the seed's columns, the canonical text and the rank key every leaderboard sorts by. A
result's id is uuid5 of (session, athlete): one result per athlete and session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from wodlab.fields import RowProblem, optional, required, timestamp
from wodlab.ids import stable_id
from wodlab.loading import TableSpec
from wodlab.ranking import rank_key
from wodlab.scores import Score, ScoreMismatch, ScoreSyntaxError, parse_score
from wodlab.sessions import SESSION_FIELDS, SESSION_KEY, SessionRefs
from wodlab.structure import Scoring


def result_id(session: uuid.UUID, athlete: uuid.UUID) -> uuid.UUID:
    return stable_id("result", f"{session}|{athlete}")


class ResultRefs(SessionRefs):
    """SessionRefs, plus the (session, athlete) pairs read so far (a second result for one is refused),
    and each distinct (score text, workout, track) read once: scores repeat heavily in a file."""

    def __init__(self, conn):
        super().__init__(conn)
        self.seen: set[tuple] = set()

    def score(self, text: str, wod_id: str, track: str) -> ScoreColumns:
        """The score columns of a score text on a workout and track, or RowProblem; each distinct one checked once."""
        return self.once(("score", text, wod_id, track), lambda: self._score(text, wod_id, track))

    def _score(self, text: str, wod_id: str, track: str) -> ScoreColumns:
        scoring = self.workouts.scoring(wod_id)
        try:
            return score_columns(parse_score(text, scoring), scoring, track)
        except (ScoreSyntaxError, ScoreMismatch) as problem:
            raise RowProblem("score", str(problem).splitlines()[0]) from None


def _result_row(record: dict, refs: ResultRefs) -> tuple:
    session = refs.session(record)
    athlete = refs.athlete(record)
    if (session, athlete) in refs.seen:
        raise RowProblem("athlete", "a second result for this athlete in this session")
    wod_id, track = refs.sessions[session]
    columns = refs.score(required(record, "score"), wod_id, track)
    refs.seen.add((session, athlete))
    return _row(session, athlete, columns, optional(record, "notes"), timestamp(record, "recorded_at"), refs.dates[session])


def _fast_rows(frame, refs: ResultRefs) -> list[tuple] | None:
    """Every row of a file with no problem, computed per distinct value instead of per row.

    Sessions, athletes, scores (text, workout, track) and timestamps repeat across a results file:
    each distinct one goes through the same checks as the row-by-row path (_result_row) once, and
    the rows are assembled from the answers. None as soon as anything is a problem or a repeat (a
    bad cell, two results for one athlete in a session): the row-by-row path then names each row.
    """
    column = {name: frame[name].tolist() for name in (*SESSION_FIELDS, "athlete", "score", "notes", "recorded_at")}
    try:
        keys = list(zip(*(column[f] for f in SESSION_FIELDS)))
        session_of = {key: refs.session(dict(zip(SESSION_FIELDS, key))) for key in dict.fromkeys(keys)}
        athlete_of = {name: refs.athlete({"athlete": name}) for name in dict.fromkeys(column["athlete"])}
        sessions = [session_of[key] for key in keys]
        athletes_ = [athlete_of[name] for name in column["athlete"]]
        if len(set(zip(sessions, athletes_))) != len(sessions):
            return None
        texts = [required({"score": text}, "score") for text in column["score"]]
        places = [refs.sessions[s] for s in sessions]
        scores = [refs.score(text, wod, track) for text, (wod, track) in zip(texts, places)]
        stamp_of = {v: timestamp({"recorded_at": v}, "recorded_at") for v in dict.fromkeys(column["recorded_at"])}
    except RowProblem:
        return None
    notes = [text.strip() or None for text in column["notes"]]
    return [(result_id(s, a), s, a, *c.first, n, stamp_of[r], *c.last, refs.dates[s])
            for s, a, c, n, r in zip(sessions, athletes_, scores, notes, column["recorded_at"])]


@dataclass(frozen=True)
class ScoreColumns:
    """What a checked score stores, the same for every athlete who wrote that text on that workout and track."""

    first: tuple  # score_type, score_value, score_secondary, score_unit, is_rx, is_dnf
    last: tuple  # score_text, division, result_status, tiebreak_seconds, rank_tier, rank_value


def score_columns(score: Score, scoring: Scoring, track: str) -> ScoreColumns:
    """The columns of a checked score; the rank key stored is policy "box"."""
    is_rx = score.is_rx if score.is_rx is not None else track == "RX"  # unmarked: the class's track says
    key = rank_key(score, scoring, is_rx=is_rx)
    return ScoreColumns((score.score_type, score.score_value, score.score_secondary, score.score_unit, is_rx, score.is_dnf),
                        (score.format(), score.division, score.status, score.tiebreak, key.tier, key.value))


def _row(session: uuid.UUID, athlete: uuid.UUID, columns: ScoreColumns, notes, recorded_at, day) -> tuple:
    return (result_id(session, athlete), session, athlete, *columns.first, notes, recorded_at, *columns.last, day)


def result_values(session: uuid.UUID, athlete: uuid.UUID, score: Score, scoring: Scoring, track: str, day,
                  notes: str | None = None, recorded_at=None) -> tuple:
    """One athlete_results row (RESULTS.columns) of a checked score; `day` is the session's date."""
    return _row(session, athlete, score_columns(score, scoring, track), notes, recorded_at, day)


RESULTS = TableSpec(
    table="athlete_results",
    columns=("id", "session_id", "athlete_id", "score_type", "score_value", "score_secondary", "score_unit", "is_rx",
             "is_dnf", "notes", "recorded_at", "score_text", "division", "result_status", "tiebreak_seconds",
             "rank_tier", "rank_value", "session_date"),
    required=("athlete", "score"),
    optional=("session_id", *SESSION_KEY, "notes", "recorded_at"),
    row=_result_row,
    fast=_fast_rows,
    context=lambda conn, frame: ResultRefs(conn),
    casts={"recorded_at": "COALESCE(recorded_at, NOW())"},
    key_names="athlete and session",
    monthly="session_date",
    refreshes_on=("inserted", "updated"),
    shown=("score_text", "notes"),
)
