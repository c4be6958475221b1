"""The one ordering of results, as named policies: every leaderboard, percentile and PR sorts by it.

A RankKey sorts ascending from best to worst: (tier, value, tie-break).

tier — the division and status, in this order on every board:

    0 Rx finished        1 Rx capped          (Rx+ counts as Rx)
    4 scaled finished    5 scaled capped
    8 and up: no score — DNF, DNS, WD (withdrawn), none ("0" or an empty cell) — below every
      scaled score, whatever the division

value — seconds for a finished time; minus the amount for everything else (more is better):
rounds+reps as total work (rounds x the workout's round + reps), loads in kg, distances in m,
points as written; a capped result by reps done (a capped score whose reps are unknown, a bare
`CAP`, after every capped one with reps). tie-break — seconds, missing ones last.

Two policies, named so that a board says which rules it follows:

- "box" (the default; what wodlab stores in athlete_results.rank_tier): no-scores in the order
  DNF (tier 8: the athlete started) before DNS, WD and none (tier 9);
- "crossfit" (CrossFit's competition rules): every no-score shares the last place (tier 8), so
  equal scores share a rank, "1, 2, 2, 4", no-scores included. In SQL over the stored key it is
  LEAST(rank_tier, 8) (sql/queries/leaderboard.sql).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wodlab.scoring.scores import total_work
from wodlab.scoring.values import KG_PER_UNIT, METRES_PER_UNIT, NO_SCORES, Score
from wodlab.workouts.structure import Scoring

POLICIES = ("box", "crossfit")
SCALED_OFFSET = 4  # the tier of a scaled score is its Rx tier + 4
NO_SCORE_TIER = 8
_BOX_NO_SCORE_TIERS = {"dnf": 8, "dns": 9, "wd": 9, "none": 9}
_NO_TIEBREAK = Decimal("1e9")
_REPS_UNKNOWN = Decimal(0)  # a bare CAP: after every capped score with reps done


@dataclass(frozen=True, order=True)
class RankKey:
    """Sorts ascending from best to worst: (tier, value, tie-break); see the module docstring."""

    tier: int
    value: Decimal
    tiebreak: Decimal


def check_policy(policy: str) -> str:
    from wodlab.core.errors import QueryError

    if policy not in POLICIES:
        raise QueryError(f"unknown ranking policy {policy!r}; policies are {', '.join(POLICIES)}")
    return policy


def rank_key(score: Score, scoring: Scoring | None = None, is_rx: bool | None = None, policy: str = "box") -> RankKey:
    """A result's place in the ordering; is_rx is what to assume when the score does not say (the class's track)."""
    check_policy(policy)
    tiebreak = score.tiebreak if score.tiebreak is not None else _NO_TIEBREAK
    if score.status in NO_SCORES:
        tier = NO_SCORE_TIER if policy == "crossfit" else _BOX_NO_SCORE_TIERS[score.status]
        return RankKey(tier, Decimal(0), tiebreak)
    rx = score.is_rx if score.is_rx is not None else is_rx
    tier = (0 if score.status == "finished" else 1) + (SCALED_OFFSET if rx is False else 0)
    return RankKey(tier, _value(score, scoring), tiebreak)


def _value(score: Score, scoring: Scoring | None) -> Decimal:
    if score.status == "capped" and score.score_value is None:
        # CAP+N read as "N reps left" with no workout to count from: fewer left is better.
        return score.reps_left if score.reps_left is not None else _REPS_UNKNOWN
    if score.score_type == "TIME" and score.status == "finished":
        return score.score_value
    amount = score.score_value
    if score.score_type == "ROUNDS":
        per_round = scoring.reps_per_round if scoring and scoring.reps_per_round else 10_000  # lexicographic
        amount = total_work(score.score_value, score.score_secondary, Decimal(str(per_round)))
    elif score.score_type == "LOAD":
        amount = score.score_value * KG_PER_UNIT[score.score_unit]
    elif score.score_type == "DISTANCE":
        amount = score.score_value * METRES_PER_UNIT[score.score_unit]
    return -amount


def personal_records(history):
    """True for each result that beats every earlier one of the athlete on the same workout and level.

    `history` is lab.athlete_history(...): it carries the stored rank key (rank_tier, rank_value,
    tiebreak_seconds), so a PR is judged by the same ordering as every leaderboard. A first result
    on a workout sets the mark to beat; it is not a PR. Returns a boolean Series on history's index.
    """
    import pandas as pd

    best: dict = {}
    flags = []
    ordered = history.sort_values(["session_date"], kind="stable")
    for row in ordered.itertuples():
        key = (row.rank_tier, row.rank_value, _NO_TIEBREAK if pd.isna(row.tiebreak_seconds) else row.tiebreak_seconds)
        group = (row.wod_id, bool(row.is_rx))
        counts = row.result_status in ("finished", "capped")
        is_record = counts and group in best and key < best[group]
        if counts and (group not in best or key < best[group]):
            best[group] = key
        flags.append(is_record)
    return pd.Series(flags, index=ordered.index).reindex(history.index)
