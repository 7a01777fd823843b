-- cases kept UNIQUE (tenant_id, id) only as the target of its children's composite
-- foreign keys, which migration 00009 dropped; nothing references it since, and the
-- primary key already makes id unique. Every intake paid its index entry.

-- +goose Up
ALTER TABLE cases DROP CONSTRAINT cases_tenant_id_id_key;

-- +goose Down
ALTER TABLE cases ADD CONSTRAINT cases_tenant_id_id_key UNIQUE (tenant_id, id);
