package httpapi

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/tenant"
)

// registerCatalogue: the power catalogue (职权目录), its filing queue and the portal's
// catalogue pages.
func (s *Server) registerCatalogue() {
	s.route("GET", "/api/v1/power-categories", authz.PowerRead, s.powerCategories)
	s.route("GET", "/api/v1/powers", authz.PowerRead, s.listPowers)
	s.route("POST", "/api/v1/powers", authz.PowerDraft, s.createPower)
	// Fixed paths before /powers/:id, which would otherwise take them as IDs.
	s.route("GET", "/api/v1/powers/template", authz.PowerRead, s.powerTemplate)
	s.route("GET", "/api/v1/powers/export", authz.PowerRead, s.exportPowers)
	s.route("POST", "/api/v1/powers/import", authz.PowerDraft, s.importPowers)
	s.route("GET", "/api/v1/powers/:id", authz.PowerRead, s.getPower)
	s.route("PUT", "/api/v1/powers/:id", authz.PowerDraft, s.powerAction(func(c *fiber.Ctx, id uuid.UUID) (*catalogue.Detail, error) {
		in := newContent()
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Catalogue.Update(c.UserContext(), id, in)
	}))
	s.route("POST", "/api/v1/powers/:id/submit", authz.PowerDraft, s.powerAction(func(c *fiber.Ctx, id uuid.UUID) (*catalogue.Detail, error) {
		return s.Catalogue.Submit(c.UserContext(), id)
	}))
	s.route("POST", "/api/v1/powers/:id/review", authz.PowerReview, s.powerAction(func(c *fiber.Ctx, id uuid.UUID) (*catalogue.Detail, error) {
		var in catalogue.Decision
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Catalogue.Review(c.UserContext(), id, in)
	}))
	s.route("POST", "/api/v1/powers/:id/publish", authz.PowerReview, s.powerAction(func(c *fiber.Ctx, id uuid.UUID) (*catalogue.Detail, error) {
		return s.Catalogue.Publish(c.UserContext(), id)
	}))
	s.route("POST", "/api/v1/powers/:id/file", authz.PowerFile, s.powerAction(func(c *fiber.Ctx, id uuid.UUID) (*catalogue.Detail, error) {
		return s.Catalogue.File(c.UserContext(), id)
	}))
	s.route("POST", "/api/v1/powers/:id/revise", authz.PowerDraft, s.revisePower)
	s.route("GET", "/api/v1/powers/:id/diff", authz.PowerRead, s.diffPower)
	s.route("GET", "/api/v1/powers/:id/history", authz.PowerRead, s.powerHistory)
	s.route("GET", "/api/v1/filings", authz.PowerFile, s.listFilings)

	s.public("GET", "/api/v1/public/:tenantCode/powers", s.publicPowers)
	s.public("GET", "/api/v1/public/:tenantCode/powers/:id", s.publicPower)
}

func (s *Server) powerCategories(c *fiber.Ctx) error {
	t := principalOf(c).Tenant
	cats, err := s.Catalogue.Categories(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(Items(cats))
}

func powerFilter(c *fiber.Ctx) (catalogue.Filter, error) {
	f := catalogue.Filter{Tenant: c.Query("tenant"), Status: c.Query("status"), Department: c.Query("department"),
		Category: c.Query("category"), Q: strings.TrimSpace(c.Query("q"))}
	if e := c.Query("exercisable"); e != "" {
		b, err := strconv.ParseBool(e)
		if err != nil {
			return f, apperr.BadRequest("bad_query", apperr.Params{"param": "exercisable", "reason": "must be true or false"})
		}
		f.Exercise = &b
	}
	return f, nil
}

func (s *Server) listPowers(c *fiber.Ctx) error {
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	f, err := powerFilter(c)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = page.PageSize, page.Offset()
	items, total, err := s.Catalogue.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	if items == nil {
		items = []catalogue.Summary{}
	}
	return c.JSON(List[catalogue.Summary]{Items: items, Total: int(total), Page: page.Page, PageSize: page.PageSize})
}

// newContent is a draft request: absent extension_days means the legal default.
func newContent() catalogue.Content {
	return catalogue.Content{ExtensionDays: catalogue.DefaultExtensionDays}
}

func (s *Server) createPower(c *fiber.Ctx) error {
	in := newContent()
	if err := Bind(c, &in); err != nil {
		return err
	}
	d, err := s.Catalogue.Create(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) getPower(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Catalogue.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// powerAction is a handler that acts on the power in the path and answers with its
// detail, like caseAction for cases.
func (s *Server) powerAction(fn func(c *fiber.Ctx, id uuid.UUID) (*catalogue.Detail, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := PathUUID(c, "id")
		if err != nil {
			return err
		}
		d, err := fn(c, id)
		if err != nil {
			return err
		}
		return c.JSON(d)
	}
}

type reviseRequest struct {
	ChangeNote string `json:"change_note"`
}

func (s *Server) revisePower(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in reviseRequest
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := Bind(c, &in); err != nil {
			return err
		}
	}
	d, err := s.Catalogue.Revise(c.UserContext(), id, in.ChangeNote)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func queryInt(c *fiber.Ctx, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, apperr.BadRequest("bad_query", apperr.Params{"param": name, "reason": "must be a positive integer"})
	}
	return n, nil
}

func (s *Server) diffPower(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	from, err := queryInt(c, "from")
	if err != nil {
		return err
	}
	to, err := queryInt(c, "to")
	if err != nil {
		return err
	}
	d, err := s.Catalogue.Diff(c.UserContext(), id, from, to)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) powerHistory(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	h, err := s.Catalogue.History(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(Items(h))
}

func (s *Server) listFilings(c *fiber.Ctx) error {
	list, err := s.Catalogue.Filings(c.UserContext(), c.Query("tenant"), c.Query("status"))
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

func sendWorkbook(c *fiber.Ctx, name string, b []byte) error {
	c.Set(fiber.HeaderContentType, catalogue.XLSXContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="catalogue.xlsx"; filename*=UTF-8''`+url.PathEscape(name))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

func (s *Server) powerTemplate(c *fiber.Ctx) error {
	t := principalOf(c).Tenant
	b, err := s.Catalogue.Template(c.UserContext(), t)
	if err != nil {
		return err
	}
	return sendWorkbook(c, t.Name+"权力清单导入模板.xlsx", b)
}

func (s *Server) exportPowers(c *fiber.Ctx) error {
	t, err := s.Catalogue.Tenant(c.UserContext(), c.Query("tenant"))
	if err != nil {
		return err
	}
	f, err := powerFilter(c)
	if err != nil {
		return err
	}
	b, err := s.Catalogue.Export(c.UserContext(), t, f)
	if err != nil {
		return err
	}
	return sendWorkbook(c, t.Name+"权力清单.xlsx", b)
}

// importPowers takes the workbook as the raw body (Content-Type of .xlsx) or as the
// "file" field of a multipart form.
func (s *Server) importPowers(c *fiber.Ctx) error {
	body := c.Body()
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		if err != nil {
			return apperr.Invalid("validation_failed").WithField("file", "required")
		}
		f, err := fh.Open()
		if err != nil {
			return apperr.Invalid("catalogue.xls_unreadable")
		}
		defer f.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(f); err != nil {
			return apperr.Invalid("catalogue.xls_unreadable")
		}
		body = buf.Bytes()
	}
	if len(body) == 0 {
		return apperr.Invalid("validation_failed").WithField("file", "required")
	}
	rep, err := s.Catalogue.Import(c.UserContext(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

func (s *Server) portalTenantOf(c *fiber.Ctx) (*tenant.Tenant, error) {
	return s.Tenants.ByCode(c.UserContext(), c.Params("tenantCode"))
}

func (s *Server) publicPowers(c *fiber.Ctx) error {
	t, err := s.portalTenantOf(c)
	if err != nil {
		return err
	}
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	out, err := s.Catalogue.PublicList(c.UserContext(), t, catalogue.PublicFilter{Department: c.Query("department"),
		Category: c.Query("category"), Q: strings.TrimSpace(c.Query("q")), Limit: page.PageSize, Offset: page.Offset()})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(out)
}

func (s *Server) publicPower(c *fiber.Ctx) error {
	t, err := s.portalTenantOf(c)
	if err != nil {
		return err
	}
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return apperr.NotFound("catalogue.power_not_found")
	}
	out, err := s.Catalogue.PublicGet(c.UserContext(), t, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(out)
}
