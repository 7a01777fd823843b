-- One file store for the whole platform (materials uploaded by applicants and clerks,
-- complaint and disclosure attachments, seals). The bytes live in a blob bucket
-- (gocloud.dev/blob: a local directory in dev, an S3-compatible bucket in production);
-- this table is the only way to reach them: each file belongs to one tenant (forced
-- RLS), is served only through endpoints that authorise the object it is attached to,
-- and its blob key is never shown to anyone.

-- +goose Up
CREATE TABLE files (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    -- What the file is for (e.g. case.material, participation.attachment, seal); the
    -- owner is the object of that kind it is attached to, unset while pending.
    kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
    owner_id    uuid,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    media_type  text NOT NULL CHECK (length(media_type) BETWEEN 1 AND 100),
    size        bigint NOT NULL CHECK (size >= 0),
    sha256      bytea NOT NULL CHECK (length(sha256) = 32),
    blob_key    text NOT NULL UNIQUE,
    created_by  uuid,
    created_at  timestamptz NOT NULL,
    attached_at timestamptz,
    CHECK ((owner_id IS NULL) = (attached_at IS NULL)),
    UNIQUE (tenant_id, id)
);
CREATE INDEX files_owner_idx ON files (tenant_id, kind, owner_id);
CREATE INDEX files_pending_idx ON files (created_at) WHERE owner_id IS NULL;
SELECT enable_tenant_rls('files');
GRANT SELECT, INSERT, UPDATE, DELETE ON files TO sunshine_app;

-- An attached file is part of a record: it is never deleted, re-attached elsewhere or
-- rewritten. Only pending uploads nobody attached may be pruned.
-- +goose StatementBegin
CREATE FUNCTION files_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.owner_id IS NOT NULL THEN
            RAISE EXCEPTION 'an attached file cannot be deleted' USING ERRCODE = 'P0001';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.owner_id IS NOT NULL AND (NEW.owner_id IS DISTINCT FROM OLD.owner_id OR NEW.kind <> OLD.kind) THEN
        RAISE EXCEPTION 'an attached file cannot be moved' USING ERRCODE = 'P0001';
    END IF;
    IF NEW.blob_key <> OLD.blob_key OR NEW.sha256 <> OLD.sha256 OR NEW.size <> OLD.size
        OR NEW.media_type <> OLD.media_type OR NEW.tenant_id <> OLD.tenant_id OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'a file''s content cannot be rewritten' USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER files_guard BEFORE UPDATE OR DELETE ON files FOR EACH ROW EXECUTE FUNCTION files_guard();

-- +goose Down
DROP TABLE files;
DROP FUNCTION files_guard();
