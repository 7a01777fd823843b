package casework

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/servicecentre"
)

// inTx runs fn in one transaction of scope (serialization failures retried: fn may
// run again).
func (st *store) inTx(ctx context.Context, scope db.Scope, fn func(t txn) error) error {
	return st.db.Tx(ctx, scope, func(tx *gorm.DB) error { return fn(txn{tx}) })
}

// lockedCase is a case locked for a mutation with its stored rows and the filed
// version it runs.
type lockedCase struct {
	c      *Case
	steps  []Step
	pauses []*Pause
	ver    *catalogue.Version
}

// lockCase locks case id of tenantID (SELECT … FOR UPDATE: racing mutations queue
// here) and loads its stored steps and pauses and its version.
func (t txn) lockCase(st *store, tenantID, id uuid.UUID) (*lockedCase, error) {
	var c Case
	if err := t.tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, tenantID).First(&c).Error; err != nil {
		return nil, db.Classify(err)
	}
	l := &lockedCase{c: &c}
	if err := t.tx.Where("case_id = ?", id).Order("seq").Find(&l.steps).Error; err != nil {
		return nil, err
	}
	if err := t.tx.Where("case_id = ?", id).Order("started_at").Find(&l.pauses).Error; err != nil {
		return nil, err
	}
	ver, err := st.loadVersion(t.tx, c.VersionID)
	if err != nil {
		return nil, err
	}
	l.ver = ver
	return l, nil
}

// stepWrite says what a mutation does with a case's step rows.
type stepWrite int

const (
	stepsKeep   stepWrite = iota // planned, still not stored
	stepsInsert                  // stored now (acceptance)
	stepsUpdate                  // stored before: updated
)

// saveCase writes a mutated case: its row, its steps as w says, its pauses, the new
// timeline entries and the audit event.
func (t txn) saveCase(c *Case, steps []Step, w stepWrite, pauses []*Pause, events []Event, a actor.Actor, now time.Time, e audit.Event) error {
	if err := t.tx.Select("*").Omit("created_at").Updates(c).Error; err != nil {
		return db.Classify(err)
	}
	switch w {
	case stepsInsert:
		if err := t.tx.Create(&steps).Error; err != nil {
			return db.Classify(err)
		}
	case stepsUpdate:
		for i := range steps {
			if err := t.tx.Select("*").Updates(&steps[i]).Error; err != nil {
				return db.Classify(err)
			}
		}
	}
	for _, p := range pauses {
		if err := t.tx.Save(p).Error; err != nil {
			return db.Classify(err)
		}
	}
	if len(events) > 0 {
		if err := t.tx.Create(&events).Error; err != nil {
			return err
		}
	}
	return audit.Record(t.tx, a, now, e)
}

// listCases reads a page of the cases matching f (newest first) and their total.
func (st *store) listCases(ctx context.Context, scope db.Scope, f Filter, now time.Time) ([]Case, int64, error) {
	var rows []Case
	var total int64
	err := st.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		q := tx.Model(&Case{})
		if len(f.Tenants) > 0 {
			q = q.Where("tenant_id IN ?", f.Tenants)
		}
		if len(f.Status) > 0 {
			q = q.Where("status IN ?", f.Status)
		}
		if f.DepartmentID != uuid.Nil {
			q = q.Where("department_id = ?", f.DepartmentID)
		}
		if f.ProjectID != uuid.Nil {
			q = q.Where("project_id = ?", f.ProjectID)
		}
		if f.WindowID != uuid.Nil {
			q = q.Where("window_id = ?", f.WindowID)
		}
		if f.Overdue != nil {
			if *f.Overdue {
				q = q.Where(overdueSQL, now)
			} else {
				q = q.Where("NOT ("+overdueSQL+")", now)
			}
		}
		if qs := strings.TrimSpace(f.Query); qs != "" {
			like := "%" + strings.NewReplacer("%", `\%`, "_", `\_`).Replace(qs) + "%"
			q = q.Where("tracking_no LIKE ? OR power_name LIKE ? OR applicant_name LIKE ?", like, like, like)
		}
		if err := q.Count(&total).Error; err != nil {
			return err
		}
		if f.Limit <= 0 {
			f.Limit = 20
		}
		return q.Order("received_at DESC, id").Limit(f.Limit).Offset(f.Offset).Find(&rows).Error
	})
	return rows, total, err
}

// overdueSQL is the overdue rule of the case lists: handling, not paused, past due.
const overdueSQL = "status IN ('in_progress', 'pending_decision') AND NOT paused AND due_at <= ?"

// activeTasks reads the active task steps of a department needing one of roles, most
// urgent first.
func (st *store) activeTasks(ctx context.Context, scope db.Scope, departmentID uuid.UUID, roles []string) ([]Task, error) {
	var out []Task
	err := st.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		return tx.Table("case_steps st").
			Select(`st.id AS step_id, st.case_id, c.tracking_no, c.power_name, st.name AS step_name, st.node, st.role,
				st.department_id, st.activated_at, st.due_date, st.due_at, c.due_date AS case_due_date, c.due_at AS case_due_at, c.paused, st.checkpoint, st.counts`).
			Joins("JOIN cases c ON c.id = st.case_id").
			Where("st.status = 'active' AND st.kind = 'task' AND st.department_id = ? AND st.role IN ? AND c.status = 'in_progress'", departmentID, roles).
			Order("st.due_at, c.tracking_no").Limit(500).Scan(&out).Error
	})
	return out, err
}

// lookup finds a case of tenantID by tracking number and, when its query code and the
// optional last four characters of the applicant's ID match (compared in constant
// time), its public timeline. Any mismatch is the same 404 as an unknown number.
func (st *store) lookup(ctx context.Context, tenantID uuid.UUID, trackingNo, code, last4 string) (*Case, []Event, error) {
	var c Case
	var evs []Event
	err := st.db.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{tenantID}), func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id = ? AND tracking_no = ?", tenantID, trackingNo).First(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.NotFound("casework.lookup_not_found")
			}
			return err
		}
		codeOK := subtle.ConstantTimeCompare([]byte(c.QueryCode), []byte(code)) == 1
		last4OK := last4 == "" || subtle.ConstantTimeCompare([]byte(c.ApplicantIDLast4), []byte(last4)) == 1
		if !codeOK || !last4OK {
			return apperr.NotFound("casework.lookup_not_found")
		}
		return tx.Where("case_id = ? AND public", c.ID).Order("at, id").Find(&evs).Error
	})
	if err != nil {
		return nil, nil, err
	}
	return &c, evs, nil
}

// caseRef names a case of a tenant.
type caseRef struct {
	ID       uuid.UUID
	TenantID uuid.UUID
}

// acceptanceOverdue lists (at most 1000) submitted cases of tenants whose acceptance
// deadline has passed at now.
func (st *store) acceptanceOverdue(ctx context.Context, tenants []uuid.UUID, now time.Time) ([]caseRef, error) {
	var due []caseRef
	err := st.db.Tx(ctx, db.ReadOnlyScope(tenants), func(tx *gorm.DB) error {
		return tx.Table("cases").Select("id, tenant_id").Where("tenant_id IN ? AND status = 'submitted' AND acceptance_due_at <= ?", tenants, now).Limit(1000).Scan(&due).Error
	})
	return due, err
}

// withDeadlines lists the cases of a tenant whose deadlines a calendar change may move.
func (st *store) withDeadlines(ctx context.Context, tenantID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := st.db.Tx(ctx, db.TenantScope(tenantID, uuid.Nil), func(tx *gorm.DB) error {
		return tx.Table("cases").Where("tenant_id = ? AND status IN ?", tenantID, []string{StatusSubmitted, StatusInProgress, StatusPendingDecision, StatusApproved, StatusDenied}).Pluck("id", &ids).Error
	})
	return ids, err
}

// windowDays counts, per window of tenants and Shanghai day of [start, end), the cases
// accepted at it and the cases it took in that were decided — one aggregate query.
func (st *store) windowDays(ctx context.Context, scope db.Scope, tenants []uuid.UUID, start, end time.Time) ([]servicecentre.WindowDay, error) {
	var rows []servicecentre.WindowDay
	err := st.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		return tx.Raw(`
			SELECT window_id, day, sum(accepted)::int AS accepted, sum(decided)::int AS decided FROM (
				SELECT window_id, (accepted_at AT TIME ZONE 'Asia/Shanghai')::date AS day, 1 AS accepted, 0 AS decided
				FROM cases WHERE tenant_id IN ? AND window_id IS NOT NULL AND accepted_at >= ? AND accepted_at < ?
				UNION ALL
				SELECT window_id, (decided_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 1
				FROM cases WHERE tenant_id IN ? AND window_id IS NOT NULL AND decided_at >= ? AND decided_at < ?
			) v GROUP BY window_id, day`, tenants, start, end, tenants, start, end).Scan(&rows).Error
	})
	return rows, err
}

// projectCount is the count of a project's cases of one status.
type projectCount struct {
	ProjectID uuid.UUID
	Status    string
	N         int
	Overdue   int
	Paused    int
}

// projectCounts counts the cases of projects by status, overdue (at now) and paused.
func (st *store) projectCounts(ctx context.Context, scope db.Scope, projectIDs []uuid.UUID, now time.Time) ([]projectCount, error) {
	var counts []projectCount
	err := st.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		return tx.Table("cases").Select(`project_id, status, count(*) AS n,
				count(*) FILTER (WHERE `+overdueSQL+`) AS overdue, count(*) FILTER (WHERE paused) AS paused`, now).
			Where("project_id IN ?", projectIDs).Group("project_id, status").Scan(&counts).Error
	})
	return counts, err
}

// openUnder counts the cases of a project still being handled, within tx.
func openUnder(tx *gorm.DB, projectID uuid.UUID) (int64, error) {
	var open int64
	err := tx.Model(&Case{}).Where("project_id = ? AND status IN ?", projectID, handlingStatuses).Count(&open).Error
	return open, err
}

// projectCases reads the cases of a project in its tenant (oldest first) and their
// stored task steps.
func (st *store) projectCases(ctx context.Context, scope db.Scope, projectID, tenantID uuid.UUID) ([]Case, []Step, error) {
	var cases []Case
	var steps []Step
	err := st.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		if err := tx.Where("project_id = ? AND tenant_id = ?", projectID, tenantID).Order("received_at, id").Find(&cases).Error; err != nil {
			return err
		}
		if len(cases) == 0 {
			return nil
		}
		ids := make([]uuid.UUID, len(cases))
		for i, c := range cases {
			ids[i] = c.ID
		}
		return tx.Where("case_id IN ? AND kind = 'task'", ids).Order("case_id, seq").Find(&steps).Error
	})
	return cases, steps, err
}
