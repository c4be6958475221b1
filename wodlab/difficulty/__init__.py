"""Workout difficulty: features, models, observed difficulty from results, calibration, versions.

- features.py   named features of a compiled workout, and a frame of them for every stored workout
- model.py      DifficultyModel: features -> 0-100, with a version; BASELINE is the first one
- observed.py   results on one pace scale, and the items' and athletes' frames fitted from them
- joint.py      the model fitted: abilities, progression, specialists, spreads, censored results
- reliability.py  split-half reliability, honest standard errors, residual diagnostics
- calibrate.py  fit a model's weights to observed difficulty, cross-validated by workout
- versions.py   the difficulty_models table: save, list, apply (write every score back), active
"""

from wodlab.workouts.difficulty_model import BASELINE, TERMS, DifficultyModel
from wodlab.workouts.features import FEATURES, features

__all__ = ["BASELINE", "FEATURES", "TERMS", "DifficultyModel", "features"]
