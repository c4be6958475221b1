-- Seed, "WODs courts (5-15 minutes) de difficulté modérée", with the bounds as parameters.
-- Departure: ties on difficulty_score are broken by title and id, so the order is reproducible.
-- param min_seconds: int — shortest estimated duration, inclusive (seed: 300)
-- param max_seconds: int — longest estimated duration, inclusive (seed: 900)
-- param min_difficulty: int — inclusive (seed: 40)
-- param max_difficulty: int — inclusive (seed: 70)
-- column id: string — the workout's id
-- column title: string — the workout's title
-- column duration_seconds: Int64 — estimated duration
-- column difficulty_score: Int64 — 0-100
SELECT w.id, w.title, w.duration_seconds, w.difficulty_score
FROM wod_definitions w
WHERE w.duration_seconds BETWEEN :min_seconds AND :max_seconds
AND w.difficulty_score BETWEEN :min_difficulty AND :max_difficulty
ORDER BY w.difficulty_score, w.title, w.id;
