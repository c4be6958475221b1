"""The seed's "Index spécialisés" (migration 009), each asserted from the plan of the query that needs it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from wodlab.store import queries


@pytest.fixture(scope="module")
def big_library(admin, server_url, template):
    """10,000+ workouts (the library's, copied with other difficulties and durations), created one hour
    apart over the past 14 months in insertion order, as a box that has stored workouts for a while."""
    from conftest import lab_on_new_database

    with lab_on_new_database(admin, server_url, template, "wl_indexes") as lab:
        assert lab.load_wods(library=True, progress=False).ok
        _store_frozen(lab, _MANY_WORKOUTS)
        with lab.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE wod_definitions"))  # the pages COPY left half-filled
            pages, visible = conn.execute(sa.text(
                "SELECT relpages, relallvisible FROM pg_class WHERE oid = 'wod_definitions'::regclass")).one()
        assert pages > 0 and visible == pages, f"{visible} of {pages} pages all-visible"
        yield lab


_MANY_WORKOUTS = """
    SELECT gen_random_uuid(), w.title || ' #' || g, w.dsl_source || '// ' || g, w.ast_json, w.compiled_json,
           md5(w.source_hash || g) || md5(g::text || w.source_hash), w.movements_list, w.equipment_list,
           60 + (g * 37 + n) % 3600, (g * 13 + n * 7) % 101, w.modality_tags,
           NOW() - make_interval(hours => (10500 - (g - 1) * 84 - n)::int)
    FROM (SELECT *, row_number() OVER (ORDER BY id) AS n FROM wod_definitions) w, generate_series(1, 125) AS g
    ORDER BY g, n"""


def _store_frozen(lab, more_rows: str) -> None:
    """The stored workouts and `more_rows` written back frozen (COPY ... FREEZE), for the visibility map an
    index-only scan needs, as after autovacuum has passed. A VACUUM of freshly inserted rows cannot promise
    it: a snapshot still held in the database when it runs (an autovacuum worker analysing another table,
    on a busy machine) keeps it from marking the new pages all-visible, and the plans under test then
    changed with the machine's timing (CI: a bitmap scan, 269 heap fetches). Frozen rows are visible to
    every snapshot: COPY marks the pages it fills all-visible, and the VACUUM after it the pages it left
    half-filled, whatever else runs. FREEZE needs the table emptied in the same transaction."""
    columns = ("id, title, dsl_source, ast_json, compiled_json, source_hash, movements_list, equipment_list, "
               "duration_seconds, difficulty_score, modality_tags, created_at")
    with lab.engine.begin() as conn:
        conn.execute(sa.text("CREATE TEMP TABLE staged ON COMMIT DROP AS "
                             f"SELECT {columns} FROM wod_definitions ORDER BY created_at, id"))
        conn.execute(sa.text(f"INSERT INTO staged {more_rows}"))
        conn.execute(sa.text("TRUNCATE wod_definitions CASCADE"))  # the sessions and results: none yet
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy(f"COPY staged ({columns}) TO STDOUT (FORMAT binary)") as out:
                data = b"".join(bytes(block) for block in out)
            with cur.copy(f"COPY wod_definitions ({columns}) FROM STDIN (FORMAT binary, FREEZE)") as into:
                into.write(data)


def _uses(nodes: list[dict], node_type: str, index: str) -> bool:
    return any(n["Node Type"] == node_type and n.get("Index Name") == index for n in nodes)


@pytest.mark.slow
def test_the_covering_index_answers_the_duration_and_difficulty_search_alone(big_library):
    assert big_library.sql("SELECT count(*) AS n FROM wod_definitions")["n"].iloc[0] >= 10_000
    nodes = queries.plan_nodes(big_library.engine, "wods_by_duration_and_difficulty", min_seconds=300, max_seconds=900,
                               min_difficulty=40, max_difficulty=45)
    assert _uses(nodes, "Index Only Scan", "idx_wod_search"), [(n["Node Type"], n.get("Index Name")) for n in nodes]
    found = big_library.query("wods_by_duration_and_difficulty", min_seconds=300, max_seconds=900, min_difficulty=40,
                              max_difficulty=45)
    assert len(found) > 0 and found["difficulty_score"].between(40, 45).all()


@pytest.mark.slow
def test_recent_workouts_are_found_through_the_brin_index(big_library):
    nodes = queries.plan_nodes(big_library.engine, "recent_wods", days=7)
    assert _uses(nodes, "Bitmap Index Scan", "idx_recent_wods"), [(n["Node Type"], n.get("Index Name")) for n in nodes]
    recent = big_library.query("recent_wods", days=7)
    expected = big_library.sql("SELECT count(*) AS n FROM wod_definitions WHERE created_at > NOW() - INTERVAL '7 days'")
    assert len(recent) == expected["n"].iloc[0] > 0
    assert recent["created_at"].is_monotonic_decreasing


@pytest.mark.slow
def test_the_seeds_partial_index_is_refused_by_postgresql_which_is_why_it_is_not_used(big_library):
    with pytest.raises(sa.exc.ProgrammingError, match="IMMUTABLE"), big_library.engine.begin() as conn:
        conn.execute(sa.text("CREATE INDEX idx_seed_recent ON wod_definitions (created_at) "
                             "WHERE created_at > NOW() - INTERVAL '90 days'"))


def test_the_leaderboard_reads_rank_keys_from_the_covering_index(sim_copy):
    with sim_copy.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE athlete_results"))
    # the board ranked from the results (without flagged ones; the default board is stored: test_standings.py)
    nodes = queries.plan_nodes(sim_copy.engine, "leaderboard", wod="Fran", track="RX", limit=10, policy="box",
                               exclude_flagged=True)
    partitions = set(sim_copy.sql("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                  "WHERE i.inhparent = 'idx_results_session_rank'::regclass")["relname"])
    assert len(partitions) >= 3  # each month partition has its own copy of the index
    read = {n.get("Index Name") for n in nodes if n["Node Type"] == "Index Only Scan"}
    assert read and read <= partitions, [(n["Node Type"], n.get("Index Name")) for n in nodes]
    board = sim_copy.leaderboard("Fran", limit=10, exclude_flagged=True)
    assert list(board["rank"]) == sorted(board["rank"]) and len(board) == 10


@pytest.mark.slow
def test_a_page_of_a_common_movement_search_walks_titles_in_the_index_alone(big_library):
    """Migration 015: the movements ride in the title index, so the walk in title order to a page's end never
    reads the table (before, each workout walked past was fetched to test its movements)."""
    for name in ("wods_with_any_movement", "wods_with_all_movements"):
        nodes = queries.plan_nodes(big_library.engine, name, executed=True, movements=["pull_up"], limit=20)
        walk = [n for n in nodes if n.get("Index Name") == "idx_wod_title_search"]
        assert walk and walk[0]["Node Type"] == "Index Only Scan", [(n["Node Type"], n.get("Index Name")) for n in nodes]
        assert walk[0]["Heap Fetches"] == 0
    page = big_library.wods_with_all_movements(["pull_up"], limit=20)
    assert len(page) == 20 and all("pull_up" in m for m in page["movements_list"])
    assert page["title"].tolist() == sorted(page["title"])
