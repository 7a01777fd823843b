package httpapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apitest"
	"sunshine/pkg/authz"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/db"
)

// roleForm is one grant a user may hold: a role, at its tenant or (subtree) over the
// tenant and everything below it.
type roleForm struct {
	role    string
	subtree bool
}

func (f roleForm) String() string {
	if f.subtree {
		return f.role + "*"
	}
	return f.role
}

// formsAt lists every grant that can exist at a tenant level, read from the role
// catalogue's flags (city-only roles only at a city; subtree only for subtree roles
// at a city).
func formsAt(city bool) []roleForm {
	var out []roleForm
	for _, r := range authz.Roles {
		if r.CityOnly && !city {
			continue
		}
		out = append(out, roleForm{r.Name, false})
		if r.Subtree && city {
			out = append(out, roleForm{r.Name, true})
		}
	}
	return out
}

func hasPerm(forms []roleForm, perm string) bool {
	for _, f := range forms {
		if contains(authz.RolePermissions[f.role], perm) {
			return true
		}
	}
	return false
}

// conflicting reports whether a role set breaks separation of duties (such sets are
// refused at granting, so they do not occur).
func conflicting(forms []roleForm) bool {
	roles := make([]string, 0, len(forms))
	for _, f := range forms {
		roles = append(roles, f.role)
	}
	_, _, bad := authz.DefaultConflicts().Find(roles)
	return bad
}

// mayGrantForm is the granting rule written out from the catalogue's flags, on its
// own, so that this test does not trust authz.Granter: platform roles need
// tenant:manage, city-only roles a city, subtree grants a subtree role at a city.
func mayGrantForm(actor []roleForm, city bool, f roleForm) bool {
	info, _ := authz.Role(f.role)
	if info.Platform && !hasPerm(actor, authz.TenantManage) {
		return false
	}
	if info.CityOnly && !city {
		return false
	}
	if f.subtree && (!info.Subtree || !city) {
		return false
	}
	return true
}

// expectActOn is the rule of who may act on whom: the actor must manage users and be
// able to grant every role the target holds.
func expectActOn(actor, target []roleForm, city bool) bool {
	if !hasPerm(actor, authz.UserManage) {
		return false
	}
	for _, f := range target {
		if !mayGrantForm(actor, city, f) {
			return false
		}
	}
	return true
}

// roleSets are the empty set, every single grant, and every pair of grants at a level
// in which one grant is out of some manager's reach (so that "every role the user
// holds" is told apart from "any role"); sets breaking separation of duties are left
// out (granting refuses them, so they do not occur).
func roleSets(city bool, actors [][]roleForm) [][]roleForm {
	forms := formsAt(city)
	outOfReach := func(f roleForm) bool {
		for _, a := range actors {
			if hasPerm(a, authz.UserManage) && !mayGrantForm(a, city, f) {
				return true
			}
		}
		return false
	}
	sets := [][]roleForm{{}}
	for i := range forms {
		sets = append(sets, []roleForm{forms[i]})
		for j := i + 1; j < len(forms); j++ {
			s := []roleForm{forms[i], forms[j]}
			if (outOfReach(forms[i]) || outOfReach(forms[j])) && !conflicting(s) {
				sets = append(sets, s)
			}
		}
	}
	return sets
}

// actorSets are every single grant, and every grant added to each grant that carries
// user:manage (what changes a manager's reach is what else it holds).
func actorSets(city bool) [][]roleForm {
	forms := formsAt(city)
	var sets [][]roleForm
	for _, f := range forms {
		sets = append(sets, []roleForm{f})
	}
	for _, m := range forms {
		if !contains(authz.RolePermissions[m.role], authz.UserManage) {
			continue
		}
		for _, f := range forms {
			if f.role == m.role {
				continue
			}
			s := []roleForm{m, f}
			if !conflicting(s) {
				sets = append(sets, s)
			}
		}
	}
	return sets
}

func setName(s []roleForm) string {
	if len(s) == 0 {
		return "{}"
	}
	names := make([]string, len(s))
	for i, f := range s {
		names[i] = f.String()
	}
	return "{" + strings.Join(names, ",") + "}"
}

// createUsers makes users holding exactly the given grants in one transaction (no
// API, no granting rules: they are the targets) and returns their IDs.
func createUsers(t *testing.T, env *apitest.Env, tenantCode string, names []string, sets [][]roleForm) []uuid.UUID {
	t.Helper()
	ctx := context.Background()
	tn, err := env.App.Tenants.ByCode(ctx, tenantCode)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := env.App.Hasher.Hash(apitest.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uuid.UUID, len(names))
	err = env.App.DB.Tx(ctx, db.TenantScope(tn.ID, uuid.Nil), func(tx *gorm.DB) error {
		for i, name := range names {
			u, err := identity.CreateUser(tx, tn.ID, identity.NewUserInput{Username: name, DisplayName: name}, hash, false)
			if err != nil {
				return err
			}
			ids[i] = u.ID
			for _, f := range sets[i] {
				if err := authz.AddGrant(tx, u.ID, f.role, authz.Domain(tn, f.subtree)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Enforcer.Reload(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// targetState is what the actions change.
type targetState struct {
	DisplayName        string
	Status             string
	MustChangePassword bool
	PasswordHash       string
	Grants             string
}

func stateOf(t *testing.T, env *apitest.Env, tenantCode string, id uuid.UUID) targetState {
	t.Helper()
	ctx := context.Background()
	tn, _ := env.App.Tenants.ByCode(ctx, tenantCode)
	var st targetState
	err := env.App.DB.Tx(ctx, db.TenantScope(tn.ID, uuid.Nil), func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT display_name, status, must_change_password, password_hash FROM users WHERE id = ?`, id).Scan(&st).Error; err != nil {
			return err
		}
		grants, err := authz.GrantsIn(tx, id)
		var names []string
		for _, g := range grants {
			names = append(names, fmt.Sprintf("%s@%s/%v", g.Role, g.Domain, g.Subtree))
		}
		sort.Strings(names)
		st.Grants = strings.Join(names, " ")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// neutralRole is a role to grant in the matrix: any manager may grant it and it
// conflicts with nothing the target holds.
func neutralRole(target []roleForm) string {
	for _, r := range authz.Roles {
		if r.Platform || r.CityOnly || contains(authz.RolePermissions[r.Name], authz.UserManage) {
			continue
		}
		s := append([]roleForm{{r.Name, false}}, target...)
		held := false
		for _, f := range target {
			held = held || f.role == r.Name
		}
		if !held && !conflicting(s) {
			return r.Name
		}
	}
	panic("no neutral role")
}

// TestWhoMayActOnWhom is the who-may-act-on-whom matrix: every user-management action
// (create with roles, edit, disable, enable, reset the password, grant, revoke) ×
// every actor role set × every target role set, at a city and at a county, all
// derived from the role catalogue and its permission table. The expected answer is
// computed from the rule (an actor may act on a user only if it manages users and
// may grant every role the user holds); the real HTTP answer and the target's state
// afterwards are checked against it. A refused action changes nothing; the allowed
// sequence leaves the target holding what it held, so targets are shared.
func TestWhoMayActOnWhom(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	checked := 0
	for _, level := range []struct {
		tenant string
		city   bool
	}{{"410500", true}, {"410581", false}} {
		actors := actorSets(level.city)
		targets := roleSets(level.city, actors)
		var actorNames, targetNames []string
		for i := range actors {
			actorNames = append(actorNames, fmt.Sprintf("wa%d", i))
		}
		for i := range targets {
			targetNames = append(targetNames, fmt.Sprintf("wt%d", i))
		}
		createUsers(t, env, level.tenant, actorNames, actors)
		ids := createUsers(t, env, level.tenant, targetNames, targets)
		for ai, as := range actors {
			client := env.Login(level.tenant, actorNames[ai])
			checked += runActOnMatrix(t, env, level.tenant, level.city, as, client, fmt.Sprintf("wc%d", ai), targets, ids)
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d action × actor × target checks ran", checked)
	}
	t.Logf("%d action × actor × target checks", checked)
}

func runActOnMatrix(t *testing.T, env *apitest.Env, tenantCode string, city bool, as []roleForm, client *apitest.Client,
	createPrefix string, targets [][]roleForm, ids []uuid.UUID) int {
	manager := hasPerm(as, authz.UserManage)
	checked := 0
	expectRefusal := func(what string, r *apitest.Response, codes ...string) {
		t.Helper()
		if r.Status != 403 {
			t.Errorf("%s: %d %s, want 403", what, r.Status, r.Body)
			return
		}
		code := r.Problem(t).Code
		for _, c := range codes {
			if code == c {
				return
			}
		}
		t.Errorf("%s: 403 %s, want one of %v", what, code, codes)
	}
	for k, ts := range targets {
		id := ids[k]
		want := expectActOn(as, ts, city)
		what := func(action string) string {
			return fmt.Sprintf("%s in %s: %s on a user holding %s", setName(as), tenantCode, action, setName(ts))
		}
		refusal := []string{"identity.user_out_of_reach"}
		if !manager {
			refusal = []string{"authz.forbidden"}
		}

		// Create a user holding the target's roles: the same rule (may grant each).
		roles := []map[string]any{}
		for _, f := range ts {
			roles = append(roles, map[string]any{"role": f.role, "subtree": f.subtree})
		}
		r := client.Do("POST", "/api/v1/users", map[string]any{"username": fmt.Sprintf("%s-%d", createPrefix, k), "display_name": "新建", "roles": roles})
		checked++
		if want && r.Status != 201 {
			t.Errorf("%s: %d %s", what("create"), r.Status, r.Body)
		} else if !want {
			expectRefusal(what("create"), r, "authz.forbidden", "authz.platform_role")
		}

		before := stateOf(t, env, tenantCode, id)
		path := "/api/v1/users/" + id.String()
		neutral := neutralRole(ts)
		// Naming a platform role is refused as such before the target is looked at.
		roleRefusal := func(role string) []string {
			if info, _ := authz.Role(role); manager && info.Platform && !hasPerm(as, authz.TenantManage) {
				return []string{"authz.platform_role"}
			}
			return refusal
		}
		type action struct {
			name, method, path string
			body               any
			refusal            []string
		}
		actions := []action{
			{"edit", "PUT", path, map[string]any{"display_name": "改名", "status": "active"}, refusal},
			{"disable", "PUT", path, map[string]any{"display_name": "改名", "status": "disabled"}, refusal},
			{"enable", "PUT", path, map[string]any{"display_name": "改名", "status": "active"}, refusal},
			{"reset-password", "POST", path + "/reset-password", nil, refusal},
			{"grant " + neutral, "POST", path + "/grants", map[string]any{"role": neutral}, refusal},
			{"revoke " + neutral, "DELETE", path + "/grants/" + neutral, nil, roleRefusal(neutral)},
		}
		// Revoke each role held (all its grants), then grant it back as it was.
		for i, f := range ts {
			if i > 0 && ts[i-1].role == f.role {
				continue
			}
			actions = append(actions, action{"revoke " + f.role, "DELETE", path + "/grants/" + f.role, nil, roleRefusal(f.role)})
			for _, g := range ts[i:] {
				if g.role == f.role {
					actions = append(actions, action{"grant back " + g.String(), "POST", path + "/grants", map[string]any{"role": g.role, "subtree": g.subtree}, roleRefusal(g.role)})
				}
			}
		}
		for _, a := range actions {
			r := client.Do(a.method, a.path, a.body)
			checked++
			if want {
				if r.Status != 200 {
					t.Errorf("%s: %d %s, want 200", what(a.name), r.Status, r.Body)
				}
				continue
			}
			expectRefusal(what(a.name), r, a.refusal...)
		}
		after := stateOf(t, env, tenantCode, id)
		if !want && after != before {
			t.Errorf("%s: refused actions changed the target: %+v → %+v", what("any action"), before, after)
		}
		if want && (after.DisplayName != "改名" || after.Status != "active" || !after.MustChangePassword ||
			after.PasswordHash == before.PasswordHash || after.Grants != before.Grants) {
			t.Errorf("%s: allowed actions did not take effect as expected: %+v → %+v", what("every action"), before, after)
		}
	}
	return checked
}

// TestTenantAdminCannotTakeOverPlatformAdmin is the reported takeover: a city tenant
// admin without platform_admin could reset the platform admin's password (and read
// the one-time password) or disable it. Every action on it is now refused, and the
// platform admin can still sign in with its own password.
func TestTenantAdminCannotTakeOverPlatformAdmin(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	cityAdmin := env.UserWithRoles("410500", "city-ta", "tenant_admin")
	var me meBody
	env.Login("410500", "admin").Do("GET", "/api/v1/me", nil).JSON(t, &me)
	victim := "/api/v1/users/" + me.User.ID
	for _, p := range []struct {
		method, path string
		body         any
	}{
		{"POST", victim + "/reset-password", nil},
		{"PUT", victim, map[string]any{"display_name": "x", "status": "disabled"}},
		{"PUT", victim, map[string]any{"display_name": "x", "status": "active"}},
		{"POST", victim + "/grants", map[string]any{"role": "case_handler"}},
		{"DELETE", victim + "/grants/tenant_admin", nil},
	} {
		r := cityAdmin.Do(p.method, p.path, p.body)
		if r.Status != 403 || r.Problem(t).Code != "identity.user_out_of_reach" {
			t.Errorf("%s %s: %d %s", p.method, p.path, r.Status, r.Body)
		}
	}
	if r := env.Login("410500", "admin").Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("the platform admin must still sign in: %d", r.Status)
	}
}
