package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"sunshine/pkg/apitest"
	"sunshine/pkg/httpapi"
	"sunshine/pkg/platform/logging"
)

// rawConn is one kept-alive HTTP/1.1 connection: every request goes over the same
// socket, so fasthttp reuses the same buffers for them, as it does for a browser.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{t: t, conn: c, r: bufio.NewReader(c)}
}

// do sends one request with the given extra header lines and returns status and body.
func (rc *rawConn) do(method, path string, headers []string, body string) (int, string, http.Header) {
	rc.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: test\r\n", method, path)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != "" {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	_ = rc.conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(rc.conn, b.String()); err != nil {
		rc.t.Fatalf("%s %s: %v", method, path, err)
	}
	resp, err := http.ReadResponse(rc.r, &http.Request{Method: method})
	if err != nil {
		rc.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), resp.Header
}

// TestMetricsLabelsSurviveConcurrentKeptAliveRequests hammers the server over kept-alive
// connections with varied methods and paths, then scrapes /metrics from the metrics
// listener: the scrape answers 200 and every label value is one the server could have
// meant (a registered route, a known method, a status). Before Fiber ran Immutable,
// labels were views into reused request buffers: scrapes answered 500 ("collected
// before with the same name and label values") and methods such as "GETT" appeared.
func TestMetricsLabelsSurviveConcurrentKeptAliveRequests(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{NoDemo: true})
	addr := env.Listen()

	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}
	paths := []string{
		"/healthz", "/api/v1/me", "/api/v1/cases/%d", "/api/v1/nowhere/%d/x", "/api/v1/public/41058%d/cases/A%d",
		"/api/v1/calendar/add?from=2026-01-0%d", "/api/openapi.yaml", "/api/v1/users/%d/grants/role%d", "/metrics",
	}
	const workers, perWorker = 8, 120
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rc := dialRaw(t, addr)
			for i := 0; i < perWorker; i++ {
				m := methods[(w+i)%len(methods)]
				p := paths[(w*7+i)%len(paths)]
				for strings.Contains(p, "%d") {
					p = strings.Replace(p, "%d", strconv.Itoa((i+w)%10), 1)
				}
				body := ""
				if m == "POST" || m == "PUT" || m == "PATCH" {
					body = fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("z", i%50))
				}
				status, _, _ := rc.do(m, p, []string{fmt.Sprintf("X-Pad-%d: %s", i%5, strings.Repeat("y", (i*13)%200))}, body)
				if status >= 500 {
					t.Errorf("%s %s: %d", m, p, status)
				}
			}
		}(w)
	}
	wg.Wait()

	routes := map[string]bool{"unmatched": true, "/api/*": true, "/": true}
	for _, r := range env.Server.Routes() {
		routes[r.Path] = true
	}
	known := map[string]bool{"OTHER": true}
	for _, m := range methods {
		known[m] = true
	}
	families := scrapeMetrics(t, env)
	fam := families["sunshine_http_request_duration_seconds"]
	if fam == nil {
		t.Fatal("no sunshine_http_request_duration_seconds in the scrape")
	}
	var observed uint64
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if !known[labels["method"]] {
			t.Errorf("method label %q is not a method the server knows", labels["method"])
		}
		if !routes[labels["route"]] {
			t.Errorf("route label %q is not a registered route", labels["route"])
		}
		if n, err := strconv.Atoi(labels["status"]); err != nil || n < 100 || n > 599 {
			t.Errorf("status label %q is not a status", labels["status"])
		}
		observed += m.GetHistogram().GetSampleCount()
	}
	if observed < workers*perWorker {
		t.Errorf("%d requests observed, want at least %d", observed, workers*perWorker)
	}
}

// scrapeMetrics reads the env's registry through the metrics listener and parses it.
func scrapeMetrics(t *testing.T, env *apitest.Env) map[string]*dto.MetricFamily {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = httpapi.ServeMetricsOn(ctx, ln, env.Server.Metrics, logging.Discard())
	}()
	defer func() { cancel(); <-done }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %d %s", resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("scrape does not parse: %v", err)
	}
	return families
}

// TestMetricsAreNotOnThePublicPortByDefault: /metrics answers 404 on http.addr unless
// metrics.public is on.
func TestMetricsAreNotOnThePublicPortByDefault(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{NoDemo: true})
	if r := env.Anonymous().Do("GET", "/metrics", nil); r.Status != 404 {
		t.Fatalf("/metrics on the public port: %d, want 404", r.Status)
	}
	on := apitest.New(t, apitest.Options{NoDemo: true, Env: map[string]string{"SUNSHINE_METRICS_PUBLIC": "true"}})
	if r := on.Anonymous().Do("GET", "/metrics", nil); r.Status != 200 || !strings.Contains(string(r.Body), "go_goroutines") {
		t.Fatalf("/metrics with metrics.public: %d", r.Status)
	}
}

// TestLogoutOnAKeptAliveConnectionEndsTheSessionAtOnce: the session cache kept the
// token as a view into the request's cookie buffer; a later request on the same
// connection overwrote it, logout dropped the wrong cache entry, and the token stayed
// valid for the cache's 5 seconds.
func TestLogoutOnAKeptAliveConnectionEndsTheSessionAtOnce(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	addr := env.Listen()
	rc := dialRaw(t, addr)
	status, body, hdr := rc.do("POST", "/api/v1/auth/login", nil, `{"tenant":"410581","username":"handler","password":"`+apitest.DemoPassword+`"}`)
	if status != 200 {
		t.Fatalf("login: %d %s", status, body)
	}
	var session, csrf string
	for _, ck := range (&http.Response{Header: hdr}).Cookies() {
		switch ck.Name {
		case httpapi.CookieSession:
			session = ck.Value
		case httpapi.CookieCSRF:
			csrf = ck.Value
		}
	}
	cookie := "Cookie: " + httpapi.CookieSession + "=" + session + "; " + httpapi.CookieCSRF + "=" + csrf
	if status, body, _ := rc.do("GET", "/api/v1/me", []string{cookie}, ""); status != 200 {
		t.Fatalf("me: %d %s", status, body)
	}
	// Another request on the connection, with other cookies of the same length.
	other := "Cookie: a=1; " + httpapi.CookieSession + "=" + strings.Repeat("x", len(session)) + "; " + httpapi.CookieCSRF + "=" + csrf
	rc.do("GET", "/healthz", []string{other}, "")
	if status, body, _ := rc.do("POST", "/api/v1/auth/logout", []string{"Authorization: Bearer " + session}, ""); status != 204 {
		t.Fatalf("logout: %d %s", status, body)
	}
	if status, _, _ := rc.do("GET", "/api/v1/me", []string{cookie}, ""); status != 401 {
		t.Fatalf("the session must end at logout, got %d", status)
	}
}
