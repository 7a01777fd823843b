// Package projects runs major investment projects (大项目直通车): a project of a
// tenant, led by one of its departments, under which applications are filed and then
// run on their items' green-channel limits. It owns the projects table; what it shows
// of the cases filed under a project it reads through Cases, which casework (the
// owner of cases and their clocks) implements.
package projects

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
	"sunshine/pkg/idcheck"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// Project statuses.
const (
	ProjectActive    = "active"
	ProjectCompleted = "completed"
)

// Project is a major investment project (大项目直通车).
type Project struct {
	ID                 uuid.UUID `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID           uuid.UUID `gorm:"type:uuid" json:"-"`
	Name               string    `json:"name"`
	InvestorName       string    `json:"investor_name"`
	InvestorCreditCode string    `json:"investor_credit_code"`
	InvestmentWan      float64   `json:"investment_wan"`
	LeadDepartmentID   uuid.UUID `gorm:"type:uuid" json:"lead_department_id"`
	Status             string    `json:"status"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// TableName maps Project to its table.
func (Project) TableName() string { return "projects" }

// CheckOpen is the rule of filing a case under a project: the project exists in the
// case's tenant (found) and is active (status). Casework's intake reads both in its
// one grouped query and asks this.
func CheckOpen(found bool, status string) error {
	if !found {
		return apperr.Invalid("validation_failed").WithField("project_id", "casework.project_unknown")
	}
	if status != ProjectActive {
		return apperr.Invalid("validation_failed").WithField("project_id", "casework.project_closed")
	}
	return nil
}

// Cases is what projects read of the cases filed under them; casework implements it
// (it owns the cases and their clocks).
type Cases interface {
	// Counts counts the cases of each project by status, overdue and paused (within
	// scope); a project without cases is absent.
	Counts(ctx context.Context, scope db.Scope, projectIDs []uuid.UUID) (map[uuid.UUID]CaseCounts, error)
	// NoCases are the counts of a project without cases: every case status a key.
	NoCases() CaseCounts
	// OpenUnder counts the cases of a project still being handled, within tx (the
	// project's row is locked: no case can be filed under it meanwhile).
	OpenUnder(tx *gorm.DB, projectID uuid.UUID) (int64, error)
	// OfProject lists the cases of a project in its tenant, oldest first, each with
	// its tasks and clocks (department names left empty), and their counts.
	OfProject(ctx context.Context, scope db.Scope, projectID, tenantID uuid.UUID) ([]ProjectCase, CaseCounts, error)
}

// Service runs major projects.
type Service struct {
	db      *db.DB
	tenants *tenant.Registry
	clock   clock.Clock
	cases   Cases
}

// NewService builds the project service over the cases filed under projects.
func NewService(d *db.DB, tenants *tenant.Registry, c clock.Clock, cases Cases) *Service {
	return &Service{db: d, tenants: tenants, clock: c, cases: cases}
}

// WithClock returns a copy of the service that tells the time by c (the demo replays
// weeks on a fake clock).
func (s *Service) WithClock(c clock.Clock) *Service {
	cp := *s
	cp.clock = c
	return &cp
}

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
			open, err := s.cases.OpenUnder(tx, id)
			if err != nil {
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

// Add counts n cases of status, of which overdue are overdue and paused paused;
// handling tells whether the status is still being handled (open).
func (c *CaseCounts) Add(status string, handling bool, n, overdue, paused int) {
	c.Total += n
	c.ByStatus[status] += n
	c.Overdue += overdue
	c.Paused += paused
	if handling {
		c.Open += n
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

// Projects lists the projects of f's tenants (in scope), newest first, with the
// counts of their cases by status and how many are overdue.
func (s *Service) Projects(ctx context.Context, scope db.Scope, f ProjectFilter, codes map[uuid.UUID]string) ([]ProjectSummary, error) {
	var ps []Project
	depts := map[uuid.UUID]string{}
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		q := tx.Where("tenant_id IN ?", f.Tenants)
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		if err := q.Order("created_at DESC, id").Find(&ps).Error; err != nil {
			return err
		}
		deptIDs := make([]uuid.UUID, len(ps))
		for i, p := range ps {
			deptIDs[i] = p.LeadDepartmentID
		}
		return departmentNames(tx, deptIDs, depts)
	})
	if err != nil || len(ps) == 0 {
		return []ProjectSummary{}, err
	}
	ids := make([]uuid.UUID, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	counts, err := s.cases.Counts(ctx, scope, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ProjectSummary, len(ps))
	for i, p := range ps {
		c, ok := counts[p.ID]
		if !ok {
			c = s.cases.NoCases()
		}
		out[i] = ProjectSummary{Project: p, TenantCode: codes[p.TenantID], LeadDepartmentName: depts[p.LeadDepartmentID], Cases: c}
	}
	return out, nil
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
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error { return tx.Where("id = ?", id).First(&p).Error })
	if err != nil {
		return nil, db.Classify(err)
	}
	t, err := s.tenants.ByID(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	cases, counts, err := s.cases.OfProject(ctx, scope, p.ID, p.TenantID)
	if err != nil {
		return nil, err
	}
	deptIDs := []uuid.UUID{p.LeadDepartmentID}
	for _, c := range cases {
		deptIDs = append(deptIDs, c.DepartmentID)
		for _, st := range c.Steps {
			if st.DepartmentID != nil {
				deptIDs = append(deptIDs, *st.DepartmentID)
			}
		}
	}
	depts := map[uuid.UUID]string{}
	if err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error { return departmentNames(tx, deptIDs, depts) }); err != nil {
		return nil, err
	}
	for i := range cases {
		c := &cases[i]
		c.DepartmentName = depts[c.DepartmentID]
		for j := range c.Steps {
			if d := c.Steps[j].DepartmentID; d != nil {
				c.Steps[j].DepartmentName = depts[*d]
			}
		}
	}
	return &ProjectDetail{ProjectSummary: ProjectSummary{Project: p, TenantCode: t.Code, LeadDepartmentName: depts[p.LeadDepartmentID], Cases: counts},
		CaseList: cases}, nil
}

func init() {
	apperr.Register("casework.project_unknown", "重大项目不存在", "No such major project")
	apperr.Register("casework.project_closed", "重大项目已办结", "The major project is completed")
	apperr.Register("casework.credit_code_invalid", "统一社会信用代码无效（{reason_zh}）", "Invalid unified social credit code ({reason})")
	apperr.Register("casework.project_open_cases", "该项目还有 {count} 件办件未办结，不能标记为已完成", "The project still has {count} cases in progress; it cannot be completed")
}

// reasonCode is the machine reason an identifier check failed for.
func reasonCode(err error) string {
	if e, ok := err.(interface{ Code() string }); ok {
		return e.Code()
	}
	return "invalid"
}
