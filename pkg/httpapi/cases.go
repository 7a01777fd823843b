package httpapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/calendar"
	"sunshine/pkg/calendar/tenantcal"
	"sunshine/pkg/casework"
	"sunshine/pkg/servicecentre"
	"sunshine/pkg/tenant"
)

// registerCasework: cases, steps, tasks, windows, the calendar and the portal's
// online application and status lookup.
func (s *Server) registerCasework() {
	s.route("POST", "/api/v1/cases", "case:intake", s.intake)
	s.route("GET", "/api/v1/cases", "case:read", s.listCases)
	s.route("GET", "/api/v1/cases/:id", "case:read", s.getCase)
	s.route("POST", "/api/v1/cases/:id/accept", "case:intake", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		return s.Casework.Accept(c.UserContext(), a, id)
	}))
	s.route("POST", "/api/v1/cases/:id/request-correction", "case:intake", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		var in struct {
			Items []string `json:"items"`
		}
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Casework.RequestCorrection(c.UserContext(), a, id, in.Items)
	}))
	s.route("POST", "/api/v1/cases/:id/resubmit", "case:intake", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		var in struct {
			Materials []casework.SubmittedMaterial `json:"materials"`
		}
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Casework.Resubmit(c.UserContext(), a, id, in.Materials)
	}))
	s.route("POST", "/api/v1/cases/:id/refuse", "case:intake", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		var in reasonRequest
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Casework.Refuse(c.UserContext(), a, id, in.Reason)
	}))
	s.route("POST", "/api/v1/cases/:id/pause", "case:handle", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		var in casework.PauseInput
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Casework.Pause(c.UserContext(), a, id, in)
	}))
	s.route("POST", "/api/v1/cases/:id/resume", "case:handle", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		return s.Casework.Resume(c.UserContext(), a, id)
	}))
	s.route("POST", "/api/v1/cases/:id/extend", "case:manage", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		var in reasonRequest
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Casework.Extend(c.UserContext(), a, id, in.Reason)
	}))
	s.route("POST", "/api/v1/cases/:id/decide", "case:manage", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		var in casework.DecideInput
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Casework.Decide(c.UserContext(), a, id, in)
	}))
	s.route("POST", "/api/v1/cases/:id/deliver", "case:intake", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		return s.Casework.Deliver(c.UserContext(), a, id)
	}))
	s.route("POST", "/api/v1/cases/:id/steps/:stepId/complete", "case:handle", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		var in struct {
			Opinion string `json:"opinion"`
		}
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Casework.CompleteStep(c.UserContext(), a, id, c.Params("stepId"), in.Opinion)
	}))
	s.route("POST", "/api/v1/cases/:id/steps/:stepId/return", "case:handle", s.caseAction(func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error) {
		var in struct {
			ToStep string `json:"to_step"`
			Reason string `json:"reason"`
		}
		if err := Bind(c, &in); err != nil {
			return nil, err
		}
		return s.Casework.ReturnStep(c.UserContext(), a, id, c.Params("stepId"), in.ToStep, in.Reason)
	}))
	s.route("GET", "/api/v1/tasks", "task:read", s.tasks)

	s.route("GET", "/api/v1/windows", "window:read", s.listWindows)
	s.route("POST", "/api/v1/windows", "window:manage", s.createWindow)
	s.route("PUT", "/api/v1/windows/:id", "window:manage", s.updateWindow)
	s.route("PUT", "/api/v1/windows/:id/staff", "window:manage", s.setWindowStaff)

	s.route("GET", "/api/v1/calendar/add", "", s.calendarAdd)
	s.route("GET", "/api/v1/calendar/days", "", s.calendarDays)
	s.route("POST", "/api/v1/calendar/local-days", "calendar:manage", s.setLocalDay)
	s.route("DELETE", "/api/v1/calendar/local-days/:date", "calendar:manage", s.deleteLocalDay)

	s.public("GET", "/api/v1/public/captcha", s.captchaChallenge)
	s.public("GET", "/api/v1/public/:tenantCode/cases/:trackingNo", s.publicCaseStatus)
	s.public("POST", "/api/v1/public/:tenantCode/cases", s.publicApply)
}

// caseAction adapts a case mutation to a handler: parse the ID, act as the caller,
// answer with the case's detail.
func (s *Server) caseAction(fn func(c *fiber.Ctx, a actor.Actor, id uuid.UUID) (*casework.Detail, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := PathUUID(c, "id")
		if err != nil {
			return err
		}
		d, err := fn(c, actorOf(c), id)
		if err != nil {
			return err
		}
		d.Localize(Lang(c))
		return c.JSON(d)
	}
}

func (s *Server) intake(c *fiber.Ctx) error {
	var in casework.IntakeInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	if in.Channel == "" {
		in.Channel = casework.ChannelWindow
	}
	p := principalOf(c)
	d, err := s.Casework.Intake(c.UserContext(), actorOf(c), p.Tenant, in)
	if err != nil {
		return err
	}
	d.Localize(Lang(c))
	return c.Status(fiber.StatusCreated).JSON(d)
}

func queryUUID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	v := c.Query(name)
	if v == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, apperr.BadRequest("bad_query", apperr.Params{"param": name, "reason": "must be a UUID"})
	}
	return id, nil
}

func codesOf(ts []*tenant.Tenant) map[uuid.UUID]string {
	m := make(map[uuid.UUID]string, len(ts))
	for _, t := range ts {
		m[t.ID] = t.Code
	}
	return m
}

func (s *Server) listCases(c *fiber.Ctx) error {
	ts, err := tenantFilter(c)
	if err != nil {
		return err
	}
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	f := casework.Filter{Tenants: tenant.IDs(ts), Query: c.Query("q"), Limit: page.PageSize, Offset: page.Offset()}
	if st := c.Query("status"); st != "" {
		f.Status = strings.Split(st, ",")
	}
	if f.DepartmentID, err = queryUUID(c, "department"); err != nil {
		return err
	}
	if f.ProjectID, err = queryUUID(c, "project"); err != nil {
		return err
	}
	if f.WindowID, err = queryUUID(c, "window"); err != nil {
		return err
	}
	if v := c.Query("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return apperr.BadRequest("bad_query", apperr.Params{"param": "overdue", "reason": "must be true or false"})
		}
		f.Overdue = &b
	}
	items, total, err := s.Casework.List(c.UserContext(), scopeOf(c), f, codesOf(ts))
	if err != nil {
		return err
	}
	return c.JSON(List[casework.Summary]{Items: items, Total: int(total), Page: page.Page, PageSize: page.PageSize})
}

func (s *Server) getCase(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Casework.Get(c.UserContext(), scopeOf(c), id)
	if err != nil {
		return err
	}
	d.Localize(Lang(c))
	return c.JSON(d)
}

func (s *Server) tasks(c *fiber.Ctx) error {
	a := actorOf(c)
	if a.DepartmentID == uuid.Nil {
		return c.JSON(Items([]casework.Task{}))
	}
	var roles []string
	for _, g := range s.Enforcer.GrantsOf(a.UserID) {
		if g.Domain == a.TenantPath {
			roles = append(roles, g.Role)
		}
	}
	if len(roles) == 0 {
		return c.JSON(Items([]casework.Task{}))
	}
	ts, err := s.Casework.Tasks(c.UserContext(), scopeOf(c), a.DepartmentID, roles)
	if err != nil {
		return err
	}
	return c.JSON(Items(ts))
}

func (s *Server) listWindows(c *fiber.Ctx) error {
	ts, err := tenantFilter(c)
	if err != nil {
		return err
	}
	ws, err := s.ServiceCentre.Windows(c.UserContext(), scopeOf(c), tenant.IDs(ts), codesOf(ts))
	if err != nil {
		return err
	}
	return c.JSON(Items(ws))
}

func (s *Server) createWindow(c *fiber.Ctx) error {
	var in servicecentre.WindowInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	w, err := s.ServiceCentre.CreateWindow(c.UserContext(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(w)
}

func (s *Server) updateWindow(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in servicecentre.WindowInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	w, err := s.ServiceCentre.UpdateWindow(c.UserContext(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(w)
}

func (s *Server) setWindowStaff(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		UserIDs []uuid.UUID `json:"user_ids"`
	}
	if err := Bind(c, &in); err != nil {
		return err
	}
	w, err := s.ServiceCentre.SetWindowStaff(c.UserContext(), actorOf(c), id, in.UserIDs)
	if err != nil {
		return err
	}
	return c.JSON(w)
}

type calendarAddResponse struct {
	From        string                `json:"from"`
	WorkingDays int                   `json:"working_days"`
	Date        calendar.Date         `json:"date"`
	DueAt       time.Time             `json:"due_at"`
	Skipped     []calendar.SkippedDay `json:"skipped"`
	Worked      []calendar.WorkedDay  `json:"worked"`
	Uncovered   []int                 `json:"uncovered_years"`
	Text        string                `json:"text"`
}

// calendarAdd answers "N working days after this date" in the caller's tenant
// calendar, with the days skipped and why.
func (s *Server) calendarAdd(c *fiber.Ctx) error {
	from, err := calendar.ParseDate(c.Query("from"))
	if err != nil {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "from", "reason": "use YYYY-MM-DD"})
	}
	// The calendar holds years around today; 9999-12-31 plus 1000 working days ran
	// past the end of time.
	if from.Year < 2000 || from.Year > 2100 {
		return apperr.Invalid("validation_failed").WithField("from", "out_of_range", apperr.Params{"min": "2000-01-01", "max": "2100-12-31"})
	}
	n, err := strconv.Atoi(c.Query("working_days"))
	if err != nil || n < 0 || n > 1000 {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "working_days", "reason": "must be an integer from 0 to 1000"})
	}
	cal, err := s.Calendars.For(c.UserContext(), principalOf(c).Tenant)
	if err != nil {
		return err
	}
	d, err := cal.AddWorkingDays(from.Start(), n)
	if err != nil {
		return apperr.Invalid("validation_failed").WithField("working_days", "out_of_range", apperr.Params{"min": 0, "max": 1000})
	}
	skipped := d.Explanation.Skipped
	if skipped == nil {
		skipped = []calendar.SkippedDay{}
	}
	worked := d.Explanation.Worked
	if worked == nil {
		worked = []calendar.WorkedDay{}
	}
	uncovered := d.Explanation.Uncovered
	if uncovered == nil {
		uncovered = []int{}
	}
	return c.JSON(calendarAddResponse{From: from.String(), WorkingDays: n, Date: d.Date, DueAt: d.Due, Skipped: skipped,
		Worked: worked, Uncovered: uncovered, Text: d.Explanation.Text(Lang(c))})
}

type calendarDay struct {
	Date   calendar.Date    `json:"date"`
	Kind   calendar.DayKind `json:"kind"`
	Name   string           `json:"name"`
	NameEN string           `json:"name_en"`
	Local  bool             `json:"local"`
	Tenant string           `json:"tenant,omitempty"`
}

// calendarDays lists the non-ordinary days of a year (holidays, make-up working days,
// local days) in the caller's tenant calendar.
func (s *Server) calendarDays(c *fiber.Ctx) error {
	year, err := strconv.Atoi(c.Query("year", strconv.Itoa(calendar.DateOf(s.Clock.Now()).Year)))
	if err != nil || year < 2000 || year > 2100 {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "year", "reason": "must be a year"})
	}
	t := principalOf(c).Tenant
	cal, err := s.Calendars.For(c.UserContext(), t)
	if err != nil {
		return err
	}
	locals, err := s.Calendars.LocalDays(c.UserContext(), t)
	if err != nil {
		return err
	}
	owner := map[calendar.Date]uuid.UUID{}
	for _, l := range locals {
		owner[l.Day] = l.TenantID
	}
	var out []calendarDay
	for d := calendar.NewDate(year, 1, 1); d.Year == year; d = d.AddDays(1) {
		info := cal.Info(d)
		if info.Kind == calendar.KindWorkday || info.Kind == calendar.KindWeekend {
			continue
		}
		day := calendarDay{Date: d, Kind: info.Kind, Name: info.Name, NameEN: info.NameEN}
		if tid, ok := owner[d]; ok {
			day.Local = true
			if ot, err := s.Tenants.ByID(c.UserContext(), tid); err == nil {
				day.Tenant = ot.Code
			}
		}
		out = append(out, day)
	}
	return c.JSON(fiber.Map{"year": year, "covered": cal.Covers(year), "items": orEmpty(out)})
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Server) setLocalDay(c *fiber.Ctx) error {
	var in tenantcal.LocalDayInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	n, err := s.Calendars.SetLocalDay(c.UserContext(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"recomputed_cases": n})
}

func (s *Server) deleteLocalDay(c *fiber.Ctx) error {
	d, err := calendar.ParseDate(c.Params("date"))
	if err != nil {
		return apperr.NotFound("not_found")
	}
	n, err := s.Calendars.DeleteLocalDay(c.UserContext(), actorOf(c), d)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"recomputed_cases": n})
}

// publicTenant resolves the portal's tenant; a suspended tenant's portal refuses
// applications but still answers lookups.
func (s *Server) publicTenant(c *fiber.Ctx) (*tenant.Tenant, error) {
	return s.Tenants.ByCode(c.UserContext(), c.Params("tenantCode"))
}

func (s *Server) publicCaseStatus(c *fiber.Ctx) error {
	no := strings.TrimSpace(c.Params("trackingNo"))
	if err := s.limit(c, "lookups_per_address", c.IP()); err != nil {
		return err
	}
	if len(no) > 64 {
		return apperr.NotFound("casework.lookup_not_found")
	}
	// Per tracking number, from any address: guessing one case's code from many
	// addresses is as slow as from one.
	if err := s.limit(c, "lookups_per_case", c.Params("tenantCode")+"/"+no); err != nil {
		return err
	}
	t, err := s.publicTenant(c)
	if err != nil {
		return err
	}
	st, err := s.Casework.PublicLookup(c.UserContext(), t.ID, no, c.Query("code"), c.Query("id_last4"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	st.Localize(Lang(c))
	return c.JSON(st)
}

// publicApply takes an online application from the portal (外网提交): it lands in the
// same acceptance queue as window intake.
func (s *Server) publicApply(c *fiber.Ctx) error {
	t, err := s.publicTenant(c)
	if err != nil {
		return err
	}
	if !t.Active() {
		return apperr.Forbidden("identity.tenant_suspended", apperr.Params{"reason": t.StatusReason})
	}
	if err := s.limit(c, "applications_per_address", c.IP()); err != nil {
		return err
	}
	var body publicApplication
	if err := Bind(c, &body); err != nil {
		return err
	}
	// The captcha is used up here, whatever follows: a rejected application needs a
	// new one (the form fetches it with the error).
	if err := s.Captcha.Check(c.UserContext(), body.CaptchaID, body.CaptchaAnswer); err != nil {
		return err
	}
	in := body.IntakeInput
	if in.WindowID != nil {
		return apperr.Invalid("validation_failed").WithField("window_id", "casework.online_no_window")
	}
	if len(in.Fees) > 0 {
		return apperr.Invalid("validation_failed").WithField("fees", "unknown_field")
	}
	in.Channel = casework.ChannelOnline
	a := actor.Actor{Kind: actor.KindPublic, TenantID: t.ID, TenantCode: t.Code, TenantPath: t.Path, RequestID: requestID(c), IP: c.IP()}
	d, err := s.Casework.Intake(c.UserContext(), a, t, in)
	if err != nil {
		return err
	}
	st, err := s.Casework.PublicLookup(c.UserContext(), t.ID, d.TrackingNo, d.QueryCode, "")
	if err != nil {
		return err
	}
	st.Localize(Lang(c))
	// The applicant's only chance to see the query code: it is never shown publicly again.
	return c.Status(fiber.StatusCreated).JSON(publicApplied{PublicStatus: st, QueryCode: d.QueryCode})
}

// publicApplication is an online application with the captcha answered on the form.
type publicApplication struct {
	casework.IntakeInput
	CaptchaID     string `json:"captcha_id"`
	CaptchaAnswer string `json:"captcha_answer"`
}

// publicApplied is the answer to an online application: its status and query code.
type publicApplied struct {
	*casework.PublicStatus
	QueryCode string `json:"query_code"`
}

// captchaChallenge issues a captcha for a public form.
func (s *Server) captchaChallenge(c *fiber.Ctx) error {
	if err := s.limit(c, "captchas_per_address", c.IP()); err != nil {
		return err
	}
	ch, err := s.Captcha.Issue(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(ch)
}

// limit counts one event of key under the public limit name; past it, 429 with
// Retry-After.
func (s *Server) limit(c *fiber.Ctx, name, key string) error {
	l, ok := s.publicLimits[name]
	if !ok {
		return apperr.Internal(fmt.Errorf("no public limit %q", name))
	}
	allowed, wait := s.Limiter.Allow(c.UserContext(), name, l, key)
	if allowed {
		return nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return apperr.New(apperr.KindTooManyRequests, "too_many_requests", apperr.Params{"retry_after": secs})
}

// publicReads limits every public request per client address.
func (s *Server) publicReads(c *fiber.Ctx) error {
	if err := s.limit(c, "reads_per_address", c.IP()); err != nil {
		return err
	}
	return c.Next()
}
