package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/apitest"
	"sunshine/pkg/seclog"
)

type securityEvents struct {
	Items []struct {
		Kind       string  `json:"kind"`
		Code       string  `json:"code"`
		Status     int     `json:"status"`
		UserID     *string `json:"user_id"`
		Username   string  `json:"username"`
		IP         string  `json:"ip"`
		UserAgent  string  `json:"user_agent"`
		Path       string  `json:"path"`
		Detail     string  `json:"detail"`
		TenantCode string  `json:"tenant_code"`
	} `json:"items"`
	Total int `json:"total"`
}

func flushSecurityLog(t *testing.T, env *apitest.Env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.App.Security.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSecurityLogRecordsRefusals: denials, probes of another tenant, failed sign-ins
// (also naming no tenant), wrong current passwords — each lands in the security log of
// the right tenant with capped fields, and auditors read it within their scope.
func TestSecurityLogRecordsRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	var users struct {
		Items []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"items"`
	}
	env.Login("410522", "admin").Do("GET", "/api/v1/users", nil).JSON(t, &users)
	victim := users.Items[0].ID

	clerk := env.Login("410581", "clerk")
	clerk.IP = "10.7.0.1"
	if r := clerk.Do("GET", "/api/v1/users", nil); r.Status != 403 {
		t.Fatalf("clerk listing users: %d", r.Status)
	}
	admin := env.Login("410581", "admin")
	admin.IP = "10.7.0.2"
	if r := admin.Do("GET", "/api/v1/users/"+victim, nil); r.Status != 404 {
		t.Fatalf("probe: %d", r.Status)
	}
	if r := admin.Do("GET", "/api/v1/users?tenant=410522", nil); r.Status != 404 {
		t.Fatalf("cross-tenant filter: %d", r.Status)
	}
	anon := env.Anonymous()
	anon.IP = "10.7.0.3"
	if r := anon.Do("POST", "/api/v1/auth/login", map[string]any{"tenant": "410522", "username": "Clerk", "password": "Wrong@12345"}); r.Status != 401 {
		t.Fatalf("wrong password: %d", r.Status)
	}
	huge := strings.Repeat("x", 200009)
	anon.IP = "10.7.0.4"
	if r := anon.Do("POST", "/api/v1/auth/login", map[string]any{"tenant": "410581", "username": huge, "password": "Wrong@12345"}); r.Status != 401 {
		t.Fatalf("huge username: %d", r.Status)
	}
	anon.IP = "10.7.0.5"
	if r := anon.Do("POST", "/api/v1/auth/login", map[string]any{"tenant": "419999", "username": "admin", "password": "Wrong@12345"}); r.Status != 401 {
		t.Fatalf("unknown tenant: %d", r.Status)
	}
	legal := env.Login("410581", "legal")
	if r := legal.Do("POST", "/api/v1/me/password", map[string]any{"old_password": "Wrong@123456", "new_password": "Another@2027"}); r.Status != 422 {
		t.Fatalf("wrong old password: %d", r.Status)
	}
	flushSecurityLog(t, env)

	auditor := env.Login("410500", "auditor")
	var all securityEvents
	r := auditor.Do("GET", "/api/v1/security-events?page_size=200", nil)
	r.JSON(t, &all)
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	find := func(kind, tenant, username string) bool {
		for _, e := range all.Items {
			if e.Kind == kind && e.TenantCode == tenant && (username == "" || e.Username == username) {
				return true
			}
		}
		return false
	}
	for _, want := range []struct{ kind, tenant, username string }{
		{seclog.Denied, "410581", "clerk"},
		{seclog.NotFound, "410581", "admin"},
		{seclog.CrossTenant, "410581", "admin"},
		{seclog.LoginFailed, "410522", "clerk"},
		{seclog.LoginFailed, "410500", "admin"}, // no such tenant: the root's log
		{seclog.PasswordCheckFailed, "410581", "legal"},
	} {
		if !find(want.kind, want.tenant, want.username) {
			t.Errorf("no %s event of %s in %s: %+v", want.kind, want.username, want.tenant, all.Items)
		}
	}
	for _, e := range all.Items {
		if len([]rune(e.Username)) > seclog.MaxUsername || len(e.Path) > seclog.MaxPath {
			t.Errorf("an uncapped field: %q", e.Username[:80])
		}
		if e.Kind == seclog.Denied && (e.Status != 403 || e.Code != "authz.forbidden" || e.IP != "10.7.0.1" || e.UserID == nil) {
			t.Errorf("denied event: %+v", e)
		}
	}
	// The 200,009-character username is stored nowhere verbatim: not in the security
	// log, not in the audit chain, not in the throttling rows.
	conn, err := pgx.Connect(context.Background(), env.DB.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range []string{
		`SELECT coalesce(max(length(username)), 0) FROM security_events`,
		`SELECT coalesce(max(greatest(length(object_id), length(actor_name), length(summary::text))), 0) FROM audit_events`,
		`SELECT coalesce(max(length(username)), 0) FROM login_failures`,
	} {
		var n int
		if err := conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 1000 {
			t.Errorf("%s: %d characters", q, n)
		}
	}

	// Filters: kind and since.
	var failed securityEvents
	auditor.Do("GET", "/api/v1/security-events?kind=login_failed", nil).JSON(t, &failed)
	if failed.Total != 3 {
		t.Errorf("login_failed events: %d %+v", failed.Total, failed.Items)
	}
	var none securityEvents
	auditor.Do("GET", "/api/v1/security-events?since="+env.Clock.Now().Add(time.Hour).Format(time.RFC3339), nil).JSON(t, &none)
	if none.Total != 0 {
		t.Errorf("since the future: %d", none.Total)
	}
	if r := auditor.Do("GET", "/api/v1/security-events?kind=everything", nil); r.Status != 400 {
		t.Errorf("unknown kind: %d", r.Status)
	}
	// A county auditor reads its county only; a clerk not at all.
	countyAuditor := env.UserWithRoles("410522", "county-auditor", "auditor")
	var county securityEvents
	countyAuditor.Do("GET", "/api/v1/security-events", nil).JSON(t, &county)
	for _, e := range county.Items {
		if e.TenantCode != "410522" {
			t.Errorf("a county auditor reads %s's log", e.TenantCode)
		}
	}
	if county.Total == 0 {
		t.Error("the county auditor sees nothing of its county")
	}
	if r := countyAuditor.Do("GET", "/api/v1/security-events?tenant=410581", nil); r.Status != 404 {
		t.Errorf("a county auditor asking for another county: %d", r.Status)
	}
	if r := clerk.Do("GET", "/api/v1/security-events", nil); r.Status != 403 {
		t.Errorf("a clerk reading the security log: %d", r.Status)
	}
}

// TestSecurityLogIsBounded: the log keeps at most MaxRows events per tenant and none
// older than the retention; one address cannot flood it; fields are capped.
func TestSecurityLogIsBounded(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	city, _ := env.App.Tenants.ByCode(ctx, "410500")
	county, _ := env.App.Tenants.ByCode(ctx, "410581")
	l := seclog.New(env.App.DB, env.Clock, nil, seclog.Config{Retention: 24 * time.Hour, MaxRows: 5, PerAddress: 8})
	defer l.Close()
	for i := 0; i < 10; i++ {
		l.Record(seclog.Event{TenantID: city.ID, Kind: seclog.Denied, IP: "10.8.0." + string(rune('0'+i)), Username: strings.Repeat("ü", 500), UserAgent: strings.Repeat("a\x00", 1000)})
		l.Record(seclog.Event{TenantID: county.ID, Kind: seclog.LoginFailed, IP: "10.8.1.1"})
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if l.Dropped() != 2 {
		t.Errorf("one address past its rate: %d dropped, want 2", l.Dropped())
	}
	count := func(id uuid.UUID) (n int, longest int) {
		conn, err := pgx.Connect(ctx, env.DB.OwnerURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, `SELECT count(*), coalesce(max(length(username) + length(user_agent)), 0) FROM security_events WHERE tenant_id = $1`, id).Scan(&n, &longest); err != nil {
			t.Fatal(err)
		}
		return n, longest
	}
	if n, longest := count(city.ID); n != 10 || longest > seclog.MaxUsername+seclog.MaxUserAgent {
		t.Fatalf("city: %d events, longest %d", n, longest)
	}
	pruned, err := l.Prune(ctx, []uuid.UUID{city.ID, county.ID})
	if err != nil {
		t.Fatal(err)
	}
	if pruned != 8 {
		t.Errorf("pruned %d, want 5 + 3", pruned)
	}
	if n, _ := count(city.ID); n != 5 {
		t.Errorf("city keeps %d, want 5", n)
	}
	env.Clock.Advance(25 * time.Hour)
	if _, err := l.Prune(ctx, []uuid.UUID{city.ID, county.ID}); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(city.ID); n != 0 {
		t.Errorf("past the retention %d remain", n)
	}
}

// TestSecurityLogRecordsPublicRefusals: wrong captchas and public rate limits land in
// the log of the portal's tenant.
func TestSecurityLogRecordsPublicRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Env: map[string]string{"SUNSHINE_PUBLIC_READS_PER_ADDRESS": "4/1m"}})
	pub := env.Anonymous()
	pub.IP = "198.51.100.7"
	id, answer := pub.SolveCaptcha()
	r := pub.Do("POST", "/api/v1/public/410581/cases", map[string]any{"captcha_id": id, "captcha_answer": answer + "1"})
	if p := r.Problem(t); r.Status != 422 || len(p.Errors) == 0 || p.Errors[0].Code != "captcha.wrong" {
		t.Fatalf("wrong captcha: %d %s", r.Status, r.Body)
	}
	for i := 0; i < 6; i++ {
		pub.Do("GET", "/api/v1/public/410581/powers", nil)
	}
	flushSecurityLog(t, env)
	var ev securityEvents
	env.Login("410500", "auditor").Do("GET", "/api/v1/security-events?tenant=410581", nil).JSON(t, &ev)
	kinds := map[string]int{}
	for _, e := range ev.Items {
		if e.IP == "198.51.100.7" {
			kinds[e.Kind]++
		}
	}
	if kinds[seclog.CaptchaFailed] != 1 || kinds[seclog.Throttled] == 0 {
		t.Errorf("public refusals in 410581's log: %v (%+v)", kinds, ev.Items)
	}
}
