-- The public edge (issue 12): a query code of real entropy on every case, required by
-- the public status lookup; single-use, expiring captchas for public applications;
-- fee amounts bounded in the database as well as in the service.

-- +goose Up

-- A case's query code (查询码): ten characters of Crockford's base-32 alphabet, 50 random
-- bits, printed on the receipt and shown after an online application. It is kept as
-- is, not hashed: the counter reprints receipts, and whoever can read this row can read
-- the whole case (applicant, ID number) anyway, so a hash would protect nothing.
-- The default serves rows written without one (the benchmarks insert cases directly).
-- +goose StatementBegin
CREATE FUNCTION new_query_code() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    -- gen_random_uuid() draws from the server's strong random source; bytes 6 and 8
    -- hold the UUID's version and variant bits, the ten bytes used here are random.
    b bytea := uuid_send(gen_random_uuid());
    alphabet text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    code text := '';
    i int;
BEGIN
    FOREACH i IN ARRAY ARRAY[0, 1, 2, 3, 4, 5, 9, 10, 11, 12] LOOP
        code := code || substr(alphabet, get_byte(b, i) % 32 + 1, 1);
    END LOOP;
    RETURN code;
END $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION new_query_code() TO sunshine_app;

ALTER TABLE cases ADD COLUMN query_code text;
UPDATE cases SET query_code = new_query_code() WHERE query_code IS NULL;
ALTER TABLE cases ALTER COLUMN query_code SET DEFAULT new_query_code();
ALTER TABLE cases ALTER COLUMN query_code SET NOT NULL;
ALTER TABLE cases ADD CONSTRAINT cases_query_code_format CHECK (query_code ~ '^[0-9A-HJKMNP-TV-Z]{10}$');

-- Fees: a line at most 100 million yuan, totals never negative (the service bounds
-- and checks them; this is the backstop). NOT VALID: rows written before the fix are
-- left as they are, new and changed rows are checked.
ALTER TABLE case_fees ADD CONSTRAINT case_fees_amount_bounded CHECK (amount_fen BETWEEN 0 AND 10000000000) NOT VALID;
ALTER TABLE cases ADD CONSTRAINT cases_fee_totals_bounded
    CHECK (fee_charged_fen BETWEEN 0 AND 500000000000 AND fee_expected_fen BETWEEN 0 AND 500000000000) NOT VALID;

-- Captchas of the public forms: the answer, until it is used once or expires. Not
-- tenant data (a captcha is served before anyone says which portal it is for), so no
-- tenant_id and no RLS, like address_failures. Kept in PostgreSQL rather than Redis:
-- the application that needs it writes to PostgreSQL anyway, and a Redis restart must
-- not void every captcha on screen.
CREATE TABLE captchas (
    id         text PRIMARY KEY CHECK (length(id) BETWEEN 16 AND 64),
    answer     text NOT NULL CHECK (length(answer) BETWEEN 1 AND 16),
    expires_at timestamptz NOT NULL
);
CREATE INDEX captchas_expires_idx ON captchas (expires_at);
GRANT SELECT, INSERT, DELETE ON captchas TO sunshine_app;

-- +goose Down
DROP TABLE captchas;
ALTER TABLE cases DROP CONSTRAINT cases_fee_totals_bounded;
ALTER TABLE case_fees DROP CONSTRAINT case_fees_amount_bounded;
ALTER TABLE cases DROP COLUMN query_code;
DROP FUNCTION new_query_code();
