-- 009: the seed's "Index spécialisés", each used by the query that needs it.
--
-- The covering index, as the seed writes it plus the id: the duration-and-difficulty search
-- (sql/queries/wods_by_duration_and_difficulty.sql) reads id, title, duration and difficulty, so
-- with id in INCLUDE it is answered from the index alone (an index-only scan), never the table.
CREATE INDEX idx_wod_search ON wod_definitions (difficulty_score, duration_seconds)
    INCLUDE (id, title, movements_list);

-- "Recent workouts only". The seed's partial index cannot be built: an index predicate must be
-- immutable, and NOW() is not (its WHERE created_at > NOW() - INTERVAL '90 days' would also be
-- frozen at build time, wrong a day later). Its intent is a small index that finds the latest
-- workouts fast. Workouts are appended as they are created, so created_at follows the table's
-- physical order: a BRIN index summarises each range of pages by its min and max created_at, is a
-- few pages however large the table grows, never goes stale, and lets "created in the last N days"
-- (sql/queries/recent_wods.sql) read only the last page ranges.
CREATE INDEX idx_recent_wods ON wod_definitions USING BRIN (created_at) WITH (pages_per_range = 16);
