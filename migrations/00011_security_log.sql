-- The security log (issue 12): refused and suspicious requests — denials (403),
-- probes of other tenants' objects (404), failed and throttled sign-ins, wrong current
-- passwords, rate limits and wrong captchas. Unlike the audit trail it records no
-- state change and is not hash-chained: it is bounded (pruned by age and by rows per
-- tenant) and every field an attacker controls is capped here as well as in the
-- writer. Tenant data under forced RLS: an auditor reads its read scope; an event
-- whose tenant is unknown (a sign-in naming no existing tenant) belongs to the root
-- tenant, where the platform's auditors read it.

-- +goose Up
CREATE TABLE security_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    at         timestamptz NOT NULL DEFAULT now(),
    kind       text NOT NULL CHECK (kind ~ '^[a-z_]{1,32}$'),
    code       text NOT NULL DEFAULT '' CHECK (length(code) <= 64),
    status     smallint NOT NULL DEFAULT 0,
    user_id    uuid,
    username   text NOT NULL DEFAULT '' CHECK (length(username) <= 64),
    ip         text NOT NULL DEFAULT '' CHECK (length(ip) <= 64),
    user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 256),
    method     text NOT NULL DEFAULT '' CHECK (length(method) <= 16),
    path       text NOT NULL DEFAULT '' CHECK (length(path) <= 256),
    request_id text NOT NULL DEFAULT '' CHECK (length(request_id) <= 64),
    detail     text NOT NULL DEFAULT '' CHECK (length(detail) <= 256)
);
CREATE INDEX security_events_tenant_at_idx ON security_events (tenant_id, at DESC);
CREATE INDEX security_events_tenant_kind_idx ON security_events (tenant_id, kind, at DESC);
SELECT enable_tenant_rls('security_events');
GRANT SELECT, INSERT, DELETE ON security_events TO sunshine_app;

-- Sign-in throttling counts failures per (account, address) as well as per account.
CREATE INDEX login_failures_account_address_idx ON login_failures (tenant_id, username, ip, at);

-- +goose Down
DROP INDEX login_failures_account_address_idx;
DROP TABLE security_events;
