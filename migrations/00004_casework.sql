-- Casework (办件): tenant-local calendar days, the service centre's windows and
-- their staff, major projects, cases with their steps (one row per flowchart node),
-- clock stops (Art. 45 pauses and uncounted steps), fees and the case timeline.

-- +goose Up

-- Local additions to the national working-day calendar (a county's local holiday, an
-- extra working day). A county inherits its city's days.
CREATE TABLE calendar_days (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    day        date NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day)
);
-- Holidays are public; every tenant reads every calendar (a county inherits its
-- city's days), and writes only its own.
ALTER TABLE calendar_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_days FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_days_read ON calendar_days FOR SELECT USING (true);
CREATE POLICY calendar_days_insert ON calendar_days FOR INSERT WITH CHECK (tenant_id = (SELECT app_tenant_id()));
CREATE POLICY calendar_days_update ON calendar_days FOR UPDATE USING (tenant_id = (SELECT app_tenant_id())) WITH CHECK (tenant_id = (SELECT app_tenant_id()));
CREATE POLICY calendar_days_delete ON calendar_days FOR DELETE USING (tenant_id = (SELECT app_tenant_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_days TO sunshine_app;

-- A window (窗口) of the service centre, serving one department's items (a
-- comprehensive window serves every department).
CREATE TABLE windows (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    number        text NOT NULL CHECK (number ~ '^[A-Za-z0-9-]{1,16}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    department_id uuid NOT NULL,
    comprehensive boolean NOT NULL DEFAULT false,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
);
CREATE TRIGGER windows_updated_at BEFORE UPDATE ON windows FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('windows');
GRANT SELECT, INSERT, UPDATE ON windows TO sunshine_app;

-- Staff authorised at a window (授权窗口人员): only they accept cases there.
CREATE TABLE window_staff (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    window_id uuid NOT NULL,
    user_id   uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (window_id, user_id),
    FOREIGN KEY (tenant_id, window_id) REFERENCES windows (tenant_id, id)
);
CREATE INDEX window_staff_user_idx ON window_staff (tenant_id, user_id);
SELECT enable_tenant_rls('window_staff');
GRANT SELECT, INSERT, DELETE ON window_staff TO sunshine_app;

-- A major investment project (大项目直通车): many cases under one project, with the
-- items' green-channel limits.
CREATE TABLE projects (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    investor_name        text NOT NULL CHECK (length(investor_name) BETWEEN 1 AND 200),
    investor_credit_code text NOT NULL CHECK (investor_credit_code ~ '^[0-9A-Z]{18}$'),
    investment_wan       numeric(14, 2) NOT NULL CHECK (investment_wan > 0),
    lead_department_id   uuid NOT NULL,
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed')),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, lead_department_id) REFERENCES departments (tenant_id, id)
);
CREATE TRIGGER projects_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('projects');
GRANT SELECT, INSERT, UPDATE ON projects TO sunshine_app;

-- Tracking numbers draw on one global sequence: no row is locked per intake, so
-- windows never queue behind each other for a number.
CREATE SEQUENCE case_tracking_seq;
GRANT USAGE ON SEQUENCE case_tracking_seq TO sunshine_app;

CREATE TABLE cases (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL,
    tracking_no         text NOT NULL,
    power_id            uuid NOT NULL,
    -- The version whose flowchart the case runs: the filed one at intake.
    version_id          uuid NOT NULL,
    power_name          text NOT NULL,
    department_id       uuid NOT NULL,
    window_id           uuid,
    channel             text NOT NULL CHECK (channel IN ('window', 'online')),
    project_id          uuid,
    applicant_type      text NOT NULL CHECK (applicant_type IN ('person', 'org')),
    applicant_name      text NOT NULL CHECK (length(applicant_name) BETWEEN 1 AND 200),
    applicant_id_number text NOT NULL,
    applicant_id_last4  text NOT NULL,
    applicant_phone     text NOT NULL DEFAULT '',
    materials           jsonb NOT NULL DEFAULT '[]'::jsonb,
    status              text NOT NULL CHECK (status IN ('submitted', 'correction_requested', 'refused', 'in_progress',
                                                        'pending_decision', 'approved', 'denied', 'delivered')),
    received_at         timestamptz NOT NULL,
    -- The 5-working-day acceptance deadline (Art. 32): undecided by then, deemed accepted.
    acceptance_due_at   timestamptz,
    accepted_at         timestamptz,
    deemed_accepted     boolean NOT NULL DEFAULT false,
    accepted_by_name    text NOT NULL DEFAULT '',
    correction_items    jsonb NOT NULL DEFAULT '[]'::jsonb,
    correction_at       timestamptz,
    refused_reason      text NOT NULL DEFAULT '',
    limit_days          integer NOT NULL DEFAULT 0 CHECK (limit_days >= 0),
    green_channel       boolean NOT NULL DEFAULT false,
    extension_days      integer NOT NULL DEFAULT 0 CHECK (extension_days >= 0),
    extension_reason    text NOT NULL DEFAULT '',
    stopped_days        integer NOT NULL DEFAULT 0 CHECK (stopped_days >= 0),
    -- Set while the clock is stopped (an Art. 45 pause, or only uncounted steps active).
    clock_stopped_at    timestamptz,
    paused              boolean NOT NULL DEFAULT false,
    due_date            date,
    due_at              timestamptz,
    decision            text NOT NULL DEFAULT '' CHECK (decision IN ('', 'approve', 'deny')),
    decision_reason     text NOT NULL DEFAULT '',
    certificate_no      text NOT NULL DEFAULT '',
    decided_at          timestamptz,
    delivery_due_at     timestamptz,
    delivered_at        timestamptz,
    fee_expected_fen    bigint NOT NULL DEFAULT 0,
    fee_charged_fen     bigint NOT NULL DEFAULT 0,
    fee_mismatch        boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, tracking_no),
    UNIQUE (tenant_id, id)
    -- No foreign keys to the power, its version, the department, the window or the
    -- project: every intake would take a KEY SHARE lock on those few shared rows, and
    -- concurrent intakes at one centre then queue on multixact locks. Intake checks
    -- them itself (in the caller's tenant, under RLS), and none of them is ever deleted.
);
CREATE INDEX cases_status_idx ON cases (tenant_id, status, due_at);
CREATE INDEX cases_department_idx ON cases (tenant_id, department_id, status);
CREATE INDEX cases_project_idx ON cases (tenant_id, project_id) WHERE project_id IS NOT NULL;
CREATE INDEX cases_window_idx ON cases (tenant_id, window_id, received_at);
CREATE INDEX cases_acceptance_due_idx ON cases (acceptance_due_at) WHERE status = 'submitted';
CREATE INDEX cases_open_due_idx ON cases (due_at) WHERE status = 'in_progress' AND NOT paused;
CREATE TRIGGER cases_updated_at BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('cases');
GRANT SELECT, INSERT, UPDATE ON cases TO sunshine_app;

-- One row per flowchart node of the case's version. Tasks are worked by their
-- department; start, split, join and end are control nodes the engine passes.
CREATE TABLE case_steps (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL,
    case_id           uuid NOT NULL,
    node              text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('start', 'task', 'split', 'join', 'end')),
    name              text NOT NULL,
    seq               integer NOT NULL,
    department_id     uuid,
    role              text NOT NULL DEFAULT '',
    time_limit        integer NOT NULL DEFAULT 0 CHECK (time_limit >= 0),
    counts            boolean NOT NULL DEFAULT true,
    checkpoint        boolean NOT NULL DEFAULT false,
    status            text NOT NULL CHECK (status IN ('pending', 'active', 'done')),
    activated_at      timestamptz,
    stopped_days      integer NOT NULL DEFAULT 0 CHECK (stopped_days >= 0),
    due_date          date,
    due_at            timestamptz,
    completed_at      timestamptz,
    completed_by      uuid,
    completed_by_name text NOT NULL DEFAULT '',
    opinion           text NOT NULL DEFAULT '',
    rounds            integer NOT NULL DEFAULT 0,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, node),
    -- (department_id comes from the filed flowchart; no KEY SHARE lock on shared rows.)
    FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
);
CREATE INDEX case_steps_active_idx ON case_steps (tenant_id, department_id, due_at) WHERE status = 'active';
CREATE INDEX case_steps_open_due_idx ON case_steps (due_at) WHERE status = 'active';
CREATE TRIGGER case_steps_updated_at BEFORE UPDATE ON case_steps FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('case_steps');
GRANT SELECT, INSERT, UPDATE ON case_steps TO sunshine_app;

-- Intervals in which a case's clock does not run: Art. 45 pauses (with the written
-- notice to the applicant) and stretches where only uncounted steps are active.
CREATE TABLE case_pauses (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL,
    case_id               uuid NOT NULL,
    kind                  text NOT NULL CHECK (kind IN ('art45', 'uncounted')),
    reason_type           text NOT NULL DEFAULT '',
    notice                text NOT NULL DEFAULT '',
    expected_working_days integer NOT NULL DEFAULT 0,
    started_at            timestamptz NOT NULL,
    ended_at              timestamptz,
    working_days          integer NOT NULL DEFAULT 0,
    started_by_name       text NOT NULL DEFAULT '',
    ended_by_name         text NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
);
CREATE INDEX case_pauses_case_idx ON case_pauses (tenant_id, case_id);
SELECT enable_tenant_rls('case_pauses');
GRANT SELECT, INSERT, UPDATE ON case_pauses TO sunshine_app;

-- Fees charged on a case, each checked against the item's fee schedule.
CREATE TABLE case_fees (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL,
    case_id      uuid NOT NULL,
    item         text NOT NULL,
    amount_fen   bigint NOT NULL CHECK (amount_fen >= 0),
    expected_fen bigint,
    mismatch     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
);
CREATE INDEX case_fees_case_idx ON case_fees (tenant_id, case_id);
SELECT enable_tenant_rls('case_fees');
GRANT SELECT, INSERT ON case_fees TO sunshine_app;

-- The case's timeline. Public entries (no personal data) are what the portal shows.
CREATE TABLE case_events (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL,
    case_id    uuid NOT NULL,
    at         timestamptz NOT NULL,
    kind       text NOT NULL,
    step_name  text NOT NULL DEFAULT '',
    actor_name text NOT NULL DEFAULT '',
    note       text NOT NULL DEFAULT '',
    public     boolean NOT NULL DEFAULT true,
    FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
);
CREATE INDEX case_events_case_idx ON case_events (tenant_id, case_id, at);
SELECT enable_tenant_rls('case_events');
GRANT SELECT, INSERT ON case_events TO sunshine_app;

-- +goose Down
DROP TABLE case_events;
DROP TABLE case_fees;
DROP TABLE case_pauses;
DROP TABLE case_steps;
DROP TABLE cases;
DROP SEQUENCE case_tracking_seq;
DROP TABLE projects;
DROP TABLE window_staff;
DROP TABLE windows;
DROP TABLE calendar_days;
