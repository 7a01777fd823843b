package httpapi_test

import (
	"testing"
	"time"

	"sunshine/pkg/apitest"
)

type tenantBody struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	Level        string  `json:"level"`
	Parent       *string `json:"parent"`
	Status       string  `json:"status"`
	StatusReason string  `json:"status_reason"`
}

func TestProvisionACountyAndItsAdmin(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Login("410500", "admin")
	req := map[string]any{"code": "410599", "name": "测试新区", "level": "county", "parent": "410500",
		"admin": map[string]any{"username": "admin", "display_name": "新区管理员"}}
	r := admin.Do("POST", "/api/v1/tenants", req)
	var out struct {
		Tenant tenantBody `json:"tenant"`
		Admin  struct {
			Username        string `json:"username"`
			OneTimePassword string `json:"one_time_password"`
		} `json:"admin"`
	}
	r.JSON(t, &out)
	if r.Status != 201 || out.Tenant.Code != "410599" || *out.Tenant.Parent != "410500" || out.Admin.OneTimePassword == "" {
		t.Fatalf("provision: %d %s", r.Status, r.Body)
	}
	// Provisioning the same code again is a conflict naming the field.
	r = admin.Do("POST", "/api/v1/tenants", req)
	if p := r.Problem(t); r.Status != 409 || p.Errors[0].Field != "code" {
		t.Fatalf("duplicate: %d %+v", r.Status, p)
	}
	// A code outside the city is refused naming the field.
	bad := map[string]any{"code": "410601", "name": "外市", "level": "county", "parent": "410500"}
	r = admin.Do("POST", "/api/v1/tenants", bad)
	if p := r.Problem(t); r.Status != 422 || p.Errors[0].Field != "code" || p.Errors[0].Code != "tenancy.code_outside_city" {
		t.Fatalf("outside the city: %d %+v", r.Status, p)
	}
	// Only a platform admin may provision.
	if r := env.Login("410581", "admin").Do("POST", "/api/v1/tenants", req); r.Status != 403 {
		t.Fatalf("a county admin provisioning: %d", r.Status)
	}
	// The new admin signs in with the one-time password and must change it first.
	newAdmin, r := env.BrowserLogin("410599", "admin", out.Admin.OneTimePassword)
	if r.Status != 200 {
		t.Fatalf("one-time login: %d %s", r.Status, r.Body)
	}
	if r := newAdmin.Do("GET", "/api/v1/departments", nil); r.Status != 403 || r.Problem(t).Code != "identity.password_change_required" {
		t.Fatalf("before changing the password: %d %s", r.Status, r.Body)
	}
	if r := newAdmin.Do("POST", "/api/v1/me/password", map[string]any{"old_password": out.Admin.OneTimePassword, "new_password": "Xinqu@2026!"}); r.Status != 204 {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	var depts struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	r = newAdmin.Do("GET", "/api/v1/departments", nil)
	r.JSON(t, &depts)
	if r.Status != 200 || len(depts.Items) != 19 {
		t.Fatalf("the city's department template should give 19 departments: %d %s", r.Status, r.Body)
	}
	var me meBody
	newAdmin.Do("GET", "/api/v1/me", nil).JSON(t, &me)
	if !contains(me.Roles, "tenant_admin") || me.User.MustChangePassword {
		t.Fatalf("new admin: %+v", me)
	}
	// Both chains hold the provisioning: the city's (who did it) and the county's.
	var ev struct {
		Items []struct {
			Action     string `json:"action"`
			TenantCode string `json:"tenant_code"`
		} `json:"items"`
	}
	env.Login("410500", "auditor").Do("GET", "/api/v1/audit/events?action=tenant", nil).JSON(t, &ev)
	found := map[string]bool{}
	for _, e := range ev.Items {
		found[e.TenantCode+" "+e.Action] = true
	}
	if !found["410500 tenant.provision"] || !found["410599 tenant.created"] {
		t.Fatalf("audit: %v", found)
	}
}

func TestSuspendAndResume(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Login("410500", "admin")
	clerk := env.Login("410523", "clerk")
	if r := admin.Do("POST", "/api/v1/tenants/410523/suspend", map[string]any{"reason": ""}); r.Status != 422 {
		t.Fatalf("a suspension needs a reason: %d", r.Status)
	}
	r := admin.Do("POST", "/api/v1/tenants/410523/suspend", map[string]any{"reason": "系统迁移"})
	var tb tenantBody
	r.JSON(t, &tb)
	if r.Status != 200 || tb.Status != "suspended" {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("POST", "/api/v1/tenants/410523/suspend", map[string]any{"reason": "again"}); r.Status != 409 {
		t.Fatalf("suspending twice: %d", r.Status)
	}
	// Logins and existing sessions are blocked.
	r = env.Anonymous().Do("POST", "/api/v1/auth/login", map[string]any{"tenant": "410523", "username": "handler", "password": apitest.DemoPassword})
	if p := r.Problem(t); r.Status != 403 || p.Code != "identity.tenant_suspended" {
		t.Fatalf("login while suspended: %d %+v", r.Status, p)
	}
	env.Clock.Advance(10 * time.Second)
	if r := clerk.Do("GET", "/api/v1/me", nil); r.Status != 403 {
		t.Fatalf("a session while suspended: %d", r.Status)
	}
	// The portal shows the notice.
	var pub struct{ Items []tenantBody }
	env.Anonymous().Do("GET", "/api/v1/public/tenants", nil).JSON(t, &pub)
	for _, x := range pub.Items {
		if x.Code == "410523" && (x.Status != "suspended" || x.StatusReason != "系统迁移") {
			t.Fatalf("portal: %+v", x)
		}
	}
	// A county cannot suspend another county, nor the city itself.
	if r := env.Login("410581", "admin").Do("POST", "/api/v1/tenants/410522/suspend", map[string]any{"reason": "x"}); r.Status != 403 {
		t.Fatalf("county suspending a county: %d", r.Status)
	}
	if r := admin.Do("POST", "/api/v1/tenants/410500/suspend", map[string]any{"reason": "x"}); r.Status != 409 {
		t.Fatalf("city suspending itself: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("POST", "/api/v1/tenants/410523/resume", nil); r.Status != 200 {
		t.Fatalf("resume: %d %s", r.Status, r.Body)
	}
	if r := clerk.Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("after resume: %d", r.Status)
	}
}

func TestTenantListFollowsTheReadScope(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	count := func(c *apitest.Client) int {
		var l struct{ Items []tenantBody }
		c.Do("GET", "/api/v1/tenants", nil).JSON(t, &l)
		return len(l.Items)
	}
	for _, u := range []string{"admin", "supervisor", "leader"} {
		if n := count(env.Login("410500", u)); n != 10 {
			t.Errorf("city %s sees %d tenants, want the city and its nine counties", u, n)
		}
	}
	if n := count(env.Login("410500", "legal")); n != 1 {
		t.Errorf("city legal reviewer sees %d tenants, want its own", n)
	}
	if n := count(env.Login("410581", "supervisor")); n != 1 {
		t.Errorf("county supervisor sees %d tenants, want its own", n)
	}
}
