-- Tenants, departments, users, sessions, login throttling, the audit trail and the
-- Casbin policy table.

-- +goose Up

-- The tenant registry. It holds no tenant_id (each row IS a tenant) and is public
-- reference data (names and codes appear on every portal), so everyone may read it;
-- a tenant may change only itself and the tenants directly below it (the city
-- provisions and suspends its counties).
CREATE TABLE tenants (
    id            uuid PRIMARY KEY,
    code          text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{6}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    level         text NOT NULL CHECK (level IN ('city', 'county', 'district')),
    parent_id     uuid REFERENCES tenants (id),
    path          text NOT NULL UNIQUE,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    status_reason text NOT NULL DEFAULT '',
    settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((level = 'city') = (parent_id IS NULL))
);
CREATE INDEX tenants_parent_idx ON tenants (parent_id);
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_read ON tenants FOR SELECT USING (true);
CREATE POLICY tenants_insert ON tenants FOR INSERT
    WITH CHECK (id = (SELECT app_tenant_id()) OR parent_id = (SELECT app_tenant_id()));
CREATE POLICY tenants_update ON tenants FOR UPDATE
    USING (id = (SELECT app_tenant_id()) OR parent_id = (SELECT app_tenant_id()))
    WITH CHECK (id = (SELECT app_tenant_id()) OR parent_id = (SELECT app_tenant_id()));
GRANT SELECT, INSERT, UPDATE ON tenants TO sunshine_app;

CREATE TABLE departments (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    code       text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    type       text NOT NULL DEFAULT 'bureau' CHECK (type IN ('bureau', 'commission', 'office', 'centre', 'supervision', 'other')),
    parent_id  uuid REFERENCES departments (id),
    sort       integer NOT NULL DEFAULT 0,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id)
);
CREATE TRIGGER departments_updated_at BEFORE UPDATE ON departments FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('departments');
GRANT SELECT, INSERT, UPDATE ON departments TO sunshine_app;

CREATE TABLE users (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    username             text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,31}$'),
    display_name         text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 50),
    department_id        uuid,
    phone                text NOT NULL DEFAULT '',
    email                text NOT NULL DEFAULT '',
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT true,
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    password_changed_at  timestamptz,
    last_login_at        timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, username),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT enable_tenant_rls('users');
GRANT SELECT, INSERT, UPDATE ON users TO sunshine_app;

-- Browser sessions and API tokens. Only a SHA-256 of the secret is stored. The
-- token itself names its tenant, so it is looked up inside that tenant's scope.
CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    token_hash   bytea NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind IN ('browser', 'token')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (tenant_id, user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);
SELECT enable_tenant_rls('sessions');
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO sunshine_app;

-- Failed logins per account (tenant data) and per source address (no tenant: an
-- address may try many tenants).
CREATE TABLE login_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    username  text NOT NULL,
    ip        text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_account_idx ON login_failures (tenant_id, username, at);
SELECT enable_tenant_rls('login_failures');
GRANT SELECT, INSERT, DELETE ON login_failures TO sunshine_app;

CREATE TABLE address_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX address_failures_ip_idx ON address_failures (ip, at);
GRANT SELECT, INSERT, DELETE ON address_failures TO sunshine_app;

-- The audit trail: append-only and hash-chained per tenant. The application may
-- insert and read, never update, delete or truncate; a trigger refuses those to
-- everyone else as well, so rewriting history takes deliberate superuser action —
-- which `sunshine audit verify` then detects.
--
-- A tenant's trail is 64 chains ("lanes"), each event hashed with the previous one of
-- its lane. One chain would serialise every transaction of a tenant through its head
-- until commit (one disk flush each: tens of writes a second); lanes let concurrent
-- clerks commit together while every event stays chained. A transaction writes all
-- its events to one lane.
CREATE TABLE audit_events (
    tenant_id   uuid NOT NULL,
    lane        smallint NOT NULL CHECK (lane BETWEEN 0 AND 63),
    seq         bigint NOT NULL CHECK (seq > 0),
    id          uuid NOT NULL,
    at          timestamptz NOT NULL,
    actor_id    uuid,
    actor_name  text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    summary     json NOT NULL,
    request_id  text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    PRIMARY KEY (tenant_id, lane, seq)
);
CREATE INDEX audit_events_object_idx ON audit_events (tenant_id, object_type, object_id);
CREATE INDEX audit_events_at_idx ON audit_events (tenant_id, at);
SELECT enable_tenant_rls('audit_events');
GRANT SELECT, INSERT ON audit_events TO sunshine_app;

-- +goose StatementBegin
CREATE FUNCTION audit_events_immutable() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_immutable();

-- The head of each chain: the serialisation point for appends, and the witness that
-- detects a deleted tail.
CREATE TABLE audit_heads (
    tenant_id uuid NOT NULL,
    lane      smallint NOT NULL,
    seq       bigint NOT NULL,
    hash      bytea NOT NULL,
    PRIMARY KEY (tenant_id, lane)
);
SELECT enable_tenant_rls('audit_heads');
GRANT SELECT, INSERT, UPDATE ON audit_heads TO sunshine_app;

-- audit_append appends one event to the acting tenant's chain in one round trip: it
-- locks the chain head, links the event to it and moves the head. body is the
-- canonical encoding of the event's columns, computed by the application (and
-- recomputed from the stored columns when verifying).
-- +goose StatementBegin
CREATE FUNCTION audit_append(p_id uuid, p_at timestamptz, p_actor_id uuid, p_actor_name text, p_action text,
                             p_object_type text, p_object_id text, p_summary json, p_request_id text,
                             p_ip text, p_body bytea) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    t      uuid := app_tenant_id();
    -- The transaction's lane: every event of one transaction lands in one chain.
    l      smallint := (txid_current() % 64)::smallint;
    s      bigint;
    prev   bytea;
    h      bytea;
BEGIN
    IF t IS NULL THEN
        RAISE EXCEPTION 'audit_append: no acting tenant' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT seq, hash INTO s, prev FROM audit_heads WHERE tenant_id = t AND lane = l FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_heads (tenant_id, lane, seq, hash) VALUES (t, l, 0, ''::bytea) ON CONFLICT DO NOTHING;
        SELECT seq, hash INTO s, prev FROM audit_heads WHERE tenant_id = t AND lane = l FOR UPDATE;
    END IF;
    s := s + 1;
    h := sha256(prev || int2send(l) || int8send(s) || p_body);
    INSERT INTO audit_events (tenant_id, lane, seq, id, at, actor_id, actor_name, action, object_type, object_id,
                              summary, request_id, ip, prev_hash, hash)
    VALUES (t, l, s, p_id, p_at, p_actor_id, p_actor_name, p_action, p_object_type, p_object_id,
            p_summary, p_request_id, p_ip, prev, h);
    UPDATE audit_heads SET seq = s, hash = h WHERE tenant_id = t AND lane = l;
    RETURN s;
END $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION audit_append(uuid, timestamptz, uuid, text, text, text, text, json, text, text, bytea) TO sunshine_app;

-- Casbin policies (gorm-adapter's table). Role permissions are written once with the
-- domain pattern "*"; grants (g rules) carry the tenant path as their domain.
CREATE TABLE casbin_rule (
    id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    ptype varchar(100) NOT NULL DEFAULT '',
    v0    varchar(100) NOT NULL DEFAULT '',
    v1    varchar(100) NOT NULL DEFAULT '',
    v2    varchar(100) NOT NULL DEFAULT '',
    v3    varchar(100) NOT NULL DEFAULT '',
    v4    varchar(100) NOT NULL DEFAULT '',
    v5    varchar(100) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX idx_casbin_rule ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);
GRANT SELECT, INSERT, UPDATE, DELETE ON casbin_rule TO sunshine_app;

-- +goose Down
DROP TABLE casbin_rule;
DROP FUNCTION audit_append(uuid, timestamptz, uuid, text, text, text, text, json, text, text, bytea);
DROP TABLE audit_heads;
DROP TABLE audit_events;
DROP FUNCTION audit_events_immutable();
DROP TABLE address_failures;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE departments;
DROP TABLE tenants;
