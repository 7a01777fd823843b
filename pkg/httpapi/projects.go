package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/projects"
	"sunshine/pkg/servicecentre"
	"sunshine/pkg/tenant"
)

// registerProjects: major projects (大项目直通车) and the windows' volume report.
func (s *Server) registerProjects() {
	s.route("GET", "/api/v1/projects", authz.CaseRead, s.listProjects)
	s.route("POST", "/api/v1/projects", authz.ProjectManage, s.createProject)
	s.route("GET", "/api/v1/projects/:id", authz.CaseRead, s.getProject)
	s.route("PUT", "/api/v1/projects/:id", authz.ProjectManage, s.updateProject)

	s.route("GET", "/api/v1/windows/volume", authz.WindowRead, s.windowVolume)
}

func (s *Server) listProjects(c *fiber.Ctx) error {
	ts, err := tenantFilter(c)
	if err != nil {
		return err
	}
	f := projects.ProjectFilter{Tenants: tenant.IDs(ts), Status: c.Query("status")}
	if f.Status != "" && f.Status != projects.ProjectActive && f.Status != projects.ProjectCompleted {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "status", "reason": "must be active or completed"})
	}
	items, err := s.Projects.Projects(c.UserContext(), scopeOf(c), f, codesOf(ts))
	if err != nil {
		return err
	}
	return c.JSON(Items(items))
}

func (s *Server) createProject(c *fiber.Ctx) error {
	var in projects.ProjectInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	p, err := s.Projects.CreateProject(c.UserContext(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) getProject(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.Projects.GetProject(c.UserContext(), scopeOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) updateProject(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in projects.ProjectInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	p, err := s.Projects.UpdateProject(c.UserContext(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// windowVolume reports each window's daily accepted and decided cases over a period
// (default: the last 20 working days of the caller's calendar).
func (s *Server) windowVolume(c *fiber.Ctx) error {
	ts, err := tenantFilter(c)
	if err != nil {
		return err
	}
	var from, to calendar.Date
	for _, q := range []struct {
		name string
		into *calendar.Date
	}{{"from", &from}, {"to", &to}} {
		if v := c.Query(q.name); v != "" {
			d, err := calendar.ParseDate(v)
			if err != nil {
				return apperr.BadRequest("bad_query", apperr.Params{"param": q.name, "reason": "use YYYY-MM-DD"})
			}
			*q.into = d
		}
	}
	ctx := c.UserContext()
	if from.IsZero() || to.IsZero() {
		defFrom, defTo, err := s.ServiceCentre.DefaultVolumePeriod(ctx, principalOf(c).Tenant)
		if err != nil {
			return err
		}
		switch {
		case from.IsZero() && to.IsZero():
			from, to = defFrom, defTo
		case to.IsZero():
			to = defTo
		default:
			cal, err := s.Calendars.For(ctx, principalOf(c).Tenant)
			if err != nil {
				return err
			}
			from = servicecentre.WorkingDaysBack(cal, to, servicecentre.DefaultVolumeWorkingDays)
		}
	}
	rep, err := s.ServiceCentre.Volume(ctx, scopeOf(c), ts, from, to)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}
