package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/supervision"
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
		// Dev mode only (outside it the routes do not exist: 404), and only for the
		// platform admin (tenant:manage): the clock is every tenant's.
		s.route("GET", "/api/v1/dev/clock", authz.TenantManage, s.devClock)
		s.route("POST", "/api/v1/dev/time-travel", authz.TenantManage, s.timeTravel)
	}
}

func (s *Server) listCards(c *fiber.Ctx) error {
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	f := supervision.CardFilter{Tenant: c.Query("tenant"), Level: c.Query("level"), Status: c.Query("status"), Rule: c.Query("rule"),
		Limit: page.PageSize, Offset: page.Offset()}
	if f.DepartmentID, err = queryUUID(c, "department"); err != nil {
		return err
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
	card, err := s.Supervision.Card(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(card)
}

// cardResult answers an action on a card with the card as it now reads.
func (s *Server) cardResult(c *fiber.Ctx, card *supervision.CardRow, err error) error {
	if err != nil {
		return err
	}
	named, err := s.Supervision.Card(c.UserContext(), card.ID)
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
	card, err := s.Supervision.Appeal(c.UserContext(), id, in.Reason)
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
	card, err := s.Supervision.Cancel(c.UserContext(), id, in.Reason)
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
	card, err := s.Supervision.DecideAppeal(c.UserContext(), id, *in.Accept, in.Reason)
	return s.cardResult(c, card, err)
}

type noticeJSON struct {
	supervision.Notice
	TenantCode string `json:"tenant_code"`
	Overdue    bool   `json:"overdue"`
}

func (s *Server) listNotices(c *fiber.Ctx) error {
	ctx := c.UserContext()
	items, err := s.Supervision.Notices(ctx, supervision.NoticeFilter{Tenant: c.Query("tenant"), Status: c.Query("status")})
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	out := make([]noticeJSON, len(items))
	for i, n := range items {
		out[i] = noticeJSON{Notice: n, Overdue: n.Status != supervision.NoticeReplied && !now.Before(n.ReplyDueAt)}
		if t, err := s.Tenants.ByID(ctx, n.TenantID); err == nil {
			out[i].TenantCode = t.Code
		}
	}
	return c.JSON(Items(out))
}

func (s *Server) sendNotice(c *fiber.Ctx) error {
	var in supervision.NoticeInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	n, err := s.Supervision.SendNotice(c.UserContext(), in)
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
	n, err := s.Supervision.ReplyNotice(c.UserContext(), id, in.Text)
	if err != nil {
		return err
	}
	return c.JSON(noticeJSON{Notice: *n, TenantCode: actorOf(c).TenantCode})
}

func (s *Server) overview(c *fiber.Ctx) error {
	dept, err := queryUUID(c, "department")
	if err != nil {
		return err
	}
	o, err := s.Supervision.Overview(c.UserContext(), c.Query("tenant"), dept)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// stream is the live feed (server-sent events) of new and changed cards within the
// caller's read scope. The connection's write deadline is renewed at every write, so
// the HTTP write timeout does not cut a healthy stream.
//
// The stream lives no longer than the session that opened it (issue 12, item 8): a
// revocation of that session (logout, the user disabled, a password changed or reset)
// arrives on the bus and ends the stream at once, on whichever replica it is open;
// and at every ping (http.stream_ping) the session is re-checked in the database, so
// an expired session, a disabled user or a suspended tenant ends it too. The stream
// ends with an "event: session.revoked" line; an outage during a re-check does not
// end it.
func (s *Server) stream(c *fiber.Ctx) error {
	if s.Bus == nil {
		return apperr.New(apperr.KindUnavailable, "unavailable", apperr.Params{"dependency": "redis"})
	}
	readable := map[uuid.UUID]string{}
	for _, t := range readableTenants(c) {
		readable[t.ID] = t.Code
	}
	p := principalOf(c)
	// Copied: the handler's context and buffers are gone while the stream runs.
	user, session, token := p.User.ID, p.SessionID, strings.Clone(p.Token)
	// Each card carries what this subscriber may do to it (the stream outlives the
	// request, so its caller is kept without the request's cancellation).
	ctx := context.WithoutCancel(c.UserContext())
	events, stop := s.Bus.Subscribe()
	conn := c.Context().Conn()
	done := s.done
	every := 15 * time.Second
	if s.Config != nil && s.Config.HTTP.StreamPing > 0 {
		every = s.Config.HTTP.StreamPing
	}
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
		revoked := func() {
			write("event: " + supervision.EventSessionRevoked + "\ndata: {}\n\n")
		}
		if !write("retry: 3000\n: connected\n\n") {
			return
		}
		ping := time.NewTicker(every)
		defer ping.Stop()
		for {
			select {
			case e, ok := <-events:
				if !ok {
					return
				}
				if e.Type == supervision.EventSessionRevoked {
					if e.Revoked != nil && e.Revoked.Covers(user, session) {
						revoked()
						return
					}
					continue
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
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := s.Identity.StillValid(ctx, token)
				cancel()
				if apperr.IsKind(err, apperr.KindUnauthenticated) || apperr.IsKind(err, apperr.KindForbidden) {
					revoked()
					return
				}
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
	limit, err := strconv.Atoi(c.Query("limit", "50"))
	if err != nil || limit < 1 || limit > 200 {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "limit", "reason": "an integer from 1 to 200"})
	}
	offset, err := strconv.Atoi(c.Query("offset", "0"))
	if err != nil || offset < 0 || offset > 1_000_000 {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "offset", "reason": "an integer from 0 to 1000000"})
	}
	items, total, unread, err := s.Supervision.Inbox(c.UserContext(), c.Query("unread") == "true", limit, offset)
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
	if err := s.Supervision.MarkRead(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) readAll(c *fiber.Ctx) error {
	if err := s.Supervision.MarkRead(c.UserContext(), uuid.Nil); err != nil {
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
