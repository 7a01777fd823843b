// Package servicetest is the middle of the test pyramid: the services, built as the
// binary builds them but without HTTP, on a fresh migrated PostgreSQL database (row-
// level security, transactions and the audit chain all real) holding two tenants —
// a city and a county below it — with a few departments and one administrator each,
// instead of the ten-tenant demo. A test creates the users it needs (User) and calls
// services as one of them (As) or as the platform (System).
//
//	env := servicetest.New(t)
//	clerk := env.User(env.County, "clerk", "ZWFW", authz.WindowClerk)
//	ctx := env.As(clerk, authz.CaseRead)
//	list, err := env.Admin.List(ctx, "", "")
package servicetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/authz"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/dbtest"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// Password is the password of every user User creates.
const Password = "Service@2026"

// The two tenants every environment holds.
const (
	CityCode   = "419900"
	CountyCode = "419901"
)

// Departments are the departments of both tenants (codes; names and types below).
var Departments = []tenancy.DepartmentSpec{
	{Code: "ZWFW", Name: "政务服务中心", Type: "centre", Sort: 1},
	{Code: "ZJJ", Name: "住房和城乡建设局", Type: "bureau", Sort: 2},
	{Code: "JCJ", Name: "监察局", Type: "supervision", Sort: 3},
}

// Env is one test's services and tenants.
type Env struct {
	T     testing.TB
	DB    *dbtest.Env
	Clock *clock.Fake

	Tenants  *tenant.Registry
	Enforcer *authz.Enforcer
	Hasher   *identity.Hasher
	Identity *identity.Service
	Admin    *identity.Admin
	Tenancy  *tenancy.Service

	City, County *tenant.Tenant
	// CityAdmin and CountyAdmin are the tenants' first administrators (tenant_admin),
	// with AdminPasswords their one-time passwords (they must change them).
	CityAdmin, CountyAdmin *identity.User
	AdminPasswords         map[string]string
}

// Config is the identity configuration of the environment (short enough windows for
// tests to cross them with the fake clock).
var Config = identity.Config{SessionTTL: 8 * time.Hour, TokenTTL: 30 * 24 * time.Hour, MaxFailures: 5, FailureWindow: 15 * time.Minute}

// New builds the services on a fresh database and provisions the city and the county.
// The fake clock starts at the current time.
func New(t testing.TB) *Env {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	e := &Env{T: t, DB: d, Clock: clock.NewFake(time.Now().UTC().Truncate(time.Second)), AdminPasswords: map[string]string{}}
	e.Tenants = tenant.NewRegistry(d.DB, 0)
	if _, err := authz.SyncRolePermissions(ctx, d.DB.Gorm(ctx)); err != nil {
		t.Fatal(err)
	}
	enforcer, err := authz.NewEnforcer(d.DB.Gorm(ctx), logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	e.Enforcer = enforcer
	e.Hasher = identity.TestHasher()
	e.Identity = identity.NewService(d.DB, e.Tenants, e.Hasher, e.Clock, Config)
	e.Admin = identity.NewAdmin(e.Identity, enforcer, authz.DefaultConflicts())
	e.Tenancy = tenancy.NewService(d.DB, e.Tenants, e.Hasher, e.Clock, enforcer)

	sys := actor.WithCaller(ctx, actor.NewCaller(actor.Actor{Kind: actor.KindSystem}))
	for _, in := range []tenancy.ProvisionInput{
		{Code: CityCode, Name: "测试市", Level: tenant.LevelCity, Departments: Departments},
		{Code: CountyCode, Name: "测试县", Level: tenant.LevelCounty, Parent: CityCode, Departments: Departments},
	} {
		res, err := e.Tenancy.Provision(sys, in, tenancy.CreateOnly)
		if err != nil {
			t.Fatalf("servicetest: provision %s: %v", in.Code, err)
		}
		e.AdminPasswords[in.Code] = res.AdminPassword
	}
	if e.City, err = e.Tenants.ByCode(ctx, CityCode); err != nil {
		t.Fatal(err)
	}
	if e.County, err = e.Tenants.ByCode(ctx, CountyCode); err != nil {
		t.Fatal(err)
	}
	e.CityAdmin, e.CountyAdmin = e.find(e.City, "admin"), e.find(e.County, "admin")
	return e
}

func (e *Env) find(t *tenant.Tenant, username string) *identity.User {
	e.T.Helper()
	var u *identity.User
	err := e.DB.DB.Tx(context.Background(), db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var err error
		u, err = identity.FindUser(tx, t.ID, username)
		return err
	})
	if err != nil {
		e.T.Fatalf("servicetest: user %s of %s: %v", username, t.Code, err)
	}
	return u
}

// Department returns the ID of tenant t's department with code.
func (e *Env) Department(t *tenant.Tenant, code string) uuid.UUID {
	e.T.Helper()
	var list []tenancy.Department
	err := e.DB.DB.Tx(context.Background(), db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var err error
		list, err = tenancy.ListDepartments(tx, []uuid.UUID{t.ID})
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
	for _, d := range list {
		if d.Code == code {
			return d.ID
		}
	}
	e.T.Fatalf("servicetest: %s has no department %s", t.Code, code)
	return uuid.Nil
}

// User creates an active user of tenant t (in department deptCode, "" for none) with
// password Password and the given roles granted in t.
func (e *Env) User(t *tenant.Tenant, username, deptCode string, roles ...string) *identity.User {
	e.T.Helper()
	hash, err := e.Hasher.Hash(Password)
	if err != nil {
		e.T.Fatal(err)
	}
	in := identity.NewUserInput{Username: username, DisplayName: username}
	if deptCode != "" {
		id := e.Department(t, deptCode)
		in.DepartmentID = &id
	}
	var u *identity.User
	err = e.DB.DB.Tx(context.Background(), db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var err error
		if u, err = identity.CreateUser(tx, t.ID, in, hash, false); err != nil {
			return err
		}
		for _, r := range roles {
			if err := authz.AddGrant(tx, u.ID, r, authz.Domain(t, false)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.T.Fatalf("servicetest: user %s: %v", username, err)
	}
	if err := e.Enforcer.Reload(); err != nil {
		e.T.Fatal(err)
	}
	return u
}

// Grant gives user u of tenant t role, over t and (subtree) every tenant below it.
func (e *Env) Grant(u *identity.User, t *tenant.Tenant, role string, subtree bool) {
	e.T.Helper()
	err := e.DB.DB.Tx(context.Background(), db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		return authz.AddGrant(tx, u.ID, role, authz.Domain(t, subtree))
	})
	if err != nil {
		e.T.Fatal(err)
	}
	if err := e.Enforcer.Reload(); err != nil {
		e.T.Fatal(err)
	}
}

// Actor is user u as the audit trail and the services see it.
func (e *Env) Actor(u *identity.User) actor.Actor {
	e.T.Helper()
	t, err := e.Tenants.ByID(context.Background(), u.TenantID)
	if err != nil {
		e.T.Fatal(err)
	}
	p := identity.Principal{User: u, Tenant: t}
	return p.Actor("servicetest", "127.0.0.1")
}

// As is a context in which user u calls a service through a route requiring perm
// ("" for any signed-in user): the caller the HTTP layer would build, with the read
// scope perm gives them. A perm they hold nowhere fails the test.
func (e *Env) As(u *identity.User, perm string) context.Context {
	e.T.Helper()
	ctx := context.Background()
	t, err := e.Tenants.ByID(ctx, u.TenantID)
	if err != nil {
		e.T.Fatal(err)
	}
	c, _, err := e.Enforcer.Caller(ctx, e.Tenants, e.Actor(u), t, perm)
	if err != nil {
		e.T.Fatalf("servicetest: %s as caller for %q: %v", u.Username, perm, err)
	}
	return actor.WithCaller(ctx, c)
}

// System is a context in which the platform acts for tenant t (jobs, manifests).
func (e *Env) System(t *tenant.Tenant) context.Context {
	return actor.WithCaller(context.Background(), actor.NewCaller(actor.System(t.ID, t.Code)))
}
