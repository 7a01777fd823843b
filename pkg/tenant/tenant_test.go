package tenant_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/servicetest"
	"sunshine/pkg/tenant"
)

func TestRegistryFindsOrdersAndNests(t *testing.T) {
	t.Parallel()
	env := servicetest.New(t)
	ctx := context.Background()
	reg := tenant.NewRegistry(env.DB.DB, 0)
	all, err := reg.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Code != servicetest.CityCode || all[1].Code != servicetest.CountyCode {
		t.Fatalf("all tenants, city first: %v", codes(all))
	}
	city, county := all[0], all[1]
	if county.Path != city.Code+"/"+county.Code || county.ParentCode() != city.Code || city.ParentCode() != "" {
		t.Fatalf("paths: %q %q", city.Path, county.Path)
	}
	if !city.Covers(county) || !city.Covers(city) || county.Covers(city) {
		t.Fatal("a city covers itself and its counties, a county not its city")
	}
	if got, err := reg.ByID(ctx, county.ID); err != nil || got.Code != county.Code {
		t.Fatalf("ByID: %v %v", got, err)
	}
	for _, c := range []string{"419999", ""} {
		if _, err := reg.ByCode(ctx, c); apperr.From(err) == nil || apperr.From(err).Code != "tenant.not_found" {
			t.Fatalf("unknown code %q: %v", c, err)
		}
	}
	if _, err := reg.ByID(ctx, uuid.New()); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("unknown ID: %v", err)
	}
	sub, err := reg.Subtree(ctx, city)
	if err != nil || len(sub) != 2 {
		t.Fatalf("the city's subtree: %v %v", codes(sub), err)
	}
	if sub, _ := reg.Subtree(ctx, county); len(sub) != 1 || sub[0].ID != county.ID {
		t.Fatalf("a county's subtree is itself: %v", codes(sub))
	}
	if ids := tenant.IDs(all); len(ids) != 2 || ids[0] != city.ID || ids[1] != county.ID {
		t.Fatalf("IDs keep the order: %v", ids)
	}
	// Load reads inside a transaction (RLS lets everyone read tenants).
	err = env.DB.DB.Tx(ctx, db.ReadOnlyScope(nil), func(tx *gorm.DB) error {
		got, err := tenant.Load(tx, county.Code)
		if err == nil && got.ID != county.ID {
			t.Errorf("Load: %v", got)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestResolveNarrowsWithoutWidening: ?tenant=CODE picks one of the readable tenants;
// an unreadable code is the same 404 as an unknown one.
func TestResolveNarrowsWithoutWidening(t *testing.T) {
	t.Parallel()
	env := servicetest.New(t)
	ctx := context.Background()
	both := []uuid.UUID{env.County.ID, env.City.ID}
	got, err := env.Tenants.Resolve(ctx, both, "")
	if err != nil || len(got) != 2 || got[0].ID != env.County.ID {
		t.Fatalf("all readable, in order: %v %v", codes(got), err)
	}
	if got, err := env.Tenants.Resolve(ctx, both, servicetest.CityCode); err != nil || len(got) != 1 || got[0].ID != env.City.ID {
		t.Fatalf("narrowed to the city: %v %v", codes(got), err)
	}
	for _, c := range []string{servicetest.CityCode, "419999"} {
		_, err := env.Tenants.Resolve(ctx, []uuid.UUID{env.County.ID}, c)
		if e := apperr.From(err); e == nil || e.Code != "tenant.not_found" || e.Params["code"] != c {
			t.Fatalf("%s outside the readable set: %v", c, err)
		}
	}
	if _, err := env.Tenants.Resolve(ctx, []uuid.UUID{uuid.New()}, ""); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("an unknown ID: %v", err)
	}
	// The caller's readable tenants follow the route's permission: a county supervisor
	// reads its county; a city supervisor with a subtree grant every county too.
	countySup := env.User(env.County, "sup", "JCJ", authz.Supervisor)
	citySup := env.User(env.City, "citysup", "JCJ")
	env.Grant(citySup, env.City, authz.Supervisor, true)
	for who, want := range map[string]int{"county": 1, "city": 2} {
		u := countySup
		if who == "city" {
			u = citySup
		}
		_, readable, err := env.Enforcer.Caller(ctx, env.Tenants, env.Actor(u), mustTenant(t, env, u.TenantID), authz.SupervisionRead)
		if err != nil || len(readable) != want {
			t.Fatalf("%s supervisor reads %v (%v), want %d tenants", who, codes(readable), err, want)
		}
	}
}

// TestEffectiveSettingsInheritAndRefresh: a county inherits the city's settings unless
// it sets its own, and a change made through tenancy is seen at once (Invalidate).
func TestEffectiveSettingsInheritAndRefresh(t *testing.T) {
	t.Parallel()
	env := servicetest.New(t)
	ctx := context.Background()
	cityAdmin := env.As(env.CityAdmin, authz.SettingsManage)
	if _, err := env.Tenancy.UpdateSettings(cityAdmin, servicetest.CityCode, map[string]any{
		"catalogue_filing_working_days": 7, "complaint_working_days": 15,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Tenancy.UpdateSettings(env.As(env.CountyAdmin, authz.SettingsManage), servicetest.CountyCode, map[string]any{
		"complaint_working_days": 10,
	}); err != nil {
		t.Fatal(err)
	}
	// Only the schema's keys, types and bounds are stored (issue 12: settings are typed).
	if _, err := env.Tenancy.UpdateSettings(env.As(env.CountyAdmin, authz.SettingsManage), servicetest.CountyCode, map[string]any{
		"notify": map[string]any{"sms": true}, "red_card_after_working_days": 1e12,
	}); !apperr.IsKind(err, apperr.KindInvalid) || len(apperr.From(err).Fields) != 2 {
		t.Fatalf("an unknown key and an out-of-range threshold: %v", err)
	}
	county, err := env.Tenants.ByCode(ctx, servicetest.CountyCode)
	if err != nil {
		t.Fatal(err)
	}
	eff, err := env.Tenants.Effective(ctx, county)
	if err != nil {
		t.Fatal(err)
	}
	if eff["catalogue_filing_working_days"] != float64(7) || eff["complaint_working_days"] != float64(10) || eff["notify"] != nil {
		t.Fatalf("effective settings: %v", eff)
	}
	if own := county.SettingsMap(); own["catalogue_filing_working_days"] != nil {
		t.Fatalf("the county's own settings do not copy the city's: %v", own)
	}
	// Removing the city's key (null) removes it below too.
	if _, err := env.Tenancy.UpdateSettings(cityAdmin, servicetest.CityCode, map[string]any{"catalogue_filing_working_days": nil}); err != nil {
		t.Fatal(err)
	}
	county, _ = env.Tenants.ByCode(ctx, servicetest.CountyCode)
	if eff, _ := env.Tenants.Effective(ctx, county); eff["catalogue_filing_working_days"] != nil {
		t.Fatalf("a removed key lingers: %v", eff)
	}
	// A county cannot edit its city.
	if _, err := env.Tenancy.UpdateSettings(env.As(env.CountyAdmin, authz.SettingsManage), servicetest.CityCode, map[string]any{"x": 1}); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("a county edits its city: %v", err)
	}
}

func mustTenant(t *testing.T, env *servicetest.Env, id uuid.UUID) *tenant.Tenant {
	t.Helper()
	x, err := env.Tenants.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func codes(ts []*tenant.Tenant) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Code
	}
	return out
}
