package httpapi

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/tenant"
)

// Cookie names. The session cookie is HttpOnly; the CSRF cookie is readable by the
// console, which echoes it in the X-CSRF-Token header on unsafe requests.
const (
	CookieSession = "sunshine_session"
	CookieCSRF    = "sunshine_csrf"
	HeaderCSRF    = "X-CSRF-Token"
)

const (
	localPrincipal = "principal"
	localCaller    = "caller"
	localReadable  = "readable"
)

// route registers an endpoint for signed-in users holding perm ("" = any signed-in
// user). The permission is checked once here; the read scope it yields is what the
// database lets the handler see.
func (s *Server) route(method, path, perm string, h fiber.Handler) {
	s.handle(method, path, Route{Perm: perm}, s.authenticate(method, path, perm), h)
}

func unsafeMethod(m string) bool {
	return m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions
}

// bearer returns the token of the request and whether it came from the cookie.
func bearer(c *fiber.Ctx) (string, bool) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok), false
		}
		return "", false
	}
	return c.Cookies(CookieSession), true
}

// pathsDuringPasswordChange are what a user who must change the one-time password may
// still call.
var pathsDuringPasswordChange = map[string]bool{
	"/api/v1/me": true, "/api/v1/me/password": true, "/api/v1/auth/logout": true,
}

func (s *Server) authenticate(method, path, perm string) fiber.Handler {
	read := !unsafeMethod(method) && (perm == "" || authz.IsRead(perm))
	return func(c *fiber.Ctx) error {
		tok, viaCookie := bearer(c)
		if tok == "" {
			return apperr.Unauthenticated("unauthenticated")
		}
		ctx := c.UserContext()
		p, err := s.Identity.Authenticate(ctx, tok)
		if err != nil {
			return err
		}
		// Known from here on, also to the security log when the request is refused.
		c.Locals(localPrincipal, p)
		if viaCookie && unsafeMethod(method) && !identity.CheckCSRF(tok, c.Get(HeaderCSRF)) {
			return apperr.Forbidden("identity.csrf")
		}
		if p.User.MustChangePassword && !pathsDuringPasswordChange[path] {
			return apperr.Forbidden("identity.password_change_required")
		}
		if perm != "" && !read && !s.Enforcer.Allowed(p.User.ID, p.Tenant.Path, perm) {
			return apperr.Forbidden("authz.forbidden", apperr.Params{"permission": perm})
		}
		caller, readable, err := s.Enforcer.Caller(ctx, s.Tenants, p.Actor(requestID(c), c.IP()), p.Tenant, perm)
		if err != nil {
			return err
		}
		ctx = actor.WithCaller(ctx, caller)
		ctx = logging.With(ctx, logging.From(ctx).With("tenant", p.Tenant.Code, "user", p.User.Username))
		c.SetUserContext(ctx)
		c.Locals(localPrincipal, p)
		c.Locals(localCaller, caller)
		c.Locals(localReadable, readable)
		return c.Next()
	}
}

func principalOf(c *fiber.Ctx) *identity.Principal {
	return c.Locals(localPrincipal).(*identity.Principal)
}

// callerOf is the request's caller, set once by authenticate (and in the request's
// user context, where services take it from).
func callerOf(c *fiber.Ctx) actor.Caller { return c.Locals(localCaller).(actor.Caller) }
func actorOf(c *fiber.Ctx) actor.Actor   { return callerOf(c).Actor }
func scopeOf(c *fiber.Ctx) db.Scope      { return callerOf(c).Scope() }

// readableTenants are the tenants the route's permission lets the caller read.
func readableTenants(c *fiber.Ctx) []*tenant.Tenant {
	return c.Locals(localReadable).([]*tenant.Tenant)
}

// tenantFilter resolves an optional ?tenant=CODE to tenants within the readable set
// (an unreadable or unknown code is a 404, indistinguishable from each other).
func tenantFilter(c *fiber.Ctx) ([]*tenant.Tenant, error) {
	readable := readableTenants(c)
	code := c.Query("tenant")
	if code == "" {
		return readable, nil
	}
	for _, t := range readable {
		if t.Code == code {
			return []*tenant.Tenant{t}, nil
		}
	}
	return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": code})
}

// setSessionCookies sets the session and CSRF cookies (Secure under TLS or when
// configured; SameSite=Lax so that links from other sites still land signed in, while
// their POSTs do not carry the cookie).
func (s *Server) setSessionCookies(c *fiber.Ctx, token, csrf string, expires time.Time) {
	secure := s.Config.HTTP.SecureCookies == "always" || (s.Config.HTTP.SecureCookies == "auto" && c.Protocol() == "https")
	c.Cookie(&fiber.Cookie{Name: CookieSession, Value: token, Path: "/", Expires: expires, HTTPOnly: true, Secure: secure, SameSite: fiber.CookieSameSiteLaxMode})
	c.Cookie(&fiber.Cookie{Name: CookieCSRF, Value: csrf, Path: "/", Expires: expires, HTTPOnly: false, Secure: secure, SameSite: fiber.CookieSameSiteLaxMode})
}

func (s *Server) clearSessionCookies(c *fiber.Ctx) {
	past := time.Unix(0, 0)
	for _, name := range []string{CookieSession, CookieCSRF} {
		c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", Expires: past, HTTPOnly: name == CookieSession, SameSite: fiber.CookieSameSiteLaxMode})
	}
}
