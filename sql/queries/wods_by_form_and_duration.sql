-- Seed, "WODs AMRAP avec durée spécifique".
-- Departure: the seed reads ast_json->>'form' = 'AMRAP', but WODCraft 1.x compiled JSON has no
-- 'form' key: the format is the type of the first block, in lower case ('amrap', 'for_time',
-- 'emom', 'every', 'tabata', 'death_by', 'max_load', 'rounds', or 'movement' for a bare lift).
-- ORDER BY added for reproducible output.
-- param form: text — block type, e.g. 'amrap'
-- param duration_seconds: int — exact duration (seed: 720, 12 minutes)
-- column id: string — the workout's id
-- column title: string — the workout's title
-- column wod_type: string — the format, as above
SELECT w.id, w.title, wodlab_workout_form(w.ast_json) AS wod_type
FROM wod_definitions w
WHERE wodlab_workout_form(w.ast_json) = :form
AND w.duration_seconds = :duration_seconds
ORDER BY w.title, w.id;
