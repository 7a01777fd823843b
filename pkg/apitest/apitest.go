// Package apitest runs the real application — assembled exactly as the binary
// assembles it, on a fresh migrated PostgreSQL database with the Anyang demo seeded —
// behind Fiber's in-memory transport, and validates every response against
// openapi.yaml. Capability tests drive it as the console would.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"sunshine/pkg/assembly"
	"sunshine/pkg/authz"
	"sunshine/pkg/httpapi"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/dbtest"
	"sunshine/pkg/platform/files"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/queue"
)

// DemoPassword is every demo account's password in tests.
const DemoPassword = "Sunshine@2026"

// Env is one test's running application.
type Env struct {
	T        testing.TB
	DB       *dbtest.Env
	App      *assembly.App
	Server   *httpapi.Server
	Clock    *clock.Fake
	Registry *queue.Registry
	router   routers.Router
	// FlushRedis wipes the test's Redis (with Options.Redis).
	FlushRedis func()
}

var (
	specOnce sync.Once
	spec     *openapi3.T
	specErr  error
)

func loadSpec() (*openapi3.T, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		spec, specErr = loader.LoadFromData(httpapi.OpenAPI)
		if specErr == nil {
			specErr = spec.Validate(context.Background())
		}
	})
	return spec, specErr
}

// RepoRoot finds the repository root (for tenants/).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Options adjust an environment.
type Options struct {
	// Env overrides configuration variables (SUNSHINE_…).
	Env map[string]string
	// NoDemo skips seeding the demo tenants and accounts.
	NoDemo bool
	// Catalogue also seeds the demo power catalogue (fourteen items in each of the ten
	// tenants; it adds a few seconds, so only tests that browse it ask for it).
	Catalogue bool
	// DemoCases also seeds the demo's windows and a few hundred cases in every state
	// (with the catalogue they run on; several seconds more).
	DemoCases bool
	// DemoAppraisal also seeds the demo's appraisal (with DemoCases): the scheme, two
	// months of extra case history and their runs.
	DemoAppraisal bool
	// Redis gives the application a Redis (the real TEST_REDIS_URL one, in a private
	// logical database, or an in-process one): a queue client, alarms, the live bus.
	Redis bool
	// WallClockSessions runs sign-in on the wall clock while the platform clock is the
	// fake one, as dev mode does (time travel must not sign anyone out).
	WallClockSessions bool
	// RedisServer is an in-process Redis of the test's own (fault tests close and
	// restart it); it implies Redis.
	RedisServer *broker.Embedded
	// Postgres is the superuser URL of a server of the test's own (fault tests stop
	// it); empty: the shared test server.
	Postgres string
}

// New starts the application on a fresh database with the demo seeded. The fake
// clock starts at the real current time.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	// Requests carry the caller's address in X-Forwarded-For (throttling tests vary it).
	vars := map[string]string{"SUNSHINE_MODE": "dev", "SUNSHINE_HTTP_BODY_LIMIT": "1048576", "SUNSHINE_HTTP_TRUSTED_PROXIES": "0.0.0.0/0"}
	bucket, err := files.LocalURL(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	vars["SUNSHINE_FILES_URL"] = bucket
	for k, v := range o.Env {
		vars[k] = v
	}
	cfg, err := config.Load(config.MapLookup(vars), nil)
	if err != nil {
		t.Fatal(err)
	}
	var d *dbtest.Env
	if o.Postgres != "" {
		d = dbtest.NewOn(t, o.Postgres)
	} else {
		d = dbtest.New(t)
	}
	fake := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	reg := queue.NewRegistry()
	ctx := context.Background()
	plat := assembly.Platform{
		Config: cfg, Log: logging.New(testWriter{t}, "error", "text", true), DB: d.DB, AppURL: d.AppURL, Registry: reg, Clock: fake,
		Hasher: identity.TestHasher(),
	}
	if o.WallClockSessions {
		plat.SessionClock = clock.Real{}
	}
	var flush func()
	if o.RedisServer != nil {
		opt := asynq.RedisClientOpt{Addr: o.RedisServer.Addr()}
		flush = o.RedisServer.FlushAll
		plat.Redis = opt
		plat.Queue = queue.NewClient(opt, false)
		t.Cleanup(func() { _ = plat.Queue.Close() })
	} else if o.Redis {
		opt, f := broker.ForTest(t)
		flush = f
		plat.Redis = opt
		plat.Queue = queue.NewClient(opt, false)
		t.Cleanup(func() { _ = plat.Queue.Close() })
	}
	app, err := assembly.Build(ctx, plat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	app.SkipDemoCatalogue = !o.Catalogue && !o.DemoCases
	app.SkipDemoCases = !o.DemoCases
	app.SkipDemoAppraisal = !o.DemoAppraisal
	if !o.NoDemo {
		if _, err := app.SeedDemo(ctx, filepath.Join(RepoRoot(), "tenants"), DemoPassword); err != nil {
			t.Fatalf("seed demo: %v", err)
		}
	}
	doc, err := loadSpec()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, DB: d, App: app, Server: httpapi.New(app.HTTPDeps()), Clock: fake, Registry: reg, router: router, FlushRedis: flush}
}

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v (failing the test when it does not decode).
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes a problem+json body.
func (r *Response) Problem(t testing.TB) httpapi.Problem {
	t.Helper()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want problem+json, got %d %s: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var p httpapi.Problem
	r.JSON(t, &p)
	return p
}

// Client makes requests as one caller (anonymous, bearer token or browser cookies).
type Client struct {
	env     *Env
	token   string
	cookies []*http.Cookie
	csrf    string
	Lang    string
	IP      string
	// rawType is the Content-Type of a DoRaw body.
	rawType string
}

// Anonymous returns a client without credentials.
func (e *Env) Anonymous() *Client { return &Client{env: e} }

// Login signs in with a bearer token (an API client).
func (e *Env) Login(tenant, username string) *Client {
	e.T.Helper()
	c := &Client{env: e}
	r := c.Do("POST", "/api/v1/auth/login", map[string]any{"tenant": tenant, "username": username, "password": DemoPassword, "client": "api"})
	if r.Status != 200 {
		e.T.Fatalf("login %s/%s: %d %s", tenant, username, r.Status, r.Body)
	}
	var out struct{ Token string }
	r.JSON(e.T, &out)
	c.token = out.Token
	return c
}

// BrowserLogin signs in as a browser: the client keeps the cookies and sends the CSRF
// header on unsafe requests (unless told not to with WithoutCSRF).
func (e *Env) BrowserLogin(tenant, username, password string) (*Client, *Response) {
	e.T.Helper()
	c := &Client{env: e}
	r := c.Do("POST", "/api/v1/auth/login", map[string]any{"tenant": tenant, "username": username, "password": password})
	if r.Status == 200 {
		c.cookies = (&http.Response{Header: r.Header}).Cookies()
		for _, ck := range c.cookies {
			if ck.Name == httpapi.CookieCSRF {
				c.csrf = ck.Value
			}
		}
	}
	return c, r
}

// WithoutCSRF returns a copy of a browser client that omits the CSRF header.
func (c *Client) WithoutCSRF() *Client {
	cp := *c
	cp.csrf = ""
	return &cp
}

// DoRaw sends body as it is with the given content type (file uploads).
func (c *Client) DoRaw(method, path, contentType string, body []byte) *Response {
	c.env.T.Helper()
	cp := *c
	cp.rawType = contentType
	return cp.Do(method, path, body)
}

// Token returns the client's bearer token.
func (c *Client) Token() string { return c.token }

// Do sends a request (body marshalled as JSON unless it is a string or []byte) and
// validates the response against openapi.yaml.
func (c *Client) Do(method, path string, body any) *Response {
	t := c.env.T
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if raw != nil {
		ct := "application/json"
		if c.rawType != "" {
			ct = c.rawType
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	if c.csrf != "" && method != "GET" {
		req.Header.Set(httpapi.HeaderCSRF, c.csrf)
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	if c.IP != "" {
		req.Header.Set("X-Forwarded-For", c.IP)
	}
	resp, err := c.env.Server.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	c.env.validate(req, r)
	return r
}

// validate checks a response against the contract: the route must be documented, the
// status listed, and the body must match its schema.
func (e *Env) validate(req *http.Request, r *Response) {
	t := e.T
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/") || req.URL.Path == "/api/openapi.yaml" {
		return
	}
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		if r.Status == 404 || r.Status == 405 {
			return // unknown routes are supposed to be unknown
		}
		t.Errorf("%s %s answered %d but is not in openapi.yaml: %v", req.Method, req.URL.Path, r.Status, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 r.Status,
		Header:                 r.Header,
		Body:                   io.NopCloser(bytes.NewReader(r.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	// Generic statuses every protected route may answer are covered by the problem schema.
	if r.Status == 401 || r.Status == 403 || r.Status == 404 || r.Status == 400 || r.Status == 413 || r.Status == 415 || r.Status == 422 && !documents(route, 422) || r.Status == 429 || r.Status == 431 || r.Status == 500 || r.Status == 503 {
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s: %d without problem+json: %s", req.Method, req.URL.Path, r.Status, r.Body)
		}
		return
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: response %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, r.Status, err, truncate(r.Body))
	}
}

// documents reports whether the operation lists status (else a generic problem is
// expected: any operation may refuse a query parameter out of range with 422).
func documents(route *routers.Route, status int) bool {
	return route.Operation != nil && route.Operation.Responses != nil && route.Operation.Responses.Status(status) != nil
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// Getenv is os.Getenv (tests read the repository's knobs through one place).
func Getenv(k string) string { return os.Getenv(k) }

// UserWithRoles creates a user in tenant holding exactly the given roles (suffix
// "*" for a subtree grant) with the demo password, and signs it in.
func (e *Env) UserWithRoles(tenantCode, username string, roles ...string) *Client {
	e.T.Helper()
	ctx := context.Background()
	t, err := e.App.Tenants.ByCode(ctx, tenantCode)
	if err != nil {
		e.T.Fatal(err)
	}
	hash, err := e.App.Hasher.Hash(DemoPassword)
	if err != nil {
		e.T.Fatal(err)
	}
	err = e.App.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		u, err := identity.CreateUser(tx, t.ID, identity.NewUserInput{Username: username, DisplayName: username}, hash, false)
		if err != nil {
			return err
		}
		for _, r := range roles {
			role, subtree := strings.CutSuffix(r, "*")
			if err := authz.AddGrant(tx, u.ID, role, authz.Domain(t, subtree)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.T.Fatal(err)
	}
	if err := e.App.Enforcer.Reload(); err != nil {
		e.T.Fatal(err)
	}
	return e.Login(tenantCode, username)
}

// testWriter sends the application's error logs to the test's output, so that a 500
// in a test says why.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Listen serves the application on a loopback TCP port (real connections, kept alive
// as a browser keeps them, unlike app.Test's one request per connection) and returns
// its address; the server stops with the test.
func (e *Env) Listen() string {
	e.T.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.T.Fatal(err)
	}
	go func() { _ = e.Server.App().Listener(ln) }()
	e.T.Cleanup(func() { _ = e.Server.App().ShutdownWithTimeout(5 * time.Second) })
	return ln.Addr().String()
}

// SolveCaptcha fetches a captcha as c and reads its answer from the store: the
// test-only way through the captcha (the application has no bypass; this reads the
// table the service writes).
func (c *Client) SolveCaptcha() (id, answer string) {
	t := c.env.T
	t.Helper()
	r := c.Do("GET", "/api/v1/public/captcha", nil)
	if r.Status != 200 {
		t.Fatalf("captcha: %d %s", r.Status, r.Body)
	}
	var ch struct {
		ID    string `json:"id"`
		Image string `json:"image"`
	}
	r.JSON(t, &ch)
	if !strings.HasPrefix(ch.Image, "data:image/png;base64,") {
		t.Fatalf("captcha image: %.60s", ch.Image)
	}
	if err := c.env.App.DB.Gorm(context.Background()).Raw(`SELECT answer FROM captchas WHERE id = ?`, ch.ID).Row().Scan(&answer); err != nil {
		t.Fatalf("captcha answer: %v", err)
	}
	return ch.ID, answer
}

// WithCaptcha returns body (a JSON object as a map) with a solved captcha added.
func (c *Client) WithCaptcha(body map[string]any) map[string]any {
	c.env.T.Helper()
	id, answer := c.SolveCaptcha()
	out := map[string]any{"captcha_id": id, "captcha_answer": answer}
	for k, v := range body {
		out[k] = v
	}
	return out
}
