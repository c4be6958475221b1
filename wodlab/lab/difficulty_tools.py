"""`lab.difficulty`: features, observed difficulty, calibration and versions on the Lab's database."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from wodlab.difficulty import calibrate, durations, reliability, versions
from wodlab.difficulty.observed import ObservedDifficulty
from wodlab.difficulty.paces import FitData
from wodlab.lab import arguments
from wodlab.tables import wods
from wodlab.workouts.difficulty_model import DifficultyModel
from wodlab.workouts.levels import TRACKS


class DifficultyTools:
    """`lab.difficulty`: features, observed difficulty, calibration and versions on this database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def features(self, *, track: str | list[str] = "RX") -> pd.DataFrame:
        """Features of every stored workout at a track's level (or at each of a list of tracks,
        None: every track);
        columns difficulty.calibrate.FEATURES_SCHEMA."""
        tracks = arguments.tracks(track)
        return calibrate.feature_frame(self.engine, TRACKS if tracks is None else tuple(tracks))

    def observed(self, *, errors: str = "auto", **options) -> ObservedDifficulty:
        """Each item's difficulty and each athlete's ability, fitted jointly from the results (difficulty.joint).

        errors: "sandwich" takes each item's sampling error from the one fit, the athletes' results as clusters
        (joint.fit(robust=True)); "bootstrap" from 20 fits of athletes drawn with replacement; "split-half"
        widens the model's by what a split half of the athletes shows (two more fits); each adds the model
        uncertainty (the item's variance over the model without each of its parts: four more fits, started from
        the first, about 1.8 fits in all with the sandwich); "model"
        keeps the model's own (they assume the model); "auto" (the default) is the sandwich
        (difficulty.reliability.estimate_with_errors). Last, each workout's other levels are tied to its Rx item
        (difficulty.level_ties: a scaled item of few results borrows from the box's other scaled items). A
        progress bar counts the fits on a terminal from 20,000 results (progress=True/False to choose)."""
        errors = arguments.choice("errors", errors, reliability.ERRORS)
        return reliability.estimate_with_errors(FitData.read(self.engine), errors, **options)

    def durations(self, *, write: bool = False, observed: ObservedDifficulty | None = None) -> pd.DataFrame:
        """Each for-time workout's typical time learned from the results (difficulty.durations): its Rx time for
        the box's median athlete where at least durations.MIN_RESULTS results show it (source "observed"), else
        wodcraft's estimate with its paces recalibrated on them ("estimated"); columns
        difficulty.durations.DURATIONS_SCHEMA. write=True stores them in wod_definitions.duration_seconds and
        duration_source, which searches and the programming review read. `observed`: a fit already made."""
        data = FitData.read(self.engine)
        observed = observed or reliability.estimate_with_errors(data, "model")
        with self.engine.connect() as conn:
            stored = {w.id: (w.title, w.document) for w in wods.documents(conn)}
        learned = durations.learn(observed, data, stored)
        if write:
            with self.engine.begin() as conn:
                wods.set_durations(conn, {w: (int(s), src) for w, s, src in
                                          zip(learned["wod_id"], learned["duration_seconds"], learned["source"])})
        return learned

    def fit(self, **options) -> tuple[DifficultyModel, calibrate.CalibrationReport]:
        """Calibrate a model on the results (cross-validated by workout); save it with `save`."""
        return calibrate.fit(self.engine, **options)

    def save(self, model: DifficultyModel, *, report: calibrate.CalibrationReport | None = None) -> bool:
        """Keep a calibrated model as a version (with its report's metrics); False when that version exists."""
        return versions.save_model(self.engine, model, report.metrics_dict() if report else None)

    def apply(self, version: str) -> int:
        """Recompute every workout's difficulty_score with a saved version; return how many changed."""
        return versions.apply_model(self.engine, version)

    def list(self) -> pd.DataFrame:
        """Every saved version: columns difficulty.versions.MODELS_SCHEMA."""
        return versions.list_models(self.engine)

    def scores(self, *models: DifficultyModel, track: str = "RX") -> pd.DataFrame:
        """Every workout's 0-100 score under each model: columns wod_id, title, then one Float64 per version."""
        frame = self.features(track=track)
        records = frame.to_dict("records")
        out = frame[["wod_id", "title"]].copy()
        for model in models:
            out[model.version] = pd.array([round(model.points(r), 1) for r in records], dtype="Float64")
        return out

    def model(self, version: str | None = None) -> DifficultyModel:
        """A saved version, or the active one (last applied) when no version is given."""
        with self.engine.connect() as conn:
            return versions.get_model(conn, version) if version else versions.active_model(conn)
