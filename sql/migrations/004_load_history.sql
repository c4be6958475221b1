-- 004: corrections are kept, never lost.
--
-- A reload that changes a stored row (a corrected score, a renamed athlete) is refused unless the
-- user asks for `--update` / update=True; then the row is updated and its previous values are kept
-- here, with when and from which file. Written only by wodlab/loading.py.
CREATE TABLE load_history (
    id BIGSERIAL PRIMARY KEY,
    table_name TEXT NOT NULL,
    row_id UUID NOT NULL,
    old_row JSONB NOT NULL,               -- the row as it was stored
    new_row JSONB NOT NULL,               -- the row as the file gave it
    source TEXT,                          -- the file (or "DataFrame") of the correction
    replaced_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_load_history_row ON load_history (table_name, row_id, replaced_at);
