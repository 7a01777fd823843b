package httpapi

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/appraisal"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/tenant"
)

// registerAppraisal: the leading group's appraisal — schemes, scoring runs, results
// with their drill-down, adjustments, objections, sign-off, manual inputs, exports —
// and the public ranking. Reads take appraisal:read (a county's readers see their own
// subjects until publication: the database's policies decide); management acts take
// appraisal:manage and are the city's; objections take appraisal:object.
func (s *Server) registerAppraisal() {
	s.route("GET", "/api/v1/appraisal/definitions", authz.AppraisalRead, s.appraisalDefinitions)
	s.route("GET", "/api/v1/appraisal/schemes", authz.AppraisalRead, s.appraisalSchemes)
	s.route("POST", "/api/v1/appraisal/schemes", authz.AppraisalManage, s.createAppraisalScheme)
	s.route("GET", "/api/v1/appraisal/schemes/:id", authz.AppraisalRead, s.appraisalScheme)
	s.route("PUT", "/api/v1/appraisal/schemes/:id", authz.AppraisalManage, s.updateAppraisalScheme)
	s.route("POST", "/api/v1/appraisal/schemes/:id/activate", authz.AppraisalManage, s.activateAppraisalScheme)
	s.route("POST", "/api/v1/appraisal/schemes/:id/retire", authz.AppraisalManage, s.retireAppraisalScheme)
	s.route("GET", "/api/v1/appraisal/schemes/:id/periods", authz.AppraisalRead, s.appraisalPeriods)
	s.route("GET", "/api/v1/appraisal/schemes/:id/trend", authz.AppraisalRead, s.appraisalTrend)

	s.route("GET", "/api/v1/appraisal/runs", authz.AppraisalRead, s.appraisalRuns)
	s.route("POST", "/api/v1/appraisal/runs", authz.AppraisalManage, s.requestAppraisalRun)
	s.route("GET", "/api/v1/appraisal/runs/:id", authz.AppraisalRead, s.appraisalRun)
	s.route("GET", "/api/v1/appraisal/runs/:id/export", authz.AppraisalRead, s.exportAppraisalRun)
	s.route("GET", "/api/v1/appraisal/runs/:id/results/:subject", authz.AppraisalRead, s.appraisalSubject)
	s.route("GET", "/api/v1/appraisal/runs/:id/results/:subject/export", authz.AppraisalRead, s.exportAppraisalSubject)
	s.route("GET", "/api/v1/appraisal/runs/:id/results/:subject/indicators/:code/items", authz.AppraisalRead, s.appraisalItems)
	s.route("POST", "/api/v1/appraisal/runs/:id/adjustments", authz.AppraisalManage, s.adjustAppraisal)
	s.route("GET", "/api/v1/appraisal/runs/:id/objections", authz.AppraisalRead, s.appraisalObjections)
	s.route("POST", "/api/v1/appraisal/runs/:id/objections", authz.AppraisalObject, s.objectAppraisal)
	s.route("POST", "/api/v1/appraisal/runs/:id/objections/:objectionId/answer", authz.AppraisalManage, s.answerAppraisalObjection)
	s.route("POST", "/api/v1/appraisal/runs/:id/objections/:objectionId/withdraw", authz.AppraisalObject, s.withdrawAppraisalObjection)
	s.route("POST", "/api/v1/appraisal/runs/:id/open-objections", authz.AppraisalManage, s.openAppraisalObjections)
	s.route("POST", "/api/v1/appraisal/runs/:id/approve", authz.AppraisalManage, s.approveAppraisalRun)
	s.route("POST", "/api/v1/appraisal/runs/:id/publish", authz.AppraisalManage, s.publishAppraisalRun)
	s.route("POST", "/api/v1/appraisal/runs/:id/revise", authz.AppraisalManage, s.reviseAppraisalRun)

	s.route("GET", "/api/v1/appraisal/reviews", authz.AppraisalRead, s.appraisalReviews)
	s.route("POST", "/api/v1/appraisal/reviews", authz.AppraisalManage, s.sampleAppraisalReviews)
	s.route("PUT", "/api/v1/appraisal/reviews/:id", authz.AppraisalManage, s.scoreAppraisalReview)
	s.route("GET", "/api/v1/appraisal/inspections", authz.AppraisalRead, s.appraisalInspections)
	s.route("POST", "/api/v1/appraisal/inspections", authz.AppraisalManage, s.createAppraisalInspection)
	s.route("GET", "/api/v1/appraisal/faults", authz.AppraisalRead, s.appraisalFaults)
	s.route("POST", "/api/v1/appraisal/faults", authz.AppraisalManage, s.createAppraisalFault)
	s.route("POST", "/api/v1/appraisal/faults/:id/revoke", authz.AppraisalManage, s.revokeAppraisalFault)
	s.route("GET", "/api/v1/appraisal/evidence/:id", authz.AppraisalRead, s.appraisalEvidence)

	s.public("GET", "/api/v1/public/:tenantCode/appraisal", s.publicAppraisal)
}

func (s *Server) appraisalDefinitions(c *fiber.Ctx) error {
	return c.JSON(Items(s.Appraisal.Registry().All()))
}

func (s *Server) appraisalSchemes(c *fiber.Ctx) error {
	list, err := s.Appraisal.Schemes(c.UserContext(), scopeOf(c))
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

func (s *Server) createAppraisalScheme(c *fiber.Ctx) error {
	var in appraisal.SchemeInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	d, err := s.Appraisal.CreateScheme(c.UserContext(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) appraisalScheme(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Appraisal.Scheme(c.UserContext(), scopeOf(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) updateAppraisalScheme(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in appraisal.SchemeInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	d, err := s.Appraisal.UpdateScheme(c.UserContext(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) activateAppraisalScheme(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		EffectiveFrom *calendar.Date `json:"effective_from"`
	}
	if len(c.Body()) > 0 {
		if err := Bind(c, &in); err != nil {
			return err
		}
	}
	d, err := s.Appraisal.ActivateScheme(c.UserContext(), actorOf(c), id, in.EffectiveFrom)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) retireAppraisalScheme(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in reasonRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	d, err := s.Appraisal.RetireScheme(c.UserContext(), actorOf(c), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// appraisalInt reads an optional integer query parameter within [lo, hi].
func appraisalInt(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, apperr.BadRequest("bad_query", apperr.Params{"param": name, "reason": "an integer from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi)})
	}
	return n, nil
}

// queryChoice reads an optional query parameter from a fixed set.
func queryChoice(c *fiber.Ctx, name string, allowed ...string) (string, error) {
	v := c.Query(name)
	if v == "" {
		return "", nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", apperr.BadRequest("bad_query", apperr.Params{"param": name, "reason": "not a known value"})
}

// queryPeriod reads an optional period (2026-11, 2026-Q4, 2026).
func queryPeriod(c *fiber.Ctx) (*appraisal.Period, error) {
	v := c.Query("period")
	if v == "" {
		return nil, nil
	}
	p, err := appraisal.ParsePeriod(v)
	if err != nil {
		return nil, apperr.BadRequest("bad_query", apperr.Params{"param": "period", "reason": "write 2026-11, 2026-Q4 or 2026"})
	}
	return &p, nil
}

func (s *Server) appraisalPeriods(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	n, err := appraisalInt(c, "limit", 12, 1, 60)
	if err != nil {
		return err
	}
	list, err := s.Appraisal.Periods(c.UserContext(), scopeOf(c), id, n)
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

func (s *Server) appraisalTrend(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	subject := c.Query("subject")
	if subject == "" || len(subject) > 40 {
		return apperr.BadRequest("bad_query", apperr.Params{"param": "subject", "reason": "a subject key, e.g. 410581 or 410581.ZJJ"})
	}
	n, err := appraisalInt(c, "periods", 6, 1, 36)
	if err != nil {
		return err
	}
	list, err := s.Appraisal.Trend(c.UserContext(), scopeOf(c), id, subject, n)
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

var (
	runKinds    = []string{appraisal.KindProvisional, appraisal.KindFinal}
	runStatuses = []string{appraisal.RunScoring, appraisal.RunFailed, appraisal.RunProvisional, appraisal.RunDraft, appraisal.RunObjection,
		appraisal.RunApproved, appraisal.RunPublished, appraisal.RunSuperseded}
	subjectKinds = []string{appraisal.SubjectCountyDepartment, appraisal.SubjectCounty, appraisal.SubjectCityDepartment}
)

func (s *Server) appraisalRuns(c *fiber.Ctx) error {
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	f := appraisal.RunFilter{Limit: page.PageSize, Offset: page.Offset()}
	if f.SchemeID, err = queryUUID(c, "scheme_id"); err != nil {
		return err
	}
	p, err := queryPeriod(c)
	if err != nil {
		return err
	}
	if p != nil {
		f.Period = p.Label
	}
	if f.Kind, err = queryChoice(c, "kind", runKinds...); err != nil {
		return err
	}
	if f.Status, err = queryChoice(c, "status", runStatuses...); err != nil {
		return err
	}
	list, total, err := s.Appraisal.Runs(c.UserContext(), scopeOf(c), actorOf(c), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []appraisal.RunView{}
	}
	return c.JSON(List[appraisal.RunView]{Items: list, Total: int(total), Page: page.Page, PageSize: page.PageSize})
}

// runResult answers an action on a run with the run as the caller now sees it.
func (s *Server) runResult(c *fiber.Ctx, status int, run *appraisal.Run, err error) error {
	if err != nil {
		return err
	}
	list, _, err := s.Appraisal.Runs(c.UserContext(), scopeOf(c), actorOf(c), appraisal.RunFilter{SchemeID: run.SchemeID, Period: run.Period, Limit: 50})
	if err != nil {
		return err
	}
	for _, v := range list {
		if v.ID == run.ID {
			return c.Status(status).JSON(v)
		}
	}
	return apperr.NotFound("not_found")
}

func (s *Server) requestAppraisalRun(c *fiber.Ctx) error {
	var in appraisal.RunRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	run, err := s.Appraisal.RequestRun(c.UserContext(), actorOf(c), in)
	return s.runResult(c, fiber.StatusAccepted, run, err)
}

func detailFilter(c *fiber.Ctx) (appraisal.DetailFilter, error) {
	var f appraisal.DetailFilter
	var err error
	if f.SubjectKind, err = queryChoice(c, "subject_kind", subjectKinds...); err != nil {
		return f, err
	}
	if g := c.Query("group"); len(g) > 60 {
		return f, apperr.BadRequest("bad_query", apperr.Params{"param": "group", "reason": "too long"})
	} else {
		f.Group = g
	}
	if v := c.Query("indicators"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, apperr.BadRequest("bad_query", apperr.Params{"param": "indicators", "reason": "true or false"})
		}
		f.NoIndicators = !b
	}
	return f, nil
}

func (s *Server) appraisalRun(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	f, err := detailFilter(c)
	if err != nil {
		return err
	}
	d, err := s.Appraisal.RunDetail(c.UserContext(), scopeOf(c), actorOf(c), id, f)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) exportAppraisalRun(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	f, err := detailFilter(c)
	if err != nil {
		return err
	}
	d, err := s.Appraisal.RunDetail(c.UserContext(), scopeOf(c), actorOf(c), id, f)
	if err != nil {
		return err
	}
	b, err := appraisal.RankingXLSX(d)
	if err != nil {
		return apperr.Internal(err)
	}
	return sendXLSX(c, "appraisal.xlsx", d.SchemeName+"-"+d.Period+"考核排名.xlsx", b)
}

func sendXLSX(c *fiber.Ctx, ascii, name string, b []byte) error {
	c.Set(fiber.HeaderContentType, catalogue.XLSXContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(name))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

func subjectParam(c *fiber.Ctx) (string, error) {
	v, err := url.PathUnescape(c.Params("subject"))
	if err != nil || v == "" || len(v) > 40 {
		return "", apperr.NotFound("not_found")
	}
	return v, nil
}

func (s *Server) appraisalSubject(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	key, err := subjectParam(c)
	if err != nil {
		return err
	}
	d, err := s.Appraisal.Subject(c.UserContext(), scopeOf(c), actorOf(c), id, key)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) exportAppraisalSubject(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	key, err := subjectParam(c)
	if err != nil {
		return err
	}
	d, err := s.Appraisal.Subject(c.UserContext(), scopeOf(c), actorOf(c), id, key)
	if err != nil {
		return err
	}
	b, err := appraisal.SubjectXLSX(d)
	if err != nil {
		return apperr.Internal(err)
	}
	return sendXLSX(c, "appraisal-subject.xlsx", d.Run.Period+d.Result.SubjectName+"考核明细.xlsx", b)
}

func (s *Server) appraisalItems(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	key, err := subjectParam(c)
	if err != nil {
		return err
	}
	code := c.Params("code")
	if code == "" || len(code) > 40 {
		return apperr.NotFound("not_found")
	}
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	role, err := queryChoice(c, "role", "counted", "not_counted", "excluded")
	if err != nil {
		return err
	}
	out, err := s.Appraisal.Items(c.UserContext(), scopeOf(c), id, key, code, appraisal.ItemsFilter{Role: role, Limit: page.PageSize, Offset: page.Offset(), Page: page.Page})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) adjustAppraisal(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in appraisal.AdjustInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	adj, err := s.Appraisal.Adjust(c.UserContext(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	d, err := s.Appraisal.Subject(c.UserContext(), scopeOf(c), actorOf(c), id, adj.SubjectKey)
	if err != nil {
		return err
	}
	for _, a := range d.Adjustments {
		if a.ID == adj.ID {
			return c.Status(fiber.StatusCreated).JSON(a)
		}
	}
	return apperr.Internal(nil)
}

func (s *Server) appraisalObjections(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.Appraisal.Objections(c.UserContext(), scopeOf(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

func (s *Server) objectAppraisal(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in appraisal.ObjectInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	o, err := s.Appraisal.Object(c.UserContext(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) answerAppraisalObjection(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	oid, err := PathUUID(c, "objectionId")
	if err != nil {
		return err
	}
	var in appraisal.AnswerInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	o, err := s.Appraisal.Answer(c.UserContext(), actorOf(c), id, oid, in)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) withdrawAppraisalObjection(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	oid, err := PathUUID(c, "objectionId")
	if err != nil {
		return err
	}
	o, err := s.Appraisal.Withdraw(c.UserContext(), actorOf(c), id, oid)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) openAppraisalObjections(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	run, err := s.Appraisal.OpenObjections(c.UserContext(), actorOf(c), id)
	return s.runResult(c, fiber.StatusOK, run, err)
}

func (s *Server) approveAppraisalRun(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in appraisal.ApproveInput
	if len(c.Body()) > 0 {
		if err := Bind(c, &in); err != nil {
			return err
		}
	}
	run, err := s.Appraisal.Approve(c.UserContext(), actorOf(c), id, in)
	return s.runResult(c, fiber.StatusOK, run, err)
}

func (s *Server) publishAppraisalRun(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	run, err := s.Appraisal.Publish(c.UserContext(), actorOf(c), id)
	return s.runResult(c, fiber.StatusOK, run, err)
}

func (s *Server) reviseAppraisalRun(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in reasonRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	run, err := s.Appraisal.Revise(c.UserContext(), actorOf(c), id, in.Reason)
	return s.runResult(c, fiber.StatusAccepted, run, err)
}

// manualFilter reads ?period= and ?tenant= (within the read scope).
func manualFilter(c *fiber.Ctx, statuses ...string) (appraisal.ManualFilter, error) {
	var f appraisal.ManualFilter
	p, err := queryPeriod(c)
	if err != nil {
		return f, err
	}
	f.Period = p
	if c.Query("tenant") != "" {
		ts, err := tenantFilter(c)
		if err != nil {
			return f, err
		}
		f.Tenants = tenant.IDs(ts)
	}
	if len(statuses) > 0 {
		if f.Status, err = queryChoice(c, "status", statuses...); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *Server) appraisalReviews(c *fiber.Ctx) error {
	f, err := manualFilter(c, "pending", "scored")
	if err != nil {
		return err
	}
	list, err := s.Appraisal.Reviews(c.UserContext(), scopeOf(c), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

func (s *Server) sampleAppraisalReviews(c *fiber.Ctx) error {
	var in appraisal.SampleInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	drawn, err := s.Appraisal.Sample(c.UserContext(), actorOf(c), in)
	if err != nil {
		return err
	}
	ids := map[uuid.UUID]bool{}
	for _, r := range drawn {
		ids[r.ID] = true
	}
	list, err := s.Appraisal.Reviews(c.UserContext(), scopeOf(c), actorOf(c), appraisal.ManualFilter{})
	if err != nil {
		return err
	}
	out := []appraisal.ReviewView{}
	for _, r := range list {
		if ids[r.ID] {
			out = append(out, r)
		}
	}
	return c.Status(fiber.StatusCreated).JSON(Items(out))
}

func (s *Server) scoreAppraisalReview(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in appraisal.ScoreReviewInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	r, err := s.Appraisal.ScoreReview(c.UserContext(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) appraisalInspections(c *fiber.Ctx) error {
	f, err := manualFilter(c)
	if err != nil {
		return err
	}
	list, err := s.Appraisal.Inspections(c.UserContext(), scopeOf(c), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

func (s *Server) createAppraisalInspection(c *fiber.Ctx) error {
	var in appraisal.InspectionInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	v, err := s.Appraisal.CreateInspection(c.UserContext(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) appraisalFaults(c *fiber.Ctx) error {
	f, err := manualFilter(c, "active", "revoked")
	if err != nil {
		return err
	}
	list, err := s.Appraisal.Faults(c.UserContext(), scopeOf(c), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(Items(list))
}

func (s *Server) createAppraisalFault(c *fiber.Ctx) error {
	var in appraisal.FaultInput
	if err := Bind(c, &in); err != nil {
		return err
	}
	v, err := s.Appraisal.CreateFault(c.UserContext(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) revokeAppraisalFault(c *fiber.Ctx) error {
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	var in reasonRequest
	if err := Bind(c, &in); err != nil {
		return err
	}
	v, err := s.Appraisal.RevokeFault(c.UserContext(), actorOf(c), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) appraisalEvidence(c *fiber.Ctx) error {
	if s.Files == nil {
		return apperr.New(apperr.KindUnavailable, "files.not_configured")
	}
	id, err := PathUUID(c, "id")
	if err != nil {
		return err
	}
	f, err := s.Appraisal.Evidence(c.UserContext(), scopeOf(c), id)
	if err != nil {
		return err
	}
	return s.sendFile(c, f)
}

func (s *Server) publicAppraisal(c *fiber.Ctx) error {
	t, err := s.portalTenantOf(c)
	if err != nil {
		return err
	}
	scheme, err := queryUUID(c, "scheme_id")
	if err != nil {
		return err
	}
	p, err := queryPeriod(c)
	if err != nil {
		return err
	}
	label := ""
	if p != nil {
		label = p.Label
	}
	out, err := s.Appraisal.Public(c.UserContext(), t, scheme, label)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(out)
}
