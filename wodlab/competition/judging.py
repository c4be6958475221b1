"""What organisers decide about a stored board: its rules (changed without reloading) and each result's judgment,
every change kept in load_history."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from wodlab.competition.rules import Rules, rules_of
from wodlab.core.errors import QueryError
from wodlab.store.names import athlete_id
from wodlab.tables.results import result_id


def stored_rules(conn, competition: str) -> Rules:
    document = conn.execute(sa.text("SELECT rules FROM competitions WHERE name = :c"), {"c": competition}).scalar()
    return rules_of(document)


def store_rules(conn, competition: str, rules: Rules) -> None:
    """The competition's rules replaced: its standings are computed under them from the next read."""
    conn.execute(sa.text("UPDATE competitions SET rules = CAST(:r AS JSONB) WHERE name = :c"),
                 {"r": rules.as_json(), "c": competition})


JUDGMENTS = ("pending", "valid", "invalid", "adjusted")
PENALTY_UNITS = ("reps", "seconds", "percent")


def check_judgment(status: str, penalty: float | None, unit: str | None) -> None:
    """QueryError unless status is a judgment, and a penalty (0 or more, in a known unit) comes with an adjusted
    result and only with one."""
    if status not in JUDGMENTS:
        raise QueryError(f"unknown judgment {status!r}: use one of {', '.join(JUDGMENTS)}")
    if (status == "adjusted") != (penalty is not None):
        raise QueryError("an adjusted result needs a penalty (and only an adjusted one has one)")
    if penalty is not None and (unit not in PENALTY_UNITS or penalty < 0):
        raise QueryError(f"a penalty is 0 or more, in {', '.join(PENALTY_UNITS)}; got {penalty!r} {unit!r}")


def results_of(conn, competition: str, athlete: str, workout: str) -> pd.DataFrame:
    """(result_id, session_date) of one athlete's result on one workout (the board's label) of a competition;
    QueryError when there is none."""
    found = pd.DataFrame(conn.execute(sa.text(
        "SELECT ar.id::text AS result_id, ar.session_date FROM competitions c "
        "JOIN competition_workouts cw ON cw.competition_id = c.id "
        "JOIN athlete_results ar ON ar.session_id = cw.session_id JOIN athletes a ON a.id = ar.athlete_id "
        "WHERE c.name = :c AND cw.label = :w AND a.external_id = :a"), {"c": competition, "w": workout, "a": athlete}).all(),
        columns=["result_id", "session_date"])
    if found.empty:
        raise QueryError(f"{competition}: no result of athlete {athlete!r} on workout {workout!r}")
    return found


def judge(conn, judgments: pd.DataFrame, source: str) -> int:
    """Write judgments (columns result_id, session_date, status, penalty, penalty_unit, reason): the changed
    ones only, each change kept in load_history (table_name result_judging, the old judgment, pending when
    there was none, and the new). Returns how many changed."""
    if judgments.empty:
        return 0
    given = {column: judgments[column].astype(object).where(judgments[column].notna(), None).tolist()
             for column in ("result_id", "session_date", "status", "penalty", "penalty_unit", "reason")}
    return conn.execute(sa.text("""
        WITH given AS (
            SELECT * FROM unnest(CAST(:result_id AS UUID[]), CAST(:session_date AS DATE[]), CAST(:status AS TEXT[]),
                                 CAST(:penalty AS NUMERIC[]), CAST(:penalty_unit AS TEXT[]), CAST(:reason AS TEXT[]))
                     AS g (result_id, session_date, status, penalty, penalty_unit, reason)
        ), changed AS (
            SELECT g.*, jsonb_build_object('status', COALESCE(j.status, 'pending'), 'penalty', j.penalty,
                                           'penalty_unit', j.penalty_unit, 'reason', j.reason) AS old_row
            FROM given g LEFT JOIN result_judging j ON j.result_id = g.result_id
            WHERE (COALESCE(j.status, 'pending'), j.penalty, j.penalty_unit, j.reason)
                  IS DISTINCT FROM (g.status, g.penalty, g.penalty_unit, g.reason)
        ), history AS (
            INSERT INTO load_history (table_name, row_id, old_row, new_row, source)
            SELECT 'result_judging', result_id, old_row,
                   jsonb_build_object('status', status, 'penalty', penalty, 'penalty_unit', penalty_unit, 'reason', reason),
                   :source
            FROM changed
        )
        INSERT INTO result_judging AS j (result_id, session_date, status, penalty, penalty_unit, reason)
        SELECT result_id, session_date, status, penalty, penalty_unit, reason FROM changed
        ON CONFLICT (result_id) DO UPDATE SET status = EXCLUDED.status, penalty = EXCLUDED.penalty,
            penalty_unit = EXCLUDED.penalty_unit, reason = EXCLUDED.reason, judged_at = NOW()
    """), {**given, "source": source}).rowcount


def judge_from_board(conn, board: pd.DataFrame, session_of: dict, date_of: dict, name: str) -> None:
    """The board's validity column, where it says something: each result judged valid or invalid."""
    judged = board[board["judging"].notna() & ~board["repeat"]]
    if judged.empty:
        return
    athletes = {key: athlete_id(key) for key in dict.fromkeys(judged["athlete_id"])}
    judge(conn, pd.DataFrame({
        "result_id": [str(result_id(session_of[label], athletes[key])) for label, key in zip(judged["label"], judged["athlete_id"])],
        "session_date": [date_of[label] for label in judged["label"]],
        "status": judged["judging"].to_numpy(), "penalty": None, "penalty_unit": None, "reason": None}), name)
