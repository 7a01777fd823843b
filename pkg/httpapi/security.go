package httpapi

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/identity"
	"sunshine/pkg/seclog"
	"sunshine/pkg/tenant"
)

const (
	// localProblem is the *apperr.Error a refused request was answered with.
	localProblem = "problem"
	// localLoginTenant and localLoginUsername are what a sign-in attempt named.
	localLoginTenant   = "login_tenant"
	localLoginUsername = "login_username"
)

// securityKind classifies a refused request for the security log ("" = not a
// security event). It runs for every 4xx answer, after the problem is written.
func (s *Server) securityKind(ctx context.Context, c *fiber.Ctx, status int, e *apperr.Error, signedIn bool) (kind, detail string) {
	code := ""
	if e != nil {
		code = e.Code
	}
	switch status {
	case fiber.StatusForbidden:
		return seclog.Denied, ""
	case fiber.StatusTooManyRequests:
		return seclog.Throttled, ""
	case fiber.StatusUnauthorized:
		if code == "identity.bad_credentials" {
			return seclog.LoginFailed, ""
		}
	case fiber.StatusNotFound:
		if !signedIn || e == nil {
			return "", ""
		}
		if code == "tenant.not_found" {
			named, _ := e.Params["code"].(string)
			if _, err := s.Tenants.ByCode(ctx, named); err == nil {
				return seclog.CrossTenant, "tenant " + named
			}
			return seclog.NotFound, "tenant " + named
		}
		// An object addressed by ID: another tenant's IDs answer exactly like unknown
		// ones (nothing leaks), and both are worth an auditor's look.
		for _, p := range c.Route().Params {
			if p == "id" {
				return seclog.NotFound, ""
			}
		}
	case fiber.StatusUnprocessableEntity:
		if e == nil {
			return "", ""
		}
		for _, f := range e.Fields {
			switch f.Code {
			case "identity.old_password_wrong":
				return seclog.PasswordCheckFailed, ""
			case "captcha.wrong":
				return seclog.CaptchaFailed, ""
			}
		}
	}
	return "", ""
}

// recordSecurityEvent records a refused request in the security log: who (the
// signed-in user, or the account a sign-in named), from where, what and why. The
// tenant is the caller's, the one a sign-in or a public route named, or — when none
// exists — the root tenant's (the platform's auditors read it there).
func (s *Server) recordSecurityEvent(c *fiber.Ctx, status int) {
	if s.Security == nil {
		return
	}
	ctx := context.Background()
	e, _ := c.Locals(localProblem).(*apperr.Error)
	p, _ := c.Locals(localPrincipal).(*identity.Principal)
	kind, detail := s.securityKind(ctx, c, status, e, p != nil)
	if kind == "" {
		return
	}
	ev := seclog.Event{Kind: kind, Status: status, IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent),
		Method: c.Method(), Path: c.Path(), RequestID: requestID(c), Detail: detail}
	if e != nil {
		ev.Code = e.Code
	}
	named := ""
	switch {
	case p != nil:
		ev.TenantID = p.Tenant.ID
		uid := p.User.ID
		ev.UserID, ev.Username = &uid, p.User.Username
	case c.Locals(localLoginTenant) != nil:
		named, _ = c.Locals(localLoginTenant).(string)
		ev.Username, _ = c.Locals(localLoginUsername).(string)
		ev.Username = strings.ToLower(strings.TrimSpace(ev.Username))
	default:
		named = publicTenantCode(c)
	}
	if ev.TenantID == uuid.Nil {
		if t, err := s.Tenants.ByCode(ctx, strings.TrimSpace(named)); err == nil {
			ev.TenantID = t.ID
		} else if root := s.rootTenant(ctx); root != nil {
			ev.TenantID = root.ID
			if named != "" {
				ev.Detail = strings.TrimSpace(ev.Detail + " unknown tenant " + seclog.Cap(named, 16))
			}
		}
	}
	s.Security.Record(ev)
}

// publicTenantCode is the tenant a public portal request names
// (/api/v1/public/{tenantCode}/…), also when a middleware refused it before routing.
func publicTenantCode(c *fiber.Ctx) string {
	rest, ok := strings.CutPrefix(c.Path(), "/api/v1/public/")
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, "/")
	if len(code) != 6 {
		return ""
	}
	return code
}

// rootTenant is the top of the tenant tree (the city; with several, the first by
// code), nil when there is none yet.
func (s *Server) rootTenant(ctx context.Context) *tenant.Tenant {
	all, err := s.Tenants.All(ctx)
	if err != nil {
		return nil
	}
	var root *tenant.Tenant
	for _, t := range all {
		if !strings.Contains(t.Path, "/") && (root == nil || t.Code < root.Code) {
			root = t
		}
	}
	return root
}

type securityEventJSON struct {
	seclog.Event
	TenantCode string `json:"tenant_code"`
}

// listSecurityEvents pages through the security log of the tenants the caller may
// audit, newest first, optionally of one kind and since a time.
func (s *Server) listSecurityEvents(c *fiber.Ctx) error {
	ts, err := tenantFilter(c)
	if err != nil {
		return err
	}
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	f := seclog.Filter{Tenants: tenant.IDs(ts), Kind: c.Query("kind"), Limit: page.PageSize, Offset: page.Offset()}
	if f.Kind != "" && !contains(seclog.Kinds, f.Kind) {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "kind", "reason": "must be one of " + strings.Join(seclog.Kinds, ", ")})
	}
	if f.Since, err = parseTimeQuery(c, "since"); err != nil {
		return err
	}
	codes := map[uuid.UUID]string{}
	for _, t := range ts {
		codes[t.ID] = t.Code
	}
	var rows []seclog.Event
	var total int64
	err = s.DB.InScope(c.UserContext(), func(tx *gorm.DB) error {
		var err error
		rows, total, err = seclog.List(tx, f)
		return err
	})
	if err != nil {
		return err
	}
	items := make([]securityEventJSON, len(rows))
	for i, r := range rows {
		items[i] = securityEventJSON{Event: r, TenantCode: codes[r.TenantID]}
	}
	return c.JSON(List[securityEventJSON]{Items: items, Total: int(total), Page: page.Page, PageSize: page.PageSize})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
