"""The results on one pace scale: each item's standard, each result's pace against it (or its bound), what is
left out and why, and what a fit reads (FitData, prepared once for every fit of it)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection, Engine

from wodlab.core.errors import WodlabError
from wodlab.core.frames import INT, TEXT, conform
from wodlab.difficulty import joint
from wodlab.programming.profile import time_domain, work_shares_by
from wodlab.scoring.values import KG_PER_UNIT
from wodlab.store import queries
from wodlab.store.db import connected
from wodlab.tables.wod_records import modality_tags
from wodlab.tables.wods import documents
from wodlab.workouts.catalog import FAMILIES, catalog_movements
from wodlab.workouts.levels import gender_category
from wodlab.workouts.structure import (
    Scoring,
    duration_seconds,
    item_version,
    standard_performance,
    team_size_of,
    total_work,
)
from wodlab.workouts.walks import Walk, ladder_walk, work_walk

LEFT_OUT_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "team_size": INT, "reason": TEXT, "n_results": INT}


@dataclass(frozen=True)
class FitData:
    """What a difficulty fit reads, read once at its entry point (FitData.read): the query difficulty_results
    and the standards of its workouts. Every fit of this package runs on it, never on the database."""

    results: pd.DataFrame
    standards: dict[str, dict]
    _prepared: dict = field(default_factory=dict, compare=False, repr=False)  # min_results -> Prepared

    @classmethod
    def read(cls, engine: Engine | Connection, results: pd.DataFrame | None = None) -> FitData:
        """The results (the query's, unless given) and their workouts' standards."""
        results = queries.run(engine, "difficulty_results") if results is None else results
        return cls(results, standards_of(engine, sorted(results["wod_id"].unique())))

    def with_results(self, results: pd.DataFrame) -> FitData:
        """Other results of the same workouts (a half, a draw of athletes): the standards are shared."""
        return FitData(results, self.standards)

    def prepared(self, min_results: int = 1) -> Prepared:
        """The results on the pace scale as the joint fit takes them, worked out once for every fit of this data."""
        if min_results not in self._prepared:
            self._prepared[min_results] = _prepare(self, min_results)
        return self._prepared[min_results]


@dataclass(frozen=True)
class Prepared:
    """FitData's results on the pace scale: those fitted (`used`, in the observations' order), those left out."""

    used: pd.DataFrame
    dropped: dict
    left_out: pd.DataFrame
    athletes: np.ndarray
    items: np.ndarray  # "wod_id|track|team_size"
    counts: pd.Series  # results by item
    observations: joint.Observations

    @property
    def item_keys(self) -> pd.MultiIndex:
        parts = [item.split("|") for item in self.items]
        return pd.MultiIndex.from_tuples([(w, track, int(team)) for w, track, team in parts],
                                         names=["wod_id", "track", "team_size"])


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
    Scoring, its standard performance by category (an open ladder's: wodlab.workouts.walks), and how far its
    standard is from the Rx version's (level_gap). Kept in info."""
    key = (track, team_size)
    if key not in info["items"]:
        stored = info["stored"]
        version = item_version(stored.level_document(track), team_size)  # team_size: _name_items's, effective
        scoring = Scoring.of(version)
        walk = ladder_walk(version)  # an open ladder: its standard is the reps its rungs' paces reach by the cap
        standard = {c: walk.standard if walk else standard_performance(version, c) for c in CATEGORIES}
        reference = standard if key == RX_ITEM else item_standard(info, *RX_ITEM)["standard"]
        measured_as = "reps" if walk else scoring.kind
        info["items"][key] = {"scoring": scoring, "standard": standard, "walk": walk, "sets": work_walk(version),
                              "gap": {c: level_gap(measured_as, standard[c], reference[c]) for c in CATEGORIES}}
    return info["items"][key]


CATEGORIES = ("men", "women")
RX_ITEM = ("RX", 1)  # the item every other item of a workout is stated against: its Rx version, done alone


def level_gap(kind: str, own: float | None, rx: float | None) -> float:
    """How much less work an item's own version asks than the Rx version, on the pace scale: what y gains when a
    result is compared with the Rx standard instead of its own. A time: ln(S_rx / S_own) (a scaled Fran's
    standard is quicker); work or a load: ln(S_own / S_rx). 0 when either standard is unknown.

    Every result is put on the Rx version's scale (y + gap), so an item's difficulty includes how much less
    its version asks: Fran Scaled ranks below Fran, by a gap a coach can read. The gap is kept as a column
    (ObservedDifficulty.items.level_gap): the difficulty against the item's own standard is difficulty + gap."""
    if not own or not rx:
        return 0.0
    return math.log(rx / own) if kind == "time" else math.log(own / rx)


TRAITS = ("gymnastics_share", "cardio_share", "log_duration")


def traits_of(document: dict) -> np.ndarray:
    """The workout's TRAITS, on which athletes differ (joint.py): its shares of gymnastics and of cardio
    work time against weightlifting (programming.profile.work_shares_by), and ln(minutes / 10) of wodcraft's
    time estimate (10 minutes when it has none)."""
    catalog = catalog_movements()
    share = work_shares_by(document, lambda movement: FAMILIES[catalog[movement].family][1])
    duration = duration_seconds(document) or 600
    return np.array([share.get("gymnastics", 0.0), share.get("cardio", 0.0), math.log(duration / 600)])


def pace_scale(results: pd.DataFrame, standards: dict[str, dict]) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """y for every result on its workout's Rx scale (its item named by _name_items; NaN where it carries no
    pace), the upper bound of a censored one's pace (NaN for an exact one), the lower bound of a capped one's
    (NaN when it has none: capped_paces), and why the NaNs are NaN."""
    # arrays: a Series' .iat is slow
    y, bound, lower = np.full(len(results), np.nan), np.full(len(results), np.nan), np.full(len(results), np.nan)
    reason = [""] * len(results)
    of_item = {item: item_standard(standards[wod], track, team)  # once per item, not per row
               for item, wod, track, team in results[["item", "wod_id", "item_track", "team_size"]].drop_duplicates(
                   "item").itertuples(index=False)}
    for position, row in enumerate(results.itertuples(index=False)):
        info = of_item[row.item]
        scoring, category = info["scoring"], gender_category(row.gender)
        standard, gap = info["standard"][category], info["gap"][category]
        value = None if row.score_value is None or pd.isna(row.score_value) else float(row.score_value)
        if row.score_type == "ROUNDS" and value is not None and scoring.reps_per_round:  # rounds+reps as reps
            value = total_work(value, None if pd.isna(row.score_secondary) else float(row.score_secondary), scoring.reps_per_round)
        if row.result_status == "dns":
            reason[position] = "dns"
        elif row.result_status == "dnf" and info["walk"]:
            reason[position] = "dnf on an open ladder: no reps to measure"  # nobody finishes one; its score is reps
        elif row.result_status == "dnf":
            if standard is not None and scoring.kind == "time" and scoring.cap_seconds:
                y[position] = bound[position] = math.log(standard / scoring.cap_seconds)  # not done by the cap
            else:
                reason[position] = UNCAPPED_DNF  # bounded by the item's slowest finisher (estimate)
        elif standard is None or value is None or value <= 0:
            reason[position] = f"no standard pace for a workout scored by {scoring.kind}" if standard is None else "nothing done"
        elif row.result_status == "capped" and info["walk"]:
            # an open ladder's reps by the cap are its score, like an AMRAP's: a pace, not a censored time
            y[position] = math.log(info["walk"].seconds_to(value) / scoring.cap_seconds)
        elif row.result_status == "capped" and scoring.cap_seconds and scoring.total_reps:
            # between the pace that took them to their reps by the cap and that pace fading on the rest
            bound[position], lower[position] = capped_paces(info["sets"], standard, value, scoring)
            y[position] = bound[position]
        elif row.score_type == "TIME":
            y[position] = math.log(standard / value)
        elif _counted_work(row.score_type, scoring):
            y[position] = math.log(value / standard)
        elif row.score_type == "LOAD":
            y[position] = math.log(value * float(KG_PER_UNIT[row.score_unit]) / standard)
        else:
            reason[position] = f"{row.score_type} on a {scoring.kind} workout"
        y[position] += gap  # on the Rx version's scale (level_gap); NaN stays NaN
        bound[position] += gap
        lower[position] += gap
    index = results.index
    return (pd.Series(y, index=index), pd.Series(bound, index=index), pd.Series(lower, index=index),
            pd.Series(reason, index=index, dtype=object))


UNCAPPED_DNF = "dnf on a workout with no cap, which no one finished"

# At worst, a capped athlete would have done the rest of the work this many times slower than their pace to
# the cap: the fading allowed for (wide: an interval too narrow biases an item most athletes do not finish;
# the simulator's realistic boxes fade up to 3 times on Open 18.4).
FADE_AT_MOST = 4.0


def capped_paces(sets: Walk | None, standard: float, reps: float, scoring: Scoring) -> tuple[float, float]:
    """The bounds of the pace of an athlete capped with `reps` done: (upper, lower).

    To the cap they did the work the standard athlete does in D seconds: the workout walked set by set
    (wodlab.workouts.walks.work_walk, scaled to the standard S), so where the cap falls counts — a heavy set
    left takes longer per rep. At best they would have kept that pace (upper: ln(D / cap)); at worst they would
    have done the rest FADE_AT_MOST times slower (lower: ln(S / (cap + FADE_AT_MOST (S - D) cap / D))). A capped
    result is a measurement between the two, not just "slower than the cap": an item where most athletes are
    capped still has a finite difficulty."""
    cap, total = scoring.cap_seconds, scoring.total_reps
    done = min(reps, total)
    standard_seconds = (sets.seconds_to(done) / sets.seconds[-1] if sets else done / total) * standard
    left = max(standard - standard_seconds, 0.0)
    return (math.log(standard_seconds / cap),
            math.log(standard / (cap + FADE_AT_MOST * left * cap / standard_seconds)))


def level_gaps(used: pd.DataFrame, standards: dict[str, dict]) -> pd.Series:
    """Each item's level_gap (by "wod_id|track|team_size"), averaged over its results' categories."""
    gaps = [item_standard(standards[wod], track, team)["gap"][gender_category(gender)]
            for wod, track, team, gender in zip(used["wod_id"], used["item_track"], used["team_size"], used["gender"])]
    return pd.Series(gaps, index=used.index, dtype=float).groupby(used["item"]).mean()


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


def _prepare(data: FitData, min_results: int) -> Prepared:
    results, standards = data.results.copy(), data.standards
    results["gender"] = results["gender"].fillna("")
    if results.empty:
        raise WodlabError("no results to estimate difficulty from: load sessions and results first")
    _name_items(results, standards)
    y, bound, lower, reason = pace_scale(results, standards)
    results["y"], results["bound"], results["lower"] = y, bound, lower
    reason = _bound_uncapped_dnfs(results, reason)
    left_out = _left_out(results.assign(reason=reason), standards)
    used = results[results["y"].notna()].copy()
    counts = used["item"].value_counts()
    used = used[used["item"].map(counts) >= min_results]
    athletes = np.array(sorted(used["athlete_id"].unique()))
    items = np.array(sorted(used["item"].unique()))
    a_index = np.searchsorted(athletes, used["athlete_id"].to_numpy())
    i_index = np.searchsorted(items, used["item"].to_numpy())
    traits = np.vstack([standards[w]["traits"] for w in used["wod_id"]]) if len(used) else np.zeros((0, len(TRAITS)))
    days = _days(used)
    observations = joint.Observations(a_index, i_index, used["y"].to_numpy(dtype=float),
                                      used["bound"].to_numpy(dtype=float), _years_from_own_average(days, a_index),
                                      traits - traits.mean(axis=0), len(athletes), len(items),
                                      lower=used["lower"].to_numpy(dtype=float), form=joint.form_basis(days))
    return Prepared(used, reason[reason != ""].value_counts().to_dict(), left_out, athletes, items, counts, observations)


def _days(used: pd.DataFrame) -> np.ndarray:
    """Each result's session date as days since 2000-01-01."""
    return (pd.to_datetime(used["session_date"]) - pd.Timestamp("2000-01-01")).dt.days.to_numpy(dtype=float)


def _years_from_own_average(days: np.ndarray, athlete_index: np.ndarray) -> np.ndarray:
    """Each result's date in years from its athlete's average date (the time of the progression term)."""
    own = np.bincount(athlete_index, days) / np.bincount(athlete_index)
    return (days - own[athlete_index]) / 365.25
