"""Read benchmarks: lab.results() against read_sql, COPY, connectorx and ADBC; the documented queries' p50."""

from __future__ import annotations

import io
import statistics

import pandas as pd

from wodlab.bench.loads import libpq_url
from wodlab.bench.timing import median_of, timed
from wodlab.lab import Lab

QUERIES = {  # documented queries timed, with their parameters (None: chosen from the data, see _query_params)
    "leaderboard": {"wod": "Fran", "track": "RX", "limit": 10},
    "best_times": {"title": "Fran", "limit": 10},
    # a page of the search, as the API serves it (every match of 'deadlift or thruster' is ~30k rows at 100k)
    "wods_with_any_movement": {"movements": ["deadlift", "thruster"], "limit": 20},
    "wods_with_all_movements": {"movements": ["thruster", "pull_up"], "limit": 20},
    "athlete_movement_progression": {"athlete_id": None, "movement": "thruster"},
    "live_leaderboard": {"session_id": None},
}


def bench_reads(lab: Lab, runs: int) -> dict:
    """lab.results() against pandas.read_sql and a hand-written COPY -> read_csv of the table."""
    wodlab_s = median_of(runs, lab.results)
    read_sql_s = median_of(runs, lambda: lab.sql("SELECT * FROM athlete_results"))
    copy_s = median_of(runs, lambda: _copy_read(lab))
    connectorx_s = median_of(runs, lambda: _connectorx_read(lab))
    adbc_s = median_of(runs, lambda: _adbc_read(lab))
    return {"rows": len(lab.results()), "wodlab_results_s": wodlab_s, "read_sql_s": read_sql_s, "copy_read_csv_s": copy_s,
            "connectorx_arrow_s": connectorx_s, "adbc_arrow_s": adbc_s,
            "ratio_read_sql_over_wodlab": read_sql_s / wodlab_s, "ratio_wodlab_over_copy": wodlab_s / copy_s,
            "ratio_wodlab_over_connectorx": wodlab_s / connectorx_s, "ratio_wodlab_over_adbc": wodlab_s / adbc_s}


def _connectorx_read(lab: Lab):
    """The bare table as an Arrow table by connectorx (no join, no sort, no types beyond the driver's)."""
    import connectorx

    return connectorx.read_sql(libpq_url(lab), "SELECT * FROM athlete_results", return_type="arrow")


def _adbc_read(lab: Lab):
    """The bare table as an Arrow table by ADBC's fetch_arrow_table (numerics come as opaque text)."""
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(libpq_url(lab)) as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM athlete_results")
        return cur.fetch_arrow_table()


def _copy_read(lab: Lab) -> pd.DataFrame:
    buffer = io.BytesIO()
    with lab.engine.connect() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy("COPY (SELECT * FROM athlete_results) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(buffer)


def _query_params(lab: Lab) -> dict:
    """QUERIES with the data's busiest athlete and most tracked session filled in."""
    athlete = lab.sql("SELECT athlete_id::text AS a FROM athlete_results GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    session = lab.sql("SELECT session_id::text AS s FROM realized_events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    chosen = {"athlete_id": athlete["a"].iloc[0], "session_id": session["s"].iloc[0] if len(session) else None}
    return {name: {k: chosen.get(k) if v is None else v for k, v in params.items()} for name, params in QUERIES.items()}


def bench_queries(lab: Lab, repeats: int = 20) -> dict:
    """p50 in milliseconds of each documented query, with its EXPLAIN."""
    out = {}
    for name, params in _query_params(lab).items():
        if None in params.values():
            continue  # e.g. no tracked session in this box
        times = [timed(lambda n=name, p=params: lab.query(n, **p)) for _ in range(repeats)]
        out[name] = {"p50_ms": 1000 * statistics.median(times), "explain": lab.explain(name, **params)}
    return out
