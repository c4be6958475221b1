-- wodlab: the stored source and creation time of given workouts (the GraphQL WODDefinition fields
-- search_wods does not return), by id.
-- rows: few
-- param ids: text[] — the workouts' ids
-- column id: string — the workout's id
-- column dsl_source: string — the WODCraft source as stored
-- column created_at: datetime64[ns, UTC] — when it was first stored
SELECT w.id, w.dsl_source, w.created_at
FROM wod_definitions w
WHERE w.id::text = ANY(CAST(:ids AS TEXT[]))
ORDER BY w.id;
