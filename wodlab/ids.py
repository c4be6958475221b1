"""Stable ids: uuid5 of natural keys, so the same input gets the same id in every database."""

from __future__ import annotations

import uuid

# Fixed forever: changing it would change every id wodlab has ever written.
WODLAB_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-5e3a-8c21-0d4b7f9e2a10")


def stable_id(kind: str, key: str) -> uuid.UUID:
    """uuid5 of `kind:key`, e.g. stable_id("wod", source_hash)."""
    return uuid.uuid5(WODLAB_NAMESPACE, f"{kind}:{key}")
