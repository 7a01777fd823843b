package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/supervision"
	"sunshine/pkg/tenant"
)

// registerSupervision: cards, notices, dashboards, the live stream, notifications,
// and (dev mode only) time travel.
func (s *Server) registerSupervision() {
	s.route("GET", "/api/v1/supervision/cards", "", s.listCards)
	s.route("GET", "/api/v1/supervision/cards/:id", "", s.getCard)
	s.route("POST", "/api/v1/supervision/cards/:id/appeal", authz.SupervisionReply, s.appealCard)
	s.route("POST", "/api/v1/supervision/cards/:id/cancel", authz.SupervisionAct, s.cancelCard)
	s.route("POST", "/api/v1/supervision/cards/:id/decide-appeal", authz.SupervisionAct, s.decideAppeal)
	s.route("GET", "/api/v1/supervision/notices", "", s.listNotices)
	s.route("POST", "/api/v1/supervision/notices", authz.SupervisionAct, s.sendNotice)
	s.route("POST", "/api/v1/supervision/notices/:id/reply", authz.SupervisionReply, s.replyNotice)
	s.route("GET", "/api/v1/supervision/overview", authz.SupervisionRead, s.overview)
	s.route("GET", "/api/v1/supervision/stream", authz.SupervisionRead, s.stream)

	s.route("GET", "/api/v1/notifications", "", s.inbox)
	s.route("POST", "/api/v1/notifications/read-all", "", s.readAll)
	s.route("POST", "/api/v1/notifications/:id/read", "", s.readOne)
	s.route("GET", "/api/v1/notifications/channels", "", s.channels)

	if s.Config.Dev() {
		// Only someone who may act on supervision moves the demonstration's clock.
		s.route("GET", "/api/v1/dev/clock", authz.SupervisionRead, s.devClock)
		s.route("POST", "/api/v1/dev/time-travel", authz.SupervisionAct, s.timeTravel)
	}
}

// cardScope is what the caller may see of cards: supervisors everything their
// supervision:read reaches; a department (supervision:reply) its own cards.
func (s *Server) cardScope(c *fiber.Ctx) ([]*tenant.Tenant, uuid.UUID, error) {
	p := principalOf(c)
	candidates := []*tenant.Tenant{p.Tenant}
	if s.Enforcer.HasSubtreeGrant(p.User.ID) {
		var err error
		if candidates, err = s.Tenants.Subtree(c.UserContext(), p.Tenant); err != nil {
			return nil, uuid.Nil, err
		}
	}
	if ts := s.Enforcer.ReadScope(p.User.ID, candidates, authz.SupervisionRead); len(ts) > 0 {
		if code := c.Query("tenant"); code != "" {
			for _, t := range ts {
				if t.Code == code {
					return []*tenant.Tenant{t}, uuid.Nil, nil
				}
			}
			return nil, uuid.Nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": code})
		}
		return ts, uuid.Nil, nil
	}
	if s.Enforcer.Allowed(p.User.ID, p.Tenant.Path, authz.SupervisionReply) && p.User.DepartmentID != nil {
		return []*tenant.Tenant{p.Tenant}, *p.User.DepartmentID, nil
	}
	return nil, uuid.Nil, apperr.Forbidden("authz.forbidden", apperr.Params{"permission": authz.SupervisionRead})
}

func (s *Server) listCards(c *fiber.Ctx) error {
	ts, dept, err := s.cardScope(c)
	if err != nil {
		return err
	}
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	f := supervision.CardFilter{Tenants: tenant.IDs(ts), Level: c.Query("level"), Status: c.Query("status"), Rule: c.Query("rule"),
		DepartmentID: dept, Limit: page.PageSize, Offset: page.Offset()}
	if d, err := queryUUID(c, "department"); err != nil {
		return err
	} else if d != uuid.Nil {
		if dept != uuid.Nil && d != dept {
			return apperr.NotFound("not_found")
		}
		f.DepartmentID = d
	}
	if f.CaseID, err = queryUUID(c, "case"); err != nil {
		return err
	}
	if v := f.Level; v != "" && v != supervision.LevelReminder && v != supervision.LevelYellow && v != supervision.LevelRed {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "level", "reason": "reminder, yellow or red"})
	}
	items, total, err := s.Supervision.Cards(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(List[supervision.CardRow]{Items: items, Total: int(total), Page: page.Page, PageSize: page.PageSize})
}

func (s *Server) getCard(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	ts, dept, err := s.cardScope(c)
	if err != nil {
		return err
	}
	card, err := s.Supervision.Card(c.UserContext(), tenant.IDs(ts), id)
	if err != nil {
		return err
	}
	if dept != uuid.Nil && (card.DepartmentID == nil || *card.DepartmentID != dept) {
		return apperr.NotFound("not_found")
	}
	return c.JSON(card)
}

// cardResult answers an action on a card with the card as it now reads.
func (s *Server) cardResult(c *fiber.Ctx, card *supervision.CardRow, err error) error {
	if err != nil {
		return err
	}
	named, err := s.Supervision.Card(c.UserContext(), scopeOf(c).Read, card.ID)
	if err != nil {
		return err
	}
	return c.JSON(named)
}

func (s *Server) appealCard(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in reasonRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	card, err := s.Supervision.Appeal(c.UserContext(), actorOf(c), scopeOf(c).Read, id, in.Reason)
	return s.cardResult(c, card, err)
}

func (s *Server) cancelCard(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in reasonRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	card, err := s.Supervision.Cancel(c.UserContext(), actorOf(c), scopeOf(c).Read, id, in.Reason)
	return s.cardResult(c, card, err)
}

func (s *Server) decideAppeal(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Accept *bool  `json:"accept"`
		Reason string `json:"reason"`
	}
	if err := Bind(c, &in); err != nil {
		return err
	}
	if in.Accept == nil {
		return apperr.Invalid("validation_failed").WithField("accept", "required")
	}
	card, err := s.Supervision.DecideAppeal(c.UserContext(), actorOf(c), scopeOf(c).Read, id, *in.Accept, in.Reason)
	return s.cardResult(c, card, err)
}

type noticeJSON struct {
	supervision.Notice
	TenantCode string `json:"tenant_code"`
	Overdue    bool   `json:"overdue"`
}

func (s *Server) listNotices(c *fiber.Ctx) error {
	ts, dept, err := s.cardScope(c)
	if err != nil {
		return err
	}
	items, err := s.Supervision.Notices(c.UserContext(), supervision.NoticeFilter{Tenants: tenant.IDs(ts), Status: c.Query("status"), DepartmentID: dept})
	if err != nil {
		return err
	}
	codes := codesOf(ts)
	now := s.Clock.Now()
	out := make([]noticeJSON, len(items))
	for i, n := range items {
		out[i] = noticeJSON{Notice: n, TenantCode: codes[n.TenantID], Overdue: n.Status != supervision.NoticeReplied && !now.Before(n.ReplyDueAt)}
	}
	return c.JSON(Items(out))
}

func (s *Server) sendNotice(c *fiber.Ctx) error {
	var in supervision.NoticeInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	n, err := s.Supervision.SendNotice(c.UserContext(), actorOf(c), scopeOf(c).Read, in)
	if err != nil {
		return err
	}
	t, _ := s.Tenants.ByID(c.UserContext(), n.TenantID)
	return c.Status(fiber.StatusCreated).JSON(noticeJSON{Notice: *n, TenantCode: t.Code})
}

func (s *Server) replyNotice(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := Bind(c, &in); err != nil {
		return err
	}
	n, err := s.Supervision.ReplyNotice(c.UserContext(), actorOf(c), id, in.Text)
	if err != nil {
		return err
	}
	return c.JSON(noticeJSON{Notice: *n, TenantCode: actorOf(c).TenantCode})
}

func (s *Server) overview(c *fiber.Ctx) error {
	ts, err := tenantFilter(c)
	if err != nil {
		return err
	}
	dept, err := queryUUID(c, "department")
	if err != nil {
		return err
	}
	refs := make([]supervision.TenantRef, len(ts))
	for i, t := range ts {
		refs[i] = supervision.TenantRef{ID: t.ID, Code: t.Code, Name: t.Name}
	}
	o, err := s.Supervision.Overview(c.UserContext(), refs, dept)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// stream is the live feed (server-sent events) of new and changed cards within the
// caller's read scope. The connection's write deadline is renewed at every write, so
// the HTTP write timeout does not cut a healthy stream.
func (s *Server) stream(c *fiber.Ctx) error {
	if s.Bus == nil {
		return apperr.New(apperr.KindUnavailable, "unavailable", apperr.Params{"dependency": "redis"})
	}
	readable := map[uuid.UUID]string{}
	for _, t := range readableTenants(c) {
		readable[t.ID] = t.Code
	}
	// Each card carries what this subscriber may do to it (the stream outlives the
	// request, so its caller is kept without the request's cancellation).
	ctx := context.WithoutCancel(c.UserContext())
	events, stop := s.Bus.Subscribe()
	conn := c.Context().Conn()
	done := s.done
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer stop()
		write := func(s string) bool {
			if conn != nil {
				_ = conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
			}
			if _, err := w.WriteString(s); err != nil {
				return false
			}
			return w.Flush() == nil
		}
		if !write("retry: 3000\n: connected\n\n") {
			return
		}
		ping := time.NewTicker(15 * time.Second)
		defer ping.Stop()
		for {
			select {
			case e, ok := <-events:
				if !ok {
					return
				}
				if _, mine := readable[e.TenantID]; !mine {
					continue
				}
				if e.Card.TenantCode == "" {
					e.Card.TenantCode = e.TenantCode
				}
				e.Card.TenantID = e.TenantID
				e.Card.AllowedActions = s.Supervision.CardActions(ctx, &e.Card)
				b, _ := json.Marshal(e)
				if !write(fmt.Sprintf("event: %s\ndata: %s\n\n", e.Type, b)) {
					return
				}
			case <-ping.C:
				if !write(": ping\n\n") {
					return
				}
			case <-done:
				return
			}
		}
	})
	return nil
}

func (s *Server) inbox(c *fiber.Ctx) error {
	a := actorOf(c)
	limit, err := strconv.Atoi(c.Query("limit", "50"))
	if err != nil || limit < 1 || limit > 200 {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "limit", "reason": "an integer from 1 to 200"})
	}
	offset, err := strconv.Atoi(c.Query("offset", "0"))
	if err != nil || offset < 0 || offset > 1_000_000 {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "offset", "reason": "an integer from 0 to 1000000"})
	}
	items, total, unread, err := s.Supervision.Inbox(c.UserContext(), a.TenantID, a.UserID, c.Query("unread") == "true", limit, offset)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items, "total": total, "unread": unread})
}

func (s *Server) readOne(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	a := actorOf(c)
	if err := s.Supervision.MarkRead(c.UserContext(), a.TenantID, a.UserID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) readAll(c *fiber.Ctx) error {
	a := actorOf(c)
	if err := s.Supervision.MarkRead(c.UserContext(), a.TenantID, a.UserID, uuid.Nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) channels(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"channels": s.Supervision.Channels()})
}

// devClock (dev mode only) tells the console that time travel exists and how far the
// platform clock has travelled.
func (s *Server) devClock(c *fiber.Ctx) error {
	offset := time.Duration(0)
	if o, ok := s.Clock.(interface{ Get() time.Duration }); ok {
		offset = o.Get()
	}
	_, movable := s.Clock.(clock.Shifter)
	return c.JSON(fiber.Map{"now": s.Clock.Now(), "offset_hours": offset.Hours(), "movable": movable})
}

// timeTravel (dev mode only) moves the platform clock forward and runs the
// supervision sweep, so that a demonstration or a browser test can make a case go
// overdue without waiting days.
func (s *Server) timeTravel(c *fiber.Ctx) error {
	var in struct {
		Hours int `json:"hours"`
	}
	if err := Bind(c, &in); err != nil {
		return err
	}
	if in.Hours < 1 || in.Hours > 24*90 {
		return apperr.Invalid("validation_failed").WithField("hours", "out_of_range", apperr.Params{"min": 1, "max": 24 * 90})
	}
	sh, ok := s.Clock.(clock.Shifter)
	if !ok {
		return apperr.Conflict("dev.clock_fixed")
	}
	sh.Shift(time.Duration(in.Hours) * time.Hour)
	rep, err := s.Supervision.Sweep(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"now": s.Clock.Now(), "sweep": rep})
}

func init() {
	apperr.Register("dev.clock_fixed", "当前时钟不可调整", "This clock cannot be moved")
}
