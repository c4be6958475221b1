-- Seed, "Recherche de WODs par mouvements": workouts that contain every movement of a list.
-- Movements are wodcraft catalog ids ('push_up', 'thruster'); the seed's 'thrusters' is not one.
-- Departure: ORDER BY added, so the same data always gives the same rows in the same order.
-- param movements: text[] — catalog ids, all of which must appear
-- column id: string — the workout's id
-- column title: string — the workout's title
-- column movements_list: object — catalog ids of the workout's movements, in order of appearance
-- column difficulty_score: Int64 — 0-100
SELECT w.id, w.title, w.movements_list, w.difficulty_score
FROM wod_definitions w
WHERE w.movements_list @> CAST(:movements AS TEXT[])
ORDER BY w.title, w.id;
