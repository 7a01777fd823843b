package authz_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"sunshine/pkg/authz"
	"sunshine/pkg/platform/dbtest"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/tenant"
)

// TestDomainPatternCoversCounties is TestDomainMatchModel for our domains: a grant
// at "410500*" covers the city and its counties; a grant at "410500" only the city;
// a county grant only that county.
func TestDomainPatternCoversCounties(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	if _, err := authz.SyncRolePermissions(ctx, env.DB.Gorm(ctx)); err != nil {
		t.Fatal(err)
	}
	city := &tenant.Tenant{Path: "410500"}
	county := &tenant.Tenant{Path: "410500/410581"}
	other := &tenant.Tenant{Path: "420100/420102"}
	citySup, cityAdmin, countyClerk := uuid.New(), uuid.New(), uuid.New()
	err := env.DB.Gorm(ctx).Transaction(func(tx *gorm.DB) error {
		for _, g := range []struct {
			u      uuid.UUID
			role   string
			domain string
		}{
			{citySup, authz.Supervisor, authz.Domain(city, true)},
			{cityAdmin, authz.TenantAdmin, authz.Domain(city, false)},
			{countyClerk, authz.WindowClerk, authz.Domain(county, false)},
		} {
			if err := authz.AddGrant(tx, g.u, g.role, g.domain); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := authz.NewEnforcer(env.DB.Gorm(ctx), logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		u    uuid.UUID
		path string
		perm string
		want bool
	}{
		{citySup, city.Path, authz.CaseRead, true},
		{citySup, county.Path, authz.CaseRead, true},
		{citySup, county.Path, authz.CaseIntake, false},
		{citySup, other.Path, authz.CaseRead, false},
		{cityAdmin, city.Path, authz.UserManage, true},
		{cityAdmin, county.Path, authz.UserManage, false},
		{countyClerk, county.Path, authz.CaseIntake, true},
		{countyClerk, city.Path, authz.CaseIntake, false},
		{countyClerk, "410500/410522", authz.CaseRead, false},
		{uuid.New(), county.Path, authz.CaseRead, false},
	}
	for _, c := range cases {
		if got := e.Allowed(c.u, c.path, c.perm); got != c.want {
			t.Errorf("Allowed(%s, %s, %s) = %v, want %v", c.u, c.path, c.perm, got, c.want)
		}
	}
	if !e.HasSubtreeGrant(citySup) || e.HasSubtreeGrant(cityAdmin) {
		t.Fatal("subtree grants misreported")
	}
}

// TestWatcherSyncsTwoEnforcers: a grant committed through one replica reaches a
// second replica's enforcer through LISTEN/NOTIFY within seconds, and a grant in a
// rolled-back transaction never does.
func TestWatcherSyncsTwoEnforcers(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	if _, err := authz.SyncRolePermissions(ctx, env.DB.Gorm(ctx)); err != nil {
		t.Fatal(err)
	}
	replicas := make([]*authz.Enforcer, 2)
	for i := range replicas {
		e, err := authz.NewEnforcer(env.DB.Gorm(ctx), logging.Discard())
		if err != nil {
			t.Fatal(err)
		}
		w := authz.NewWatcher(env.AppURL, logging.Discard())
		t.Cleanup(w.Close)
		_ = w.SetUpdateCallback(func(string) { _ = e.Reload() })
		select {
		case <-w.Ready():
		case <-time.After(10 * time.Second):
			t.Fatal("watcher did not start listening")
		}
		replicas[i] = e
	}
	user := uuid.New()
	path := "410500/410581"
	rolledBack := uuid.New()
	_ = env.DB.Gorm(ctx).Transaction(func(tx *gorm.DB) error {
		_ = authz.AddGrant(tx, rolledBack, authz.CaseHandler, path)
		return context.Canceled
	})
	if err := env.DB.Gorm(ctx).Transaction(func(tx *gorm.DB) error {
		return authz.AddGrant(tx, user, authz.CaseHandler, path)
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !replicas[1].Allowed(user, path, authz.CaseHandle) {
		if time.Now().After(deadline) {
			t.Fatal("the second replica did not see the grant within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if replicas[1].Allowed(rolledBack, path, authz.CaseHandle) {
		t.Fatal("a rolled-back grant must not appear")
	}
	// Revocation propagates too.
	if err := env.DB.Gorm(ctx).Transaction(func(tx *gorm.DB) error {
		_, err := authz.RemoveGrant(tx, user, authz.CaseHandler, path)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for replicas[0].Allowed(user, path, authz.CaseHandle) {
		if time.Now().After(deadline) {
			t.Fatal("revocation did not propagate within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = pgx.Identifier{}
}

func TestSyncRolePermissionsIsIdempotent(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	changed, err := authz.SyncRolePermissions(ctx, env.DB.Gorm(ctx))
	if err != nil || !changed {
		t.Fatalf("first sync: %v %v", changed, err)
	}
	changed, err = authz.SyncRolePermissions(ctx, env.DB.Gorm(ctx))
	if err != nil || changed {
		t.Fatalf("second sync must change nothing: %v %v", changed, err)
	}
}
