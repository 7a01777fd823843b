package migrations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/platform/dbtest"
)

// TestReadPortsKeepRLS: every read port (a *_facts view) runs with the caller's rights
// and says which capability owns it; read through one, another tenant's rows stay
// invisible exactly as in the table behind it.
func TestReadPortsKeepRLS(t *testing.T) {
	env := dbtest.New(t)
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	rows, err := owner.Query(ctx, `SELECT c.relname, coalesce(array_to_string(c.reloptions, ','), ''), coalesce(obj_description(c.oid, 'pg_class'), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'v' AND c.relname LIKE '%\_facts'`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var name, opts, comment string
		if err := rows.Scan(&name, &opts, &comment); err != nil {
			t.Fatal(err)
		}
		n++
		owner := strings.SplitN(name, "_", 2)[0]
		if !strings.Contains(opts, "security_invoker=true") {
			t.Errorf("%s: not security_invoker (%s)", name, opts)
		}
		if !strings.Contains(comment, "Read port owned by "+owner) {
			t.Errorf("%s: comment %q does not name its owner %s", name, comment, owner)
		}
	}
	rows.Close()
	if n < 8 {
		t.Fatalf("found %d read ports", n)
	}
	// Two tenants, a case each; the application role reading as one sees one.
	a, b := uuid.New(), uuid.New()
	for i, id := range []uuid.UUID{a, b} {
		code := []string{"410998", "410999"}[i]
		if _, err := owner.Exec(ctx, `INSERT INTO tenants (id, code, name, level, path) VALUES ($1, $2, 'T', 'city', $2)`, id, code); err != nil {
			t.Fatal(err)
		}
		if _, err := owner.Exec(ctx, `INSERT INTO cases (id, tenant_id, tracking_no, power_id, version_id, power_name, department_id, channel,
				applicant_type, applicant_name, applicant_id_number, applicant_id_last4, status, received_at)
			VALUES ($1, $2, $3, $1, $1, 'x', $1, 'window', 'person', '张三', 'x', 'x', 'submitted', now())`, uuid.New(), id, "T"+code); err != nil {
			t.Fatal(err)
		}
	}
	app, err := pgx.Connect(ctx, env.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)
	tx, err := app.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true), set_config('app.read_tenants', $2, true)`, a.String(), "{"+a.String()+"}"); err != nil {
		t.Fatal(err)
	}
	var seen int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM casework_case_facts`).Scan(&seen); err != nil {
		t.Fatal(err)
	}
	if seen != 1 {
		t.Fatalf("through the read port the tenant sees %d cases, want its 1", seen)
	}
}
