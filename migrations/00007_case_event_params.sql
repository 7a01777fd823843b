-- Timeline notes in the reader's language: an event keeps the values its note was
-- rendered from, so the note can be rendered again in English (or any language the
-- platform learns later). Events written before this keep their stored note.

-- +goose Up
ALTER TABLE case_events ADD COLUMN params jsonb;

-- +goose Down
ALTER TABLE case_events DROP COLUMN params;
