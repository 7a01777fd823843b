package casework

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/calendar"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/idcheck"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// Applicant is the applicant as staff see it: the ID number masked.
type Applicant struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
}

// Detail is a case with everything the case page shows.
type Detail struct {
	Case
	TenantCode          string       `json:"tenant_code"`
	Applicant           Applicant    `json:"applicant"`
	Overdue             bool         `json:"overdue"`
	RemainingDays       *int         `json:"remaining_working_days"`
	Steps               []Step       `json:"steps"`
	Pauses              []Pause      `json:"pauses"`
	Fees                []Fee        `json:"fees"`
	Events              []Event      `json:"events"`
	DeadlineExplanation *Explanation `json:"deadline_explanation"`
	MissingMaterials    []string     `json:"missing_materials"`
	// FlowEdges are the edges of the flowchart the case runs (its filed version's),
	// so the case page draws the real graph with the step rows as its nodes.
	FlowEdges []catalogue.Edge `json:"flow_edges"`
}

func maskedApplicant(c *Case) Applicant {
	id := idcheck.MaskResidentID(c.ApplicantIDNumber)
	if c.ApplicantType == ApplicantOrg {
		id = c.ApplicantIDNumber // a credit code is public information
	}
	return Applicant{Type: c.ApplicantType, Name: c.ApplicantName, IDNumber: id, Phone: idcheck.MaskPhone(c.ApplicantPhone)}
}

// Get loads a case with its steps, pauses, fees, timeline and the explanation of its
// deadline, within scope (404 when absent or not visible). It reads everything in one
// round trip: the case page is what clerks open all day.
func (s *Service) Get(ctx context.Context, scope db.Scope, id uuid.UUID) (*Detail, error) {
	p, err := s.store.page(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, apperr.NotFound("not_found")
	}
	t, err := s.tenants.ByID(ctx, p.c.TenantID)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendars.For(ctx, t)
	if err != nil {
		return nil, err
	}
	ver, err := s.store.version(ctx, scope, p.c.VersionID)
	if err != nil {
		return nil, err
	}
	steps := p.steps
	if len(steps) == 0 {
		if steps, err = s.plannedSteps(ctx, scope, p.c, ver); err != nil {
			return nil, err
		}
	}
	return s.detail(cal, t, p.c, ver.Flowchart.Edges, steps, p.pauses, p.fees, p.events), nil
}

// plannedSteps are the steps of a case not accepted yet: its version's flowchart,
// every node pending, with the IDs acceptance will store them under.
func (s *Service) plannedSteps(ctx context.Context, scope db.Scope, c *Case, ver *catalogue.Version) ([]Step, error) {
	depts, err := s.store.departmentCodes(ctx, scope, c.TenantID)
	if err != nil {
		return nil, err
	}
	return instantiate(ver.Flowchart, c.TenantID, c.ID, depts), nil
}

// detail assembles what the case page shows from the case's rows.
func (s *Service) detail(cal *calendar.Calendar, t *tenant.Tenant, c *Case, edges []catalogue.Edge, steps []Step, pauses []Pause, fees []Fee, events []Event) *Detail {
	d := &Detail{Case: *c, FlowEdges: orEmpty(edges), Steps: orEmpty(steps), Pauses: orEmpty(pauses), Fees: orEmpty(fees), Events: orEmpty(events)}
	now := s.clock.Now()
	d.TenantCode = t.Code
	d.Applicant = maskedApplicant(&d.Case)
	d.DeadlineExplanation = explain(cal, &d.Case)
	d.MissingMaterials = missingMaterials(d.Materials)
	if d.MissingMaterials == nil {
		d.MissingMaterials = []string{}
	}
	if d.DueAt != nil && Open(d.Status) {
		r := cal.WorkingDaysRemaining(now, *d.DueAt)
		d.RemainingDays = &r
		d.Overdue = !d.Paused && !now.Before(*d.DueAt)
	}
	return d
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// Summary is a case in lists.
type Summary struct {
	ID             uuid.UUID  `json:"id"`
	TenantCode     string     `json:"tenant_code"`
	TrackingNo     string     `json:"tracking_no"`
	PowerName      string     `json:"power_name"`
	DepartmentID   uuid.UUID  `json:"department_id"`
	Channel        string     `json:"channel"`
	ApplicantName  string     `json:"applicant_name"`
	Status         string     `json:"status"`
	Paused         bool       `json:"paused"`
	DeemedAccepted bool       `json:"deemed_accepted"`
	GreenChannel   bool       `json:"green_channel"`
	ProjectID      *uuid.UUID `json:"project_id"`
	ReceivedAt     time.Time  `json:"received_at"`
	AcceptedAt     *time.Time `json:"accepted_at"`
	DueAt          *time.Time `json:"due_at"`
	Overdue        bool       `json:"overdue"`
	FeeMismatch    bool       `json:"fee_mismatch"`
	// DueDate is the legal deadline's working day; AcceptanceDueAt the instant by
	// which a submitted case must be accepted or refused (5 working days).
	DueDate         *calendar.Date `json:"due_date"`
	AcceptanceDueAt *time.Time     `json:"acceptance_due_at"`
	// RemainingDays counts the working days left on the clock that runs now (the
	// acceptance clock while submitted, the legal one after), in the case's own
	// tenant calendar; negative once overdue, null when no clock runs.
	RemainingDays *int `json:"remaining_working_days"`
	// DeadlinePassed: the running clock has run out (the acceptance deadline counts
	// too, unlike Overdue). The count alone cannot say so on a weekend right after the
	// last day, where it is 0.
	DeadlinePassed bool `json:"deadline_passed"`
}

// Filter selects cases for lists.
type Filter struct {
	Tenants      []uuid.UUID
	Status       []string
	DepartmentID uuid.UUID
	ProjectID    uuid.UUID
	WindowID     uuid.UUID
	Overdue      *bool
	Query        string
	Limit        int
	Offset       int
}

// List returns cases matching f (newest first) and the total.
func (s *Service) List(ctx context.Context, scope db.Scope, f Filter, codes map[uuid.UUID]string) ([]Summary, int64, error) {
	now := s.clock.Now()
	rows, total, err := s.store.listCases(ctx, scope, f, now)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Summary, len(rows))
	cals := map[uuid.UUID]*calendar.Calendar{}
	for i, c := range rows {
		out[i] = Summary{ID: c.ID, TenantCode: codes[c.TenantID], TrackingNo: c.TrackingNo, PowerName: c.PowerName, DepartmentID: c.DepartmentID,
			Channel: c.Channel, ApplicantName: c.ApplicantName, Status: c.Status, Paused: c.Paused, DeemedAccepted: c.DeemedAccepted,
			GreenChannel: c.GreenChannel, ProjectID: c.ProjectID, ReceivedAt: c.ReceivedAt, AcceptedAt: c.AcceptedAt, DueAt: c.DueAt,
			FeeMismatch: c.FeeMismatch, Overdue: Open(c.Status) && c.Status != StatusSubmitted && !c.Paused && c.DueAt != nil && !now.Before(*c.DueAt),
			DueDate: c.DueDate, AcceptanceDueAt: c.AcceptanceDueAt}
		running := c.DueAt
		if c.Status == StatusSubmitted {
			running = c.AcceptanceDueAt
		}
		if running == nil || !Open(c.Status) {
			continue
		}
		cal, ok := cals[c.TenantID]
		if !ok {
			cal, err = s.tenantCalendar(ctx, c.TenantID)
			if err != nil {
				return nil, 0, err
			}
			cals[c.TenantID] = cal
		}
		r := cal.WorkingDaysRemaining(now, *running)
		out[i].RemainingDays = &r
		out[i].DeadlinePassed = !c.Paused && !now.Before(*running)
	}
	return out, total, nil
}

// Task is an active step as a handler's to-do list shows it.
type Task struct {
	StepID       uuid.UUID  `json:"step_id"`
	CaseID       uuid.UUID  `json:"case_id"`
	TrackingNo   string     `json:"tracking_no"`
	PowerName    string     `json:"power_name"`
	StepName     string     `json:"step_name"`
	Node         string     `json:"node"`
	Role         string     `json:"role"`
	DepartmentID *uuid.UUID `json:"department_id"`
	ActivatedAt  *time.Time `json:"activated_at"`
	// DueDate is the step's last working day (Asia/Shanghai); DueAt the instant it
	// ends. Likewise for the case.
	DueDate       *calendar.Date `json:"due_date"`
	DueAt         *time.Time     `json:"due_at"`
	CaseDueDate   *calendar.Date `json:"case_due_date"`
	CaseDueAt     *time.Time     `json:"case_due_at"`
	Paused        bool           `json:"paused"`
	Overdue       bool           `json:"overdue"`
	RemainingDays *int           `json:"remaining_working_days"`
	Checkpoint    bool           `json:"checkpoint"`
	Counts        bool           `json:"counts"`
}

// Tasks lists the active steps of a department that need one of roles, most urgent
// first.
func (s *Service) Tasks(ctx context.Context, scope db.Scope, departmentID uuid.UUID, roles []string) ([]Task, error) {
	out, err := s.store.activeTasks(ctx, scope, departmentID, roles)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return []Task{}, nil
	}
	cal, err := s.tenantCalendar(ctx, scope.Tenant)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	for i := range out {
		if out[i].DueAt != nil {
			r := cal.WorkingDaysRemaining(now, *out[i].DueAt)
			out[i].RemainingDays = &r
			out[i].Overdue = !out[i].Paused && !now.Before(*out[i].DueAt)
		}
	}
	return out, nil
}

// PublicEvent is a timeline entry the portal may show: no personal data, no names of
// staff.
type PublicEvent struct {
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	StepName string    `json:"step_name"`
	Note     string    `json:"note"`
	params   EventParams
}

// Localize renders the timeline notes in lang.
func (p *PublicStatus) Localize(lang string) {
	for i := range p.Timeline {
		e := Event{Kind: p.Timeline[i].Kind, Note: p.Timeline[i].Note, Params: p.Timeline[i].params}
		e.Localize(lang)
		p.Timeline[i].Note = e.Note
	}
}

// Localize renders the timeline notes in lang.
func (d *Detail) Localize(lang string) {
	for i := range d.Events {
		d.Events[i].Localize(lang)
	}
}

// PublicStatus is what the portal shows for a tracking number.
type PublicStatus struct {
	TrackingNo string        `json:"tracking_no"`
	PowerName  string        `json:"power_name"`
	Status     string        `json:"status"`
	ReceivedAt time.Time     `json:"received_at"`
	AcceptedAt *time.Time    `json:"accepted_at"`
	DueDate    *string       `json:"due_date"`
	Paused     bool          `json:"paused"`
	Timeline   []PublicEvent `json:"timeline"`
}

// PublicLookup finds a case by tracking number and its query code; the last four
// characters of the applicant's ID are an optional second factor (checked when given,
// as a counter may ask for it). Any mismatch is the same 404 as an unknown number, and
// the code is compared in constant time.
func (s *Service) PublicLookup(ctx context.Context, tenantID uuid.UUID, trackingNo, code, last4 string) (*PublicStatus, error) {
	trackingNo, last4 = strings.TrimSpace(trackingNo), strings.ToUpper(strings.TrimSpace(last4))
	code = NormalizeQueryCode(code)
	if len(code) != QueryCodeLen || (last4 != "" && len(last4) != 4) || len(trackingNo) > 64 {
		return nil, apperr.NotFound("casework.lookup_not_found")
	}
	c, evs, err := s.store.lookup(ctx, tenantID, trackingNo, code, last4)
	if err != nil {
		return nil, err
	}
	out := &PublicStatus{TrackingNo: c.TrackingNo, PowerName: c.PowerName, Status: c.Status, ReceivedAt: c.ReceivedAt, AcceptedAt: c.AcceptedAt, Paused: c.Paused, Timeline: []PublicEvent{}}
	if c.DueDate != nil {
		d := c.DueDate.String()
		out.DueDate = &d
	}
	for _, e := range evs {
		out.Timeline = append(out.Timeline, PublicEvent{At: e.At, Kind: e.Kind, StepName: e.StepName, Note: e.Note, params: e.Params})
	}
	return out, nil
}

func init() {
	apperr.Register("casework.lookup_not_found", "未找到该办件：请核对受理编号和查询码（如填写了证件号码后四位，也请核对）", "No such case: check the tracking number and the query code (and the last four characters of the ID, if given)")
}
