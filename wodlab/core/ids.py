"""Stable ids: uuid5 of natural keys, so the same input gets the same id in every database."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

import numpy as np

# Fixed forever: changing it would change every id wodlab has ever written.
WODLAB_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-5e3a-8c21-0d4b7f9e2a10")


def stable_id(kind: str, key: str) -> uuid.UUID:
    """uuid5 of `kind:key`, e.g. stable_id("wod", source_hash)."""
    return uuid.uuid5(WODLAB_NAMESPACE, f"{kind}:{key}")


def stable_id_texts(kind: str, keys: Iterable[str]) -> list[str]:
    """str(stable_id(kind, key)) of each key, without building a UUID object per key (a bulk load
    makes one per row; tests/test_columnar.py checks both give the same ids): one SHA-1 per key, then
    the version bits and the text of all of them at once, in numpy."""
    prefix = WODLAB_NAMESPACE.bytes + f"{kind}:".encode()
    digests = b"".join(hashlib.sha1(prefix + key.encode()).digest()[:16] for key in keys)
    if not digests:
        return []
    octets = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 16).copy()
    octets[:, 6] = (octets[:, 6] & 0x0F) | 0x50  # version 5
    octets[:, 8] = (octets[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexes = np.frombuffer(octets.tobytes().hex().encode(), dtype="S1").reshape(-1, 32)
    dash = np.full((len(hexes), 1), b"-", dtype="S1")
    text = np.hstack([hexes[:, :8], dash, hexes[:, 8:12], dash, hexes[:, 12:16], dash, hexes[:, 16:20], dash,
                      hexes[:, 20:]])
    return text.copy().view("S36").ravel().astype(str).tolist()
