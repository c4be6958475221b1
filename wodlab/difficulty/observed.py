"""Observed difficulty: each item's difficulty and each athlete's ability, estimated jointly from results.

One unit-free scale for every kind of score. Each result is compared with its workout's standard
performance S (wodlab.workouts.structure.standard_performance: wodcraft's estimated pace for a time,
the reps that pace gives in an AMRAP's clock, a reference lift for a load):

    y = ln(S / time)                for a finished time
    y <= ln(S r / (cap V))          for an athlete capped with r of the V reps: at best the pace
                                    that took them there (censored: capped athletes slow down)
    y <= ln(S / cap)                for a DNF on a capped workout (censored)
    y <= the slowest finisher's y   for a DNF on a workout with no cap (censored, as a board ranks it)
    y = ln(S r / (cap V))           for an open ladder's r reps by the cap (V: the reps of one pass)
    y = ln(reps / S)                for an AMRAP (rounds x reps per round + reps, or its total reps)
    y = ln(kg / S)                  for a load (S by the athlete's category)

so y > 0 is faster (more) than the standard. An item is a workout done at one level (Rx, or
scaled) by one team size: each workout x track x team size is its own item, measured against its own
standard (the level's version as wodcraft resolves it, re-estimated; a team's share of the work:
wodlab.workouts.structure.item_version). The model fitted to y, and why, is written out in
wodlab.difficulty.joint. This module prepares what it fits (paces, bounds, each result's time and
workout traits) and returns the frames: items with their difficulty, standard error, spread and
0-100 points (the share of the box's athletes expected to miss the standard, with a 95% interval,
NULL with a reason where nothing supports a number), athletes, residuals and what was left out.
Abilities are centred on the box's average athlete, so difficulty 0 means "the average athlete
meets the standard pace"; athletes whose results never meet another's through a shared item
cannot be compared: the fit warns when the athlete-item graph has several connected components.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.stats import norm
from sqlalchemy.engine import Connection, Engine

from wodlab.core.errors import WodlabError
from wodlab.core.frames import FLOAT, INT, TEXT, conform
from wodlab.difficulty import joint
from wodlab.programming.profile import time_domain, work_seconds
from wodlab.scoring.values import KG_PER_UNIT
from wodlab.store import queries
from wodlab.store.db import connected
from wodlab.tables.wod_records import modality_tags
from wodlab.tables.wods import documents
from wodlab.workouts.catalog import FAMILIES, catalog_movements
from wodlab.workouts.levels import gender_category
from wodlab.workouts.structure import (
    Scoring,
    counted_work,
    duration_seconds,
    item_version,
    rep_distances,
    standard_performance,
    team_size_of,
    total_work,
)


class DisconnectedWarning(UserWarning):
    """The athlete-item graph has several components: difficulties are comparable only within one."""


ITEMS_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "team_size": INT, "kind": TEXT, "time_domain": TEXT, "modalities": TEXT,
                "n_results": INT, "n_censored": INT, "difficulty": FLOAT, "se": FLOAT, "spread": FLOAT,
                "naive_difficulty": FLOAT, "component": INT, "points": FLOAT, "points_low": FLOAT,
                "points_high": FLOAT, "points_note": TEXT}
# An item's 0-100 points are given only where the data support them; otherwise NULL and points_note says why.
MIN_RESULTS_FOR_POINTS = 5
MAX_POINTS_INTERVAL = 50.0  # a 95% interval wider than this many points says nothing a coach can use
ATHLETES_SCHEMA = {"athlete_id": TEXT, "n_results": INT, "ability": FLOAT, "se": FLOAT, "progression": FLOAT,
                   "component": INT}
LEFT_OUT_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "team_size": INT, "reason": TEXT, "n_results": INT}
RESIDUALS_SCHEMA = {"result_id": TEXT, "athlete_id": TEXT, "wod_id": TEXT, "track": TEXT, "team_size": INT, "y": FLOAT,
                    "z": FLOAT}


@dataclass
class ObservedDifficulty:
    items: pd.DataFrame  # ITEMS_SCHEMA: each item (workout x level), its difficulty, se, points (0-100)
    athletes: pd.DataFrame  # athlete_id, n_results, ability, se, component
    residual_sd: float  # robust sd of y around ability - difficulty
    dropped: dict  # results left out, by reason
    components: int
    residuals: pd.DataFrame | None = None  # RESIDUALS_SCHEMA: each fitted result, z = its robust residual
    left_out: pd.DataFrame | None = None  # LEFT_OUT_SCHEMA: results not fitted, by item and reason (never silently)
    robust_se: np.ndarray | None = None  # estimate(robust=True): each item's clustered sandwich error, in .items' order

    def with_error_scale(self, factor: float) -> ObservedDifficulty:
        """A copy whose standard errors (items and athletes) are `factor` times these, intervals redone."""
        return self.with_item_errors(self.items["se"] * factor, athlete_factor=factor)

    def with_item_errors(self, se, athlete_factor: float = 1.0) -> ObservedDifficulty:
        """A copy with these items' standard errors (in the order of .items), intervals redone."""
        items = self.items.assign(se=np.asarray(se, dtype=float))
        athletes = self.athletes.assign(se=self.athletes["se"] * athlete_factor)
        changed = replace(self, items=items, athletes=athletes)
        changed.items = conform(_with_points(changed, items), ITEMS_SCHEMA)
        return changed

    def points(self, difficulty: float | np.ndarray, spread: float | np.ndarray = 1.0) -> np.ndarray:
        """Expected share (0-100) of the box's athletes who miss the standard at this difficulty (and spread)."""
        abilities = self.athletes["ability"].to_numpy(dtype=float)
        d = np.atleast_1d(np.asarray(difficulty, dtype=float))
        s = np.broadcast_to(np.asarray(spread, dtype=float), d.shape)
        return 100 * norm.cdf((d[:, None] - s[:, None] * abilities[None, :]) / self.residual_sd).mean(axis=1)


@dataclass(frozen=True)
class FitData:
    """What a difficulty fit reads, read once at its entry point (FitData.read): the query difficulty_results
    and the standards of its workouts. Every fit of this package runs on it, never on the database."""

    results: pd.DataFrame
    standards: dict[str, dict]

    @classmethod
    def read(cls, engine: Engine | Connection, results: pd.DataFrame | None = None) -> FitData:
        """The results (the query's, unless given) and their workouts' standards."""
        results = queries.run(engine, "difficulty_results") if results is None else results
        return cls(results, standards_of(engine, sorted(results["wod_id"].unique())))

    def with_results(self, results: pd.DataFrame) -> FitData:
        """Other results of the same workouts (a half, a draw of athletes): the standards are shared."""
        return FitData(results, self.standards)


def standards_of(engine: Engine | Connection, wod_ids) -> dict[str, dict]:
    """Each workout's title, Scoring, time domain, modalities, traits and stored versions; the standard of
    each of its items is worked out when first asked for (item_standard)."""
    with connected(engine) as conn:
        stored = documents(conn, wod_ids)
    out = {}
    for wod in stored:
        scoring = Scoring.of(wod.document)
        out[wod.id] = {"title": wod.title, "scoring": scoring, "kind": scoring.kind,
                       "time_domain": time_domain(duration_seconds(wod.document)),
                       "modalities": "+".join(modality_tags(wod.document)) or "none",
                       "traits": traits_of(wod.document), "stored": wod, "items": {}}
    return out


def item_standard(info: dict, track: str, team_size: int = 1) -> dict:
    """What one item (a workout at one level, by one team size) is measured against: the version the athletes
    did (a scaled track as wodcraft resolves it; structure.item_version, which also counts a team's work), its
    Scoring, its standard performance by category, and an open ladder's work of one pass. Kept in info."""
    key = (track, team_size)
    if key not in info["items"]:
        stored = info["stored"]
        version = item_version(stored.level_document(track), team_size)  # team_size: _name_items's, effective
        scoring = Scoring.of(version)
        info["items"][key] = {
            "scoring": scoring,
            "standard": {c: standard_performance(version, c) for c in ("men", "women")},
            # an open ladder ("3-6-9-... for time, capped"): the work of one pass, the unit of its pace
            "pass_reps": (counted_work(version.get("blocks", []), rep_distances(version))
                          if scoring.cap_seconds and scoring.capped_scores_reps and not scoring.total_reps else None)}
    return info["items"][key]


TRAITS = ("gymnastics_share", "cardio_share", "log_duration")


def traits_of(document: dict) -> np.ndarray:
    """The workout's TRAITS, on which athletes differ (joint.py): its shares of gymnastics and of cardio
    work time against weightlifting (programming.profile.work_seconds), and ln(minutes / 10) of wodcraft's
    time estimate (10 minutes when it has none)."""
    seconds = work_seconds(document)
    total = sum(seconds.values()) or 1.0
    catalog = catalog_movements()
    share = {modality: sum(s for m, s in seconds.items() if FAMILIES[catalog[m].family][1] == modality) / total
             for modality in ("gymnastics", "cardio")}
    duration = duration_seconds(document) or 600
    return np.array([share["gymnastics"], share["cardio"], math.log(duration / 600)])


def pace_scale(results: pd.DataFrame, standards: dict[str, dict]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """y for every result (its item named by _name_items; NaN where it carries no pace), the upper bound of a
    censored one's pace (NaN for an exact one), and why the NaNs are NaN."""
    y, bound = np.full(len(results), np.nan), np.full(len(results), np.nan)  # arrays: a Series' .iat is slow
    reason = [""] * len(results)
    of_item = {item: item_standard(standards[wod], track, team)  # once per item, not per row
               for item, wod, track, team in results[["item", "wod_id", "item_track", "team_size"]].drop_duplicates(
                   "item").itertuples(index=False)}
    for position, row in enumerate(results.itertuples(index=False)):
        info = of_item[row.item]
        scoring, category = info["scoring"], gender_category(row.gender)
        standard = info["standard"][category]
        value = None if row.score_value is None or pd.isna(row.score_value) else float(row.score_value)
        if row.score_type == "ROUNDS" and value is not None and scoring.reps_per_round:  # rounds+reps as reps
            value = total_work(value, None if pd.isna(row.score_secondary) else float(row.score_secondary), scoring.reps_per_round)
        if row.result_status == "dns":
            reason[position] = "dns"
        elif row.result_status == "dnf":
            if standard is not None and scoring.kind == "time" and scoring.cap_seconds:
                y[position] = bound[position] = math.log(standard / scoring.cap_seconds)  # not done by the cap
            else:
                reason[position] = UNCAPPED_DNF  # bounded by the item's slowest finisher (estimate)
        elif standard is None or value is None or value <= 0:
            reason[position] = f"no standard pace for a workout scored by {scoring.kind}" if standard is None else "nothing done"
        elif row.result_status == "capped" and info["pass_reps"]:
            # an open ladder's reps by the cap are its score, like an AMRAP's: a pace, not a censored time
            y[position] = math.log(standard * value / (scoring.cap_seconds * info["pass_reps"]))
        elif row.result_status == "capped" and scoring.cap_seconds and scoring.total_reps:
            # at best the pace that took them to their reps by the cap (capped athletes slow down)
            y[position] = bound[position] = math.log(standard * value / (scoring.cap_seconds * scoring.total_reps))
        elif row.score_type == "TIME":
            y[position] = math.log(standard / value)
        elif _counted_work(row.score_type, scoring):
            y[position] = math.log(value / standard)
        elif row.score_type == "LOAD":
            y[position] = math.log(value * float(KG_PER_UNIT[row.score_unit]) / standard)
        else:
            reason[position] = f"{row.score_type} on a {scoring.kind} workout"
    index = results.index
    return pd.Series(y, index=index), pd.Series(bound, index=index), pd.Series(reason, index=index, dtype=object)


UNCAPPED_DNF = "dnf on a workout with no cap, which no one finished"


def _name_items(results: pd.DataFrame, standards: dict[str, dict]) -> None:
    """Each result's item (in place): item_track, the level it was done at (RX for an Rx result in a scaled
    class), team_size, how many share it (the workout's "teams of N", else the session's), and item, the key
    "wod_id|track|team_size"."""
    results["item_track"] = np.where(results["is_rx"], "RX", np.where(results["track"] == "INTERMEDIATE", "INTERMEDIATE", "SCALED"))
    session = results["team_size"].fillna(1).astype(int) if "team_size" in results else pd.Series(1, index=results.index)
    pairs = pd.MultiIndex.from_arrays([results["wod_id"], session])  # the rule once per workout and session size
    sizes = {(w, n): team_size_of(standards[w]["stored"].document, n) for w, n in pairs.unique()}
    results["team_size"] = np.asarray(pairs.map(sizes), dtype=int)
    results["item"] = results["wod_id"] + "|" + results["item_track"] + "|" + results["team_size"].astype(str)


def _bound_uncapped_dnfs(results: pd.DataFrame, reason: pd.Series) -> pd.Series:
    """A DNF on a workout with no cap is slower than the item's slowest finisher, as a leaderboard ranks it:
    its pace is censored there (y and bound set in `results`). Where no one finished, it stays left out."""
    dnf = (reason == UNCAPPED_DNF).to_numpy()
    if not dnf.any():
        return reason
    finished = results["y"].notna() & results["bound"].isna()
    slowest = results[finished].groupby("item")["y"].min()
    found = slowest.reindex(results.loc[dnf, "item"]).to_numpy()
    rows = results.index[dnf]
    results.loc[rows, "y"] = found
    results.loc[rows, "bound"] = found
    return reason.where(~reason.index.isin(rows[~np.isnan(found)]), "")


def _counted_work(score_type: str, scoring: Scoring) -> bool:
    """Scored as work done against the clock: an AMRAP's rounds + reps, or its total reps (Open 15.1)."""
    return (score_type == "ROUNDS" and bool(scoring.reps_per_round)) or (score_type == "REPS" and scoring.kind == "reps")


def _left_out(results: pd.DataFrame, standards: dict[str, dict]) -> pd.DataFrame:
    """LEFT_OUT_SCHEMA: the results that carry no pace, counted by item and reason, most first."""
    out = results[results["reason"] != ""]
    counts = out.groupby(["wod_id", "item_track", "team_size", "reason"]).size().reset_index(name="n_results")
    counts["title"] = counts["wod_id"].map(lambda w: standards[w]["title"])
    counts = counts.rename(columns={"item_track": "track"}).sort_values(["n_results", "title", "track", "team_size"],
                                                                         ascending=[False, True, True, True])
    return conform(counts.reset_index(drop=True), LEFT_OUT_SCHEMA)


def estimate(data: FitData, *, ridge: float = 0.01, huber: float = 1.5, iterations: int = 12,
             min_results: int = 1, spread: bool = True, progression: bool = True, specialists: bool = True,
             censored: bool = True, robust: bool = False) -> ObservedDifficulty:
    """Fit abilities and difficulties to the results of `data` (the model: wodlab.difficulty.joint); the
    results are not changed. spread, progression, specialists, censored=False leave those parts of the model out (to compare);
    robust=True gives the items the athlete-clustered sandwich errors (joint.fit(robust=True)) in
    `robust_se`, beside the model's own in `se`."""
    results, standards = data.results.copy(), data.standards
    results["gender"] = results["gender"].fillna("")
    if results.empty:
        raise WodlabError("no results to estimate difficulty from: load sessions and results first")
    _name_items(results, standards)
    y, bound, reason = pace_scale(results, standards)
    results["y"], results["bound"] = y, bound
    reason = _bound_uncapped_dnfs(results, reason)
    dropped = reason[reason != ""].value_counts().to_dict()
    left_out = _left_out(results.assign(reason=reason), standards)
    used = results[results["y"].notna()].copy()
    counts = used["item"].value_counts()
    used = used[used["item"].map(counts) >= min_results]

    athletes = np.array(sorted(used["athlete_id"].unique()))
    items = np.array(sorted(used["item"].unique()))
    a_index = np.searchsorted(athletes, used["athlete_id"].to_numpy())
    i_index = np.searchsorted(items, used["item"].to_numpy())
    traits = np.vstack([standards[w]["traits"] for w in used["wod_id"]]) if len(used) else np.zeros((0, len(TRAITS)))
    observations = joint.Observations(a_index, i_index, used["y"].to_numpy(dtype=float),
                                      used["bound"].to_numpy(dtype=float), _years_from_own_average(used, a_index),
                                      traits - traits.mean(axis=0), len(athletes), len(items))
    model = joint.fit(observations, ridge=ridge, huber=huber, iterations=iterations, spread=spread,
                      progression=progression, traits=specialists, censored=censored, robust=robust)
    used["z"] = model.residual / model.scale  # how far each result is from its athlete's level
    n_components, labels = _components(a_index, i_index, len(athletes), len(items))

    used["naive"] = -used["y"]
    naive = used.groupby("item")["naive"].mean()
    wod_ids = [i.split("|")[0] for i in items]
    item_frame = pd.DataFrame({
        "wod_id": wod_ids,
        "title": [standards[w]["title"] for w in wod_ids],
        "track": [i.split("|")[1] for i in items],
        "team_size": [int(i.split("|")[2]) for i in items],
        "kind": [standards[w]["kind"] for w in wod_ids],
        "time_domain": [standards[w]["time_domain"] for w in wod_ids],
        "modalities": [standards[w]["modalities"] for w in wod_ids],
        "n_results": counts.reindex(items).to_numpy(),
        "n_censored": np.bincount(i_index, observations.censored, minlength=len(items)).astype(int),
        "difficulty": model.difficulty,
        "se": model.item_se,
        "robust_se": model.item_se_robust if robust else np.nan,
        "spread": model.spread,
        "naive_difficulty": naive.reindex(items).to_numpy() - float(naive.mean()),
        "component": labels[len(athletes):],
    })
    athlete_frame = pd.DataFrame({
        "athlete_id": athletes,
        "n_results": used["athlete_id"].value_counts().reindex(athletes).to_numpy(),
        "ability": model.ability,
        "se": model.ability_se,
        "progression": model.progression,
        "component": labels[: len(athletes)],
    })
    # the item's track (RX for an Rx result in a scaled class), not the session's
    residuals = conform(used.drop(columns="track").rename(columns={"item_track": "track"}), RESIDUALS_SCHEMA)
    observed = ObservedDifficulty(item_frame, athlete_frame, float(model.scale), dropped, int(n_components), residuals,
                                  left_out)
    item_frame = _with_points(observed, item_frame)
    ordered = item_frame.sort_values(["title", "track", "team_size"], ignore_index=True)
    observed.robust_se = ordered["robust_se"].to_numpy(dtype=float) if robust else None
    observed.items = conform(ordered, ITEMS_SCHEMA)
    observed.athletes = conform(athlete_frame, ATHLETES_SCHEMA)
    return observed


def _with_points(observed: ObservedDifficulty, items: pd.DataFrame) -> pd.DataFrame:
    """points, its 95% interval (from difficulty +- 1.96 se: points rise with difficulty), and NULLs with
    their reason where the data do not support a number."""
    d, se, s = (items[c].to_numpy(dtype=float) for c in ("difficulty", "se", "spread"))
    points, low, high = (observed.points(v, s) for v in (d, d - 1.96 * se, d + 1.96 * se))
    main = np.bincount(items["component"].to_numpy(dtype=int)).argmax() if len(items) else 0
    n = items["n_results"].to_numpy()
    reasons = [  # the first that applies is given
        (n < MIN_RESULTS_FOR_POINTS, f"fewer than {MIN_RESULTS_FOR_POINTS} results"),
        (items["n_censored"].to_numpy() >= n, "every result capped or a DNF: its difficulty is only bounded below"),
        (items["component"].to_numpy() != main, "its athletes never meet the box's others"),
        (high - low > MAX_POINTS_INTERVAL, f"too uncertain: its 95% interval spans over {MAX_POINTS_INTERVAL:.0f} points"),
    ]
    note = np.select([condition for condition, _ in reasons], [reason for _, reason in reasons], default="")
    keep = note == ""
    return items.assign(points=np.where(keep, points, np.nan), points_low=np.where(keep, low, np.nan),
                        points_high=np.where(keep, high, np.nan), points_note=np.where(keep, None, note))


def _years_from_own_average(used: pd.DataFrame, athlete_index: np.ndarray) -> np.ndarray:
    """Each result's date in years from its athlete's average date (the time of the progression term)."""
    days = (pd.to_datetime(used["session_date"]) - pd.Timestamp("2000-01-01")).dt.days.to_numpy(dtype=float)
    own = np.bincount(athlete_index, days) / np.bincount(athlete_index)
    return (days - own[athlete_index]) / 365.25


def _components(a_index: np.ndarray, i_index: np.ndarray, n_athletes: int, n_items: int) -> tuple[int, np.ndarray]:
    """The athlete-item graph's connected components; a warning when there are several."""
    graph = sp.coo_matrix((np.ones(len(a_index)), (a_index, n_athletes + i_index)), shape=(n_athletes + n_items,) * 2)
    n_components, labels = connected_components(graph, directed=False)
    if n_components > 1:
        sizes = np.bincount(labels)
        warnings.warn(f"the athlete-item graph has {n_components} connected components (sizes {sorted(sizes, reverse=True)}): "
                      "difficulties and abilities are comparable only within a component", DisconnectedWarning, stacklevel=3)
    return n_components, labels
