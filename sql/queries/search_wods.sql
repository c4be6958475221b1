-- wodlab: every filter of the seed's "Recherche" and "Filtrage" queries (and of its GraphQL
-- searchWODs) in one query; a NULL parameter means "no filter". PostgreSQL plans with the bound
-- values, so the GIN indexes on movements_list still serve the @> and && filters.
-- param movements_all: movement[], optional — movements that must all appear (catalog ids or any English/French name)
-- param movements_any: movement[], optional — movements of which one must appear (ids or names)
-- param category: text, optional — a movement category: weightlifting, gymnastics, cardio
-- param form: text, optional — first block type: amrap, for_time, emom...
-- param min_seconds: int, optional — shortest estimated duration, inclusive
-- param max_seconds: int, optional — longest estimated duration, inclusive
-- param min_difficulty: int, optional — inclusive
-- param max_difficulty: int, optional — inclusive
-- param equipment: text[], optional — equipment names that must all be needed (barbell, dumbbell...)
-- param modalities: text[], optional — modality tags that must all be present: strength, gymnastics, cardio
-- param limit: int, optional — at most this many rows
-- param offset: int, optional — skip this many rows first (the seed's searchWODs paging)
-- column id: string — the workout's id
-- column title: string — the workout's title
-- column form: string — first block type
-- column movements_list: object — catalog ids of the workout's movements
-- column equipment_list: object — equipment the workout needs
-- column modality_tags: object — strength, gymnastics, cardio
-- column duration_seconds: Int64 — estimated duration
-- column difficulty_score: Int64 — 0-100
-- the lists as JSON arrays: every documented query is read through COPY (wodlab.bulk), which parses JSON
SELECT w.id, w.title, wodlab_workout_form(w.ast_json) AS form, to_jsonb(w.movements_list) AS movements_list,
       to_jsonb(w.equipment_list) AS equipment_list, to_jsonb(w.modality_tags) AS modality_tags, w.duration_seconds,
       w.difficulty_score
FROM wod_definitions w
WHERE (CAST(:movements_all AS TEXT[]) IS NULL OR w.movements_list @> CAST(:movements_all AS TEXT[]))
AND (CAST(:movements_any AS TEXT[]) IS NULL OR w.movements_list && CAST(:movements_any AS TEXT[]))
AND (CAST(:category AS TEXT) IS NULL OR EXISTS (
        SELECT 1 FROM movement_catalog mc
        WHERE mc.canonical_name = ANY(w.movements_list) AND mc.category = :category))
AND (CAST(:form AS TEXT) IS NULL OR wodlab_workout_form(w.ast_json) = :form)
AND (CAST(:min_seconds AS INT) IS NULL OR w.duration_seconds >= :min_seconds)
AND (CAST(:max_seconds AS INT) IS NULL OR w.duration_seconds <= :max_seconds)
AND (CAST(:min_difficulty AS INT) IS NULL OR w.difficulty_score >= :min_difficulty)
AND (CAST(:max_difficulty AS INT) IS NULL OR w.difficulty_score <= :max_difficulty)
AND (CAST(:equipment AS TEXT[]) IS NULL OR w.equipment_list @> CAST(:equipment AS TEXT[]))
AND (CAST(:modalities AS TEXT[]) IS NULL OR w.modality_tags @> CAST(:modalities AS TEXT[]))
ORDER BY w.title, w.id
LIMIT :limit OFFSET :offset;
