package httpapi

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/tenant"
)

type auditEventJSON struct {
	audit.Row
	TenantCode string          `json:"tenant_code"`
	Summary    json.RawMessage `json:"summary"`
}

func parseTimeQuery(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, apperr.BadRequest("bad_query", apperr.Params{"param": name, "reason": "use RFC 3339 or YYYY-MM-DD"})
}

func (s *Server) listAuditEvents(c *fiber.Ctx) error {
	ts, err := tenantFilter(c)
	if err != nil {
		return err
	}
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	f := audit.Filter{Tenants: tenant.IDs(ts), Action: c.Query("action"), ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id"),
		Limit: page.PageSize, Offset: page.Offset()}
	if v := c.Query("actor"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return apperr.BadRequest("bad_query", apperr.Params{"param": "actor", "reason": "must be a user ID"})
		}
		f.ActorID = id
	}
	if f.From, err = parseTimeQuery(c, "from"); err != nil {
		return err
	}
	if f.To, err = parseTimeQuery(c, "to"); err != nil {
		return err
	}
	codes := map[uuid.UUID]string{}
	for _, t := range ts {
		codes[t.ID] = t.Code
	}
	rows, total, err := audit.Events(c.UserContext(), s.DB, f)
	if err != nil {
		return err
	}
	items := make([]auditEventJSON, len(rows))
	for i, r := range rows {
		items[i] = auditEventJSON{Row: r, TenantCode: codes[r.TenantID], Summary: r.SummaryJSON()}
	}
	return c.JSON(List[auditEventJSON]{Items: items, Total: int(total), Page: page.Page, PageSize: page.PageSize})
}

type verifyResponse struct {
	OK    bool           `json:"ok"`
	Event int64          `json:"events"`
	First *auditBadEvent `json:"first_bad_event,omitempty"`
}

type auditBadEvent struct {
	audit.Problem
	TenantCode string `json:"tenant_code"`
}

func (s *Server) verifyAudit(c *fiber.Ctx) error {
	ts, err := tenantFilter(c)
	if err != nil {
		return err
	}
	rep, err := audit.Verify(c.UserContext(), s.DB, tenant.IDs(ts))
	if err != nil {
		return err
	}
	out := verifyResponse{OK: rep.OK, Event: rep.Events}
	if rep.First != nil {
		code := ""
		if t, err := s.Tenants.ByID(c.UserContext(), rep.First.TenantID); err == nil {
			code = t.Code
		}
		out.First = &auditBadEvent{Problem: *rep.First, TenantCode: code}
	}
	return c.JSON(out)
}
