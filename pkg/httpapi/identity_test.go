package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sunshine/pkg/apitest"
)

type meBody struct {
	User struct {
		ID                 string `json:"id"`
		Username           string `json:"username"`
		MustChangePassword bool   `json:"must_change_password"`
	} `json:"user"`
	Tenant struct {
		Code string `json:"code"`
	} `json:"tenant"`
	Roles       []string `json:"roles"`
	Permissions []string `json:"permissions"`
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLoginAndMe(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	c := env.Login("410500", "admin")
	var me meBody
	r := c.Do("GET", "/api/v1/me", nil)
	r.JSON(t, &me)
	if r.Status != 200 || me.Tenant.Code != "410500" || !contains(me.Roles, "platform_admin") || !contains(me.Permissions, "tenant:manage") {
		t.Fatalf("me: %d %+v", r.Status, me)
	}
	clerk := env.Login("410581", "clerk")
	clerk.Do("GET", "/api/v1/me", nil).JSON(t, &me)
	if contains(me.Permissions, "tenant:manage") || !contains(me.Permissions, "case:intake") {
		t.Fatalf("clerk permissions: %v", me.Permissions)
	}
}

// TestBadCredentialsAreIndistinguishable: unknown tenant, unknown user and wrong
// password answer with the same status, code and message.
func TestBadCredentialsAreIndistinguishable(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	var details []string
	for i, in := range []map[string]any{
		{"tenant": "410581", "username": "nobody", "password": "Whatever@1"},
		{"tenant": "410581", "username": "admin", "password": "Wrong@12345"},
		{"tenant": "419999", "username": "admin", "password": "Wrong@12345"},
	} {
		c := env.Anonymous()
		c.IP = "10.0.0." + string(rune('1'+i))
		r := c.Do("POST", "/api/v1/auth/login", in)
		p := r.Problem(t)
		if r.Status != 401 || p.Code != "identity.bad_credentials" {
			t.Fatalf("%v: %d %+v", in, r.Status, p)
		}
		details = append(details, p.Detail)
	}
	if details[0] != details[1] || details[1] != details[2] {
		t.Fatalf("messages differ: %q", details)
	}
	// Missing fields are a validation error naming each field, not a 401.
	r := env.Anonymous().Do("POST", "/api/v1/auth/login", map[string]any{"tenant": "410581"})
	if p := r.Problem(t); r.Status != 422 || len(p.Errors) != 2 {
		t.Fatalf("want 422 naming username and password: %d %+v", r.Status, p)
	}
}

func TestThrottlingPerAccountAndPerAddress(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	attempt := func(ip, user, pw string) *apitest.Response {
		c := env.Anonymous()
		c.IP = ip
		return c.Do("POST", "/api/v1/auth/login", map[string]any{"tenant": "410522", "username": user, "password": pw})
	}
	// Five failures against one account, each from a different address.
	for i := 0; i < 5; i++ {
		if r := attempt("10.1.0."+string(rune('1'+i)), "clerk", "Wrong@12345"); r.Status != 401 {
			t.Fatalf("failure %d: %d", i, r.Status)
		}
	}
	r := attempt("10.1.1.1", "clerk", apitest.DemoPassword)
	if p := r.Problem(t); r.Status != 429 || p.Code != "identity.throttled" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("the account must be throttled even with the right password: %d %+v", r.Status, p)
	}
	// Another account is not affected.
	if r := attempt("10.1.1.2", "handler", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("another account: %d %s", r.Status, r.Body)
	}
	// The window passes: the account may sign in again.
	env.Clock.Advance(16 * time.Minute)
	if r := attempt("10.1.1.1", "clerk", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("after the window: %d %s", r.Status, r.Body)
	}
	// Five failures from one address against different accounts throttle the address.
	for i, u := range []string{"a1", "a2", "a3", "a4", "a5"} {
		if r := attempt("10.9.9.9", u, "Wrong@12345"); r.Status != 401 {
			t.Fatalf("address failure %d: %d", i, r.Status)
		}
	}
	if r := attempt("10.9.9.9", "admin", apitest.DemoPassword); r.Status != 429 {
		t.Fatalf("the address must be throttled: %d", r.Status)
	}
	if r := attempt("10.9.9.10", "admin", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("another address: %d", r.Status)
	}
}

func TestCSRFIsRequiredForCookieSessions(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	browser, r := env.BrowserLogin("410581", "clerk", apitest.DemoPassword)
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	for _, h := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "sunshine_session=") && (!strings.Contains(h, "HttpOnly") || !strings.Contains(h, "SameSite=Lax")) {
			t.Fatalf("session cookie must be HttpOnly and SameSite=Lax: %s", h)
		}
	}
	body := map[string]any{"old_password": apitest.DemoPassword, "new_password": "short"}
	r = browser.WithoutCSRF().Do("POST", "/api/v1/me/password", body)
	if p := r.Problem(t); r.Status != 403 || p.Code != "identity.csrf" {
		t.Fatalf("missing CSRF must be refused: %d %+v", r.Status, p)
	}
	r = browser.Do("POST", "/api/v1/me/password", body)
	if p := r.Problem(t); r.Status != 422 || p.Errors[0].Field != "new_password" {
		t.Fatalf("with CSRF the request reaches validation: %d %+v", r.Status, p)
	}
	// Reads need no CSRF token; bearer tokens never do.
	if r := browser.WithoutCSRF().Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("GET with cookie: %d", r.Status)
	}
	api := env.Login("410581", "clerk")
	if r := api.Do("POST", "/api/v1/me/password", body); r.Status != 422 {
		t.Fatalf("bearer without CSRF: %d %s", r.Status, r.Body)
	}
}

func TestLogoutRevokesTheSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	api := env.Login("410581", "handler")
	if r := api.Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if r := api.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("a revoked token must be refused: %d", r.Status)
	}
	browser, _ := env.BrowserLogin("410581", "handler", apitest.DemoPassword)
	if r := browser.Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 || !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), "sunshine_session=;") {
		t.Fatalf("browser logout must clear the cookie: %d %v", r.Status, r.Header.Values("Set-Cookie"))
	}
	if r := browser.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("a revoked cookie must be refused: %d", r.Status)
	}
}

func TestPasswordChangeRevokesOtherSessionsAndIsAudited(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	first := env.Login("410523", "legal")
	second := env.Login("410523", "legal")
	r := first.Do("POST", "/api/v1/me/password", map[string]any{"old_password": "Wrong@123456", "new_password": "Another@2027"})
	if p := r.Problem(t); r.Status != 422 || p.Errors[0].Field != "old_password" {
		t.Fatalf("wrong old password: %d %+v", r.Status, p)
	}
	r = first.Do("POST", "/api/v1/me/password", map[string]any{"old_password": apitest.DemoPassword, "new_password": "alllowercase"})
	if p := r.Problem(t); r.Status != 422 || p.Errors[0].Code != "identity.password_weak" {
		t.Fatalf("weak password: %d %+v", r.Status, p)
	}
	if r := first.Do("POST", "/api/v1/me/password", map[string]any{"old_password": apitest.DemoPassword, "new_password": "Another@2027"}); r.Status != 204 {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	if r := first.Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("the changing session stays valid: %d", r.Status)
	}
	env.Clock.Advance(10 * time.Second) // past the session cache
	if r := second.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("other sessions must be revoked: %d", r.Status)
	}
	auditor := env.Login("410500", "auditor")
	var events struct {
		Items []struct {
			Action  string `json:"action"`
			Summary map[string]any
		} `json:"items"`
		Total int `json:"total"`
	}
	auditor.Do("GET", "/api/v1/audit/events?tenant=410523&action=auth", nil).JSON(t, &events)
	seen := map[string]bool{}
	for _, e := range events.Items {
		seen[e.Action] = true
		if strings.Contains(string(mustJSON(e.Summary)), "Another@2027") || strings.Contains(string(mustJSON(e.Summary)), apitest.DemoPassword) {
			t.Fatal("a password reached the audit trail")
		}
	}
	for _, want := range []string{"auth.login", "auth.password_change"} {
		if !seen[want] {
			t.Errorf("audit lacks %s: %v", want, seen)
		}
	}
	_ = context.Background()
}

// TestDisableEndsSessionsForGood: disabling a user revokes its sessions, so that
// enabling it again does not bring an old token back (GORM's Updates(map) wrote the
// new status into the struct before the "was it disabled" check, and no session was
// ever revoked).
func TestDisableEndsSessionsForGood(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Login("410581", "admin")
	victim := env.Login("410581", "handler")
	browser, _ := env.BrowserLogin("410581", "handler", apitest.DemoPassword)
	var me meBody
	victim.Do("GET", "/api/v1/me", nil).JSON(t, &me)
	path := "/api/v1/users/" + me.User.ID
	if r := admin.Do("PUT", path, map[string]any{"display_name": "住建局承办人", "status": "disabled"}); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	if r := victim.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("a disabled user's token must be dead: %d", r.Status)
	}
	if r := admin.Do("PUT", path, map[string]any{"display_name": "住建局承办人", "status": "active"}); r.Status != 200 {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	env.Clock.Advance(10 * time.Second) // past any session cache
	for name, c := range map[string]*apitest.Client{"token": victim, "cookie": browser} {
		if r := c.Do("GET", "/api/v1/me", nil); r.Status != 401 {
			t.Fatalf("the old %s must stay dead after enabling: %d %s", name, r.Status, r.Body)
		}
	}
	if r := env.Login("410581", "handler").Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("the enabled user signs in afresh: %d", r.Status)
	}
}
