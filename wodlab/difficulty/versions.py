"""The difficulty_models table: save a model, list them, apply one to every stored workout."""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wodlab.difficulty.model import BASELINE, DifficultyModel
from wodlab.errors import WodlabError


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
    changed = 0
    with engine.begin() as conn:
        conn.execute(sa.text("LOCK TABLE wod_definitions IN SHARE ROW EXCLUSIVE MODE"))  # one apply at a time
        model = get_model(conn, version)
        rows = conn.execute(sa.text("SELECT id, title, ast_json FROM wod_definitions ORDER BY id")).all()
        update = sa.text(
            "UPDATE wod_definitions SET difficulty_score = :s, difficulty_version = :v, updated_at = NOW() "
            "WHERE id = :id AND (difficulty_score IS DISTINCT FROM :s OR difficulty_version IS DISTINCT FROM :v)")
        for row in rows:
            try:
                score = model.score(row.ast_json)
            except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
                raise WodlabError(f"cannot score workout {row.title!r} ({row.id}) with {version}: {exc!r}; "
                                  "nothing was changed") from exc
            changed += conn.execute(update, {"s": score, "v": version, "id": row.id}).rowcount
        conn.execute(sa.text("UPDATE difficulty_models SET applied_at = NOW() WHERE version = :v"), {"v": version})
    return changed


def list_models(engine: Engine) -> pd.DataFrame:
    """Every saved version, oldest first: version, link, fitted_at, applied_at, active, workouts, metrics, notes."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT m.version, m.params->>'link' AS link, m.fitted_at, m.applied_at, m.metrics, m.notes,
                   (SELECT count(*) FROM wod_definitions w WHERE w.difficulty_version = m.version) AS workouts
            FROM difficulty_models m ORDER BY m.fitted_at, m.version""")).all()
        active = active_model(conn).version
    frame = pd.DataFrame([r._asdict() for r in rows],
                         columns=["version", "link", "fitted_at", "applied_at", "metrics", "notes", "workouts"])
    frame.insert(4, "active", frame["version"] == active)
    return frame
