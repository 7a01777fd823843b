package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/dbtest"
	"sunshine/pkg/platform/logging"
)

// exec runs SQL as the superuser on the test's database (set-up only).
func exec(t *testing.T, url string, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range sqls {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// widgets creates a tenant table under enable_tenant_rls for a test.
func widgets(t *testing.T, ownerURL string) {
	t.Helper()
	exec(t, ownerURL,
		`SET ROLE sunshine_owner`,
		`CREATE TABLE widgets (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL)`,
		`SELECT enable_tenant_rls('widgets')`,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON widgets TO sunshine_app`)
}

// TestTenantRLSHelper proves the helper every tenant-owned table uses: a row is
// visible only inside its read scope, writes land only in the acting tenant, and a
// transaction without a scope sees nothing.
func TestTenantRLSHelper(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	widgets(t, env.OwnerURL)
	ctx := context.Background()
	a, b, city := uuid.New(), uuid.New(), uuid.New()
	type widget struct {
		ID       uuid.UUID
		TenantID uuid.UUID
		Name     string
	}
	insert := func(scope db.Scope, w widget) error {
		return env.DB.Tx(ctx, scope, func(tx *gorm.DB) error { return tx.Table("widgets").Create(&w).Error })
	}
	count := func(scope db.Scope) int64 {
		var n int64
		if err := env.DB.Tx(ctx, scope, func(tx *gorm.DB) error { return tx.Table("widgets").Count(&n).Error }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := insert(db.TenantScope(a, uuid.Nil), widget{uuid.New(), a, "a1"}); err != nil {
		t.Fatal(err)
	}
	if err := insert(db.TenantScope(b, uuid.Nil), widget{uuid.New(), b, "b1"}); err != nil {
		t.Fatal(err)
	}
	// Writing into another tenant is refused by the database itself.
	err := insert(db.TenantScope(a, uuid.Nil), widget{uuid.New(), b, "smuggled"})
	if err == nil || !apperr.IsKind(db.Classify(err), apperr.KindNotFound) {
		t.Fatalf("cross-tenant insert must fail as not found, got %v", err)
	}
	if n := count(db.TenantScope(a, uuid.Nil)); n != 1 {
		t.Fatalf("tenant a sees %d rows, want 1", n)
	}
	// A city reader with both tenants in scope sees both but can write neither.
	cityScope := db.Scope{Tenant: city, Read: []uuid.UUID{a, b}}
	if n := count(cityScope); n != 2 {
		t.Fatalf("city sees %d rows, want 2", n)
	}
	var updated int64
	if err := env.DB.Tx(ctx, cityScope, func(tx *gorm.DB) error {
		r := tx.Table("widgets").Where("tenant_id = ?", a).Update("name", "hijacked")
		updated = r.RowsAffected
		return r.Error
	}); err != nil || updated != 0 {
		t.Fatalf("a city reader must not update a county's rows: %v, %d rows", err, updated)
	}
	// No scope at all: nothing visible (and no error: the setting is empty, not NULL).
	if n := count(db.Scope{}); n != 0 {
		t.Fatalf("scopeless transaction sees %d rows", n)
	}
	if err := env.DB.Gorm(ctx).Table("widgets").Count(new(int64)).Error; err != nil {
		t.Fatalf("a pooled connection after a scoped transaction must still work: %v", err)
	}
}

func TestInScopeNeedsAScope(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	err := env.DB.InScope(context.Background(), func(*gorm.DB) error { return nil })
	if !errors.Is(err, db.ErrNoScope) {
		t.Fatalf("want ErrNoScope, got %v", err)
	}
	ctx := db.WithScope(context.Background(), db.TenantScope(uuid.New(), uuid.New()))
	var tenant, user string
	if err := env.DB.InScope(ctx, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT current_setting('app.tenant_id'), current_setting('app.user_id')`).Row().Scan(&tenant, &user)
	}); err != nil || tenant == "" || user == "" {
		t.Fatalf("scope not applied: %v %q %q", err, tenant, user)
	}
}

func TestSchemaIsCurrentAndRolesAreSafe(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	if err := env.DB.CheckSchema(ctx); err != nil {
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
	m := db.Migrator{OwnerURL: url, Log: logging.Discard()}
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
	latest, _ := db.LatestVersion()
	if len(status) == 0 || status[len(status)-1].Source.Version != latest {
		t.Fatalf("status does not reach the latest version %d", latest)
	}
}

func TestClassify(t *testing.T) {
	if !apperr.IsKind(db.Classify(gorm.ErrRecordNotFound), apperr.KindNotFound) {
		t.Fatal("no rows must be 404")
	}
	if !apperr.IsKind(db.Classify(errors.New("x")), apperr.KindInternal) {
		t.Fatal("unknown must be internal")
	}
}

// TestDerivedScopeCommitsAsynchronously: only a Derived transaction (in a GORM
// transaction or a pipeline) turns synchronous_commit off, and only for itself;
// CustomPlans likewise sets plan_cache_mode for its transaction only.
func TestDerivedScopeCommitsAsynchronously(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	show := func(s db.Scope) string {
		var v string
		if err := env.DB.Tx(ctx, s, func(tx *gorm.DB) error {
			return tx.Raw(`SHOW synchronous_commit`).Row().Scan(&v)
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	derived := db.TenantScope(uuid.New(), uuid.Nil)
	derived.Derived = true
	if got := show(derived); got != "off" {
		t.Fatalf("derived transaction: synchronous_commit %q", got)
	}
	custom := db.TenantScope(uuid.New(), uuid.Nil)
	custom.CustomPlans = true
	var mode string
	if err := env.DB.Tx(ctx, custom, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT current_setting('plan_cache_mode')`).Row().Scan(&mode)
	}); err != nil || mode != "force_custom_plan" {
		t.Fatalf("custom plans: %q %v", mode, err)
	}
	var def string
	if err := env.DB.Tx(ctx, db.TenantScope(uuid.New(), uuid.Nil), func(tx *gorm.DB) error {
		return tx.Raw(`SELECT reset_val FROM pg_settings WHERE name = 'synchronous_commit'`).Row().Scan(&def)
	}); err != nil {
		t.Fatal(err)
	}
	if got := show(db.TenantScope(uuid.New(), uuid.Nil)); got != def {
		t.Fatalf("ordinary transaction after a derived one: synchronous_commit %q (server default %q)", got, def)
	}
	b := &pgx.Batch{}
	b.Queue(`SHOW synchronous_commit`)
	var v string
	if err := env.DB.Batch(ctx, derived, b, func(br pgx.BatchResults) error { return br.QueryRow().Scan(&v) }); err != nil || v != "off" {
		t.Fatalf("derived pipeline: %q %v", v, err)
	}
}
