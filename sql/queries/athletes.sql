-- wodlab: the local athletes table, with how many results each has.
-- column athlete_id: string — the athlete's id (uuid5 of external_id)
-- column external_id: string — the id in the box's own system
-- column name: string — display name
-- column gender: string — M or F
-- column birth_year: Int64 — year of birth, when known
-- column results: Int64 — results recorded
SELECT a.id AS athlete_id, a.external_id, a.display_name AS name, a.gender, a.birth_year,
       (SELECT count(*) FROM athlete_results ar WHERE ar.athlete_id = a.id) AS results
FROM athletes a
ORDER BY a.display_name, a.external_id;
