-- E-supervision (电子监察): cards (reminder, yellow, red) derived from the clocks,
-- supervision notices (督办单) with their replies and escalation, the alarms armed in
-- Redis for each case (so a changed clock can disarm the old ones), and the in-app
-- notifications with their deliveries per channel.

-- +goose Up

CREATE TABLE supervision_cards (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL,
    -- One card per rule and object, ever: the key makes duplicates impossible however
    -- many workers, retries or sweeps race to create it.
    dedupe_key      text NOT NULL,
    level           text NOT NULL CHECK (level IN ('reminder', 'yellow', 'red')),
    rule            text NOT NULL,
    case_id         uuid,
    step_id         uuid,
    object_ref      text NOT NULL DEFAULT '',
    department_id   uuid,
    title           text NOT NULL,
    reason          text NOT NULL,
    deadline_at     timestamptz,
    finish_by       timestamptz,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'appealed', 'cancelled', 'resolved')),
    appeal_reason   text NOT NULL DEFAULT '',
    appealed_at     timestamptz,
    appealed_by     text NOT NULL DEFAULT '',
    decision        text NOT NULL DEFAULT '' CHECK (decision IN ('', 'accepted', 'rejected')),
    decision_reason text NOT NULL DEFAULT '',
    decided_at      timestamptz,
    decided_by      text NOT NULL DEFAULT '',
    cancel_reason   text NOT NULL DEFAULT '',
    cancelled_at    timestamptz,
    cancelled_by    text NOT NULL DEFAULT '',
    resolved_at     timestamptz,
    created_at      timestamptz NOT NULL,
    UNIQUE (tenant_id, dedupe_key),
    UNIQUE (tenant_id, id)
);
CREATE INDEX supervision_cards_status_idx ON supervision_cards (tenant_id, status, level, created_at);
CREATE INDEX supervision_cards_case_idx ON supervision_cards (tenant_id, case_id) WHERE case_id IS NOT NULL;
CREATE INDEX supervision_cards_dept_idx ON supervision_cards (tenant_id, department_id, status);
CREATE INDEX supervision_cards_created_idx ON supervision_cards (created_at);
SELECT enable_tenant_rls('supervision_cards');
-- No DELETE for anyone in the application.
GRANT SELECT, INSERT, UPDATE ON supervision_cards TO sunshine_app;

-- The database refuses what the supervised may never do: rewriting a card's facts,
-- or deciding its fate. Only a transaction that the supervision service has marked
-- as acting for a supervisor (app.supervisor = 'on', set after the authorisation
-- check) may decide an appeal or cancel; resolution comes from the work finishing.
-- +goose StatementBegin
CREATE FUNCTION supervision_cards_guard() RETURNS trigger
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
CREATE TRIGGER supervision_cards_guard BEFORE UPDATE ON supervision_cards
    FOR EACH ROW EXECUTE FUNCTION supervision_cards_guard();

-- 督办单: a supervisor's notice to a department about a case or card, with a reply
-- deadline. It lives in the department's tenant (a city supervisor writes it there
-- after the authorisation check); the sender's tenant is recorded.
CREATE TABLE supervision_notices (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL,
    sender_tenant_id uuid NOT NULL,
    sender_name      text NOT NULL,
    case_id          uuid,
    card_id          uuid,
    department_id    uuid NOT NULL,
    text             text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    reply_due_at     timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'replied', 'escalated')),
    reply_text       text NOT NULL DEFAULT '',
    replied_at       timestamptz,
    replied_by       text NOT NULL DEFAULT '',
    escalated_at     timestamptz,
    created_at       timestamptz NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
);
CREATE INDEX supervision_notices_open_idx ON supervision_notices (reply_due_at) WHERE status = 'sent';
CREATE INDEX supervision_notices_dept_idx ON supervision_notices (tenant_id, department_id, status);
SELECT enable_tenant_rls('supervision_notices');
GRANT SELECT, INSERT, UPDATE ON supervision_notices TO sunshine_app;

-- The alarms armed in Redis for each object (case), so that a clock change can
-- cancel those no longer wanted. Redis holds the alarms themselves; losing them loses
-- nothing, since the sweep re-derives every due card from the cases.
CREATE TABLE supervision_alarms (
    tenant_id uuid NOT NULL,
    case_id   uuid NOT NULL,
    task_id   text NOT NULL,
    queue     text NOT NULL,
    fire_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, case_id, task_id)
);
SELECT enable_tenant_rls('supervision_alarms');
GRANT SELECT, INSERT, DELETE ON supervision_alarms TO sunshine_app;

-- The in-app inbox.
CREATE TABLE notifications (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id),
    kind       text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    link       text NOT NULL DEFAULT '',
    dedupe_key text NOT NULL,
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    UNIQUE (tenant_id, user_id, dedupe_key)
);
CREATE INDEX notifications_user_idx ON notifications (tenant_id, user_id, created_at DESC);
SELECT enable_tenant_rls('notifications');
GRANT SELECT, INSERT, UPDATE ON notifications TO sunshine_app;

-- Each attempt to deliver a notification on an outside channel (email, SMS); a
-- channel that is not configured is recorded as such, never pretended.
CREATE TABLE notification_deliveries (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL,
    notification_id uuid NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'not_configured', 'no_address')),
    detail          text NOT NULL DEFAULT '',
    attempts        integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (notification_id, channel)
);
SELECT enable_tenant_rls('notification_deliveries');
GRANT SELECT, INSERT, UPDATE ON notification_deliveries TO sunshine_app;

-- The sweep finds deemed acceptances and fee mismatches without scanning every case.
CREATE INDEX cases_deemed_idx ON cases (tenant_id) WHERE deemed_accepted;
CREATE INDEX cases_fee_mismatch_idx ON cases (tenant_id) WHERE fee_mismatch;
-- …and open cases near their deadline by due date (reminders).
CREATE INDEX cases_open_due_date_idx ON cases (due_date) WHERE status IN ('in_progress', 'pending_decision') AND NOT paused;

-- +goose Down
DROP INDEX cases_open_due_date_idx;
DROP INDEX cases_fee_mismatch_idx;
DROP INDEX cases_deemed_idx;
DROP TABLE notification_deliveries;
DROP TABLE notifications;
DROP TABLE supervision_alarms;
DROP TABLE supervision_notices;
DROP TABLE supervision_cards;
DROP FUNCTION supervision_cards_guard();
