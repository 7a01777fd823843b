-- Appraisal (考核, issue 14): the read ports through which appraisal indicators see
-- what casework, supervision and the catalogue record; schemes and their versions;
-- scoring runs with their results per subject and indicator (raw figures kept);
-- adjustments, objections; the manual inputs (case-file review, on-site inspection,
-- fault accountability). See docs/adr/0009-appraisal-indicator-registry.md.

-- +goose Up

-- ---------------------------------------------------------------------------------
-- Read ports. Each view is owned by the capability whose table it reads: that
-- capability may restructure its tables freely as long as the view keeps its columns
-- and meaning. The views run with the caller's rights (security_invoker), so the base
-- tables' forced row-level security applies exactly as if the table were read directly:
-- a scoring run sees what the city's read scope (app.read_tenants) lets it see.
-- ---------------------------------------------------------------------------------

CREATE VIEW casework_case_facts WITH (security_invoker = true) AS
SELECT id, tenant_id, department_id, power_id, version_id, power_name, tracking_no, channel, status,
       received_at, accepted_at, acceptance_due_at, deemed_accepted, limit_days, green_channel, due_date, due_at,
       decided_at, fee_mismatch
FROM cases;
COMMENT ON VIEW casework_case_facts IS
    'Read port owned by casework: the facts of a case (no applicant data). Appraisal indicators read cases only through it.';
GRANT SELECT ON casework_case_facts TO sunshine_app;

CREATE VIEW casework_step_facts WITH (security_invoker = true) AS
SELECT id, tenant_id, case_id, node, kind, name, department_id, status, time_limit, counts, activated_at, due_at, completed_at
FROM case_steps;
COMMENT ON VIEW casework_step_facts IS
    'Read port owned by casework: the steps of cases with their own deadlines. Appraisal indicators read steps only through it.';
GRANT SELECT ON casework_step_facts TO sunshine_app;

CREATE VIEW casework_fee_facts WITH (security_invoker = true) AS
SELECT id, tenant_id, case_id, item, amount_fen, expected_fen, mismatch, created_at
FROM case_fees;
COMMENT ON VIEW casework_fee_facts IS
    'Read port owned by casework: fee lines charged on cases, each checked against the schedule. Appraisal indicators read fees only through it.';
GRANT SELECT ON casework_fee_facts TO sunshine_app;

CREATE VIEW supervision_card_facts WITH (security_invoker = true) AS
SELECT id, tenant_id, level, rule, case_id, step_id, department_id, title, status, decision, decided_at,
       cancelled_at, appealed_at, created_at
FROM supervision_cards;
COMMENT ON VIEW supervision_card_facts IS
    'Read port owned by supervision: cards (reminder, yellow, red) with the fate of their appeals. Appraisal indicators read cards only through it.';
GRANT SELECT ON supervision_card_facts TO sunshine_app;

CREATE VIEW supervision_notice_facts WITH (security_invoker = true) AS
SELECT id, tenant_id, department_id, case_id, card_id, status, reply_due_at, replied_at, created_at
FROM supervision_notices;
COMMENT ON VIEW supervision_notice_facts IS
    'Read port owned by supervision: supervision notices (督办单) and when they were answered. Appraisal indicators read notices only through it.';
GRANT SELECT ON supervision_notice_facts TO sunshine_app;

CREATE VIEW catalogue_filing_facts WITH (security_invoker = true) AS
SELECT id, tenant_id, filer_tenant_id, power_id, version_id, version_number, code, name, department_id,
       published_at, due_at, status, filed_at
FROM power_filings;
COMMENT ON VIEW catalogue_filing_facts IS
    'Read port owned by catalogue: published item versions and their filing with the city (due within the filing working days). Appraisal indicators read filings only through it.';
GRANT SELECT ON catalogue_filing_facts TO sunshine_app;

CREATE VIEW catalogue_version_facts WITH (security_invoker = true) AS
SELECT id, tenant_id, power_id, department_id, number, status, handling_type, legal_limit, promised_limit, green_limit
FROM power_versions;
COMMENT ON VIEW catalogue_version_facts IS
    'Read port owned by catalogue: the time limits of each item version (legal vs promised). Appraisal indicators read versions only through it.';
GRANT SELECT ON catalogue_version_facts TO sunshine_app;

CREATE VIEW catalogue_power_facts WITH (security_invoker = true) AS
SELECT id, tenant_id, department_id, code, name, category, status
FROM powers;
COMMENT ON VIEW catalogue_power_facts IS
    'Read port owned by catalogue: which department owns which item. Appraisal reads it to know which departments it ranks.';
GRANT SELECT ON catalogue_power_facts TO sunshine_app;

-- Indexes behind the read ports' time-window scans (scoring reads one period of a
-- city's cases at once). cases are appended in time order, so a BRIN index on
-- received_at costs intake nearly nothing; the others are partial and touched only
-- when the indexed event happens (a decision, a step activated, a mismatching fee).
CREATE INDEX appraisal_cases_received_brin ON cases USING brin (received_at) WITH (pages_per_range = 32);
CREATE INDEX appraisal_cases_decided_idx ON cases (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX appraisal_case_steps_due_idx ON case_steps (due_at) WHERE kind = 'task' AND due_at IS NOT NULL;
CREATE INDEX appraisal_case_fees_mismatch_idx ON case_fees (created_at) WHERE mismatch;
CREATE INDEX appraisal_notices_due_idx ON supervision_notices (reply_due_at);
CREATE INDEX appraisal_filings_due_idx ON power_filings (due_at);

-- ---------------------------------------------------------------------------------
-- Appraisal's own tables. The city owns them (tenant_id = the city). Besides the
-- owner's read scope, two extra read policies apply:
--  * a county reads the rows about its own subjects (subject_tenant_id, or for runs the
--    audience: every tenant with a subject in the run) — before publication a county
--    sees its own results only;
--  * published results are public (the portals show them), like the tenant registry.
-- Writes stay with the acting tenant, as everywhere.
-- ---------------------------------------------------------------------------------

CREATE TABLE appraisal_schemes (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    period_kind        text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    status             text NOT NULL CHECK (status IN ('draft', 'active', 'retired')),
    latest_version_id  uuid,
    latest_number      integer NOT NULL DEFAULT 1 CHECK (latest_number > 0),
    created_by_name    text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);
CREATE TRIGGER appraisal_schemes_updated_at BEFORE UPDATE ON appraisal_schemes FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('appraisal_schemes');
-- A scheme in force is announced to everyone it measures.
CREATE POLICY appraisal_schemes_announced ON appraisal_schemes FOR SELECT USING (status <> 'draft');
GRANT SELECT, INSERT, UPDATE ON appraisal_schemes TO sunshine_app;

-- One version of a scheme: the whole definition (categories, indicators with their
-- registered definitions and rules) as a canonical JSON document and its hash. A
-- version stops changing when it is activated; a period is scored under the version
-- whose effective_from is the latest not after the period's start.
CREATE TABLE appraisal_scheme_versions (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    scheme_id         uuid NOT NULL,
    number            integer NOT NULL CHECK (number > 0),
    status            text NOT NULL CHECK (status IN ('draft', 'active', 'superseded')),
    effective_from    date,
    body              jsonb NOT NULL,
    body_hash         text NOT NULL CHECK (body_hash ~ '^[0-9a-f]{64}$'),
    note              text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_by_name   text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    activated_at      timestamptz,
    activated_by_name text NOT NULL DEFAULT '',
    UNIQUE (scheme_id, number),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, scheme_id) REFERENCES appraisal_schemes (tenant_id, id),
    CHECK ((status = 'draft') = (effective_from IS NULL))
);
CREATE UNIQUE INDEX appraisal_scheme_versions_one_draft ON appraisal_scheme_versions (scheme_id) WHERE status = 'draft';
CREATE UNIQUE INDEX appraisal_scheme_versions_effective ON appraisal_scheme_versions (scheme_id, effective_from) WHERE status <> 'draft';
CREATE TRIGGER appraisal_scheme_versions_updated_at BEFORE UPDATE ON appraisal_scheme_versions FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('appraisal_scheme_versions');
CREATE POLICY appraisal_scheme_versions_announced ON appraisal_scheme_versions FOR SELECT USING (status <> 'draft');
GRANT SELECT, INSERT, UPDATE ON appraisal_scheme_versions TO sunshine_app;

-- +goose StatementBegin
CREATE FUNCTION appraisal_versions_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'draft' AND (NEW.body IS DISTINCT FROM OLD.body OR NEW.body_hash <> OLD.body_hash
        OR NEW.effective_from IS DISTINCT FROM OLD.effective_from OR NEW.number <> OLD.number OR NEW.scheme_id <> OLD.scheme_id) THEN
        RAISE EXCEPTION 'an activated scheme version cannot change' USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER appraisal_versions_guard BEFORE UPDATE ON appraisal_scheme_versions FOR EACH ROW EXECUTE FUNCTION appraisal_versions_guard();

-- A scoring run: one scheme version applied to one period, as of an instant. A period
-- has one provisional run (re-scored daily while it is open) and final runs: revision
-- 0 from the period's close, and each correction of a published result a new revision.
CREATE TABLE appraisal_runs (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    scheme_id            uuid NOT NULL,
    version_id           uuid NOT NULL,
    version_number       integer NOT NULL,
    period               text NOT NULL CHECK (period ~ '^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$'),
    period_kind          text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start         date NOT NULL,
    period_end           date NOT NULL CHECK (period_end > period_start),
    kind                 text NOT NULL CHECK (kind IN ('provisional', 'final')),
    revision             integer NOT NULL DEFAULT 0 CHECK (revision >= 0),
    revision_of          uuid,
    revision_reason      text NOT NULL DEFAULT '',
    status               text NOT NULL CHECK (status IN ('scoring', 'failed', 'provisional', 'draft', 'objection', 'approved', 'published', 'superseded')),
    generation           integer NOT NULL DEFAULT 1 CHECK (generation > 0),
    scored_generation    integer NOT NULL DEFAULT 0,
    as_of                timestamptz NOT NULL,
    scored_at            timestamptz,
    task_id              text NOT NULL DEFAULT '',
    results_hash         text NOT NULL DEFAULT '',
    definitions          jsonb NOT NULL DEFAULT '{}'::jsonb,
    subjects             integer NOT NULL DEFAULT 0,
    error                text NOT NULL DEFAULT '',
    audience             uuid[] NOT NULL DEFAULT '{}',
    objection_deadline   timestamptz,
    objections_opened_at timestamptz,
    approved_at          timestamptz,
    approved_by_name     text NOT NULL DEFAULT '',
    approval_note        text NOT NULL DEFAULT '',
    published_at         timestamptz,
    published_by_name    text NOT NULL DEFAULT '',
    superseded_at        timestamptz,
    requested_by_name    text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, scheme_id) REFERENCES appraisal_schemes (tenant_id, id),
    FOREIGN KEY (tenant_id, version_id) REFERENCES appraisal_scheme_versions (tenant_id, id),
    CHECK (kind = 'final' OR revision = 0),
    CHECK (status NOT IN ('published', 'superseded') OR published_at IS NOT NULL)
);
CREATE UNIQUE INDEX appraisal_runs_one ON appraisal_runs (scheme_id, period, kind, revision);
CREATE INDEX appraisal_runs_period_idx ON appraisal_runs (tenant_id, scheme_id, period_start DESC);
CREATE INDEX appraisal_runs_audience_idx ON appraisal_runs USING gin (audience);
CREATE TRIGGER appraisal_runs_updated_at BEFORE UPDATE ON appraisal_runs FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('appraisal_runs');
CREATE POLICY appraisal_runs_audience ON appraisal_runs FOR SELECT
    USING (audience && coalesce((SELECT app_read_tenants()), '{}'::uuid[]) OR published_at IS NOT NULL);
GRANT SELECT, INSERT, UPDATE ON appraisal_runs TO sunshine_app;

-- One subject's result in a run: the computed score, the score after adjustments,
-- the rank within its ranking group (ties share a rank; order among them is by code),
-- and the category scores (for the radar). Scores are integer hundredths of a point.
CREATE TABLE appraisal_results (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL REFERENCES tenants (id),
    run_id                uuid NOT NULL,
    subject_key           text NOT NULL CHECK (subject_key ~ '^[0-9]{6}(\.[A-Za-z0-9_-]{1,32})?$'),
    subject_kind          text NOT NULL CHECK (subject_kind IN ('county_department', 'county', 'city_department')),
    subject_tenant_id     uuid NOT NULL,
    subject_department_id uuid,
    subject_name          text NOT NULL,
    subject_code          text NOT NULL,
    group_key             text NOT NULL,
    computed_cents        bigint NOT NULL,
    score_cents           bigint NOT NULL,
    rank                  integer NOT NULL CHECK (rank > 0),
    group_size            integer NOT NULL CHECK (group_size > 0),
    categories            jsonb NOT NULL DEFAULT '{}'::jsonb,
    adjusted              boolean NOT NULL DEFAULT false,
    published             boolean NOT NULL DEFAULT false,
    UNIQUE (run_id, subject_key),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES appraisal_runs (tenant_id, id)
);
CREATE INDEX appraisal_results_group_idx ON appraisal_results (run_id, group_key, rank);
CREATE INDEX appraisal_results_subject_idx ON appraisal_results (subject_tenant_id, subject_key);
SELECT enable_tenant_rls('appraisal_results');
CREATE POLICY appraisal_results_subject ON appraisal_results FOR SELECT
    USING (subject_tenant_id = ANY (coalesce((SELECT app_read_tenants()), '{}'::uuid[])) OR published);
GRANT SELECT, INSERT, UPDATE, DELETE ON appraisal_results TO sunshine_app;

-- One indicator of one subject's result: the raw figures (numerator, denominator,
-- count of counted objects, and anything else in raw), the computed points and the
-- points after adjustment. The counted objects are listed again, exactly, by the
-- indicator definition's items query with the run's parameters.
CREATE TABLE appraisal_result_indicators (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    run_id            uuid NOT NULL,
    result_id         uuid NOT NULL,
    subject_key       text NOT NULL,
    subject_tenant_id uuid NOT NULL,
    indicator_code    text NOT NULL,
    definition        text NOT NULL,
    category_code     text NOT NULL,
    numerator         bigint NOT NULL DEFAULT 0,
    denominator       bigint NOT NULL DEFAULT 0,
    item_count        bigint NOT NULL DEFAULT 0,
    raw               jsonb NOT NULL DEFAULT '{}'::jsonb,
    computed_cents    bigint NOT NULL,
    points_cents      bigint NOT NULL,
    adjusted          boolean NOT NULL DEFAULT false,
    published         boolean NOT NULL DEFAULT false,
    UNIQUE (result_id, indicator_code),
    FOREIGN KEY (tenant_id, result_id) REFERENCES appraisal_results (tenant_id, id)
);
CREATE INDEX appraisal_result_indicators_run_idx ON appraisal_result_indicators (run_id, subject_key);
SELECT enable_tenant_rls('appraisal_result_indicators');
CREATE POLICY appraisal_result_indicators_subject ON appraisal_result_indicators FOR SELECT
    USING (subject_tenant_id = ANY (coalesce((SELECT app_read_tenants()), '{}'::uuid[])) OR published);
GRANT SELECT, INSERT, UPDATE, DELETE ON appraisal_result_indicators TO sunshine_app;

-- A leading-group member's change of one indicator's points, with the reason; the
-- computed value stays beside it. Adjustments are never changed or removed.
CREATE TABLE appraisal_adjustments (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    run_id            uuid NOT NULL,
    result_id         uuid NOT NULL,
    subject_key       text NOT NULL,
    subject_tenant_id uuid NOT NULL,
    indicator_code    text NOT NULL,
    before_cents      bigint NOT NULL,
    after_cents       bigint NOT NULL,
    reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    created_by        uuid,
    created_by_name   text NOT NULL,
    created_at        timestamptz NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES appraisal_runs (tenant_id, id)
);
CREATE INDEX appraisal_adjustments_run_idx ON appraisal_adjustments (run_id, subject_key, created_at);
SELECT enable_tenant_rls('appraisal_adjustments');
CREATE POLICY appraisal_adjustments_subject ON appraisal_adjustments FOR SELECT
    USING (subject_tenant_id = ANY (coalesce((SELECT app_read_tenants()), '{}'::uuid[])));
GRANT SELECT, INSERT ON appraisal_adjustments TO sunshine_app;

-- A subject's objection to its result, filed by its own tenant (a county) within the
-- run's objection window; the leading group answers it. The objection lives in the
-- objecting tenant (the city reads it through its read scope, and writes the answer
-- there after checking the caller may manage appraisal).
CREATE TABLE appraisal_objections (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    run_id           uuid NOT NULL,
    run_tenant_id    uuid NOT NULL,
    result_id        uuid NOT NULL,
    subject_key      text NOT NULL,
    indicator_code   text NOT NULL DEFAULT '',
    text             text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'withdrawn')),
    decision         text NOT NULL DEFAULT '' CHECK (decision IN ('', 'upheld', 'rejected')),
    answer           text NOT NULL DEFAULT '',
    answered_at      timestamptz,
    answered_by_name text NOT NULL DEFAULT '',
    withdrawn_at     timestamptz,
    created_by       uuid,
    created_by_name  text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    CHECK ((status = 'answered') = (answered_at IS NOT NULL AND decision <> ''))
);
CREATE INDEX appraisal_objections_run_idx ON appraisal_objections (run_id, status);
CREATE TRIGGER appraisal_objections_updated_at BEFORE UPDATE ON appraisal_objections FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('appraisal_objections');
GRANT SELECT, INSERT, UPDATE ON appraisal_objections TO sunshine_app;

-- Manual inputs, entered by the leading group's office with evidence. Each is about a
-- subject (a tenant, and a department or the whole tenant) on a day; the manual
-- indicators read them by the period's days, like any other indicator.

-- 案卷评查: one sampled closed case's file, scored against the scheme's checklist.
CREATE TABLE appraisal_reviews (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL REFERENCES tenants (id),
    subject_tenant_id     uuid NOT NULL,
    subject_department_id uuid NOT NULL,
    case_id               uuid NOT NULL,
    tracking_no           text NOT NULL,
    power_name            text NOT NULL,
    period                text NOT NULL,
    occurred_on           date NOT NULL,
    sample_seed           text NOT NULL,
    status                text NOT NULL CHECK (status IN ('pending', 'scored')),
    checklist             jsonb NOT NULL DEFAULT '[]'::jsonb,
    score_cents           integer CHECK (score_cents BETWEEN 0 AND 10000),
    note                  text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    reviewer_name         text NOT NULL DEFAULT '',
    scored_at             timestamptz,
    created_by_name       text NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, case_id),
    UNIQUE (tenant_id, id),
    CHECK ((status = 'scored') = (score_cents IS NOT NULL AND scored_at IS NOT NULL))
);
CREATE INDEX appraisal_reviews_subject_idx ON appraisal_reviews (tenant_id, subject_tenant_id, subject_department_id, occurred_on);
CREATE TRIGGER appraisal_reviews_updated_at BEFORE UPDATE ON appraisal_reviews FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('appraisal_reviews');
CREATE POLICY appraisal_reviews_subject ON appraisal_reviews FOR SELECT
    USING (subject_tenant_id = ANY (coalesce((SELECT app_read_tenants()), '{}'::uuid[])));
GRANT SELECT, INSERT, UPDATE ON appraisal_reviews TO sunshine_app;

-- On-site inspection (实地检查): a score out of 100 for a department or a whole tenant.
CREATE TABLE appraisal_inspections (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL REFERENCES tenants (id),
    subject_tenant_id     uuid NOT NULL,
    subject_department_id uuid,
    occurred_on           date NOT NULL,
    title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    score_cents           integer NOT NULL CHECK (score_cents BETWEEN 0 AND 10000),
    note                  text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_by_name       text NOT NULL,
    created_at            timestamptz NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX appraisal_inspections_subject_idx ON appraisal_inspections (tenant_id, subject_tenant_id, occurred_on);
SELECT enable_tenant_rls('appraisal_inspections');
CREATE POLICY appraisal_inspections_subject ON appraisal_inspections FOR SELECT
    USING (subject_tenant_id = ANY (coalesce((SELECT app_read_tenants()), '{}'::uuid[])));
GRANT SELECT, INSERT ON appraisal_inspections TO sunshine_app;

-- 过错责任追究: a fault record against a department (and a person), with the case or
-- card that caused it. Revoked records stop counting from their revocation on.
CREATE TABLE appraisal_faults (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL REFERENCES tenants (id),
    subject_tenant_id     uuid NOT NULL,
    subject_department_id uuid,
    person                text NOT NULL DEFAULT '' CHECK (length(person) <= 100),
    case_id               uuid,
    card_id               uuid,
    occurred_on           date NOT NULL,
    description           text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    revoked_reason        text NOT NULL DEFAULT '',
    revoked_at            timestamptz,
    created_by_name       text NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE INDEX appraisal_faults_subject_idx ON appraisal_faults (tenant_id, subject_tenant_id, occurred_on);
CREATE TRIGGER appraisal_faults_updated_at BEFORE UPDATE ON appraisal_faults FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('appraisal_faults');
CREATE POLICY appraisal_faults_subject ON appraisal_faults FOR SELECT
    USING (subject_tenant_id = ANY (coalesce((SELECT app_read_tenants()), '{}'::uuid[])));
GRANT SELECT, INSERT, UPDATE ON appraisal_faults TO sunshine_app;

-- Published results never change: the database refuses it to everyone but a revision
-- (which writes new rows).
-- +goose StatementBegin
CREATE FUNCTION appraisal_published_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.published THEN
            RAISE EXCEPTION 'a published appraisal result cannot be removed' USING ERRCODE = 'P0001';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.published THEN
        RAISE EXCEPTION 'a published appraisal result cannot change' USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER appraisal_results_published_guard BEFORE UPDATE OR DELETE ON appraisal_results
    FOR EACH ROW EXECUTE FUNCTION appraisal_published_guard();
CREATE TRIGGER appraisal_result_indicators_published_guard BEFORE UPDATE OR DELETE ON appraisal_result_indicators
    FOR EACH ROW EXECUTE FUNCTION appraisal_published_guard();

-- +goose Down
DROP TABLE appraisal_faults;
DROP TABLE appraisal_inspections;
DROP TABLE appraisal_reviews;
DROP TABLE appraisal_objections;
DROP TABLE appraisal_adjustments;
DROP TABLE appraisal_result_indicators;
DROP TABLE appraisal_results;
DROP FUNCTION appraisal_published_guard();
DROP TABLE appraisal_runs;
DROP TABLE appraisal_scheme_versions;
DROP FUNCTION appraisal_versions_guard();
DROP TABLE appraisal_schemes;
DROP INDEX appraisal_filings_due_idx;
DROP INDEX appraisal_notices_due_idx;
DROP INDEX appraisal_case_fees_mismatch_idx;
DROP INDEX appraisal_case_steps_due_idx;
DROP INDEX appraisal_cases_decided_idx;
DROP INDEX appraisal_cases_received_brin;
DROP VIEW catalogue_power_facts;
DROP VIEW catalogue_version_facts;
DROP VIEW catalogue_filing_facts;
DROP VIEW supervision_notice_facts;
DROP VIEW supervision_card_facts;
DROP VIEW casework_fee_facts;
DROP VIEW casework_step_facts;
DROP VIEW casework_case_facts;
