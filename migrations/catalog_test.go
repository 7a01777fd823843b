package migrations_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"sunshine/pkg/platform/dbtest"
)

// TestEveryTenantTableIsUnderForcedRLS reads the catalog after all migrations: any
// table with a tenant_id column must have row-level security enabled and forced, and
// the application role must own nothing and be unable to bypass RLS.
func TestEveryTenantTableIsUnderForcedRLS(t *testing.T) {
	env := dbtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name string
		var enabled, forced bool
		var policies int
		if err := rows.Scan(&name, &enabled, &forced, &policies); err != nil {
			t.Fatal(err)
		}
		n++
		if !enabled || !forced || policies == 0 {
			t.Errorf("table %s holds tenant_id but RLS enabled=%v forced=%v policies=%d", name, enabled, forced, policies)
		}
	}
	if n < 5 {
		t.Fatalf("found only %d tenant tables; is the query right?", n)
	}
	var owned int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'sunshine_app'`).Scan(&owned); err != nil {
		t.Fatal(err)
	}
	var super, bypass bool
	if err := conn.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'sunshine_app'`).Scan(&super, &bypass); err != nil {
		t.Fatal(err)
	}
	if owned != 0 || super || bypass {
		t.Fatalf("application role: owns %d relations, superuser=%v, bypassrls=%v", owned, super, bypass)
	}
	// The tenants table has no tenant_id but is protected too (writes only by itself
	// or its parent).
	var forced bool
	if err := conn.QueryRow(ctx, `SELECT relforcerowsecurity FROM pg_class WHERE relname = 'tenants'`).Scan(&forced); err != nil || !forced {
		t.Fatalf("tenants must be under forced RLS: %v", err)
	}
}

// TestAppRoleCannotRewriteTheAuditTrail: the application role may insert and read
// audit events, never update, delete or truncate them.
func TestAppRoleCannotRewriteTheAuditTrail(t *testing.T) {
	env := dbtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`UPDATE audit_events SET action = 'x'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
	} {
		if _, err := conn.Exec(ctx, stmt); err == nil {
			t.Errorf("%s: the application role must be refused", stmt)
		}
	}
}
