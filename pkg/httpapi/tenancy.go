package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"sunshine/pkg/apperr"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

func (s *Server) listTenants(c *fiber.Ctx) error {
	readable := readableTenants(c)
	items := make([]TenantJSON, 0, len(readable))
	for _, t := range readable {
		items = append(items, tenantJSON(t))
	}
	return c.JSON(Items(items))
}

// readableTenant finds code among the tenants the route lets the caller read.
func readableTenant(c *fiber.Ctx, code string) (*tenant.Tenant, error) {
	for _, t := range readableTenants(c) {
		if t.Code == code {
			return t, nil
		}
	}
	return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": code})
}

type tenantDetail struct {
	TenantJSON
	Settings          map[string]any `json:"settings"`
	EffectiveSettings map[string]any `json:"effective_settings"`
}

func (s *Server) getTenant(c *fiber.Ctx) error {
	t, err := readableTenant(c, c.Params("code"))
	if err != nil {
		return err
	}
	eff, err := s.Tenants.Effective(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(tenantDetail{TenantJSON: tenantJSON(t), Settings: t.SettingsMap(), EffectiveSettings: eff})
}

type provisionResponse struct {
	Tenant TenantJSON `json:"tenant"`
	Admin  struct {
		Username        string `json:"username"`
		OneTimePassword string `json:"one_time_password"`
	} `json:"admin"`
}

func (s *Server) provisionTenant(c *fiber.Ctx) error {
	var in tenancy.ProvisionInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	res, err := s.Tenancy.Provision(c.UserContext(), in, tenancy.CreateOnly)
	if err != nil {
		return err
	}
	var out provisionResponse
	out.Tenant = tenantJSON(res.Tenant)
	out.Admin.Username, out.Admin.OneTimePassword = res.AdminUsername, res.AdminPassword
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(out)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) suspendTenant(c *fiber.Ctx) error {
	var in reasonRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	t, err := s.Tenancy.Suspend(c.UserContext(), c.Params("code"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(tenantJSON(t))
}

func (s *Server) resumeTenant(c *fiber.Ctx) error {
	t, err := s.Tenancy.Resume(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(tenantJSON(t))
}

type settingsRequest struct {
	Settings map[string]any `json:"settings"`
}

func (s *Server) patchTenantSettings(c *fiber.Ctx) error {
	var in settingsRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	if in.Settings == nil {
		return apperr.Invalid("validation_failed").WithField("settings", "required")
	}
	t, err := s.Tenancy.UpdateSettings(c.UserContext(), c.Params("code"), in.Settings)
	if err != nil {
		return err
	}
	eff, err := s.Tenants.Effective(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(tenantDetail{TenantJSON: tenantJSON(t), Settings: t.SettingsMap(), EffectiveSettings: eff})
}

func (s *Server) listDepartments(c *fiber.Ctx) error {
	list, err := s.Tenancy.Departments(c.UserContext(), c.Query("tenant"))
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

func (s *Server) createDepartment(c *fiber.Ctx) error {
	var in tenancy.DepartmentSpec
	if err := Bind(c, &in); err != nil {
		return err
	}
	d, err := s.Tenancy.CreateDepartment(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) updateDepartment(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in tenancy.DepartmentSpec
	if err := Bind(c, &in); err != nil {
		return err
	}
	d, err := s.Tenancy.UpdateDepartment(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}
