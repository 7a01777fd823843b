package migrate_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"sunshine/pkg/platform/db/migrate"
	"sunshine/pkg/platform/dbtest"
	"sunshine/pkg/platform/logging"
)

func TestSchemaIsCurrentAndRolesAreSafe(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	if err := migrate.CheckSchema(ctx, env.DB); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var super, bypass bool
	if err := conn.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'sunshine_app'`).Scan(&super, &bypass); err != nil {
		t.Fatal(err)
	}
	if super || bypass {
		t.Fatal("the application role must not be superuser or bypass RLS")
	}
	var owned int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'sunshine_app'`).Scan(&owned); err != nil {
		t.Fatal(err)
	}
	if owned != 0 {
		t.Fatalf("the application role owns %d relations", owned)
	}
}

// TestMigrationsUpDownUp applies every migration, rolls all back, and applies them
// again on the same database, proving each down undoes its up.
func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	url := dbtest.EmptyDatabase(t)
	ctx := context.Background()
	m := migrate.Migrator{OwnerURL: url, Log: logging.Discard()}
	if err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Down(ctx, 0); err != nil {
		t.Fatal(err)
	}
	pending, err := m.Pending(ctx)
	if err != nil || !pending {
		t.Fatalf("after down to 0 every migration must be pending: %v %v", pending, err)
	}
	if err := m.Up(ctx); err != nil {
		t.Fatalf("up after down: %v", err)
	}
	status, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := migrate.LatestVersion()
	if len(status) == 0 || status[len(status)-1].Source.Version != latest {
		t.Fatalf("status does not reach the latest version %d", latest)
	}
}
