"""Each workout's typical time, learned from the results: what `wod_definitions.duration_seconds` holds.

wodcraft's estimate (the middle of its catalog-pace range) is a fixed guess: Helen 864 s where the
median real athlete takes about 10 minutes. Searches by duration and the programming review's time
domains read the stored duration, so it should say how long the box's athletes take. Two sources:

- observed: for a for-time workout with at least MIN_RESULTS results at a level, the time of the box's
  median athlete there. Not the median of the results: who comes on a hard day and who scales is
  not random (the joint fit's reason to be). The fit gives it directly: the box's average athlete is
  at y = -d on an item of difficulty d (against its own standard S: d + level_gap), so they take
  S e^(d + level_gap) seconds; an athlete's spread around it is symmetric, so that is the median;
- estimated: elsewhere, wodcraft's estimate with its catalog paces recalibrated on every observed
  workout: ln(observed / wodcraft) = sum over movement families (the catalog's reviewed families:
  squat, pull, monostructural, ...) of the workout's share of work time in the family x that
  family's correction, the corrections shrunk towards 0 (wodcraft's own paces)
  by SHRINK workouts' worth. A workout with no for-time results keeps wodcraft's estimate, corrected.

Both are bounded by the cap, as duration_seconds always was. AMRAPs, EMOMs and other clocked work take
exactly their clock and keep it; a workout scored by load has no typical time and keeps wodcraft's.

The difficulty standards (wodlab.difficulty.paces) stay wodcraft's: a standard learned from the
results it measures would give every observed workout a difficulty near 0.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from wodlab.core.frames import FLOAT, INT, TEXT, conform
from wodlab.difficulty.observed import ObservedDifficulty
from wodlab.difficulty.paces import FitData, item_standard
from wodlab.programming.profile import work_shares_by
from wodlab.workouts.catalog import family_of
from wodlab.workouts.structure import Scoring, bounded_by_cap, estimated_seconds
from wodlab.workouts.walks import is_open_ladder

MIN_RESULTS = 20  # results at a level before its own median athlete's time is trusted
SHRINK = 5.0  # workouts' worth of pull of each family's correction towards wodcraft's paces

DURATIONS_SCHEMA = {"wod_id": TEXT, "title": TEXT, "wodcraft_s": FLOAT, "observed_s": FLOAT, "n_results": INT,
                    "estimated_s": FLOAT, "duration_seconds": INT, "source": TEXT}
LEVEL_TIMES_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "n_results": INT, "observed_s": FLOAT}


def level_times(observed: ObservedDifficulty, data: FitData) -> pd.DataFrame:
    """LEVEL_TIMES_SCHEMA: the box's median athlete's time on each for-time item done alone (every level),
    not bounded by the cap; items with fewer than MIN_RESULTS results and open ladders left out."""
    items = observed.items
    rows = []
    for item in items[(items["kind"] == "time") & (items["team_size"] == 1)].itertuples(index=False):
        info = data.standards[item.wod_id]
        own = item_standard(info, item.track, 1)
        standard = own["standard"]["men"]
        if item.n_results < MIN_RESULTS or not standard or own["walk"] is not None or pd.isna(item.difficulty):
            continue
        rows.append({"wod_id": item.wod_id, "title": item.title, "track": item.track, "n_results": item.n_results,
                     "observed_s": standard * math.exp(item.difficulty + item.level_gap)})
    return conform(pd.DataFrame(rows, columns=list(LEVEL_TIMES_SCHEMA)), LEVEL_TIMES_SCHEMA)


def learn(observed: ObservedDifficulty, data: FitData, documents: dict[str, tuple[str, dict]]) -> pd.DataFrame:
    """DURATIONS_SCHEMA: every for-time workout of `documents` (id -> (title, compiled document)), its Rx time
    observed where the results allow (level_times), else estimated from recalibrated paces (module docstring)."""
    rx = level_times(observed, data).query("track == 'RX'").set_index("wod_id")
    timed = {w: (title, d) for w, (title, d) in documents.items() if _typical_time_applies(d)}
    families = sorted({f for _, d in timed.values() for f in work_shares_by(d, family_of)})
    corrections = _family_corrections(rx, timed, families)
    rows = []
    for wod_id, (title, document) in sorted(timed.items()):
        wodcraft = estimated_seconds(document)
        estimated = wodcraft * math.exp(_shares(document, families) @ corrections)
        seen = wod_id in rx.index
        observed_s = float(rx.at[wod_id, "observed_s"]) if seen else np.nan
        cap = Scoring.of(document).cap_seconds
        chosen = observed_s if seen else estimated
        rows.append({"wod_id": wod_id, "title": title, "wodcraft_s": wodcraft, "observed_s": observed_s,
                     "n_results": int(rx.at[wod_id, "n_results"]) if seen else 0, "estimated_s": estimated,
                     "duration_seconds": round(bounded_by_cap(chosen, cap)),
                     "source": "observed" if seen else "estimated"})
    return conform(pd.DataFrame(rows, columns=list(DURATIONS_SCHEMA)), DURATIONS_SCHEMA)


def _typical_time_applies(document: dict) -> bool:
    """Scored by time, with an estimate, and finished by some: not an open ladder (everyone takes the cap)."""
    scoring = Scoring.of(document)
    return scoring.kind == "time" and bool(estimated_seconds(document)) and not is_open_ladder(scoring)


def _shares(document: dict, families: list[str]) -> np.ndarray:
    """The workout's share of catalog work time in each movement family (programming.profile.work_shares_by)."""
    by_family = work_shares_by(document, family_of)
    return np.array([by_family.get(f, 0.0) for f in families])


def _family_corrections(rx: pd.DataFrame, timed: dict, families: list[str]) -> np.ndarray:
    """Each family's correction of wodcraft's paces: ridge regression of ln(observed / wodcraft) on the family
    shares of the observed workouts, shrunk to 0 by SHRINK workouts' worth (none observed: all 0)."""
    seen = [w for w in rx.index if w in timed]
    if not seen or not families:
        return np.zeros(len(families))
    X = np.vstack([_shares(timed[w][1], families) for w in seen])
    target = np.log(np.array([rx.at[w, "observed_s"] / estimated_seconds(timed[w][1]) for w in seen]))
    return np.linalg.solve(X.T @ X + SHRINK * np.eye(len(families)), X.T @ target)
