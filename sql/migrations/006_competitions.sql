-- 006: competitions — a named series of workouts, athletes entered in divisions (wodlab/competitions.py).
--
-- A competition workout is a scheduled session (location = the competition's name), so its results
-- live in athlete_results like any other and every leaderboard query works on it.
CREATE TABLE competitions (
    id UUID PRIMARY KEY,                       -- uuid5 of the name
    name TEXT NOT NULL UNIQUE,
    notation VARCHAR(10) NOT NULL DEFAULT 'games' CHECK (notation IN ('box', 'games')),
    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE competition_workouts (
    competition_id UUID NOT NULL REFERENCES competitions (id),
    label TEXT NOT NULL,                       -- as the board names it: "25.1", "Event 3"
    ordinal INT NOT NULL,                      -- its place in the series
    session_id UUID NOT NULL UNIQUE REFERENCES scheduled_sessions (id),
    PRIMARY KEY (competition_id, label)
);

CREATE TABLE competition_entries (
    competition_id UUID NOT NULL REFERENCES competitions (id),
    athlete_id UUID NOT NULL,                  -- athletes.id (no foreign key, as athlete_results)
    division TEXT NOT NULL,                    -- "Men", "Women 40-44", or the board's own division name
    PRIMARY KEY (competition_id, athlete_id)
);
