-- Platform primitives every later migration uses: the tenant scope of the current
-- transaction, the helper that puts a tenant-owned table under forced row-level
-- security, and the updated_at trigger.

-- +goose Up
-- The acting tenant of the transaction (writes land here). A pooled connection that
-- once saw the setting reports '' rather than NULL afterwards, hence nullif.
-- +goose StatementBegin
CREATE FUNCTION app_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
-- +goose StatementEnd

-- The tenants the transaction may read: the acting tenant, and for city-level readers
-- (supervisors, the leading group, platform admins) every tenant below the city.
-- +goose StatementBegin
CREATE FUNCTION app_read_tenants() RETURNS uuid[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(nullif(current_setting('app.read_tenants', true), '')::uuid[], '{}'::uuid[]) $$;
-- +goose StatementEnd

-- The acting user (NULL for the system: jobs, migrations).
-- +goose StatementBegin
CREATE FUNCTION app_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
-- +goose StatementEnd

-- enable_tenant_rls puts a table with a tenant_id column under forced row-level
-- security: reads see the read scope, writes only the acting tenant. The settings
-- are wrapped in sub-selects so that PostgreSQL evaluates them once per statement
-- (an InitPlan) instead of once per row.
-- +goose StatementBegin
CREATE FUNCTION enable_tenant_rls(tbl regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY tenant_read ON %s FOR SELECT USING (tenant_id = ANY (coalesce((SELECT app_read_tenants()), ''{}''::uuid[])))', tbl);
    EXECUTE format('CREATE POLICY tenant_insert ON %s FOR INSERT WITH CHECK (tenant_id = (SELECT app_tenant_id()))', tbl);
    EXECUTE format('CREATE POLICY tenant_update ON %s FOR UPDATE USING (tenant_id = (SELECT app_tenant_id())) WITH CHECK (tenant_id = (SELECT app_tenant_id()))', tbl);
    EXECUTE format('CREATE POLICY tenant_delete ON %s FOR DELETE USING (tenant_id = (SELECT app_tenant_id()))', tbl);
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO sunshine_app;
GRANT EXECUTE ON FUNCTION app_tenant_id(), app_read_tenants(), app_user_id() TO sunshine_app;
REVOKE EXECUTE ON FUNCTION enable_tenant_rls(regclass) FROM PUBLIC;
-- The application checks at start-up that the schema is as new as its code.
GRANT SELECT ON goose_db_version TO sunshine_app;

-- +goose Down
REVOKE SELECT ON goose_db_version FROM sunshine_app;
DROP FUNCTION set_updated_at();
DROP FUNCTION enable_tenant_rls(regclass);
DROP FUNCTION app_user_id();
DROP FUNCTION app_read_tenants();
DROP FUNCTION app_tenant_id();
