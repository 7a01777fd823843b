package migrations_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/platform/dbtest"
)

// TestReadPortViewsKeepTheCallersScope: the views other packages read through
// (migration 00014) are owned by the migrating superuser, so without security_invoker
// they would show every tenant's rows. Through them the application role sees exactly
// what its scope lets it see of the tables.
func TestReadPortViewsKeepTheCallersScope(t *testing.T) {
	env := dbtest.New(t)
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	a, b := uuid.New(), uuid.New()
	for i, id := range []uuid.UUID{a, b} {
		code := []string{"419900", "419800"}[i]
		if _, err := owner.Exec(ctx, `INSERT INTO tenants (id, code, name, level, path) VALUES ($1, $2, $2, 'city', $2)`, id, code); err != nil {
			t.Fatal(err)
		}
		if _, err := owner.Exec(ctx, `INSERT INTO departments (id, tenant_id, code, name) VALUES ($1, $2, 'ZJJ', '住建局')`, uuid.New(), id); err != nil {
			t.Fatal(err)
		}
	}
	app, err := pgx.Connect(ctx, env.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)
	count := func(read []uuid.UUID, rel string) int {
		t.Helper()
		tx, err := app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		set := "{"
		for i, id := range read {
			if i > 0 {
				set += ","
			}
			set += id.String()
		}
		set += "}"
		if _, err := tx.Exec(ctx, `SELECT set_config('app.read_tenants', $1, true)`, set); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+rel).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count([]uuid.UUID{a}, "tenancy_departments"); n != 1 {
		t.Fatalf("tenant a sees %d departments through the view, want its own 1", n)
	}
	if n := count([]uuid.UUID{a, b}, "tenancy_departments"); n != 2 {
		t.Fatalf("a reader of both sees %d, want 2", n)
	}
	if n := count(nil, "tenancy_departments"); n != 0 {
		t.Fatalf("no scope sees %d, want 0", n)
	}
	for _, v := range []string{"casework_case_clock", "casework_step_clock", "catalogue_filings"} {
		if n := count(nil, v); n != 0 {
			t.Fatalf("%s: no scope sees %d rows", v, n)
		}
	}
	// The application role cannot write through a view.
	if _, err := app.Exec(ctx, `DELETE FROM tenancy_departments`); err == nil {
		t.Fatal("the application role must not write through a read port")
	}
}
