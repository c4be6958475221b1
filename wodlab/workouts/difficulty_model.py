"""DifficultyModel: a documented formula from workout features to a 0-100 score, with a version.

Two links:

- "points" (the baseline heuristic): score = clip(sum of weight x term, 0, 100), each term in 0..1;
- "share": the calibrated model. eta = intercept + sum of weight x term is the workout's difficulty
  on the log-pace scale (wodlab.difficulty.observed); the score is the expected share of the box's
  athletes who miss the workout's standard pace, 100 x Phi(eta / spread), where spread combines
  the spread of abilities in the box and the day-to-day noise. A 70 means: 70% of the box's
  athletes are expected to be slower (do less) than wodcraft's standard pace for this workout.

Every term is a named, documented function of the features (TERMS). Terms marked monotone only
ever get weights >= 0 when fitted, so more volume, a heavier load, a longer workout or harder
skills never make a workout easier.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from scipy.stats import norm

from wodlab.workouts.features import features
from wodlab.workouts.structure import bounded_by_cap


def _bounded_minutes(f: dict) -> float:
    """Estimated minutes, bounded by the cap (the same rule as wod_definitions.duration_seconds)."""
    minutes = f["est_minutes"]
    missing = minutes is None or math.isnan(minutes)  # NaN from features(), None from a typed frame's <NA>
    return bounded_by_cap(0.0 if missing else minutes, f["cap_minutes"])


@dataclass(frozen=True)
class Term:
    function: Callable[[dict], float]
    meaning: str
    monotone: bool  # True: a bigger value never makes the workout easier (fitted weight >= 0)


TERMS: dict[str, Term] = {
    # the baseline's four terms, each scaled to 0..1
    "time_share": Term(lambda f: math.log1p(min(_bounded_minutes(f), 60)) / math.log1p(60),
                       "ln(1 + minutes) / ln(61), minutes bounded by the cap and by 60", True),
    "load_share": Term(lambda f: min(1.0, max(0.0, (f["load_ratio_max"] - 0.5) / 1.5)),
                       "heaviest load / Rx reference, 0 at 0.5 or less, 1 at 2 or more", True),
    "skill_share": Term(lambda f: (f["skill_top2"] - 1) / 4, "mean complexity of the two hardest movements, 1->0, 5->1", True),
    "variety_share": Term(lambda f: min(f["n_movements"], 5) / 5, "distinct movements, up to 5, over 5", True),
    # the calibrated model's terms, on natural scales
    "log_minutes": Term(lambda f: math.log(max(_bounded_minutes(f), 0.5) / 10), "ln(minutes / 10)", True),
    "log_volume": Term(lambda f: math.log1p(f["volume_reps"] + f["volume_calories"] + f["volume_metres"] / 10),
                       "ln(1 + reps + calories + metres / 10)", True),
    "load_ratio": Term(lambda f: f["load_ratio_max"] or 1.0,
                       "heaviest load / Rx reference; bodyweight work counts as the reference (1)", True),
    "skill": Term(lambda f: f["skill_top2"] - 2.5, "mean complexity of the two hardest movements, minus 2.5", True),
    "vest": Term(lambda f: f["vest_kg"] / 10, "weight vest, in 10 kg", True),
    "gymnastics": Term(lambda f: f["share_gymnastics"], "share of gymnastics movements", False),
    "cardio": Term(lambda f: f["share_cardio"], "share of monostructural movements", False),
    "clocked": Term(lambda f: f["clocked"], "1 for AMRAP/EMOM-like formats", False),
    "scaled": Term(lambda f: f["scaled_level"], "1 for a scaled level of the workout", False),
}

CALIBRATED_TERMS = ("log_minutes", "log_volume", "load_ratio", "skill", "vest", "gymnastics", "cardio", "clocked",
                    "scaled")


@dataclass(frozen=True)
class DifficultyModel:
    version: str
    link: str  # "points" or "share"
    weights: dict[str, float]
    intercept: float = 0.0
    spread: float = 1.0  # "share" link: sd of (ability + noise) in the box, on the log-pace scale
    notes: str = ""
    extra: dict = field(default_factory=dict)  # anything else worth keeping with the version

    def terms(self, f: dict) -> dict[str, float]:
        return {name: TERMS[name].function(f) for name in self.weights}

    def eta(self, f: dict) -> float:
        """The linear predictor: points (points link) or log-pace difficulty (share link)."""
        return self.intercept + sum(w * t for w, t in zip(self.weights.values(), self.terms(f).values()))

    def points(self, f: dict) -> float:
        """The 0-100 score of a workout's features, unrounded."""
        eta = self.eta(f)
        if self.link == "points":
            return max(0.0, min(100.0, eta))
        return 100.0 * float(norm.cdf(eta / self.spread))

    def score(self, document: dict) -> int:
        """The seed's calculate_difficulty_score of a compiled workout document: an integer 0-100."""
        value = self.points(features(document))
        if math.isnan(value):
            raise ValueError(f"difficulty of {document.get('title')!r} is not a number")
        return int(round(value))

    def params(self) -> dict:
        return {"link": self.link, "weights": self.weights, "intercept": self.intercept, "spread": self.spread,
                "extra": self.extra}

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.params(), sort_keys=True).encode()).hexdigest()[:10]

    @classmethod
    def from_params(cls, version: str, params: dict, notes: str = "") -> DifficultyModel:
        return cls(version, params["link"], dict(params["weights"]), params.get("intercept", 0.0),
                   params.get("spread", 1.0), notes, params.get("extra", {}))


BASELINE = DifficultyModel(
    version="baseline-1",
    link="points",
    weights={"time_share": 35.0, "load_share": 25.0, "skill_share": 25.0, "variety_share": 15.0},
    notes="The foundation's heuristic: time under work 35, load 25, skill 25, variety 15 points.",
)
