"""Flags, not silence: results a coach should check before a leaderboard believes them.

Two checks, each a documented rule:

- impossible: faster than anyone can do the workout's work (a for-time result under
  structure.fastest_seconds), or more work than anyone does in an AMRAP's clock
  (structure.most_work): catalog paces four times over, no fatigue — a logging error, not a record;
- outlier: far from the athlete's own level. The joint difficulty fit (wodlab.difficulty.observed)
  gives each result a robust residual z = (result - (ability - difficulty)) / robust sd; a result
  with |z| > OUTLIER_Z is flagged, with the direction (better or worse than the athlete's level).
  Needs enough results to fit (a box with a few sessions has no outliers to speak of);
- leader: the result at the top of a workout's board (per track) with z > LEADER_Z: a leader is
  crowned in front of everyone, so a smaller slip deserves a look there. On the simulated box it
  catches every planted slip that tops a board (a minute-digit slip on a 10-minute workout is
  only 2.4 sd), at the price of questioning about one leader in six: a flag to check, which
  `exclude_flagged` does not drop (it drops impossible and outlier results).

`refresh` recomputes every flag and replaces the result_flags table in one transaction.
"""

from __future__ import annotations

import warnings

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab import queries, wods
from wodlab.errors import WodlabError
from wodlab.scores import format_clock
from wodlab.structure import Scoring, fastest_seconds, most_work, total_work

OUTLIER_Z = 3.5  # robust standard deviations: under a normal model, 1 result in 2,000 by chance
LEADER_Z = 2.0
MIN_RESULTS_FOR_OUTLIERS = 200


def impossible(results, documents: dict) -> dict[str, tuple[str, float]]:
    """result_id -> (reason, severity: how many times past the bound), for results no one can produce."""
    bounds = {wod_id: (fastest_seconds(doc), most_work(doc), Scoring.of(doc)) for wod_id, doc in documents.items()}
    found = {}
    for row in results.itertuples(index=False):
        fastest, most, scoring = bounds[row.wod_id]
        if row.result_status != "finished" or pd.isna(row.score_value):
            continue
        value = float(row.score_value)
        if row.score_type == "TIME" and fastest and value < fastest:
            found[row.result_id] = (f"{format_clock(_seconds(value))} is faster than anyone does this work "
                                    f"(at least {format_clock(_seconds(fastest))})", fastest / max(value, 1.0))
        elif row.score_type == "ROUNDS" and most:
            work = total_work(value, None if pd.isna(row.score_secondary) else float(row.score_secondary),
                              scoring.reps_per_round)
            if work > most:
                found[row.result_id] = (f"{work:.0f} units of work is more than anyone does in this clock ({most:.0f} at most)",
                                        work / most)
    return found


def _seconds(value: float):
    from decimal import Decimal

    return Decimal(round(value))


def residuals(engine: Engine, results):
    """Each fitted result's robust residual (difficulty.observed.RESIDUALS_SCHEMA); None when nothing can be fitted."""
    from wodlab.difficulty.observed import DisconnectedWarning, estimate

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DisconnectedWarning)
            return estimate(engine, results=results).residuals
    except WodlabError:
        return None


def outliers(residuals) -> dict[str, tuple[str, float]]:
    """result_id -> (reason, |z|), for results farther than OUTLIER_Z from their athlete's level."""
    if residuals is None or len(residuals) < MIN_RESULTS_FOR_OUTLIERS:
        return {}
    far = residuals[residuals["z"].abs() > OUTLIER_Z]
    return {row.result_id: (f"{abs(row.z):.1f} robust sd {'better' if row.z > 0 else 'worse'} than the athlete's level",
                            abs(float(row.z))) for row in far.itertuples(index=False)}


def leaders(engine: Engine, residuals) -> dict[str, tuple[str, float]]:
    """result_id -> (reason, z), for board leaders more than LEADER_Z above their athlete's level."""
    if residuals is None or len(residuals) < MIN_RESULTS_FOR_OUTLIERS:
        return {}
    z = residuals.set_index("result_id")["z"]
    top = queries.run(engine, "board_leaders")
    return {rid: (f"leads the board {float(z[rid]):.1f} robust sd above the athlete's level", float(z[rid]))
            for rid in top["result_id"] if rid in z.index and z[rid] > LEADER_Z}


def refresh(engine: Engine) -> int:
    """Recompute every flag; replace result_flags; return how many results are flagged."""
    results = queries.run(engine, "difficulty_results")
    with engine.connect() as conn:
        documents = {w.id: w.document for w in wods.documents(conn, results["wod_id"].unique())}
    fitted = residuals(engine, results)
    flags = {rid: ("leader", *found) for rid, found in leaders(engine, fitted).items()}
    flags |= {rid: ("outlier", *found) for rid, found in outliers(fitted).items()}
    flags |= {rid: ("impossible", *found) for rid, found in impossible(results, documents).items()}
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM result_flags"))
        if flags:
            # no foreign key since results are partitioned (migration 011): flag results that exist
            conn.execute(sa.text("INSERT INTO result_flags (result_id, flag, reason, severity) "
                                 "SELECT id, :f, :why, :severity FROM athlete_results WHERE id = CAST(:r AS UUID)"),
                         [{"r": rid, "f": flag, "why": why, "severity": round(severity, 3)}
                          for rid, (flag, why, severity) in sorted(flags.items())])
    return len(flags)
