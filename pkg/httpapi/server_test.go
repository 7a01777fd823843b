package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/logging"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	c, err := config.Load(config.MapLookup(map[string]string{"SUNSHINE_MODE": "dev", "SUNSHINE_HTTP_BODY_LIMIT": "2048"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bareServer(t *testing.T) *Server {
	t.Helper()
	return New(Deps{Config: testConfig(t), Log: logging.Discard(), Console: fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html><title>阳光施政平台</title>")},
		"assets/app-1a2b.js": {Data: []byte("console.log(1)")},
	}})
}

func do(t *testing.T, app *fiber.App, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func decodeProblem(t *testing.T, resp *http.Response, body string) Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("want problem+json, got %q: %s", ct, body)
	}
	var p Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != resp.StatusCode || p.Code == "" || p.Detail == "" || p.RequestID == "" {
		t.Fatalf("incomplete problem: %+v", p)
	}
	return p
}

func TestHealthzAndSecurityHeaders(t *testing.T) {
	s := bareServer(t)
	resp, body := do(t, s.App(), httptest.NewRequest("GET", "/healthz", nil))
	if resp.StatusCode != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Request-Id"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("CSP must forbid framing")
	}
}

func TestReadyzNamesTheFailingDependency(t *testing.T) {
	s := bareServer(t) // no DB, no Redis
	resp, body := do(t, s.App(), httptest.NewRequest("GET", "/readyz", nil))
	p := decodeProblem(t, resp, body)
	if resp.StatusCode != 503 || !strings.Contains(p.Detail, "postgres") || !strings.Contains(p.Detail, "redis") {
		t.Fatalf("%d %+v", resp.StatusCode, p)
	}
}

func TestUnknownAPIRouteIsProblem404InBothLanguages(t *testing.T) {
	s := bareServer(t)
	resp, body := do(t, s.App(), httptest.NewRequest("GET", "/api/v1/nope", nil))
	p := decodeProblem(t, resp, body)
	if resp.StatusCode != 404 || p.Code != "route_not_found" || !strings.Contains(p.Detail, "接口不存在") {
		t.Fatalf("%d %+v", resp.StatusCode, p)
	}
	req := httptest.NewRequest("DELETE", "/api/v1/nope", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9,zh;q=0.5")
	resp, body = do(t, s.App(), req)
	p = decodeProblem(t, resp, body)
	if !strings.HasPrefix(p.Detail, "No such endpoint: DELETE /api/v1/nope") {
		t.Fatalf("want English, got %q", p.Detail)
	}
}

func TestOversizeBodyIs413Problem(t *testing.T) {
	// Over a real socket: fasthttp rejects the body before any handler runs, and
	// app.Test reports that as an error instead of a response.
	s := bareServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.App().Listener(ln) }()
	t.Cleanup(func() { _ = s.App().Shutdown() })
	resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/anything", "application/json", strings.NewReader(strings.Repeat("x", 5000)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	p := decodeProblem(t, resp, body)
	if resp.StatusCode != 413 || p.Code != "payload_too_large" {
		t.Fatalf("%d %+v", resp.StatusCode, p)
	}
}

func TestBindMapsEveryKindOfBadBody(t *testing.T) {
	app := fiber.New(fiber.Config{ErrorHandler: errorHandler(logging.Discard())})
	type in struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
		Inner struct {
			Flag bool `json:"flag"`
		} `json:"inner"`
	}
	app.Post("/x", func(c *fiber.Ctx) error {
		var v in
		if err := Bind(c, &v); err != nil {
			return err
		}
		return c.JSON(v)
	})
	cases := []struct {
		body, ct string
		status   int
		code     string
		field    string
	}{
		{`{"name":"a","count":1}`, "application/json", 200, "", ""},
		{`{"name":`, "application/json", 400, "malformed_json", ""},
		{`{"name":"a"} {"x":1}`, "application/json", 400, "malformed_json", ""},
		{``, "application/json", 400, "malformed_json", ""},
		{`[1,2]`, "application/json", 400, "malformed_json", ""},
		{`{"count":"three"}`, "application/json", 422, "validation_failed", "count"},
		{`{"inner":{"flag":1}}`, "application/json", 422, "validation_failed", "inner.flag"},
		{`{"nmae":"a"}`, "application/json", 422, "validation_failed", "nmae"},
		{`name=a`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
	}
	for _, tc := range cases {
		req := httptest.NewRequest("POST", "/x", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ct)
		resp, body := do(t, app, req)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: want %d, got %d %s", tc.body, tc.status, resp.StatusCode, body)
			continue
		}
		if tc.status == 200 {
			continue
		}
		var p Problem
		_ = json.Unmarshal([]byte(body), &p)
		if p.Code != tc.code || (tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field)) {
			t.Errorf("%s: want %s/%s, got %+v", tc.body, tc.code, tc.field, p)
		}
	}
}

func TestPanicsBecomeProblem500WithoutDetails(t *testing.T) {
	app := fiber.New(fiber.Config{ErrorHandler: errorHandler(logging.Discard())})
	s := bareServer(t)
	app.Use(s.requestContext)
	app.Get("/boom", func(c *fiber.Ctx) error { return apperr.Internal(io.ErrUnexpectedEOF) })
	resp, body := do(t, app, httptest.NewRequest("GET", "/boom", nil))
	p := decodeProblem(t, resp, body)
	if resp.StatusCode != 500 || strings.Contains(body, "unexpected EOF") {
		t.Fatalf("internal details leaked or wrong status: %d %s", resp.StatusCode, body)
	}
	_ = p
}

func TestConsoleServesFilesAndFallsBackToIndex(t *testing.T) {
	s := bareServer(t)
	resp, body := do(t, s.App(), httptest.NewRequest("GET", "/portal/410581", nil))
	if resp.StatusCode != 200 || !strings.Contains(body, "阳光施政平台") || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("deep link: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, s.App(), httptest.NewRequest("GET", "/assets/app-1a2b.js", nil))
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("asset: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = do(t, s.App(), httptest.NewRequest("GET", "/assets/missing.js", nil))
	if resp.StatusCode != 404 {
		t.Fatalf("missing asset must 404, got %d", resp.StatusCode)
	}
}

// TestOpenAPIIsValidAndCoversEveryRoute keeps the contract honest: the document
// validates, and the registered routes and the documented operations are the same set.
func TestOpenAPIIsValidAndCoversEveryRoute(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid: %v", err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	s := bareServer(t)
	registered := map[string]bool{}
	for _, r := range s.Routes() {
		registered[r.Method+" "+fiberToOpenAPI(r.Path)] = true
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("route %s is registered but not in openapi.yaml", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("operation %s is in openapi.yaml but no route serves it", k)
		}
	}
	resp, body := do(t, s.App(), httptest.NewRequest("GET", "/api/openapi.yaml", nil))
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "openapi: 3") {
		t.Fatalf("spec not served: %d", resp.StatusCode)
	}
}

// fiberToOpenAPI turns "/api/v1/cases/:id" into "/api/v1/cases/{id}".
func fiberToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, ":") {
			parts[i] = "{" + strings.TrimSuffix(strings.TrimPrefix(part, ":"), "?") + "}"
		}
	}
	return strings.Join(parts, "/")
}
