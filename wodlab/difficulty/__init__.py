"""Workout difficulty from results: observed difficulty, calibration of the score, versions.

- observed.py     results on one pace scale, and the items' and athletes' frames fitted from them
- joint.py        the model fitted: abilities, progression, specialists, spreads, censored results
- reliability.py  split-half reliability, honest standard errors, residual diagnostics
- calibrate.py    fit a model's weights to observed difficulty, cross-validated by workout
- versions.py     the difficulty_models table: save, list, apply (write every score back), active
- norms.py        published population figures beside the standards

What a workout's score is computed from lives one layer down, with the workouts: its features
(wodlab.workouts.features) and the model that turns them into 0-100 points
(wodlab.workouts.difficulty_model), named here too for notebooks.
"""

from wodlab.workouts.difficulty_model import BASELINE, TERMS, DifficultyModel
from wodlab.workouts.features import FEATURES, features

__all__ = ["BASELINE", "FEATURES", "TERMS", "DifficultyModel", "features"]
