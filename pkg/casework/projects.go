package casework

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/idcheck"
	"sunshine/pkg/platform/db"
)

// Project statuses.
const (
	ProjectActive    = "active"
	ProjectCompleted = "completed"
)

// maxInvestmentWan is the largest amount numeric(14, 2) holds.
const maxInvestmentWan = 999999999999.99

// ProjectInput creates a project (every field but status required) or changes one
// (fields left out keep their values; status "completed" closes the project to new
// cases, "active" reopens it).
type ProjectInput struct {
	Name               *string    `json:"name"`
	InvestorName       *string    `json:"investor_name"`
	InvestorCreditCode *string    `json:"investor_credit_code"`
	InvestmentWan      *float64   `json:"investment_wan"`
	LeadDepartmentID   *uuid.UUID `json:"lead_department_id"`
	Status             *string    `json:"status"`
}

// apply copies the given fields onto p and validates the result.
func (in ProjectInput) apply(p *Project, creating bool) error {
	var v apperr.Fields
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if in.InvestorName != nil {
		p.InvestorName = strings.TrimSpace(*in.InvestorName)
	}
	if in.InvestorCreditCode != nil {
		p.InvestorCreditCode = idcheck.NormalizeCreditCode(*in.InvestorCreditCode)
	}
	if in.InvestmentWan != nil {
		p.InvestmentWan = math.Round(*in.InvestmentWan*100) / 100
	}
	if in.LeadDepartmentID != nil {
		p.LeadDepartmentID = *in.LeadDepartmentID
	}
	if in.Status != nil {
		switch {
		case *in.Status != ProjectActive && *in.Status != ProjectCompleted:
			v.Add("status", "not_allowed_value", apperr.Params{"allowed": "active, completed"})
		case creating && *in.Status != ProjectActive:
			v.Add("status", "not_allowed_value", apperr.Params{"allowed": "active"})
		default:
			p.Status = *in.Status
		}
	}
	if v.Required("name", p.Name) && len([]rune(p.Name)) > 200 {
		v.Add("name", "too_long", apperr.Params{"max": 200})
	}
	if v.Required("investor_name", p.InvestorName) && len([]rune(p.InvestorName)) > 200 {
		v.Add("investor_name", "too_long", apperr.Params{"max": 200})
	}
	if v.Required("investor_credit_code", p.InvestorCreditCode) {
		if err := idcheck.CreditCode(p.InvestorCreditCode); err != nil {
			v.Add("investor_credit_code", "casework.credit_code_invalid", apperr.Params{"reason": reasonCode(err)})
		}
	}
	switch {
	case creating && in.InvestmentWan == nil:
		v.Add("investment_wan", "required")
	case p.InvestmentWan <= 0 || p.InvestmentWan > maxInvestmentWan || math.IsNaN(p.InvestmentWan):
		v.Add("investment_wan", "out_of_range", apperr.Params{"min": 0.01, "max": "999999999999.99"})
	}
	if p.LeadDepartmentID == uuid.Nil {
		v.Add("lead_department_id", "required")
	}
	return v.Err()
}

// checkDepartment: the lead department is one of the tenant's departments.
func checkDepartment(tx *gorm.DB, tenantID, id uuid.UUID) error {
	var n int64
	if err := tx.Table("departments").Where("id = ? AND tenant_id = ?", id, tenantID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return apperr.Invalid("validation_failed").WithField("lead_department_id", "identity.department_unknown")
	}
	return nil
}

func projectState(p *Project) map[string]any {
	return map[string]any{"name": p.Name, "investor_name": p.InvestorName, "investor_credit_code": p.InvestorCreditCode,
		"investment_wan": p.InvestmentWan, "lead_department_id": p.LeadDepartmentID, "status": p.Status}
}

// CreateProject registers a major investment project (大项目直通车) in the actor's
// tenant. Cases filed under it run on their items' green-channel limits.
func (s *Service) CreateProject(ctx context.Context, a actor.Actor, in ProjectInput) (*ProjectDetail, error) {
	p := &Project{ID: uuid.Must(uuid.NewV7()), TenantID: a.TenantID, Status: ProjectActive}
	if err := in.apply(p, true); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	err := s.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		if err := checkDepartment(tx, a.TenantID, p.LeadDepartmentID); err != nil {
			return err
		}
		if err := tx.Create(p).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "project.create", ObjectType: "project", ObjectID: p.ID.String(), After: projectState(p)})
	})
	if err != nil {
		return nil, err
	}
	return s.GetProject(ctx, db.TenantScope(a.TenantID, a.UserID), p.ID)
}

// UpdateProject changes a project of the actor's tenant. Completing it closes it to
// new cases and needs every case under it decided (or refused) first.
func (s *Service) UpdateProject(ctx context.Context, a actor.Actor, id uuid.UUID, in ProjectInput) (*ProjectDetail, error) {
	now := s.clock.Now()
	err := s.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		var p Project
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, a.TenantID).First(&p).Error; err != nil {
			return db.Classify(err)
		}
		before := projectState(&p)
		was := p.Status
		if err := in.apply(&p, false); err != nil {
			return err
		}
		if in.LeadDepartmentID != nil {
			if err := checkDepartment(tx, a.TenantID, p.LeadDepartmentID); err != nil {
				return err
			}
		}
		if p.Status == ProjectCompleted && was != ProjectCompleted {
			var open int64
			if err := tx.Model(&Case{}).Where("project_id = ? AND status IN ?", id, handlingStatuses).Count(&open).Error; err != nil {
				return err
			}
			if open > 0 {
				return apperr.Conflict("casework.project_open_cases", apperr.Params{"count": open, "extra": map[string]any{"open_cases": open}})
			}
		}
		after := projectState(&p)
		if mapsEqual(before, after) {
			return nil // nothing changed: nothing to record
		}
		if err := tx.Model(&p).Updates(map[string]any{"name": p.Name, "investor_name": p.InvestorName, "investor_credit_code": p.InvestorCreditCode,
			"investment_wan": p.InvestmentWan, "lead_department_id": p.LeadDepartmentID, "status": p.Status}).Error; err != nil {
			return db.Classify(err)
		}
		action := "project.update"
		if p.Status != was {
			action = map[string]string{ProjectCompleted: "project.complete", ProjectActive: "project.reopen"}[p.Status]
		}
		return audit.Record(tx, a, now, audit.Event{Action: action, ObjectType: "project", ObjectID: id.String(), Before: before, After: after})
	})
	if err != nil {
		return nil, err
	}
	return s.GetProject(ctx, db.TenantScope(a.TenantID, a.UserID), id)
}

// handlingStatuses are the statuses of a case not yet decided, refused or delivered.
var handlingStatuses = []string{StatusSubmitted, StatusCorrectionRequested, StatusInProgress, StatusPendingDecision}

func mapsEqual(a, b map[string]any) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// CaseCounts summarises the cases of a project.
type CaseCounts struct {
	Total int `json:"total"`
	// ByStatus has every case status as a key (zero when none).
	ByStatus map[string]int `json:"by_status"`
	// Open counts cases still being handled (submitted to pending decision).
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
	Paused  int `json:"paused"`
}

func newCaseCounts() CaseCounts {
	m := map[string]int{}
	for _, st := range []string{StatusSubmitted, StatusCorrectionRequested, StatusRefused, StatusInProgress, StatusPendingDecision, StatusApproved, StatusDenied, StatusDelivered} {
		m[st] = 0
	}
	return CaseCounts{ByStatus: m}
}

func (c *CaseCounts) add(status string, n, overdue, paused int) {
	c.Total += n
	c.ByStatus[status] += n
	c.Overdue += overdue
	c.Paused += paused
	for _, h := range handlingStatuses {
		if h == status {
			c.Open += n
		}
	}
}

// ProjectSummary is a project in lists: with its tenant, the lead department's name
// and the counts of its cases.
type ProjectSummary struct {
	Project
	TenantCode         string     `json:"tenant_code"`
	LeadDepartmentName string     `json:"lead_department_name"`
	Cases              CaseCounts `json:"case_counts"`
}

// ProjectFilter selects projects.
type ProjectFilter struct {
	Tenants []uuid.UUID
	Status  string
}

// overdueSQL is the overdue rule of the case lists: handling, not paused, past due.
const overdueSQL = "status IN ('in_progress', 'pending_decision') AND NOT paused AND due_at <= ?"

// Projects lists the projects of f's tenants (in scope), newest first, with the
// counts of their cases by status and how many are overdue — one aggregate query.
func (s *Service) Projects(ctx context.Context, scope db.Scope, f ProjectFilter, codes map[uuid.UUID]string) ([]ProjectSummary, error) {
	now := s.clock.Now()
	var ps []Project
	var counts []projectCount
	depts := map[uuid.UUID]string{}
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		q := tx.Where("tenant_id IN ?", f.Tenants)
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		if err := q.Order("created_at DESC, id").Find(&ps).Error; err != nil {
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		ids := make([]uuid.UUID, len(ps))
		deptIDs := make([]uuid.UUID, len(ps))
		for i, p := range ps {
			ids[i], deptIDs[i] = p.ID, p.LeadDepartmentID
		}
		if err := tx.Table("cases").Select(`project_id, status, count(*) AS n,
				count(*) FILTER (WHERE `+overdueSQL+`) AS overdue, count(*) FILTER (WHERE paused) AS paused`, now).
			Where("project_id IN ?", ids).Group("project_id, status").Scan(&counts).Error; err != nil {
			return err
		}
		return departmentNames(tx, deptIDs, depts)
	})
	if err != nil {
		return nil, err
	}
	out := make([]ProjectSummary, len(ps))
	idx := map[uuid.UUID]int{}
	for i, p := range ps {
		out[i] = ProjectSummary{Project: p, TenantCode: codes[p.TenantID], LeadDepartmentName: depts[p.LeadDepartmentID], Cases: newCaseCounts()}
		idx[p.ID] = i
	}
	for _, c := range counts {
		out[idx[c.ProjectID]].Cases.add(c.Status, c.N, c.Overdue, c.Paused)
	}
	return out, nil
}

type projectCount struct {
	ProjectID uuid.UUID
	Status    string
	N         int
	Overdue   int
	Paused    int
}

func departmentNames(tx *gorm.DB, ids []uuid.UUID, into map[uuid.UUID]string) error {
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		ID   uuid.UUID
		Name string
	}
	if err := tx.Table("departments").Select("id, name").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		into[r.ID] = r.Name
	}
	return nil
}

// ProjectStep is a task of a project's case with its clock.
type ProjectStep struct {
	ID             uuid.UUID      `json:"id"`
	Node           string         `json:"node"`
	Name           string         `json:"name"`
	Seq            int            `json:"seq"`
	DepartmentID   *uuid.UUID     `json:"department_id"`
	DepartmentName string         `json:"department_name"`
	Role           string         `json:"role"`
	TimeLimit      int            `json:"time_limit"`
	Counts         bool           `json:"counts"`
	Status         string         `json:"status"`
	Rounds         int            `json:"rounds"`
	ActivatedAt    *time.Time     `json:"activated_at"`
	DueDate        *calendar.Date `json:"due_date"`
	DueAt          *time.Time     `json:"due_at"`
	CompletedAt    *time.Time     `json:"completed_at"`
	// RemainingDays counts down an active step's working days (negative once overdue).
	RemainingDays *int `json:"remaining_working_days"`
	// Overdue: active, the case not paused, and past its due instant.
	Overdue bool `json:"overdue"`
	// Late: completed after its due instant.
	Late bool `json:"late"`
}

// ProjectCase is one case of a project with its clock and its tasks.
type ProjectCase struct {
	ID             uuid.UUID      `json:"id"`
	TrackingNo     string         `json:"tracking_no"`
	PowerID        uuid.UUID      `json:"power_id"`
	PowerName      string         `json:"power_name"`
	DepartmentID   uuid.UUID      `json:"department_id"`
	DepartmentName string         `json:"department_name"`
	Channel        string         `json:"channel"`
	ApplicantName  string         `json:"applicant_name"`
	Status         string         `json:"status"`
	GreenChannel   bool           `json:"green_channel"`
	LimitDays      int            `json:"limit_days"`
	ExtensionDays  int            `json:"extension_days"`
	StoppedDays    int            `json:"stopped_days"`
	ReceivedAt     time.Time      `json:"received_at"`
	AcceptedAt     *time.Time     `json:"accepted_at"`
	DeemedAccepted bool           `json:"deemed_accepted"`
	DueDate        *calendar.Date `json:"due_date"`
	DueAt          *time.Time     `json:"due_at"`
	RemainingDays  *int           `json:"remaining_working_days"`
	Overdue        bool           `json:"overdue"`
	Paused         bool           `json:"paused"`
	ClockStopped   bool           `json:"clock_stopped"`
	Decision       string         `json:"decision"`
	DecidedAt      *time.Time     `json:"decided_at"`
	DeliveredAt    *time.Time     `json:"delivered_at"`
	Steps          []ProjectStep  `json:"steps"`
}

// ProjectDetail is the project's one view: every case with its tasks and clocks.
type ProjectDetail struct {
	ProjectSummary
	CaseList []ProjectCase `json:"cases"`
}

// GetProject loads a project (404 when absent or outside scope) with all its cases,
// each with its tasks, due dates, remaining working days, overdue and pause flags,
// computed on the project tenant's calendar.
func (s *Service) GetProject(ctx context.Context, scope db.Scope, id uuid.UUID) (*ProjectDetail, error) {
	var p Project
	var cases []Case
	var steps []Step
	depts := map[uuid.UUID]string{}
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).First(&p).Error; err != nil {
			return db.Classify(err)
		}
		if err := tx.Where("project_id = ? AND tenant_id = ?", id, p.TenantID).Order("received_at, id").Find(&cases).Error; err != nil {
			return err
		}
		deptIDs := []uuid.UUID{p.LeadDepartmentID}
		if len(cases) > 0 {
			caseIDs := make([]uuid.UUID, len(cases))
			for i, c := range cases {
				caseIDs[i] = c.ID
				deptIDs = append(deptIDs, c.DepartmentID)
			}
			if err := tx.Where("case_id IN ? AND kind = 'task'", caseIDs).Order("case_id, seq").Find(&steps).Error; err != nil {
				return err
			}
			for _, st := range steps {
				if st.DepartmentID != nil {
					deptIDs = append(deptIDs, *st.DepartmentID)
				}
			}
		}
		return departmentNames(tx, deptIDs, depts)
	})
	if err != nil {
		return nil, err
	}
	t, err := s.tenants.ByID(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendars.For(ctx, t)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	d := &ProjectDetail{ProjectSummary: ProjectSummary{Project: p, TenantCode: t.Code, LeadDepartmentName: depts[p.LeadDepartmentID], Cases: newCaseCounts()},
		CaseList: make([]ProjectCase, 0, len(cases))}
	byCase := map[uuid.UUID][]Step{}
	for _, st := range steps {
		byCase[st.CaseID] = append(byCase[st.CaseID], st)
	}
	// Cases not accepted yet show their tasks as planned (as their case page does).
	var unnamed []uuid.UUID
	for i := range cases {
		c := &cases[i]
		if _, stored := byCase[c.ID]; stored {
			continue
		}
		ver, err := s.version(ctx, scope, c.VersionID)
		if err != nil {
			return nil, err
		}
		planned, err := s.plannedSteps(ctx, scope, c, ver)
		if err != nil {
			return nil, err
		}
		for _, st := range planned {
			if st.Kind != string(catalogue.KindTask) {
				continue
			}
			byCase[c.ID] = append(byCase[c.ID], st)
			if st.DepartmentID != nil && depts[*st.DepartmentID] == "" {
				unnamed = append(unnamed, *st.DepartmentID)
			}
		}
	}
	if len(unnamed) > 0 {
		if err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error { return departmentNames(tx, unnamed, depts) }); err != nil {
			return nil, err
		}
	}
	for _, c := range cases {
		pc := projectCase(cal, now, &c, byCase[c.ID], depts)
		overdue, paused := 0, 0
		if pc.Overdue {
			overdue = 1
		}
		if c.Paused {
			paused = 1
		}
		d.Cases.add(c.Status, 1, overdue, paused)
		d.CaseList = append(d.CaseList, pc)
	}
	return d, nil
}

func projectCase(cal *calendar.Calendar, now time.Time, c *Case, steps []Step, depts map[uuid.UUID]string) ProjectCase {
	pc := ProjectCase{
		ID: c.ID, TrackingNo: c.TrackingNo, PowerID: c.PowerID, PowerName: c.PowerName, DepartmentID: c.DepartmentID,
		DepartmentName: depts[c.DepartmentID], Channel: c.Channel, ApplicantName: c.ApplicantName, Status: c.Status,
		GreenChannel: c.GreenChannel, LimitDays: c.LimitDays, ExtensionDays: c.ExtensionDays, StoppedDays: c.StoppedDays,
		ReceivedAt: c.ReceivedAt, AcceptedAt: c.AcceptedAt, DeemedAccepted: c.DeemedAccepted, DueDate: c.DueDate, DueAt: c.DueAt,
		Paused: c.Paused, ClockStopped: c.ClockStoppedAt != nil, Decision: c.Decision, DecidedAt: c.DecidedAt, DeliveredAt: c.DeliveredAt,
		Steps: make([]ProjectStep, 0, len(steps)),
	}
	// The same rules as the case page (Get) and the case list.
	if c.DueAt != nil && Open(c.Status) {
		r := cal.WorkingDaysRemaining(now, *c.DueAt)
		pc.RemainingDays = &r
		pc.Overdue = c.Status != StatusSubmitted && !c.Paused && !now.Before(*c.DueAt)
	}
	for _, st := range steps {
		ps := ProjectStep{ID: st.ID, Node: st.Node, Name: st.Name, Seq: st.Seq, DepartmentID: st.DepartmentID, Role: st.Role,
			TimeLimit: st.TimeLimit, Counts: st.Counts, Status: st.Status, Rounds: st.Rounds, ActivatedAt: st.ActivatedAt,
			DueDate: st.DueDate, DueAt: st.DueAt, CompletedAt: st.CompletedAt}
		if st.DepartmentID != nil {
			ps.DepartmentName = depts[*st.DepartmentID]
		}
		if st.DueAt != nil {
			switch {
			case st.Status == StepActive && c.Status == StatusInProgress:
				r := cal.WorkingDaysRemaining(now, *st.DueAt)
				ps.RemainingDays = &r
				ps.Overdue = !c.Paused && !now.Before(*st.DueAt)
			case st.Status == StepDone && st.CompletedAt != nil:
				ps.Late = st.CompletedAt.After(*st.DueAt) || st.CompletedAt.Equal(*st.DueAt)
			}
		}
		pc.Steps = append(pc.Steps, ps)
	}
	return pc
}

func init() {
	apperr.Register("casework.project_open_cases", "该项目还有 {count} 件办件未办结，不能标记为已完成", "The project still has {count} cases in progress; it cannot be completed")
}
