package httpapi_test

import (
	"context"
	"strconv"
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

func loginAttempt(env *apitest.Env, tenant, ip, user, pw string) *apitest.Response {
	c := env.Anonymous()
	c.IP = ip
	return c.Do("POST", "/api/v1/auth/login", map[string]any{"tenant": tenant, "username": user, "password": pw})
}

func wantThrottled(t *testing.T, what string, r *apitest.Response, code string, retryAfter string) {
	t.Helper()
	if r.Status != 429 {
		t.Fatalf("%s: %d %s, want 429", what, r.Status, r.Body)
	}
	if p := r.Problem(t); p.Code != code {
		t.Fatalf("%s: code %s, want %s", what, p.Code, code)
	}
	if got := r.Header.Get("Retry-After"); got == "" || (retryAfter != "" && got != retryAfter) {
		t.Fatalf("%s: Retry-After %q, want %q", what, got, retryAfter)
	}
}

// TestThrottlingPerAccountAndAddressWithBackoff: wrong passwords throttle the
// (account, address) pair with a doubling wait; the account's owner at another
// address is not locked out.
func TestThrottlingPerAccountAndAddressWithBackoff(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	const attacker, owner = "10.1.0.1", "10.1.0.2"
	for i := 0; i < 5; i++ {
		if r := loginAttempt(env, "410522", attacker, "clerk", "Wrong@12345"); r.Status != 401 {
			t.Fatalf("failure %d: %d", i, r.Status)
		}
	}
	wantThrottled(t, "the attacking address, even with the right password", loginAttempt(env, "410522", attacker, "clerk", apitest.DemoPassword), "identity.throttled", "60")
	if r := loginAttempt(env, "410522", owner, "clerk", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("the owner at its own address must sign in: %d %s", r.Status, r.Body)
	}
	// Each further failure doubles the wait.
	for _, wait := range []int{60, 120, 240} {
		env.Clock.Advance(time.Duration(wait)*time.Second + time.Second)
		if r := loginAttempt(env, "410522", attacker, "clerk", "Wrong@12345"); r.Status != 401 {
			t.Fatalf("after waiting %ds: %d", wait, r.Status)
		}
		wantThrottled(t, "after another failure", loginAttempt(env, "410522", attacker, "clerk", apitest.DemoPassword), "identity.throttled", itoa(2*wait))
	}
	// The window passes: the address may sign in again.
	env.Clock.Advance(16 * time.Minute)
	if r := loginAttempt(env, "410522", attacker, "clerk", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("after the window: %d %s", r.Status, r.Body)
	}
}

// TestAccountWideLimitIsSofter: failures from many addresses (each below its own
// limit) lock the account for everyone only at the much higher account-wide limit.
func TestAccountWideLimitIsSofter(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Env: map[string]string{"SUNSHINE_AUTH_ACCOUNT_MAX_FAILURES": "12"}})
	fail := func(n int) {
		for i := 0; i < n; i++ {
			ip := "10.2." + itoa(i/4) + "." + itoa(i%4+1) // four failures per address at most
			if r := loginAttempt(env, "410522", ip, "handler", "Wrong@12345"); r.Status != 401 {
				t.Fatalf("failure %d from %s: %d", i, ip, r.Status)
			}
		}
	}
	fail(11)
	if r := loginAttempt(env, "410522", "10.2.9.1", "handler", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("below the account-wide limit the owner signs in: %d %s", r.Status, r.Body)
	}
	fail(1)
	wantThrottled(t, "at the account-wide limit", loginAttempt(env, "410522", "10.2.9.2", "handler", apitest.DemoPassword), "identity.throttled", "")
	if r := loginAttempt(env, "410522", "10.2.9.2", "clerk", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("another account: %d", r.Status)
	}
}

// TestOneAddressDoesNotLockEveryAccountBehindIt: an office behind one NAT address
// where someone fails on several accounts keeps signing in; only the high
// per-address limit across accounts refuses the address.
func TestOneAddressDoesNotLockEveryAccountBehindIt(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Env: map[string]string{"SUNSHINE_AUTH_ADDRESS_MAX_FAILURES": "15"}})
	const nat = "10.9.9.9"
	for i, u := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"} {
		if r := loginAttempt(env, "410522", nat, u, "Wrong@12345"); r.Status != 401 {
			t.Fatalf("failure %d: %d", i, r.Status)
		}
	}
	for _, u := range []string{"admin", "clerk", "handler"} {
		if r := loginAttempt(env, "410522", nat, u, apitest.DemoPassword); r.Status != 200 {
			t.Fatalf("%s behind the NAT address: %d %s", u, r.Status, r.Body)
		}
	}
	for i := 0; i < 5; i++ {
		loginAttempt(env, "410522", nat, "b"+itoa(i), "Wrong@12345")
	}
	wantThrottled(t, "the address past its limit", loginAttempt(env, "410522", nat, "admin", apitest.DemoPassword), "identity.throttled", "")
	if r := loginAttempt(env, "410522", "10.9.9.10", "admin", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("another address: %d", r.Status)
	}
}

// TestPasswordChangeChecksAreThrottled: guessing the current password through
// /me/password is throttled like a sign-in, on the same counts.
func TestPasswordChangeChecksAreThrottled(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	c := env.Login("410523", "legal")
	c.IP = "10.3.0.1"
	for i := 0; i < 5; i++ {
		r := c.Do("POST", "/api/v1/me/password", map[string]any{"old_password": "Guess@" + itoa(1000+i), "new_password": "Another@2027"})
		if p := r.Problem(t); r.Status != 422 || p.Errors[0].Code != "identity.old_password_wrong" {
			t.Fatalf("guess %d: %d %+v", i, r.Status, p)
		}
	}
	r := c.Do("POST", "/api/v1/me/password", map[string]any{"old_password": apitest.DemoPassword, "new_password": "Another@2027"})
	wantThrottled(t, "the sixth check, even with the right password", r, "identity.password_throttled", "60")
	wantThrottled(t, "sign-in from the guessing address", loginAttempt(env, "410523", "10.3.0.1", "legal", apitest.DemoPassword), "identity.throttled", "")
	if r := loginAttempt(env, "410523", "10.3.0.2", "legal", apitest.DemoPassword); r.Status != 200 {
		t.Fatalf("sign-in from another address: %d", r.Status)
	}
	env.Clock.Advance(61 * time.Second)
	if r := c.Do("POST", "/api/v1/me/password", map[string]any{"old_password": apitest.DemoPassword, "new_password": "Another@2027"}); r.Status != 204 {
		t.Fatalf("after the wait: %d %s", r.Status, r.Body)
	}
	flushSecurityLog(t, env)
	var ev securityEvents
	env.Login("410500", "auditor").Do("GET", "/api/v1/security-events?tenant=410523", nil).JSON(t, &ev)
	kinds := map[string]int{}
	for _, e := range ev.Items {
		kinds[e.Kind]++
	}
	if kinds["password_check_failed"] != 5 || kinds["throttled"] != 2 {
		t.Errorf("security log of 410523: %v", kinds)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

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
