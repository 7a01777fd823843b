// Package httpapi is Sunshine's HTTP transport (Fiber v2): it decodes requests,
// calls a capability's service, and maps results and errors to JSON and problem+json.
// No SQL and no business rule lives here. openapi.yaml in this package is the
// contract; a test keeps it and the registered routes identical.
package httpapi

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar/tenantcal"
	"sunshine/pkg/captcha"
	"sunshine/pkg/casework"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/files"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/metrics"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/platform/ratelimit"
	"sunshine/pkg/projects"
	"sunshine/pkg/seclog"
	"sunshine/pkg/servicecentre"
	"sunshine/pkg/supervision"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// Deps are what the transport needs; capabilities add their services here.
type Deps struct {
	Config  *config.Config
	Log     *slog.Logger
	DB      *db.DB
	Redis   asynq.RedisConnOpt
	Queue   *queue.Client
	Metrics *metrics.Registry
	Clock   clock.Clock
	// Console is the built console (index.html and assets); nil serves none.
	Console fs.FS

	Tenants   *tenant.Registry
	Identity  *identity.Service
	Admin     *identity.Admin
	Enforcer  *authz.Enforcer
	Tenancy   *tenancy.Service
	Catalogue *catalogue.Service
	Casework  *casework.Service
	// ServiceCentre (windows and their volume), Projects (major projects) and the
	// tenants' working calendars (local days).
	ServiceCentre *servicecentre.Service
	Projects      *projects.Service
	Calendars     *tenantcal.Calendars
	// Supervision and its live event bus (nil without Redis).
	Supervision *supervision.Service
	Bus         *supervision.Bus
	// Files is the platform's file store (nil: uploads are not served).
	Files *files.Store
	// Captcha guards public applications; Limiter counts public requests.
	Captcha *captcha.Service
	Limiter *ratelimit.Limiter
	// Security is the security log (nil: nothing is recorded).
	Security *seclog.Log

	// mutableStrings runs Fiber without Immutable (the benchmark's baseline only; see
	// docs/adr/0008).
	mutableStrings bool
}

// Server is the HTTP API and console server.
type Server struct {
	Deps
	app    *fiber.App
	routes []Route
	// done is closed when the server begins shutting down (live streams end).
	done chan struct{}
	// publicLimits are the public portal's rate limits by name (config public.*).
	publicLimits map[string]ratelimit.Limit
}

// Route is one registered endpoint; Perm is the permission it requires ("" and
// Public false: any signed-in user).
type Route struct {
	Method string
	Path   string
	Public bool
	Perm   string
	// Upload routes take a multipart file up to the file store's limit; every other
	// route's body is held to http.body_limit.
	Upload bool
}

// New builds the server with every route registered.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	if d.Limiter == nil {
		d.Limiter = ratelimit.New(nil, d.Log)
	}
	cfg := d.Config.HTTP
	app := fiber.New(fiber.Config{
		AppName:                 "sunshine",
		BodyLimit:               bodyLimit(d),
		ReadTimeout:             cfg.ReadTimeout,
		WriteTimeout:            cfg.WriteTimeout,
		IdleTimeout:             cfg.IdleTimeout,
		ErrorHandler:            errorHandler(d.Log),
		DisableStartupMessage:   true,
		EnableTrustedProxyCheck: cfg.TrustedProxies != "",
		TrustedProxies:          config.SplitList(cfg.TrustedProxies),
		ProxyHeader:             proxyHeader(cfg.TrustedProxies),
		ReadBufferSize:          16384, // long cookies and Accept-Language headers from government browsers
		// Responses are encoded with goccy/go-json (encoding/json-compatible, HTML
		// escaping included): encoding/json was a third of a case page's CPU. Request
		// bodies keep encoding/json (Bind), whose strict errors the clients rely on.
		JSONEncoder: gojson.Marshal,
		// Every string and byte slice Fiber hands out (method, path, params, query,
		// headers, cookies, body) is a copy, not a view into a buffer fasthttp reuses
		// for the connection's next request: such views escaped into Prometheus labels
		// and the session cache. The copies cost well under 1% of a request
		// (docs/adr/0008-immutable-request-strings.md, BenchmarkRequestStrings).
		Immutable: !d.mutableStrings,
	})
	s := &Server{Deps: d, app: app, done: make(chan struct{}), publicLimits: d.Config.Public.Limits()}
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		logging.From(c.UserContext()).Error("panic while serving", "panic", fmt.Sprint(e))
	}}))
	app.Use(s.requestContext)
	app.Use(securityHeaders(cfg.SecureCookies))
	app.Use(checkRequestText)
	s.register()
	return s
}

func proxyHeader(trusted string) string {
	if trusted == "" {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// App exposes the Fiber app (component tests use app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Routes lists the registered API routes with their permissions.
func (s *Server) Routes() []Route { return s.routes }

// Listen serves on addr until ctx is cancelled, then shuts down gracefully within
// the configured timeout.
func (s *Server) Listen(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http: listen on %s (http.addr, SUNSHINE_HTTP_ADDR): %w", addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		close(s.done)
		return s.app.ShutdownWithTimeout(s.Config.HTTP.ShutdownTimeout)
	}
}

// requestContext gives each request an ID (X-Request-ID when the caller sent a sane
// one), a logger carrying it, and records latency by route template and status.
func (s *Server) requestContext(c *fiber.Ctx) error {
	start := time.Now()
	rid := c.Get(fiber.HeaderXRequestID)
	if !saneRequestID(rid) {
		rid = uuid.NewString()
	}
	c.Locals(localRequestID, rid)
	c.Set(fiber.HeaderXRequestID, rid)
	log := s.Log.With("request_id", rid)
	c.SetUserContext(logging.With(c.UserContext(), log))
	err := c.Next()
	if err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	if status >= 400 && status < 500 {
		s.recordSecurityEvent(c, status)
	}
	route := c.Route().Path
	if status == fiber.StatusNotFound && (route == "/" || route == "/*" || route == "") {
		route = "unmatched"
	}
	s.Metrics.HTTPDuration.WithLabelValues(methodLabel(c.Method()), route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	if status >= 500 {
		log.Error("http", "method", c.Method(), "path", c.Path(), "status", status, "duration", time.Since(start))
	} else {
		log.Debug("http", "method", c.Method(), "path", c.Path(), "status", status, "duration", time.Since(start))
	}
	return nil
}

// methodLabel bounds the method label to the methods HTTP defines: anything else a
// client sends is "OTHER", so that no caller can mint label values.
func methodLabel(m string) string {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace:
		return m
	}
	return "OTHER"
}

func saneRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

const localRequestID = "request_id"

func requestID(c *fiber.Ctx) string {
	if v, ok := c.Locals(localRequestID).(string); ok {
		return v
	}
	return ""
}

// securityHeaders applies the headers every response carries. Element Plus sets
// inline styles, hence 'unsafe-inline' for styles only; scripts come from self.
func securityHeaders(secure string) fiber.Handler {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
		"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
	return func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", csp)
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("X-Frame-Options", "DENY")
		c.Set("Referrer-Policy", "same-origin")
		c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		c.Set("Cross-Origin-Opener-Policy", "same-origin")
		if secure == "always" || (secure == "auto" && c.Protocol() == "https") {
			c.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return c.Next()
	}
}

// handle registers an API route in the route table (for the spec check and the
// authorization matrix) and in Fiber.
func (s *Server) handle(method, path string, r Route, h ...fiber.Handler) {
	r.Method, r.Path = method, path
	s.routes = append(s.routes, r)
	if !r.Upload && bodyLimit(s.Deps) > s.Config.HTTP.BodyLimit {
		h = append([]fiber.Handler{s.limitBody}, h...)
	}
	s.app.Add(method, path, h...)
}

// bodyLimit is the largest body the server reads: http.body_limit, or the file
// store's limit plus room for the multipart envelope when uploads are larger.
func bodyLimit(d Deps) int {
	limit := d.Config.HTTP.BodyLimit
	if d.Files != nil && int(d.Files.MaxBytes())+64<<10 > limit {
		limit = int(d.Files.MaxBytes()) + 64<<10
	}
	return limit
}

// limitBody holds a route that is not an upload to http.body_limit.
func (s *Server) limitBody(c *fiber.Ctx) error {
	if n := len(c.Request().Body()); n > s.Config.HTTP.BodyLimit {
		return apperr.New(apperr.KindPayloadTooLarge, "payload_too_large", apperr.Params{"limit": s.Config.HTTP.BodyLimit})
	}
	return c.Next()
}

// public registers an endpoint anyone may call.
func (s *Server) public(method, path string, h fiber.Handler) {
	s.handle(method, path, Route{Public: true}, h)
}

// notFoundAPI answers unknown API paths with a problem (the console's SPA fallback
// must never swallow them).
func notFoundAPI(c *fiber.Ctx) error {
	return apperr.NotFound("route_not_found", apperr.Params{"method": c.Method(), "path": c.Path()})
}

func isAPIPath(p string) bool {
	for _, prefix := range []string{"/api/", "/healthz", "/readyz", "/metrics", "/ops/"} {
		if p == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
