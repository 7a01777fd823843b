package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"sunshine/pkg/apitest"
	"sunshine/pkg/authz"
	"sunshine/pkg/httpapi"
)

// TestAuthorizationMatrix calls every protected route as every role, at city and at
// county level, and checks that exactly the roles holding the route's permission get
// past authorization (the others get 403 authz.forbidden). The role × permission
// table it checks against is authz.RolePermissions.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	type caller struct {
		role, tenant string
		c            *apitest.Client
	}
	var callers []caller
	for _, r := range authz.Roles {
		tenants := []string{"410500", "410581"}
		if r.CityOnly {
			tenants = []string{"410500"}
		}
		for _, tc := range tenants {
			name := fmt.Sprintf("m-%s-%s", strings.ReplaceAll(r.Name, "_", ""), tc)
			role := r.Name
			if r.Subtree && tc == "410500" {
				role += "*"
			}
			callers = append(callers, caller{role: r.Name, tenant: tc, c: env.UserWithRoles(tc, name, role)})
		}
	}
	fill := strings.NewReplacer(":code", "410581", ":id", uuid.NewString(), ":role", "auditor", ":tenantCode", "410581")
	checked := 0
	for _, rt := range env.Server.Routes() {
		if rt.Public || rt.Perm == "" {
			continue
		}
		path := fill.Replace(rt.Path)
		for _, cl := range callers {
			var body any
			if rt.Method != "GET" && rt.Method != "DELETE" {
				body = map[string]any{}
			}
			r := cl.c.Do(rt.Method, path, body)
			denied := r.Status == 403 && strings.Contains(string(r.Body), `"authz.forbidden"`)
			want := contains(authz.RolePermissions[cl.role], rt.Perm)
			if want == denied {
				t.Errorf("%s %s (%s) as %s in %s: status %d, allowed=%v wanted %v: %s",
					rt.Method, rt.Path, rt.Perm, cl.role, cl.tenant, r.Status, !denied, want, r.Body)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d route × role checks ran", checked)
	}
}

// TestCrossTenantProbes: a county user asking for another county's objects by ID gets
// 404 (existence does not leak), and a city supervisor reads a county's objects but
// cannot write them.
func TestCrossTenantProbes(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	var users struct {
		Items []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"items"`
	}
	env.Login("410522", "admin").Do("GET", "/api/v1/users", nil).JSON(t, &users)
	var victim string
	for _, u := range users.Items {
		if u.Username == "clerk" {
			victim = u.ID
		}
	}
	if victim == "" {
		t.Fatal("no clerk in 410522")
	}
	var depts struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	env.Login("410522", "admin").Do("GET", "/api/v1/departments", nil).JSON(t, &depts)
	dept := depts.Items[0].ID

	other := env.Login("410581", "admin")
	probes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/users/" + victim, nil},
		{"PUT", "/api/v1/users/" + victim, map[string]any{"display_name": "x", "status": "disabled"}},
		{"POST", "/api/v1/users/" + victim + "/reset-password", nil},
		{"POST", "/api/v1/users/" + victim + "/grants", map[string]any{"role": "case_handler"}},
		{"DELETE", "/api/v1/users/" + victim + "/grants/window_clerk", nil},
		{"PUT", "/api/v1/departments/" + dept, map[string]any{"code": "ZWFW", "name": "x", "type": "bureau"}},
		{"GET", "/api/v1/departments?tenant=410522", nil},
		{"GET", "/api/v1/users?tenant=410522", nil},
		{"GET", "/api/v1/tenants/410522", nil},
	}
	for _, p := range probes {
		if r := other.Do(p.method, p.path, p.body); r.Status != 404 {
			t.Errorf("410581 admin %s %s: %d %s (want 404)", p.method, p.path, r.Status, r.Body)
		}
	}
	// The city supervisor reads the county's users and departments…
	sup := env.Login("410500", "supervisor")
	if r := sup.Do("GET", "/api/v1/users/"+victim, nil); r.Status != 200 {
		t.Errorf("city supervisor reading a county user: %d %s", r.Status, r.Body)
	}
	if r := sup.Do("GET", "/api/v1/departments?tenant=410522", nil); r.Status != 200 {
		t.Errorf("city supervisor reading county departments: %d", r.Status)
	}
	// …but every write is 403.
	for _, p := range probes {
		if p.method == "GET" {
			continue
		}
		if r := sup.Do(p.method, p.path, p.body); r.Status != 403 {
			t.Errorf("city supervisor %s %s: %d (want 403)", p.method, p.path, r.Status)
		}
	}
	// A county supervisor sees only its own county.
	if r := env.Login("410581", "supervisor").Do("GET", "/api/v1/users/"+victim, nil); r.Status != 404 {
		t.Errorf("county supervisor reading another county: %d", r.Status)
	}
}

func TestTenantAdminCannotGrantPlatformOrCityRoles(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Login("410581", "admin")
	r := admin.Do("POST", "/api/v1/users", map[string]any{"username": "newbie", "display_name": "新人",
		"roles": []map[string]any{{"role": "case_handler"}}})
	var created struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		OneTimePassword string `json:"one_time_password"`
	}
	r.JSON(t, &created)
	if r.Status != 201 || created.OneTimePassword == "" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := created.User.ID
	for _, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"role": "platform_admin"}, 403, "authz.platform_role"},
		{map[string]any{"role": "leading_group"}, 422, "validation_failed"},
		{map[string]any{"role": "supervisor", "subtree": true}, 422, "validation_failed"},
		{map[string]any{"role": "wizard"}, 422, "validation_failed"},
		{map[string]any{"role": "window_clerk"}, 200, ""},
	} {
		r := admin.Do("POST", "/api/v1/users/"+id+"/grants", tc.body)
		if r.Status != tc.status || (tc.code != "" && r.Problem(t).Code != tc.code) {
			t.Errorf("grant %v: %d %s", tc.body, r.Status, r.Body)
		}
	}
	// The new user holds exactly what was granted, in its own tenant.
	c, lr := env.BrowserLogin("410581", "newbie", created.OneTimePassword)
	if lr.Status != 200 {
		t.Fatal(lr.Status)
	}
	c.Do("POST", "/api/v1/me/password", map[string]any{"old_password": created.OneTimePassword, "new_password": "Newbie@2026x"})
	var me meBody
	c.Do("GET", "/api/v1/me", nil).JSON(t, &me)
	if !contains(me.Roles, "case_handler") || !contains(me.Roles, "window_clerk") || contains(me.Roles, "platform_admin") {
		t.Fatalf("roles: %v", me.Roles)
	}
	if r := admin.Do("DELETE", "/api/v1/users/"+id+"/grants/window_clerk", nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	// An admin cannot lock its tenant out by revoking its own admin role.
	var meAdmin meBody
	admin.Do("GET", "/api/v1/me", nil).JSON(t, &meAdmin)
	if r := admin.Do("DELETE", "/api/v1/users/"+meAdmin.User.ID+"/grants/tenant_admin", nil); r.Status != 409 {
		t.Fatalf("revoking own admin: %d", r.Status)
	}
	_ = httpapi.CookieCSRF
}

// TestSeparationOfDuties: a tenant admin cannot make itself its own auditor or
// supervisor (at its tenant or, at the city, over the subtree), nor can conflicting
// roles be given to anyone; the policy is configurable.
func TestSeparationOfDuties(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	myID := func(c *apitest.Client) string {
		var me meBody
		c.Do("GET", "/api/v1/me", nil).JSON(t, &me)
		return me.User.ID
	}
	refused := func(what string, r *apitest.Response) {
		t.Helper()
		if r.Status != 422 || r.Problem(t).Code != "authz.duties_conflict" {
			t.Errorf("%s: %d %s, want 422 authz.duties_conflict", what, r.Status, r.Body)
		}
	}
	county := env.Login("410581", "admin")
	self := "/api/v1/users/" + myID(county) + "/grants"
	refused("a county admin granting itself auditor", county.Do("POST", self, map[string]any{"role": "auditor"}))
	refused("a county admin granting itself supervisor", county.Do("POST", self, map[string]any{"role": "supervisor"}))
	cityAdmin := env.UserWithRoles("410500", "city-only-admin", "tenant_admin")
	citySelf := "/api/v1/users/" + myID(cityAdmin) + "/grants"
	refused("a city admin granting itself subtree auditor", cityAdmin.Do("POST", citySelf, map[string]any{"role": "auditor", "subtree": true}))
	platform := env.Login("410500", "admin")
	refused("the platform admin granting itself subtree auditor", platform.Do("POST", "/api/v1/users/"+myID(platform)+"/grants", map[string]any{"role": "auditor", "subtree": true}))
	refused("creating a supervising case handler", county.Do("POST", "/api/v1/users", map[string]any{"username": "both", "display_name": "兼任",
		"roles": []map[string]any{{"role": "case_handler"}, {"role": "supervisor"}}}))
	var handler struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	county.Do("POST", "/api/v1/users", map[string]any{"username": "h2", "display_name": "承办", "roles": []map[string]any{{"role": "case_handler"}}}).JSON(t, &handler)
	refused("making a case handler a supervisor", county.Do("POST", "/api/v1/users/"+handler.User.ID+"/grants", map[string]any{"role": "supervisor"}))
	if r := county.Do("POST", self, map[string]any{"role": "legal_reviewer"}); r.Status != 200 {
		t.Errorf("a compatible role: %d %s", r.Status, r.Body)
	}
	// The auditor still cannot be granted by the refused grant above.
	var me meBody
	county.Do("GET", "/api/v1/me", nil).JSON(t, &me)
	if contains(me.Roles, "auditor") || contains(me.Roles, "supervisor") {
		t.Fatalf("roles: %v", me.Roles)
	}

	// Configurable: another policy, or none.
	custom := apitest.New(t, apitest.Options{Env: map[string]string{"SUNSHINE_AUTH_ROLE_CONFLICTS": "window_clerk:case_handler"}})
	admin := custom.Login("410581", "admin")
	if r := admin.Do("POST", "/api/v1/users/"+myID(admin)+"/grants", map[string]any{"role": "auditor"}); r.Status != 200 {
		t.Errorf("admin + auditor allowed by the custom policy: %d %s", r.Status, r.Body)
	}
	clerkID := myID(custom.Login("410581", "clerk"))
	refused("a clerk made a case handler under the custom policy", admin.Do("POST", "/api/v1/users/"+clerkID+"/grants", map[string]any{"role": "case_handler"}))
}
