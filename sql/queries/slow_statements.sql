-- wodlab: the slowest statements run on this database, from pg_stat_statements (the seed's "Logger les
-- requêtes lentes"; the embedded server loads it, see wodlab.db): slowest on average first.
-- param limit: int, optional — at most this many statements
-- column query: string — the statement, its constants replaced by $1, $2...
-- column calls: Int64 — how many times it ran
-- column mean_ms: Float64 — mean execution time (milliseconds)
-- column max_ms: Float64 — slowest execution (milliseconds)
-- column total_ms: Float64 — total execution time (milliseconds)
-- column rows: Int64 — rows returned or affected, in all
SELECT s.query, s.calls, round(s.mean_exec_time::numeric, 3) AS mean_ms, round(s.max_exec_time::numeric, 3) AS max_ms,
       round(s.total_exec_time::numeric, 3) AS total_ms, s.rows
FROM pg_stat_statements s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY s.mean_exec_time DESC, s.query
LIMIT :limit;
