package httpapi_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"sunshine/pkg/apitest"
	"sunshine/pkg/httpapi"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/ratelimit"
)

func onlineApplication(power string) map[string]any {
	return map[string]any{"power_id": power,
		"applicant": map[string]any{"type": "person", "name": "赵六", "id_number": "11010519491231002X"},
		"materials": []map[string]any{{"name": "申请书", "provided": true}, {"name": "营业执照", "provided": true}}}
}

type applied struct {
	TrackingNo string `json:"tracking_no"`
	QueryCode  string `json:"query_code"`
	Status     string `json:"status"`
}

func countCases(t *testing.T, env *apitest.Env) int {
	t.Helper()
	var list struct {
		Total int `json:"total"`
	}
	env.Login("410581", "clerk").Do("GET", "/api/v1/cases", nil).JSON(t, &list)
	return list.Total
}

// TestPublicLookupNeedsTheQueryCode: tracking numbers are sequential and the last four
// of an ID have ~11,000 values, so the lookup now needs the case's random query code
// (shown once after an online application, printed on the receipt); the last four
// remain an optional second factor. Lookups are limited per address and per tracking
// number (from any address), with 429 and Retry-After.
func TestPublicLookupNeedsTheQueryCode(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Env: map[string]string{
		"SUNSHINE_PUBLIC_LOOKUPS_PER_CASE": "5/1m", "SUNSHINE_PUBLIC_LOOKUPS_PER_ADDRESS": "6/1m",
	}})
	power := env.FiledPower("410581", "XK-Q", "查询码测试", 5, nil, apitest.ParallelFlowchart()).String()
	pub := env.Anonymous()
	pub.IP = "203.0.113.1"
	r := pub.Do("POST", "/api/v1/public/410581/cases", pub.WithCaptcha(onlineApplication(power)))
	var a applied
	r.JSON(t, &a)
	if r.Status != 201 || len(a.QueryCode) != 10 || a.TrackingNo == "" {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	look := func(ip, query string) *apitest.Response {
		c := env.Anonymous()
		c.IP = ip
		return c.Do("GET", "/api/v1/public/410581/cases/"+a.TrackingNo+query, nil)
	}
	// Typed as people type it: lower case, grouped with a hyphen.
	typed := strings.ToLower(a.QueryCode[:5] + "-" + a.QueryCode[5:])
	if r := look("198.51.100.1", "?code="+typed); r.Status != 200 || !strings.Contains(string(r.Body), a.TrackingNo) {
		t.Fatalf("lookup with the code: %d %s", r.Status, r.Body)
	}
	if r := look("198.51.100.2", "?code="+a.QueryCode+"&id_last4=002X"); r.Status != 200 {
		t.Fatalf("lookup with the code and the right last four: %d %s", r.Status, r.Body)
	}
	wrong := "0000000000"
	if a.QueryCode == wrong {
		wrong = "1111111111"
	}
	for _, q := range []string{"?id_last4=002X", "?code=" + wrong + "&id_last4=002X", "?code=" + a.QueryCode + "&id_last4=9999"} {
		if r := look("198.51.100.3", q); r.Status != 404 {
			t.Fatalf("lookup %s: %d, want 404", q, r.Status)
		}
	}
	// Five lookups of this number so far, from three addresses: a fourth address is
	// refused too — the limit is per tracking number.
	r = look("198.51.100.4", "?code="+a.QueryCode)
	if r.Status != 429 {
		t.Fatalf("past the per-case limit: %d %s", r.Status, r.Body)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	if p := r.Problem(t); p.Code != "too_many_requests" {
		t.Fatalf("problem %+v", p)
	}
	// Per address: six lookups of other numbers, then refused; another address is not.
	for i := 0; i < 6; i++ {
		if r := look("192.0.2.9", "x"+strconv.Itoa(i)+"?code="+wrong); r.Status != 404 {
			t.Fatalf("lookup %d: %d", i, r.Status)
		}
	}
	if r := look("192.0.2.9", "y?code="+wrong); r.Status != 429 {
		t.Fatalf("past the per-address limit: %d", r.Status)
	}
	if r := look("192.0.2.10", "y?code="+wrong); r.Status != 404 {
		t.Fatalf("another address: %d", r.Status)
	}

	// A case taken at a window has a code too, on the case the clerk prints.
	window := env.Window("410581", "A07", "ZWFW", true, "clerk")
	clerk := env.Login("410581", "clerk")
	body := onlineApplication(power)
	body["window_id"], body["channel"] = window, "window"
	var c struct {
		QueryCode string `json:"query_code"`
	}
	r = clerk.Do("POST", "/api/v1/cases", body)
	r.JSON(t, &c)
	if r.Status != 201 || len(c.QueryCode) != 10 || c.QueryCode == a.QueryCode {
		t.Fatalf("window intake's code: %d %s", r.Status, r.Body)
	}
}

// TestPublicApplicationsNeedACaptcha: ten anonymous applications in 0.12 s each became
// a case with a running clock. Now each needs a captcha, answered once and in time, and
// applications are limited per address.
func TestPublicApplicationsNeedACaptcha(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Env: map[string]string{"SUNSHINE_PUBLIC_APPLICATIONS_PER_ADDRESS": "5/1h"}})
	power := env.FiledPower("410581", "XK-C", "验证码测试", 5, nil, apitest.ParallelFlowchart()).String()
	pub := env.Anonymous()
	pub.IP = "203.0.113.7"
	field := func(r *apitest.Response) string {
		t.Helper()
		p := r.Problem(t)
		if r.Status != 422 || len(p.Errors) == 0 {
			t.Fatalf("want 422 with a field, got %d %s", r.Status, r.Body)
		}
		return p.Errors[0].Field + ":" + p.Errors[0].Code
	}
	if got := field(pub.Do("POST", "/api/v1/public/410581/cases", onlineApplication(power))); got != "captcha_answer:required" {
		t.Fatalf("no captcha: %s", got)
	}
	id, answer := pub.SolveCaptcha()
	body := onlineApplication(power)
	body["captcha_id"], body["captcha_answer"] = id, answer+"1"
	if got := field(pub.Do("POST", "/api/v1/public/410581/cases", body)); got != "captcha_answer:captcha.wrong" {
		t.Fatalf("wrong answer: %s", got)
	}
	// A wrong answer used the captcha up: the right one no longer works.
	body["captcha_answer"] = answer
	if got := field(pub.Do("POST", "/api/v1/public/410581/cases", body)); got != "captcha_answer:captcha.wrong" {
		t.Fatalf("second guess: %s", got)
	}
	// Expired.
	id, answer = pub.SolveCaptcha()
	env.Clock.Advance(6 * time.Minute)
	body["captcha_id"], body["captcha_answer"] = id, answer
	if got := field(pub.Do("POST", "/api/v1/public/410581/cases", body)); got != "captcha_answer:captcha.wrong" {
		t.Fatalf("expired captcha: %s", got)
	}
	if n := countCases(t, env); n != 0 {
		t.Fatalf("refused applications left %d cases", n)
	}
	// Issued by one replica, checked by another: the answer lives in PostgreSQL.
	other := *env
	other.Server = httpapi.New(env.App.HTTPDeps())
	id, answer = pub.SolveCaptcha()
	body["captcha_id"], body["captcha_answer"] = id, answer
	o := other.Anonymous()
	o.IP = pub.IP
	if r := o.Do("POST", "/api/v1/public/410581/cases", body); r.Status != 201 {
		t.Fatalf("captcha from another replica: %d %s", r.Status, r.Body)
	}
	// Used once, by the first answer (replayed from another address).
	replay := env.Anonymous()
	replay.IP = "203.0.113.9"
	if got := field(replay.Do("POST", "/api/v1/public/410581/cases", body)); got != "captcha_answer:captcha.wrong" {
		t.Fatalf("replayed captcha: %s", got)
	}
	// The first address has made five attempts, the limit (it counts attempts): the
	// next is refused before its captcha is even looked at.
	r := pub.Do("POST", "/api/v1/public/410581/cases", pub.WithCaptcha(onlineApplication(power)))
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("past the per-address limit: %d %s", r.Status, r.Body)
	}
	fresh := env.Anonymous()
	fresh.IP = "203.0.113.8"
	if r := fresh.Do("POST", "/api/v1/public/410581/cases", fresh.WithCaptcha(onlineApplication(power))); r.Status != 201 {
		t.Fatalf("another address: %d %s", r.Status, r.Body)
	}
	if n := countCases(t, env); n != 2 {
		t.Fatalf("%d cases, want the 2 accepted applications", n)
	}
}

// TestRateLimitsAreSharedByReplicasAndSurviveRedisLoss: two limiters on one Redis
// (two replicas) enforce one limit; a limiter whose Redis is gone keeps limiting on
// its own.
func TestRateLimitsAreSharedByReplicasAndSurviveRedisLoss(t *testing.T) {
	t.Parallel()
	opt, _ := broker.ForTest(t)
	a := ratelimit.New(broker.Client(opt), logging.Discard())
	b := ratelimit.New(broker.Client(opt), logging.Discard())
	limit := ratelimit.Limit{N: 4, Period: time.Minute}
	ctx := context.Background()
	allowed := 0
	for i := 0; i < 10; i++ {
		l := a
		if i%2 == 1 {
			l = b
		}
		if ok, wait := l.Allow(ctx, "test", limit, "203.0.113.1"); ok {
			allowed++
		} else if wait <= 0 || wait > time.Minute {
			t.Fatalf("refused with wait %v", wait)
		}
	}
	if allowed != 4 {
		t.Fatalf("two replicas allowed %d, want 4 in all", allowed)
	}
	// Redis unreachable: the limiter answers at once, from memory, and still limits.
	e, err := broker.StartEmbedded("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := broker.ConnOpt(configRedis(e.URL()))
	e.Close()
	l := ratelimit.New(broker.Client(gone), logging.Discard())
	allowed = 0
	start := time.Now()
	for i := 0; i < 10; i++ {
		if ok, _ := l.Allow(ctx, "test", limit, "203.0.113.1"); ok {
			allowed++
		}
	}
	if allowed != 4 || time.Since(start) > 2*time.Second {
		t.Fatalf("without Redis: allowed %d in %v, want 4 quickly", allowed, time.Since(start))
	}
}

func configRedis(url string) config.Redis { return config.Redis{URL: url} }
