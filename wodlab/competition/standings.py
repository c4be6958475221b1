"""A competition's places, points and overall standings under its rules (wodlab.competition.rules).

The input is the query competition_results: one row per athlete and workout with the result's stored
rank key (wodlab.scoring.ranking) and its judgment. Everything else is computed here, on every read, from
the rules stored with the competition, so changing the rules re-ranks without reloading anything.

A workout's places, per division: the rank key ordered best first, no-scores (and invalid results)
sharing the place after the last score, equal keys sharing a place ("1, 2, 2, 4"). An adjusted
result's key moves by its penalty (`adjusted_value`). With judging="valid", pending results count
as no-scores too (only what a judge accepted counts).

Overall: each athlete's points summed over the workouts; the lowest total first under a placement
sum, the highest under points tables; equal totals broken by the rules' tie-breaks in order. Each
athlete's row says how their place was settled (`decided_by`): "points" (a total no one else in
the division has), the tie-break that set them apart, or "shared".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from wodlab.competition.judging import stored_rules
from wodlab.competition.rules import Rules
from wodlab.core.errors import QueryError
from wodlab.core.frames import FLOAT, INT, TEXT, conform
from wodlab.scoring.ranking import NO_SCORE_TIER
from wodlab.store import queries
from wodlab.tables.wods import documents
from wodlab.workouts.structure import Scoring

JUDGING = ("all", "valid")  # which results count: all but the invalid ones, or only those a judge accepted
COUNTED_WHEN_VALID = ("valid", "adjusted")

PLACES_SCHEMA = {"division": TEXT, "label": TEXT, "ordinal": INT, "athlete_id": TEXT, "athlete": TEXT, "score": TEXT,
                 "shown": TEXT, "result_status": TEXT, "judging": TEXT, "penalty": FLOAT, "penalty_unit": TEXT,
                 "judging_reason": TEXT, "counted": "boolean", "place": INT, "points": INT}
STANDINGS_SCHEMA = {"division": TEXT, "rank": INT, "athlete_id": TEXT, "athlete": TEXT, "points": INT,
                    "decided_by": TEXT, "best_finish": INT, "workouts_scored": INT}


def adjusted_value(value: pd.Series, penalty: pd.Series, unit: pd.Series) -> pd.Series:
    """A rank value with its penalty: reps and seconds add to it (a time gets slower; minus an amount gets
    less: one rep is one second, the time cap's convention); a percent scales the time up or the amount
    down. Rows without a penalty are unchanged."""
    value, penalty = value.astype(float), penalty.astype(float).fillna(0.0)
    additive = unit.isin(["reps", "seconds"]).fillna(False).to_numpy(bool)
    percent = (unit == "percent").fillna(False).to_numpy(bool)
    scale = np.where(value > 0, 1 + penalty / 100, 1 - penalty / 100)
    out = np.where(additive, value + penalty, value)
    out = np.where(percent, value * scale, out)
    return pd.Series(out, index=value.index)


def places(results: pd.DataFrame, rules: Rules, judging: str = "all", scorings: dict[str, Scoring] | None = None
           ) -> pd.DataFrame:
    """PLACES_SCHEMA: each athlete's place and points on each workout, within the division, under the rules.
    `shown` is the score as the rules show it (a capped for-time score as its time equivalent when
    capped_as_time, given each workout's Scoring by wod_id)."""
    if judging not in JUDGING:
        raise QueryError(f"unknown judging {judging!r}: use {' or '.join(JUDGING)}")
    frame = results.copy()
    entered = frame["result_id"].notna()
    accepted = frame["judging"].isin(COUNTED_WHEN_VALID) if judging == "valid" else frame["judging"] != "invalid"
    frame["counted"] = entered & accepted.fillna(False) & (frame["rank_tier"].fillna(NO_SCORE_TIER) < NO_SCORE_TIER)
    counted = frame["counted"].to_numpy(bool)
    value = adjusted_value(frame["rank_value"], frame["penalty"], frame["penalty_unit"]).fillna(0.0)
    frame["_tier"] = np.where(counted, frame["rank_tier"].fillna(NO_SCORE_TIER).astype(float), NO_SCORE_TIER)
    frame["_value"] = np.where(counted, value, 0.0)
    frame["_tiebreak"] = np.where(counted, frame["tiebreak_seconds"].astype(float).fillna(np.inf), np.inf)
    frame["place"] = shared_ranks(frame, ["division", "label"], ["_tier", "_value", "_tiebreak"])
    points = frame["place"].map(rules.points_of_place)
    if rules.no_score == "no-points":
        points = points.where(counted, 0)
    frame["points"] = points
    frame["shown"] = _shown(frame, rules, scorings or {})
    return conform(frame.sort_values(["division", "ordinal", "place", "athlete", "athlete_id"]).reset_index(drop=True),
                   PLACES_SCHEMA)


def shared_ranks(frame: pd.DataFrame, groups: list[str], keys: list[str]) -> pd.Series:
    """RANK() OVER (PARTITION BY groups ORDER BY keys): equal keys share the first place of their run."""
    ordered = frame.sort_values([*groups, *keys], kind="mergesort")
    cells = ordered[[*groups, *keys]].astype(object).to_numpy()
    changed = np.ones(len(cells), dtype=bool)  # a new group or a new key: a new place starts here
    changed[1:] = (cells[1:] != cells[:-1]).any(axis=1)
    position = ordered.groupby(groups, sort=False).cumcount().to_numpy() + 1
    last_change = np.maximum.accumulate(np.where(changed, np.arange(len(cells)), 0))
    return pd.Series(position[last_change], index=ordered.index).reindex(frame.index)


def _shown(frame: pd.DataFrame, rules: Rules, scorings: dict[str, Scoring]) -> pd.Series:
    """The score as shown: the canonical text, or for a capped for-time score under capped_as_time, the cap
    plus one second per rep not done (m:ss)."""
    shown = frame["score"].astype(object)
    if not rules.capped_as_time:
        return shown
    from wodlab.scoring.values import format_clock

    for position, row in enumerate(frame.itertuples(index=False)):
        scoring = scorings.get(str(row.wod_id))
        if (row.result_status == "capped" and scoring and scoring.kind == "time" and scoring.cap_seconds
                and scoring.total_reps and pd.notna(row.rank_value) and row.rank_value < 0):
            left = max(scoring.total_reps + float(row.rank_value), 0)  # rank_value is minus the reps done
            shown.iat[position] = format_clock(scoring.cap_seconds + left)
    return shown


def standings(placed: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """STANDINGS_SCHEMA, then for each workout label L (in series order) `L place` and `L points`: overall
    ranks per division under the rules' scoring and tie-breaks, with how each place was settled."""
    labels = list(placed.sort_values("ordinal")["label"].drop_duplicates())
    wide_place = placed.pivot_table(index=["division", "athlete_id"], columns="label", values="place", aggfunc="first")
    wide_points = placed.pivot_table(index=["division", "athlete_id"], columns="label", values="points", aggfunc="first")
    grouped = placed.groupby(["division", "athlete_id"], sort=True)
    table = pd.DataFrame({
        "athlete": grouped["athlete"].first(),
        "points": grouped["points"].sum(),
        "best_finish": grouped["place"].min(),
        "workouts_scored": grouped["counted"].sum(),
    })
    table["_total"] = table["points"] if rules.lowest_wins else -table["points"]
    keys = _tiebreak_keys(wide_place.reindex(columns=labels), rules)
    table = table.join(keys)
    active = [f"_tb{i}" for i in range(len(keys.columns))]
    table = table.reset_index()
    table["rank"] = shared_ranks(table, ["division"], ["_total", *active])
    table["decided_by"] = _decided_by(table, active, [t for t in rules.tiebreaks if t != "shared"])
    table = table.sort_values(["division", "rank", "athlete", "athlete_id"]).reset_index(drop=True)
    out = conform(table, STANDINGS_SCHEMA)
    index = pd.MultiIndex.from_frame(table[["division", "athlete_id"]])
    for label in labels:
        out[f"{label} place"] = pd.array(wide_place[label].reindex(index).to_numpy(), dtype=INT)
        out[f"{label} points"] = pd.array(wide_points[label].reindex(index).to_numpy(), dtype=INT)
    return out


def _tiebreak_keys(wide_place: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One column per tie-break before the first "shared", each ascending = better: countback as the sorted
    places joined into a string that sorts like the tuple, best-finish as the best place, last-workout as
    the place on the last workout."""
    columns = {}
    width = len(str(int(np.nanmax(wide_place.to_numpy(float))))) if wide_place.size else 1
    for i, tiebreak in enumerate(rules.tiebreaks):
        if tiebreak == "shared":
            break
        if tiebreak == "countback":  # most firsts, then most seconds...: the sorted places, compared in order
            columns[f"_tb{i}"] = [" ".join(f"{int(p):0{width}d}" for p in sorted(row)) for row in wide_place.to_numpy(float)]
        elif tiebreak == "best-finish":
            columns[f"_tb{i}"] = wide_place.min(axis=1).to_numpy()
        else:  # last-workout
            columns[f"_tb{i}"] = wide_place.iloc[:, -1].to_numpy()
    return pd.DataFrame(columns, index=wide_place.index)


def _decided_by(table: pd.DataFrame, active: list[str], names: list[str]) -> pd.Series:
    """For each athlete: "points" when no one in the division has their total; else the first tie-break after
    which no one shares their keys; else "shared"."""
    decided = pd.Series("shared", index=table.index, dtype=object)
    keys = ["division", "_total"]
    alone = table.groupby(keys)["athlete_id"].transform("size") == 1
    decided[alone] = "points"
    for column, name in zip(active, names):
        keys = [*keys, column]
        now_alone = table.groupby(keys)["athlete_id"].transform("size") == 1
        decided[now_alone & ~alone] = name
        alone = alone | now_alone
    return decided


def read_places(conn: Connection, competition: str, division: str | None, judging: str) -> tuple[pd.DataFrame, Rules]:
    """Each result's place and points under the competition's stored rules, read on one connection: the rules,
    the results (query competition_results) and, when capped results count as times, the workouts' scoring."""
    rules = stored_rules(conn, competition)
    results = queries.run(conn, "competition_results", competition=competition, division=division)
    scorings = {}
    if rules.capped_as_time:
        scorings = {str(stored.id): Scoring.of(stored.document) for stored in documents(conn, results["wod_id"].dropna().unique())}
    return places(results, rules, judging, scorings), rules
