-- Read ports: the views through which one capability's SQL reads another's tables.
-- A package's SQL names only its own tables and these views (pkg/arch's test holds
-- the ownership map); each view is declared by, and belongs to, the package named in
-- its prefix, which may change its tables freely as long as the view keeps its
-- columns. The views are security_invoker: row-level security is checked for the
-- caller, exactly as if the tables were read directly, and, being plain projections,
-- PostgreSQL plans them as the tables themselves.

-- +goose Up
-- tenancy: the department directory (names, codes and ordering for lists and joins).
CREATE VIEW tenancy_departments WITH (security_invoker = true) AS
    SELECT id, tenant_id, code, name, type, parent_id, sort, active FROM departments;

-- casework: what supervision's clock reads of a case and of its flowchart steps.
CREATE VIEW casework_case_clock WITH (security_invoker = true) AS
    SELECT id, tenant_id, tracking_no, power_name, department_id, status, paused, due_date, due_at,
           deemed_accepted, fee_mismatch
    FROM cases;
CREATE VIEW casework_step_clock WITH (security_invoker = true) AS
    SELECT id, tenant_id, case_id, kind, name, department_id, status, rounds, due_at FROM case_steps;

-- catalogue: the filing queue (supervision cards overdue filings).
CREATE VIEW catalogue_filings WITH (security_invoker = true) AS
    SELECT id, tenant_id, filer_tenant_id, power_id, version_id, code, name, department_id, status, published_at, due_at, filed_at
    FROM power_filings;

GRANT SELECT ON tenancy_departments, casework_case_clock, casework_step_clock, catalogue_filings TO sunshine_app;

-- +goose Down
DROP VIEW catalogue_filings;
DROP VIEW casework_step_clock;
DROP VIEW casework_case_clock;
DROP VIEW tenancy_departments;
