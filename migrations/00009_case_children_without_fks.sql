-- A case's steps, pauses, fees and timeline are written only by the casework service,
-- in the same statement as the case (intake) or while holding the case's row lock
-- (every other change), and the application may not delete cases. The foreign keys
-- from these children to cases therefore guard nothing the code does not, yet each
-- inserted child paid an RI check that locks the parent tuple (KEY SHARE, plus a WAL
-- record): measured at 1.0–1.3 ms of a 1.7 ms intake statement with seven steps.
-- See docs/adr/0003. TestDemoCases checks the invariant instead, after every kind of change.

-- +goose Up
ALTER TABLE case_steps DROP CONSTRAINT case_steps_tenant_id_case_id_fkey;
ALTER TABLE case_pauses DROP CONSTRAINT case_pauses_tenant_id_case_id_fkey;
ALTER TABLE case_fees DROP CONSTRAINT case_fees_tenant_id_case_id_fkey;
ALTER TABLE case_events DROP CONSTRAINT case_events_tenant_id_case_id_fkey;

-- +goose Down
ALTER TABLE case_steps ADD FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id);
ALTER TABLE case_pauses ADD FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id);
ALTER TABLE case_fees ADD FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id);
ALTER TABLE case_events ADD FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id);
