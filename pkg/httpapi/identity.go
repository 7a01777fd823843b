package httpapi

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/identity"
	"sunshine/pkg/tenant"
)

// TenantJSON is a tenant as the API shows it.
type TenantJSON struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	Level        string  `json:"level"`
	Parent       *string `json:"parent"`
	Path         string  `json:"path"`
	Status       string  `json:"status"`
	StatusReason string  `json:"status_reason,omitempty"`
}

func tenantJSON(t *tenant.Tenant) TenantJSON {
	out := TenantJSON{Code: t.Code, Name: t.Name, Level: t.Level, Path: t.Path, Status: t.Status, StatusReason: t.StatusReason}
	if p := t.ParentCode(); p != "" {
		out.Parent = &p
	}
	return out
}

// UserJSON is the signed-in user as login and /me show it.
type UserJSON struct {
	ID                 string  `json:"id"`
	Username           string  `json:"username"`
	DisplayName        string  `json:"display_name"`
	DepartmentID       *string `json:"department_id"`
	Phone              string  `json:"phone"`
	MustChangePassword bool    `json:"must_change_password"`
}

func userJSON(u *identity.User) UserJSON {
	out := UserJSON{ID: u.ID.String(), Username: u.Username, DisplayName: u.DisplayName, Phone: u.Phone, MustChangePassword: u.MustChangePassword}
	if u.DepartmentID != nil {
		d := u.DepartmentID.String()
		out.DepartmentID = &d
	}
	return out
}

type loginRequest struct {
	Tenant   string `json:"tenant"`
	Username string `json:"username"`
	Password string `json:"password"`
	// Client "api" asks for a long-lived bearer token and no cookies.
	Client string `json:"client"`
}

type loginResponse struct {
	Token     string     `json:"token"`
	CSRFToken string     `json:"csrf_token,omitempty"`
	ExpiresAt time.Time  `json:"expires_at"`
	User      UserJSON   `json:"user"`
	Tenant    TenantJSON `json:"tenant"`
}

func (s *Server) login(c *fiber.Ctx) error {
	var in loginRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	var v apperr.Fields
	v.Required("tenant", in.Tenant)
	v.Required("username", in.Username)
	v.Required("password", in.Password)
	if in.Client != "" && in.Client != "browser" && in.Client != "api" {
		v.Add("client", "not_allowed_value", apperr.Params{"allowed": "browser, api"})
	}
	if err := v.Err(); err != nil {
		return err
	}
	c.Locals(localLoginTenant, in.Tenant)
	c.Locals(localLoginUsername, in.Username)
	kind := identity.KindBrowser
	if in.Client == "api" {
		kind = identity.KindToken
	}
	res, err := s.Identity.Login(c.UserContext(), identity.LoginInput{
		Tenant: in.Tenant, Username: in.Username, Password: in.Password, IP: c.IP(),
		UserAgent: c.Get(fiber.HeaderUserAgent), Kind: kind, RequestID: requestID(c),
	})
	if err != nil {
		return err
	}
	out := loginResponse{Token: res.Token, ExpiresAt: res.ExpiresAt, User: userJSON(res.User), Tenant: tenantJSON(res.Tenant)}
	if kind == identity.KindBrowser {
		out.CSRFToken = res.CSRF
		s.setSessionCookies(c, res.Token, res.CSRF, res.ExpiresAt)
	}
	return c.JSON(out)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.Identity.Logout(c.UserContext(), principalOf(c)); err != nil {
		return err
	}
	s.clearSessionCookies(c)
	return c.SendStatus(fiber.StatusNoContent)
}

type meResponse struct {
	User        UserJSON      `json:"user"`
	Tenant      TenantJSON    `json:"tenant"`
	Roles       []string      `json:"roles"`
	Grants      []authz.Grant `json:"grants"`
	Permissions []string      `json:"permissions"`
}

func (s *Server) me(c *fiber.Ctx) error {
	p := principalOf(c)
	grants := s.Enforcer.GrantsOf(p.User.ID)
	roles := []string{}
	seen := map[string]bool{}
	for _, g := range grants {
		if !seen[g.Role] {
			seen[g.Role] = true
			roles = append(roles, g.Role)
		}
	}
	perms := s.Enforcer.Permissions(p.User.ID, p.Tenant.Path)
	if perms == nil {
		perms = []string{}
	}
	return c.JSON(meResponse{User: userJSON(p.User), Tenant: tenantJSON(p.Tenant), Roles: roles, Grants: grants, Permissions: perms})
}

type passwordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	var in passwordRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	var v apperr.Fields
	v.Required("old_password", in.OldPassword)
	v.Required("new_password", in.NewPassword)
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.Identity.ChangePassword(c.UserContext(), principalOf(c), in.OldPassword, in.NewPassword); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) publicTenants(c *fiber.Ctx) error {
	all, err := s.Tenants.All(c.UserContext())
	if err != nil {
		return err
	}
	items := make([]TenantJSON, 0, len(all))
	for _, t := range all {
		items = append(items, tenantJSON(t))
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	return c.JSON(Items(items))
}

func (s *Server) roles(c *fiber.Ctx) error {
	type roleJSON struct {
		authz.RoleInfo
		Permissions []string `json:"permissions"`
		Grantable   bool     `json:"grantable"`
	}
	p := principalOf(c)
	canManage := s.Enforcer.Allowed(p.User.ID, p.Tenant.Path, authz.UserManage)
	granter := authz.Granter{Platform: s.Enforcer.Allowed(p.User.ID, p.Tenant.Path, authz.TenantManage), City: p.Tenant.Level == tenant.LevelCity}
	out := make([]roleJSON, 0, len(authz.Roles))
	for _, r := range authz.Roles {
		grantable := canManage && granter.MayGrant(r.Name, false)
		out = append(out, roleJSON{RoleInfo: r, Permissions: authz.RolePermissions[r.Name], Grantable: grantable})
	}
	return c.JSON(Items(out))
}

func trimmed(s string) string { return strings.TrimSpace(s) }
