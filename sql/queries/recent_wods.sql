-- wodlab: the seed's "WODs récents": workouts stored in the last N days, newest first (served by
-- the BRIN index idx_recent_wods; see migration 009 for why not the seed's partial index).
-- param days: int — how many days back
-- param limit: int, optional — at most this many rows
-- column id: string — the workout's id
-- column title: string — the workout's title
-- column created_at: datetime64[ns, UTC] — when it was first stored
-- column difficulty_score: Int64 — 0-100
SELECT w.id, w.title, w.created_at, w.difficulty_score
FROM wod_definitions w
WHERE w.created_at > NOW() - make_interval(days => :days)
ORDER BY w.created_at DESC, w.id
LIMIT :limit;
