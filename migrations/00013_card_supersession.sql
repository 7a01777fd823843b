-- A case's deadline ladder moves up: when its yellow card (超期未办结) is issued, its open
-- reminder cards are superseded, and its red card supersedes the yellow one. A
-- superseded card is resolved with a reason and points at the card that superseded
-- it, in the same transaction as the new card and with its own audit event; the
-- dashboard then shows each case at its highest open rung. Cards resolved because the
-- work finished say so; those resolved before this migration have no resolution.

-- +goose Up
ALTER TABLE supervision_cards
    ADD COLUMN resolution text NOT NULL DEFAULT '' CHECK (resolution IN ('', 'finished', 'superseded')),
    ADD COLUMN resolve_reason text NOT NULL DEFAULT '' CHECK (length(resolve_reason) <= 500),
    ADD COLUMN superseded_by uuid,
    ADD CONSTRAINT supervision_cards_superseded CHECK ((resolution = 'superseded') = (superseded_by IS NOT NULL)),
    ADD CONSTRAINT supervision_cards_resolution CHECK (resolution = '' OR status = 'resolved');

-- The guard also keeps a final card's resolution as it was recorded.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION supervision_cards_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    supervisor boolean := coalesce(current_setting('app.supervisor', true), '') = 'on';
BEGIN
    IF NEW.id <> OLD.id OR NEW.tenant_id <> OLD.tenant_id OR NEW.dedupe_key <> OLD.dedupe_key OR NEW.level <> OLD.level
       OR NEW.rule <> OLD.rule OR NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.step_id IS DISTINCT FROM OLD.step_id
       OR NEW.department_id IS DISTINCT FROM OLD.department_id OR NEW.title <> OLD.title OR NEW.reason <> OLD.reason
       OR NEW.deadline_at IS DISTINCT FROM OLD.deadline_at OR NEW.finish_by IS DISTINCT FROM OLD.finish_by
       OR NEW.created_at <> OLD.created_at OR NEW.object_ref <> OLD.object_ref THEN
        RAISE EXCEPTION 'the facts of a supervision card cannot change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status IN ('cancelled', 'resolved') AND (NEW.status <> OLD.status OR NEW.resolution <> OLD.resolution
       OR NEW.resolve_reason <> OLD.resolve_reason OR NEW.superseded_by IS DISTINCT FROM OLD.superseded_by) THEN
        RAISE EXCEPTION 'a % card is final', OLD.status USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.status = 'cancelled' AND OLD.status <> 'cancelled')
       OR NEW.decision IS DISTINCT FROM OLD.decision THEN
        IF NOT supervisor THEN
            RAISE EXCEPTION 'only a supervisor may cancel a card or decide an appeal' USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION supervision_cards_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    supervisor boolean := coalesce(current_setting('app.supervisor', true), '') = 'on';
BEGIN
    IF NEW.id <> OLD.id OR NEW.tenant_id <> OLD.tenant_id OR NEW.dedupe_key <> OLD.dedupe_key OR NEW.level <> OLD.level
       OR NEW.rule <> OLD.rule OR NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.step_id IS DISTINCT FROM OLD.step_id
       OR NEW.department_id IS DISTINCT FROM OLD.department_id OR NEW.title <> OLD.title OR NEW.reason <> OLD.reason
       OR NEW.deadline_at IS DISTINCT FROM OLD.deadline_at OR NEW.finish_by IS DISTINCT FROM OLD.finish_by
       OR NEW.created_at <> OLD.created_at OR NEW.object_ref <> OLD.object_ref THEN
        RAISE EXCEPTION 'the facts of a supervision card cannot change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status IN ('cancelled', 'resolved') AND NEW.status <> OLD.status THEN
        RAISE EXCEPTION 'a % card is final', OLD.status USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.status = 'cancelled' AND OLD.status <> 'cancelled')
       OR NEW.decision IS DISTINCT FROM OLD.decision THEN
        IF NOT supervisor THEN
            RAISE EXCEPTION 'only a supervisor may cancel a card or decide an appeal' USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
ALTER TABLE supervision_cards
    DROP CONSTRAINT supervision_cards_resolution,
    DROP CONSTRAINT supervision_cards_superseded,
    DROP COLUMN superseded_by,
    DROP COLUMN resolve_reason,
    DROP COLUMN resolution;
