-- 001: the schema of DATABASE_INTEGRATION.md ("Schéma principal" and "Tables de métadonnées").
--
-- Names, types and constraints follow the seed. Where we depart from it, the line says why.
-- Columns wodlab adds are marked "wodlab:"; they never change what a seed query returns.

CREATE TABLE wod_definitions (
    id UUID PRIMARY KEY,                   -- wodlab: uuid5 of source_hash, so ids are stable across databases
    title VARCHAR(255) NOT NULL,
    dsl_source TEXT NOT NULL,
    ast_json JSONB NOT NULL,               -- the document compiled by wodcraft (Rx, dual values kept)
    compiled_json JSONB,                   -- resolved per level and category: compiled_json->'scaled'->'women'
    -- seed departure: NOT NULL. A NULL hash would escape the UNIQUE constraint and with it the
    -- ON CONFLICT (source_hash) de-duplication that makes imports race-safe.
    source_hash VARCHAR(64) NOT NULL UNIQUE,
    movements_list TEXT[],                 -- movement_catalog.canonical_name (wodcraft catalog ids)
    equipment_list TEXT[],
    duration_seconds INT,
    difficulty_score INT CHECK (difficulty_score BETWEEN 0 AND 100),
    modality_tags TEXT[],
    wodcraft_version VARCHAR(20),          -- wodlab: version of the wodcraft package that compiled the row
    -- seed departure: TIMESTAMPTZ instead of TIMESTAMP. NOW() into a TIMESTAMP column stores the
    -- server's local time with no zone, so the same instant reads differently after a TimeZone change.
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    version INT DEFAULT 1
);

CREATE INDEX idx_wod_movements ON wod_definitions USING GIN (movements_list);
CREATE INDEX idx_wod_modality ON wod_definitions USING GIN (modality_tags);
CREATE INDEX idx_wod_duration ON wod_definitions (duration_seconds);
CREATE INDEX idx_wod_difficulty ON wod_definitions (difficulty_score);
-- seed departure: idx_wod_source_hash is not created. The UNIQUE constraint on source_hash already
-- builds exactly that B-tree index; a second one would only slow every insert down.
CREATE INDEX idx_wod_title ON wod_definitions (title);  -- wodlab: leaderboards look workouts up by title

CREATE TABLE scheduled_sessions (
    id UUID PRIMARY KEY,
    wod_definition_id UUID REFERENCES wod_definitions(id),
    session_date DATE NOT NULL,
    session_time TIME,
    track VARCHAR(20) DEFAULT 'RX',        -- RX, SCALED, INTERMEDIATE
    gender_mode VARCHAR(10) DEFAULT 'MIXED', -- M, F, MIXED
    team_size INT DEFAULT 1,
    location VARCHAR(255),
    coach_notes TEXT,
    max_participants INT,
    created_at TIMESTAMPTZ DEFAULT NOW()   -- seed departure: TIMESTAMPTZ, see wod_definitions
);
-- wodlab: PostgreSQL does not index foreign keys; every leaderboard joins sessions by workout.
CREATE INDEX idx_sessions_wod ON scheduled_sessions (wod_definition_id, session_date);

CREATE TABLE athlete_results (
    id UUID PRIMARY KEY,
    session_id UUID REFERENCES scheduled_sessions(id),
    athlete_id UUID NOT NULL,
    score_type VARCHAR(20) NOT NULL,       -- TIME, REPS, ROUNDS, LOAD, CALORIES
    score_value DECIMAL(10,3),
    score_secondary DECIMAL(10,3),
    score_unit VARCHAR(10),
    is_rx BOOLEAN DEFAULT true,
    is_dnf BOOLEAN DEFAULT false,
    notes TEXT,
    realized_events JSONB,
    recorded_at TIMESTAMPTZ DEFAULT NOW()  -- seed departure: TIMESTAMPTZ, see wod_definitions
);
-- wodlab: a top-N leaderboard reads one session's results in score order (0.15 ms with this
-- index, 38 ms without, at 1M results); athlete timelines read one athlete's results.
CREATE INDEX idx_results_session_score ON athlete_results (session_id, score_value);
CREATE INDEX idx_results_athlete ON athlete_results (athlete_id);

CREATE TABLE realized_events (
    id UUID PRIMARY KEY,
    session_id UUID REFERENCES scheduled_sessions(id),
    athlete_id UUID NOT NULL,
    timestamp_offset INT NOT NULL,
    movement VARCHAR(100),
    quantity_completed DECIMAL(10,2),
    quantity_unit VARCHAR(20),
    event_type VARCHAR(20) DEFAULT 'COMPLETE',
    metadata JSONB,
    recorded_at TIMESTAMPTZ DEFAULT NOW()  -- seed departure: TIMESTAMPTZ, see wod_definitions
);

CREATE INDEX idx_events_session_time ON realized_events (session_id, timestamp_offset);
CREATE INDEX idx_events_athlete ON realized_events (athlete_id, timestamp_offset);

CREATE TABLE movement_catalog (
    id UUID PRIMARY KEY,                   -- wodlab: uuid5 of canonical_name
    -- The wodcraft catalog id (snake_case, e.g. 'pull_up'): the value movements_list holds, so the
    -- seed's join "mc.canonical_name = ANY(w.movements_list)" matches.
    canonical_name VARCHAR(100) UNIQUE NOT NULL,
    display_name VARCHAR(100),             -- wodlab: wodcraft's English name, e.g. 'Pull-up'
    display_name_fr VARCHAR(100),          -- wodlab: wodcraft's French display name
    aliases TEXT[],                        -- English and French aliases, lowercase
    aliases_fr TEXT[],                     -- wodlab: the French ones among them
    category VARCHAR(50),                  -- from the wodcraft family: weightlifting, gymnastics, cardio
    muscle_groups TEXT[],                  -- wodlab enrichment (wodlab/data/movement_enrichment.toml)
    equipment_required TEXT[],
    modality VARCHAR(20),                  -- strength, gymnastics, cardio
    complexity_level INT CHECK (complexity_level BETWEEN 1 AND 5),
    default_loads JSONB,                   -- wodcraft's Rx reference, e.g. {"men": 43, "women": 30, "unit": "kg"}
    scaling_options JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW()   -- seed departure: TIMESTAMPTZ, see wod_definitions
);

CREATE INDEX idx_movement_aliases ON movement_catalog USING GIN (aliases);
CREATE INDEX idx_movement_equipment ON movement_catalog USING GIN (equipment_required);
CREATE INDEX idx_movement_muscles ON movement_catalog USING GIN (muscle_groups);
