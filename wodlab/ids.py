"""Stable ids: uuid5 of natural keys, so the same input gets the same id in every database."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

# Fixed forever: changing it would change every id wodlab has ever written.
WODLAB_NAMESPACE = uuid.UUID("6f1c2a4e-9b7d-5e3a-8c21-0d4b7f9e2a10")


def stable_id(kind: str, key: str) -> uuid.UUID:
    """uuid5 of `kind:key`, e.g. stable_id("wod", source_hash)."""
    return uuid.uuid5(WODLAB_NAMESPACE, f"{kind}:{key}")


def stable_id_texts(kind: str, keys: Iterable[str]) -> list[str]:
    """str(stable_id(kind, key)) of each key, without building a UUID object per key (a bulk load
    makes one per row; tests/test_columnar.py checks both give the same ids)."""
    prefix = WODLAB_NAMESPACE.bytes + f"{kind}:".encode()
    out = []
    for key in keys:
        digest = bytearray(hashlib.sha1(prefix + key.encode()).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
        digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
        h = digest.hex()
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out
