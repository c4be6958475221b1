-- Seed, "Top 10 des meilleurs temps sur 'Fran'", with the title and the limit as parameters.
-- Departures: DNF results are left out (wodlab stores them as TIME with no value, which the seed's
-- filter would list last); ties on time are broken by recorded_at then athlete_id.
-- param title: text — the workout's title, e.g. 'Fran'
-- param limit: int — how many rows (seed: 10)
-- column athlete_id: string — the athlete's id
-- column time_seconds: Float64 — finishing time in seconds
-- column is_rx: boolean — done as prescribed
-- column recorded_at: datetime64[ns, UTC] — when the result was recorded
SELECT ar.athlete_id, ar.score_value AS time_seconds,
       ar.is_rx, ar.recorded_at
FROM athlete_results ar
JOIN scheduled_sessions ss ON ar.session_id = ss.id
JOIN wod_definitions wd ON ss.wod_definition_id = wd.id
WHERE wd.title = :title
AND ar.score_type = 'TIME'
AND ar.is_rx = true
AND NOT ar.is_dnf
ORDER BY ar.score_value ASC, ar.recorded_at, ar.athlete_id
LIMIT :limit;
