"""Workout difficulty: features, models, observed difficulty from results, calibration, versions.

- features.py   named features of a compiled workout, and a frame of them for every stored workout
- model.py      DifficultyModel: features -> 0-100, with a version; BASELINE is the first one
- observed.py   each item's difficulty and each athlete's ability, estimated jointly from results
- calibrate.py  fit a model's weights to observed difficulty, cross-validated by workout
- versions.py   the difficulty_models table: save, list, apply (write every score back), active
"""

from wodlab.difficulty.features import FEATURES, feature_frame, features, load_ratios
from wodlab.difficulty.model import BASELINE, TERMS, DifficultyModel

BASELINE_VERSION = BASELINE.version


def baseline_score(document: dict) -> int:
    return BASELINE.score(document)


def load_ratio(items: list[dict]) -> float:
    """Heaviest prescribed load relative to its Rx reference; 0 when nothing is loaded."""
    return max(load_ratios(items), default=0.0)


__all__ = ["BASELINE", "BASELINE_VERSION", "FEATURES", "TERMS", "DifficultyModel", "baseline_score", "feature_frame",
           "features", "load_ratio"]
