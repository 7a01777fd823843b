package casework

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/calendar"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/projects"
	"sunshine/pkg/servicecentre"
)

// What casework serves the capabilities built on its cases: the projects' view of the
// cases filed under them (projects.Cases) and the service centre's daily counts
// (servicecentre.Cases). They read cases only through these.
var (
	_ projects.Cases      = (*Service)(nil)
	_ servicecentre.Cases = (*Service)(nil)
)

// handlingStatuses are the statuses of a case not yet decided, refused or delivered.
var handlingStatuses = []string{StatusSubmitted, StatusCorrectionRequested, StatusInProgress, StatusPendingDecision}

func handling(status string) bool {
	for _, h := range handlingStatuses {
		if h == status {
			return true
		}
	}
	return false
}

// NoCases are the counts of a project without cases: every case status a key.
func (s *Service) NoCases() projects.CaseCounts {
	m := map[string]int{}
	for _, st := range []string{StatusSubmitted, StatusCorrectionRequested, StatusRefused, StatusInProgress, StatusPendingDecision, StatusApproved, StatusDenied, StatusDelivered} {
		m[st] = 0
	}
	return projects.CaseCounts{ByStatus: m}
}

// Counts counts the cases of each project by status, overdue and paused.
func (s *Service) Counts(ctx context.Context, scope db.Scope, projectIDs []uuid.UUID) (map[uuid.UUID]projects.CaseCounts, error) {
	rows, err := s.store.projectCounts(ctx, scope, projectIDs, s.clock.Now())
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID]projects.CaseCounts{}
	for _, r := range rows {
		c, ok := out[r.ProjectID]
		if !ok {
			c = s.NoCases()
		}
		c.Add(r.Status, handling(r.Status), r.N, r.Overdue, r.Paused)
		out[r.ProjectID] = c
	}
	return out, nil
}

// OpenUnder counts the cases of a project still being handled, within tx.
func (s *Service) OpenUnder(tx *gorm.DB, projectID uuid.UUID) (int64, error) {
	return openUnder(tx, projectID)
}

// OfProject lists the cases of a project in its tenant with their tasks (stored, or
// planned before acceptance, as their case page shows them) and clocks, on the
// tenant's calendar, and their counts.
func (s *Service) OfProject(ctx context.Context, scope db.Scope, projectID, tenantID uuid.UUID) ([]projects.ProjectCase, projects.CaseCounts, error) {
	counts := s.NoCases()
	cases, steps, err := s.store.projectCases(ctx, scope, projectID, tenantID)
	if err != nil {
		return nil, counts, err
	}
	cal, err := s.tenantCalendar(ctx, tenantID)
	if err != nil {
		return nil, counts, err
	}
	byCase := map[uuid.UUID][]Step{}
	for _, st := range steps {
		byCase[st.CaseID] = append(byCase[st.CaseID], st)
	}
	now := s.clock.Now()
	out := make([]projects.ProjectCase, 0, len(cases))
	for i := range cases {
		c := &cases[i]
		tasks, stored := byCase[c.ID]
		if !stored {
			if tasks, err = s.plannedTasks(ctx, scope, c); err != nil {
				return nil, counts, err
			}
		}
		pc := projectCase(cal, now, c, tasks)
		overdue, paused := 0, 0
		if pc.Overdue {
			overdue = 1
		}
		if c.Paused {
			paused = 1
		}
		counts.Add(c.Status, handling(c.Status), 1, overdue, paused)
		out = append(out, pc)
	}
	return out, counts, nil
}

// plannedTasks are the task steps of a case not accepted yet.
func (s *Service) plannedTasks(ctx context.Context, scope db.Scope, c *Case) ([]Step, error) {
	ver, err := s.store.version(ctx, scope, c.VersionID)
	if err != nil {
		return nil, err
	}
	planned, err := s.plannedSteps(ctx, scope, c, ver)
	if err != nil {
		return nil, err
	}
	var tasks []Step
	for _, st := range planned {
		if st.Kind == string(catalogue.KindTask) {
			tasks = append(tasks, st)
		}
	}
	return tasks, nil
}

// projectCase is a case as its project shows it, by the same clock rules as the case
// page (Get) and the case list.
func projectCase(cal *calendar.Calendar, now time.Time, c *Case, steps []Step) projects.ProjectCase {
	pc := projects.ProjectCase{
		ID: c.ID, TrackingNo: c.TrackingNo, PowerID: c.PowerID, PowerName: c.PowerName, DepartmentID: c.DepartmentID,
		Channel: c.Channel, ApplicantName: c.ApplicantName, Status: c.Status,
		GreenChannel: c.GreenChannel, LimitDays: c.LimitDays, ExtensionDays: c.ExtensionDays, StoppedDays: c.StoppedDays,
		ReceivedAt: c.ReceivedAt, AcceptedAt: c.AcceptedAt, DeemedAccepted: c.DeemedAccepted, DueDate: c.DueDate, DueAt: c.DueAt,
		Paused: c.Paused, ClockStopped: c.ClockStoppedAt != nil, Decision: c.Decision, DecidedAt: c.DecidedAt, DeliveredAt: c.DeliveredAt,
		Steps: make([]projects.ProjectStep, 0, len(steps)),
	}
	if c.DueAt != nil && Open(c.Status) {
		r := cal.WorkingDaysRemaining(now, *c.DueAt)
		pc.RemainingDays = &r
		pc.Overdue = c.Status != StatusSubmitted && !c.Paused && !now.Before(*c.DueAt)
	}
	for _, st := range steps {
		ps := projects.ProjectStep{ID: st.ID, Node: st.Node, Name: st.Name, Seq: st.Seq, DepartmentID: st.DepartmentID, Role: st.Role,
			TimeLimit: st.TimeLimit, Counts: st.Counts, Status: st.Status, Rounds: st.Rounds, ActivatedAt: st.ActivatedAt,
			DueDate: st.DueDate, DueAt: st.DueAt, CompletedAt: st.CompletedAt}
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

// WindowDays counts, per window of tenants and Asia/Shanghai day of [start, end), the
// cases accepted at it and the cases it took in that were decided.
func (s *Service) WindowDays(ctx context.Context, scope db.Scope, tenants []uuid.UUID, start, end time.Time) ([]servicecentre.WindowDay, error) {
	return s.store.windowDays(ctx, scope, tenants, start, end)
}
