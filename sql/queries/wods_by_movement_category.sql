-- Seed, "WODs par catégorie de mouvement via jointure": workouts with a movement of a category.
-- Categories come from wodcraft's families: 'weightlifting', 'gymnastics', 'cardio'.
-- Departure: ORDER BY added for reproducible output.
-- param category: text — movement_catalog.category
-- column id: string — the workout's id
-- column title: string — the workout's title
SELECT DISTINCT w.id, w.title
FROM wod_definitions w
JOIN movement_catalog mc ON mc.canonical_name = ANY(w.movements_list)
WHERE mc.category = :category
ORDER BY w.title, w.id;
