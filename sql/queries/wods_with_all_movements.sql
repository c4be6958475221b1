-- Seed, "Recherche de WODs par mouvements": workouts that contain every movement of a list.
-- Departure: equipment, modalities, limit and offset filters, as the seed's searchWODs has them.
-- Movements are stored as wodcraft catalog ids ('push_up', 'thruster'); the parameter takes names too
-- (the seed's 'thrusters'), resolved through the catalog's aliases before the query runs.
-- Departure: ORDER BY added, so the same data always gives the same rows in the same order.
-- param movements: movement[] — movements (catalog ids or any English/French name), all of which must appear
-- param equipment: text[], optional — equipment names that must all be needed (barbell, dumbbell...)
-- param modalities: text[], optional — modality tags that must all be present: strength, gymnastics, cardio
-- param limit: int, optional — at most this many rows
-- param offset: int, optional — skip this many rows first
-- column id: string — the workout's id
-- column title: string — the workout's title
-- column movements_list: object — catalog ids of the workout's movements, in order of appearance
-- column difficulty_score: Int64 — 0-100
-- movements_list as a JSON array: every documented query is read through COPY (wodlab.bulk)
SELECT w.id, w.title, to_jsonb(w.movements_list) AS movements_list, w.difficulty_score
FROM wod_definitions w
WHERE w.movements_list @> CAST(:movements AS TEXT[])
AND (CAST(:equipment AS TEXT[]) IS NULL OR w.equipment_list @> CAST(:equipment AS TEXT[]))
AND (CAST(:modalities AS TEXT[]) IS NULL OR w.modality_tags @> CAST(:modalities AS TEXT[]))
ORDER BY w.title, w.id
LIMIT :limit OFFSET COALESCE(:offset, 0);
