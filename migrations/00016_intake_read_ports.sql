-- Read ports of casework's intake (issue 13): the one grouped query that checks an
-- application reads the power, the window and its staff, and the project through
-- views their owners export, like migration 00014's, rather than through their
-- tables. security_invoker: row-level security applies as to the caller; as plain
-- projections, PostgreSQL plans them as the tables themselves.

-- +goose Up
-- catalogue: an item's identity and the version in force (Power.InForceVersion).
CREATE VIEW catalogue_powers WITH (security_invoker = true) AS
    SELECT id, tenant_id, code, name, department_id, in_force_version_id FROM powers;

-- servicecentre: the windows and who is authorised at them (WindowFacts).
CREATE VIEW servicecentre_windows WITH (security_invoker = true) AS
    SELECT id, tenant_id, number, department_id, comprehensive, active FROM windows;
CREATE VIEW servicecentre_window_staff WITH (security_invoker = true) AS
    SELECT tenant_id, window_id, user_id FROM window_staff;

-- projects: whether a project takes new cases (projects.CheckOpen).
CREATE VIEW projects_status WITH (security_invoker = true) AS
    SELECT id, tenant_id, status FROM projects;

GRANT SELECT ON catalogue_powers, servicecentre_windows, servicecentre_window_staff, projects_status TO sunshine_app;

-- +goose Down
DROP VIEW projects_status;
DROP VIEW servicecentre_window_staff;
DROP VIEW servicecentre_windows;
DROP VIEW catalogue_powers;
