package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/servicetest"
	"sunshine/pkg/tenant"
)

func code(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	e := apperr.From(err)
	if e == nil {
		t.Fatalf("not an application error: %v", err)
	}
	return e.Code
}

func fieldCodes(err error) map[string]string {
	out := map[string]string{}
	if e := apperr.From(err); e != nil {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

func login(env *servicetest.Env, tenantCode, username, password string) (*identity.LoginResult, error) {
	return loginFrom(env, "10.0.0.7", tenantCode, username, password)
}

func loginFrom(env *servicetest.Env, ip, tenantCode, username, password string) (*identity.LoginResult, error) {
	return env.Identity.Login(context.Background(), identity.LoginInput{Tenant: tenantCode, Username: username, Password: password, IP: ip})
}

// actions lists the audited actions of tenant t, oldest first.
func actions(t *testing.T, env *servicetest.Env, ten *tenant.Tenant) []string {
	t.Helper()
	var rows []audit.Row
	err := env.DB.DB.Tx(context.Background(), db.ReadOnlyScope([]uuid.UUID{ten.ID}), func(tx *gorm.DB) error {
		var err error
		rows, _, err = audit.List(tx, audit.Filter{Tenants: []uuid.UUID{ten.ID}, Limit: 500})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, rows[i].Action)
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLoginAuthenticateLogout(t *testing.T) {
	t.Parallel()
	env := servicetest.New(t)
	clerk := env.User(env.County, "clerk", "ZWFW", authz.WindowClerk)
	res, err := login(env, servicetest.CountyCode, " Clerk ", servicetest.Password)
	if err != nil {
		t.Fatal(err)
	}
	if res.User.ID != clerk.ID || res.Tenant.ID != env.County.ID || !identity.CheckCSRF(res.Token, res.CSRF) || identity.CheckCSRF(res.Token, "x"+res.CSRF) {
		t.Fatalf("login result: %+v", res)
	}
	p, err := env.Identity.Authenticate(context.Background(), res.Token)
	if err != nil || p.User.ID != clerk.ID {
		t.Fatalf("authenticate: %+v, %v", p, err)
	}
	if _, err := env.Identity.Authenticate(context.Background(), res.Token+"x"); code(t, err) != "unauthenticated" {
		t.Fatalf("a forged token: %v", err)
	}
	if err := env.Identity.Logout(env.As(clerk, ""), p); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Identity.Authenticate(context.Background(), res.Token); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Fatalf("a session after logout: %v", err)
	}
	if got := actions(t, env, env.County); !has(got, "auth.login") || !has(got, "auth.logout") {
		t.Fatalf("sign-in and sign-out are audited in the county's chain: %v", got)
	}
	// Without a caller (a wiring mistake) a service refuses rather than guessing.
	if err := env.Identity.Logout(context.Background(), p); err == nil {
		t.Fatal("logout without a caller must fail")
	}
}

func TestBadCredentialsAreIndistinguishableAndThrottled(t *testing.T) {
	t.Parallel()
	env := servicetest.New(t)
	env.User(env.County, "clerk", "ZWFW", authz.WindowClerk)
	for what, try := range map[string][3]string{
		"wrong password": {servicetest.CountyCode, "clerk", "nope"},
		"unknown user":   {servicetest.CountyCode, "ghost", servicetest.Password},
		"unknown tenant": {"419999", "clerk", servicetest.Password},
	} {
		if _, err := login(env, try[0], try[1], try[2]); code(t, err) != "identity.bad_credentials" {
			t.Errorf("%s: %v", what, err)
		}
	}
	// Five failures of the account from one address throttle that pair, even with the
	// right password; the same account from another address still signs in (the
	// account-wide limit is far higher, so one guesser cannot lock a clerk out for
	// everyone, nor one address every account behind it).
	for i := 0; i < 5; i++ {
		if _, err := loginFrom(env, "10.0.1.1", servicetest.CountyCode, "clerk", "nope"); err == nil {
			t.Fatal("a wrong password signed in")
		}
	}
	if _, err := loginFrom(env, "10.0.1.1", servicetest.CountyCode, "clerk", servicetest.Password); code(t, err) != "identity.throttled" {
		t.Fatalf("the pair's sixth attempt: %v", err)
	}
	if _, err := loginFrom(env, "10.0.2.1", servicetest.CountyCode, "clerk", servicetest.Password); err != nil {
		t.Fatalf("the same account from another address: %v", err)
	}
	env.User(env.County, "other", "", authz.CaseHandler)
	if _, err := loginFrom(env, "10.0.1.1", servicetest.CountyCode, "other", servicetest.Password); err != nil {
		t.Fatalf("another account behind the throttled address: %v", err)
	}
	env.Clock.Advance(servicetest.Config.FailureWindow + time.Second)
	if _, err := loginFrom(env, "10.0.1.1", servicetest.CountyCode, "clerk", servicetest.Password); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if got := actions(t, env, env.County); !has(got, "auth.login_failed") {
		t.Fatalf("failures are audited: %v", got)
	}
}

func TestChangePasswordChecksBothAndRevokesOtherSessions(t *testing.T) {
	t.Parallel()
	env := servicetest.New(t)
	u := env.User(env.County, "handler", "ZJJ", authz.CaseHandler)
	first, err := login(env, servicetest.CountyCode, "handler", servicetest.Password)
	if err != nil {
		t.Fatal(err)
	}
	second, err := login(env, servicetest.CountyCode, "handler", servicetest.Password)
	if err != nil {
		t.Fatal(err)
	}
	p, err := env.Identity.Authenticate(context.Background(), second.Token)
	if err != nil {
		t.Fatal(err)
	}
	ctx := env.As(u, "")
	err = env.Identity.ChangePassword(ctx, p, "wrong", "short")
	if f := fieldCodes(err); f["old_password"] != "identity.old_password_wrong" || f["new_password"] == "" {
		t.Fatalf("both problems at once: %v %v", err, f)
	}
	if err := env.Identity.ChangePassword(ctx, p, servicetest.Password, servicetest.Password); fieldCodes(err)["new_password"] != "identity.password_reused" {
		t.Fatalf("the same password again: %v", err)
	}
	if err := env.Identity.ChangePassword(ctx, p, servicetest.Password, "Xinmima@2026!"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Identity.Authenticate(context.Background(), first.Token); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Fatalf("the other session survives a password change: %v", err)
	}
	if _, err := env.Identity.Authenticate(context.Background(), second.Token); err != nil {
		t.Fatalf("the changing session stays: %v", err)
	}
	if _, err := login(env, servicetest.CountyCode, "handler", "Xinmima@2026!"); err != nil {
		t.Fatal(err)
	}
}

func TestAdministrationStaysInTheCallersTenant(t *testing.T) {
	t.Parallel()
	env := servicetest.New(t)
	admin := env.As(env.CountyAdmin, authz.UserManage)
	u, pw, err := env.Admin.Create(admin, identity.CreateInput{NewUserInput: identity.NewUserInput{Username: "NewClerk", DisplayName: "新窗口"},
		Roles: []identity.GrantInput{{Role: authz.WindowClerk}}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "newclerk" || u.TenantCode != servicetest.CountyCode || len(u.Grants) != 1 || !u.MustChangePassword || pw == "" {
		t.Fatalf("created: %+v (one-time password %q)", u, pw)
	}
	if _, err := login(env, servicetest.CountyCode, "newclerk", pw); err != nil {
		t.Fatalf("the one-time password signs in: %v", err)
	}
	// The granting rules.
	_, _, err = env.Admin.Create(admin, identity.CreateInput{NewUserInput: identity.NewUserInput{Username: "pa", DisplayName: "x"},
		Roles: []identity.GrantInput{{Role: authz.PlatformAdmin}}})
	if code(t, err) != "authz.platform_role" {
		t.Fatalf("a county admin creates a platform admin: %v", err)
	}
	if _, err := env.Admin.Grant(admin, u.ID, identity.GrantInput{Role: authz.PlatformAdmin}); code(t, err) != "authz.platform_role" {
		t.Fatalf("a tenant admin grants a platform role: %v", err)
	}
	if _, err := env.Admin.Revoke(admin, env.CountyAdmin.ID, authz.TenantAdmin); code(t, err) != "identity.cannot_revoke_own_admin" {
		t.Fatalf("revoking one's own administration: %v", err)
	}
	if _, err := env.Admin.Update(admin, env.CountyAdmin.ID, identity.UpdateInput{DisplayName: "x", Status: identity.UserDisabled}); code(t, err) != "identity.cannot_disable_self" {
		t.Fatalf("disabling oneself: %v", err)
	}
	// The city's users are out of reach: invisible in the list, 404 to act on.
	cityClerk := env.User(env.City, "cityclerk", "ZWFW", authz.WindowClerk)
	list, err := env.Admin.List(env.As(env.CountyAdmin, authz.UserRead), "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.TenantCode != servicetest.CountyCode {
			t.Fatalf("a county admin lists %s of %s", x.Username, x.TenantCode)
		}
	}
	if _, err := env.Admin.List(env.As(env.CountyAdmin, authz.UserRead), servicetest.CityCode, ""); code(t, err) != "tenant.not_found" {
		t.Fatalf("?tenant= outside the read scope: %v", err)
	}
	if _, err := env.Admin.Get(env.As(env.CountyAdmin, authz.UserRead), cityClerk.ID); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("another tenant's user: %v", err)
	}
	if _, err := env.Admin.ResetPassword(admin, cityClerk.ID); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("resetting another tenant's password: %v", err)
	}
	if _, err := env.Admin.Grant(admin, cityClerk.ID, identity.GrantInput{Role: authz.CaseHandler}); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("granting to another tenant's user: %v", err)
	}
	// Disabling signs the user out at once.
	res, err := login(env, servicetest.CountyCode, "newclerk", pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.Update(admin, u.ID, identity.UpdateInput{DisplayName: "新窗口", Status: identity.UserDisabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Identity.Authenticate(context.Background(), res.Token); err == nil {
		t.Fatal("a disabled user's session must stop")
	}
	if _, err := login(env, servicetest.CountyCode, "newclerk", pw); code(t, err) != "identity.user_disabled" {
		t.Fatalf("a disabled user signs in: %v", err)
	}
	if got := actions(t, env, env.County); !has(got, "user.create") || !has(got, "user.update") {
		t.Fatalf("administration is audited: %v", got)
	}
}
