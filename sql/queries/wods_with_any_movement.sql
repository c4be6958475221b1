-- Seed, "Recherche de WODs par mouvements": workouts with at least one movement of a list.
-- Departure: ORDER BY added for reproducible output.
-- param movements: text[] — catalog ids, any of which may appear
-- column id: string — the workout's id
-- column title: string — the workout's title
-- column movements_list: object — catalog ids of the workout's movements
SELECT w.id, w.title, w.movements_list
FROM wod_definitions w
WHERE w.movements_list && CAST(:movements AS TEXT[])
ORDER BY w.title, w.id;
