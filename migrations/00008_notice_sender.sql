-- A supervision notice remembers who sent it, so the department's reply reaches the
-- sender's inbox. Notices sent before this have no sender user and announce nothing.

-- +goose Up
ALTER TABLE supervision_notices ADD COLUMN sender_user_id uuid;

-- +goose Down
ALTER TABLE supervision_notices DROP COLUMN sender_user_id;
