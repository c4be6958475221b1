-- 028: where wod_definitions.duration_seconds comes from (wodlab.difficulty.durations):
--   'wodcraft'  the compiler's estimate, from its catalog paces (every workout until durations are learned);
--   'estimated' wodcraft's estimate with its paces recalibrated on the box's results (per movement family);
--   'observed'  the time of the box's median athlete on it, from the results (the joint fit).
-- Searches by duration and the programming review's time domains read duration_seconds, so they read
-- what was learned. A recompile after a wodcraft upgrade (`wodlab rebuild`) rewrites a 'wodcraft'
-- duration only: a learned one stays until durations are learned again.
ALTER TABLE wod_definitions ADD COLUMN duration_source VARCHAR(10) NOT NULL DEFAULT 'wodcraft'
    CHECK (duration_source IN ('wodcraft', 'estimated', 'observed'));
