-- The power catalogue (职权目录): power items, their versions (the whole item and its
-- executable flowchart per version) and the filing queue of the city.

-- +goose Up

-- A power item: its stable identity (code and department) and pointers to its
-- versions, kept in step by the catalogue service.
CREATE TABLE powers (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    code                text NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,64}$'),
    department_id       uuid NOT NULL,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category            text NOT NULL CHECK (length(category) BETWEEN 1 AND 50),
    status              text NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'approved', 'published', 'filed', 'superseded')),
    latest_version_id   uuid NOT NULL,
    latest_number       integer NOT NULL CHECK (latest_number > 0),
    in_force_version_id uuid,
    public_version_id   uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
);
CREATE INDEX powers_department_idx ON powers (tenant_id, department_id);
CREATE INDEX powers_category_idx ON powers (tenant_id, category);
CREATE TRIGGER powers_updated_at BEFORE UPDATE ON powers FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('powers');
GRANT SELECT, INSERT, UPDATE ON powers TO sunshine_app;

-- One version of a power: the editable content (scalar columns for what lists filter
-- on, jsonb for the structured parts) and the workflow state. Versions are never
-- deleted: they are the history.
CREATE TABLE power_versions (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    power_id            uuid NOT NULL,
    number              integer NOT NULL CHECK (number > 0),
    status              text NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'approved', 'published', 'filed', 'superseded')),
    code                text NOT NULL,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category            text NOT NULL,
    department_id       uuid NOT NULL,
    leading_official    text NOT NULL DEFAULT '',
    responsible_unit    text NOT NULL DEFAULT '',
    staff_duties        text NOT NULL DEFAULT '',
    legal_basis         jsonb NOT NULL DEFAULT '[]'::jsonb,
    handling_type       text NOT NULL CHECK (handling_type IN ('instant', 'promise')),
    legal_limit         integer NOT NULL CHECK (legal_limit >= 0),
    promised_limit      integer NOT NULL CHECK (promised_limit >= 0 AND promised_limit <= legal_limit),
    green_limit         integer CHECK (green_limit IS NULL OR (green_limit >= 0 AND green_limit <= promised_limit)),
    extension_days      integer NOT NULL DEFAULT 10 CHECK (extension_days >= 0),
    free                boolean NOT NULL DEFAULT true,
    fees                jsonb NOT NULL DEFAULT '[]'::jsonb,
    materials           jsonb NOT NULL DEFAULT '[]'::jsonb,
    conditions          text NOT NULL DEFAULT '',
    counterparty_rights jsonb NOT NULL DEFAULT '[]'::jsonb,
    complaint_channels  jsonb NOT NULL DEFAULT '{}'::jsonb,
    enquiry_phone       text NOT NULL DEFAULT '',
    discretion          jsonb NOT NULL DEFAULT '[]'::jsonb,
    flowchart           jsonb NOT NULL DEFAULT '{"steps": [], "edges": []}'::jsonb,
    change_note         text NOT NULL DEFAULT '',
    created_by_name     text NOT NULL DEFAULT '',
    updated_by_name     text NOT NULL DEFAULT '',
    submitted_at        timestamptz,
    submitted_by_name   text NOT NULL DEFAULT '',
    reviewed_at         timestamptz,
    reviewed_by_name    text NOT NULL DEFAULT '',
    review_comment      text NOT NULL DEFAULT '',
    published_at        timestamptz,
    published_by_name   text NOT NULL DEFAULT '',
    filing_due_at       timestamptz,
    filed_at            timestamptz,
    filed_by_name       text NOT NULL DEFAULT '',
    superseded_at       timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (power_id, number),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, power_id) REFERENCES powers (tenant_id, id),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id),
    CHECK (status NOT IN ('published', 'filed', 'superseded') OR (published_at IS NOT NULL AND filing_due_at IS NOT NULL)),
    CHECK (status NOT IN ('filed', 'superseded') OR filed_at IS NOT NULL)
);
-- A power has at most one version on its way (draft … published, awaiting filing)
-- and at most one in force: the database backs the workflow's invariants.
CREATE UNIQUE INDEX power_versions_one_open ON power_versions (power_id)
    WHERE status IN ('draft', 'submitted', 'returned', 'approved', 'published');
CREATE UNIQUE INDEX power_versions_one_filed ON power_versions (power_id) WHERE status = 'filed';
CREATE TRIGGER power_versions_updated_at BEFORE UPDATE ON power_versions FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('power_versions');
GRANT SELECT, INSERT, UPDATE ON power_versions TO sunshine_app;

ALTER TABLE powers
    ADD CONSTRAINT powers_latest_version_fk FOREIGN KEY (tenant_id, latest_version_id)
        REFERENCES power_versions (tenant_id, id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT powers_in_force_version_fk FOREIGN KEY (tenant_id, in_force_version_id)
        REFERENCES power_versions (tenant_id, id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT powers_public_version_fk FOREIGN KEY (tenant_id, public_version_id)
        REFERENCES power_versions (tenant_id, id) DEFERRABLE INITIALLY DEFERRED;

-- The filing queue: one row per published version, owned by the item's tenant and
-- filed by filer_tenant_id (the city; the city itself for its own items). Overdue is
-- derived (pending and past due_at), never stored.
CREATE TABLE power_filings (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    filer_tenant_id uuid NOT NULL REFERENCES tenants (id),
    power_id        uuid NOT NULL,
    version_id      uuid NOT NULL UNIQUE,
    version_number  integer NOT NULL,
    code            text NOT NULL,
    name            text NOT NULL,
    category        text NOT NULL,
    department_id   uuid NOT NULL,
    published_at    timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'filed')),
    filed_at        timestamptz,
    filed_by_name   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, power_id) REFERENCES powers (tenant_id, id),
    FOREIGN KEY (tenant_id, version_id) REFERENCES power_versions (tenant_id, id),
    CHECK ((status = 'filed') = (filed_at IS NOT NULL))
);
CREATE INDEX power_filings_queue_idx ON power_filings (filer_tenant_id, status, due_at);
CREATE INDEX power_filings_tenant_idx ON power_filings (tenant_id, status);
CREATE TRIGGER power_filings_updated_at BEFORE UPDATE ON power_filings FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('power_filings');
GRANT SELECT, INSERT, UPDATE ON power_filings TO sunshine_app;

-- +goose Down
DROP TABLE power_filings;
DROP TABLE power_versions, powers;
