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
)

// TestTenantRLSHelper proves the helper every tenant-owned table uses: a row is
// visible only inside its read scope, writes land only in the acting tenant, and a
// transaction without a scope sees nothing.
func TestTenantRLSHelper(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	env.Widgets(t)
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
	// The pipeline form of the scope statement (pkg/platform/db/pipeline) sets the same.
	var v string
	err := env.DB.WithConn(ctx, func(pc *pgx.Conn) error {
		b := &pgx.Batch{}
		q, args := derived.Statement()
		b.Queue(q, args...)
		b.Queue(`SHOW synchronous_commit`)
		br := pc.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return err
		}
		return br.QueryRow().Scan(&v)
	})
	if err != nil || v != "off" {
		t.Fatalf("derived pipeline: %q %v", v, err)
	}
}
