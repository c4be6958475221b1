"""The difficulty_models table: save a model, list them, apply one to every stored workout."""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wodlab.core.errors import WodlabError
from wodlab.core.frames import BOOL, INT, OBJECT, TEXT, TIMESTAMP, conform
from wodlab.store import queries
from wodlab.tables import wods
from wodlab.workouts.difficulty_model import BASELINE, DifficultyModel


def save_model(engine: Engine, model: DifficultyModel, metrics: dict | None = None) -> bool:
    """Record a model version; True when new. A version already saved must have the same parameters."""
    with engine.begin() as conn:
        existing = conn.execute(sa.text("SELECT params FROM difficulty_models WHERE version = :v"),
                                {"v": model.version}).scalar()
        if existing is not None:
            if DifficultyModel.from_params(model.version, existing).params() != model.params():
                raise WodlabError(f"difficulty model {model.version!r} exists with other parameters: choose another version")
            return False
        conn.execute(sa.text(
            "INSERT INTO difficulty_models (version, params, metrics, notes) "
            "VALUES (:v, CAST(:p AS JSONB), CAST(:m AS JSONB), :n)"),
            {"v": model.version, "p": json.dumps(model.params()), "m": json.dumps(metrics) if metrics else None,
             "n": model.notes})
    return True


def get_model(conn: Connection, version: str) -> DifficultyModel:
    row = conn.execute(sa.text("SELECT params, notes FROM difficulty_models WHERE version = :v"), {"v": version}).first()
    if row is None:
        known = conn.execute(sa.text("SELECT version FROM difficulty_models ORDER BY fitted_at, version")).scalars().all()
        raise WodlabError(f"no difficulty model {version!r}; known versions: {', '.join(known)}")
    return DifficultyModel.from_params(version, row.params, row.notes or "")


def active_model(conn: Connection) -> DifficultyModel:
    """The model last applied (new imports are scored with it); the baseline before any apply."""
    version = conn.execute(sa.text(
        "SELECT version FROM difficulty_models WHERE applied_at IS NOT NULL ORDER BY applied_at DESC LIMIT 1")).scalar()
    return get_model(conn, version) if version else BASELINE


def apply_model(engine: Engine, version: str) -> int:
    """Recompute every workout's difficulty_score with a saved version, in one transaction.

    Returns how many rows changed: applying the same version twice changes nothing the second time.
    Any failure (a workout whose score cannot be computed, a constraint) rolls everything back.
    """
    with engine.begin() as conn:
        wods.lock_for_rescoring(conn)  # one apply at a time
        model = get_model(conn, version)
        scores = {}
        for wod in sorted(wods.documents(conn), key=lambda w: w.id):
            try:
                scores[wod.id] = model.score(wod.document)
            except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
                raise WodlabError(f"cannot score workout {wod.title!r} ({wod.id}) with {version}: {exc!r}; "
                                  "nothing was changed") from exc
        changed = wods.set_difficulty(conn, scores, version)
        conn.execute(sa.text("UPDATE difficulty_models SET applied_at = NOW() WHERE version = :v"), {"v": version})
    return changed


MODELS_SCHEMA = {"version": TEXT, "link": TEXT, "fitted_at": TIMESTAMP, "applied_at": TIMESTAMP, "active": BOOL,
                 "metrics": OBJECT, "notes": TEXT, "workouts": INT}


def list_models(engine: Engine) -> pd.DataFrame:
    """Every saved version, oldest first (sql/queries/difficulty_models.sql), with `active` marked."""
    frame = queries.run(engine, "difficulty_models")
    with engine.connect() as conn:
        active = active_model(conn).version
    frame["active"] = frame["version"] == active
    return conform(frame, MODELS_SCHEMA)
