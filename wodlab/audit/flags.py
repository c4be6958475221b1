"""Flags, not silence: results a coach should check before a leaderboard believes them.

Three checks, each a documented rule:

- impossible: faster than anyone can do the workout's work (a for-time result under
  structure.fastest_seconds), or more work than anyone does in an AMRAP's clock
  (structure.most_work): catalog paces four times over, no fatigue — a logging error, not a record.
  The database applies it to every result a statement writes (migration 019: the workouts' limits
  are stored with them, wods.limits_of), so a load's impossible results are flagged when it returns;
- outlier: far from the athlete's own level. The joint difficulty fit (wodlab.difficulty.observed)
  gives each result a robust residual z = (result - (ability - difficulty)) / robust sd; a result
  with |z| > OUTLIER_Z is flagged, with the direction (better or worse than the athlete's level).
  Needs enough results to fit (a box with a few sessions has no outliers to speak of);
- leader: the result at the top of a workout's board (per track) with z > LEADER_Z: a leader is
  crowned in front of everyone, so a smaller slip deserves a look there. On the simulated box it
  catches every planted slip that tops a board (a minute-digit slip on a 10-minute workout is
  only 2.4 sd), at the price of questioning about one leader in six: a flag to check, which
  `exclude_flagged` does not drop (it drops impossible and outlier results).

`refresh` recomputes every flag (a refit of the box) and replaces the result_flags table in one
transaction. Between two refreshes, the statements that change results keep what they can true
(migration 019): a corrected score loses its flag, a result no longer leading its board loses its
"leader" flag; new results wait for the next refresh for their outlier and leader checks.
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab.core.errors import WodlabError
from wodlab.store import queries
from wodlab.tables import wods

OUTLIER_Z = 3.5  # robust standard deviations: under a normal model, 1 result in 2,000 by chance
LEADER_Z = 2.0
MIN_RESULTS_FOR_OUTLIERS = 200


def residuals(engine: Engine, results):
    """Each fitted result's robust residual (difficulty.observed.RESIDUALS_SCHEMA); None when nothing can be fitted."""
    from wodlab.difficulty.observed import DisconnectedWarning, estimate
    from wodlab.difficulty.paces import FitData

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DisconnectedWarning)
            return estimate(FitData.read(engine, results)).residuals
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
    """Every flag computed again (the difficulty fit of the whole box, then the impossible rule);
    result_flags replaced in one transaction; how many results are flagged."""
    results = queries.run(engine, "difficulty_results")
    fitted = residuals(engine, results)
    flags = {rid: ("leader", *found) for rid, found in leaders(engine, fitted).items()}
    flags |= {rid: ("outlier", *found) for rid, found in outliers(fitted).items()}
    with engine.begin() as conn:
        wods.fill_missing_limits(conn)
        conn.execute(sa.text("DELETE FROM result_flags"))
        if flags:
            # no foreign key since results are partitioned (migration 011): flag results that exist
            conn.execute(sa.text("INSERT INTO result_flags (result_id, flag, reason, severity) "
                                 "SELECT id, :f, :why, :severity FROM athlete_results WHERE id = CAST(:r AS UUID)"),
                         [{"r": rid, "f": flag, "why": why, "severity": round(severity, 3)}
                          for rid, (flag, why, severity) in sorted(flags.items())])
        conn.execute(sa.text("SELECT wodlab_impossible_flags(NULL)"))  # the rule of migration 019, over every result
        return conn.execute(sa.text("SELECT count(*) FROM result_flags")).scalar_one()
