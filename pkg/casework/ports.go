package casework

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
)

// Read ports: how other capabilities (supervision above all) read cases. They call
// these functions inside their own transaction, whose scope decides what is visible,
// or, in SQL that joins cases to their own rows (the sweep's anti-joins against
// supervision_cards), name the views below (migration 00014); never the cases or
// case_steps tables. casework may change its tables freely as long as these keep
// their meaning.
const (
	// CaseClockView has a case's clock: id, tenant_id, tracking_no, power_name,
	// department_id, status, paused, due_date, due_at, deemed_accepted, fee_mismatch.
	CaseClockView = "casework_case_clock"
	// StepClockView has a flowchart step's clock: id, tenant_id, case_id, kind, name,
	// department_id, status, rounds, due_at.
	StepClockView = "casework_step_clock"
)

// ClockCase is what supervision's rules read of a case.
type ClockCase struct {
	ID             uuid.UUID `gorm:"type:uuid"`
	TenantID       uuid.UUID `gorm:"type:uuid"`
	TrackingNo     string
	PowerName      string
	DepartmentID   uuid.UUID `gorm:"type:uuid"`
	Status         string
	Paused         bool
	DueDate        *calendar.Date `gorm:"type:date"`
	DueAt          *time.Time
	DeemedAccepted bool
	FeeMismatch    bool
}

// ClockStep is what supervision's rules read of an active task step.
type ClockStep struct {
	ID           uuid.UUID `gorm:"type:uuid"`
	Name         string
	DepartmentID *uuid.UUID `gorm:"type:uuid"`
	Rounds       int
	DueAt        *time.Time
	Status       string
}

// ReadClock reads case caseID of tenant tenantID and its active task steps; the case
// is nil when it is not there (or not visible).
func ReadClock(tx *gorm.DB, tenantID, caseID uuid.UUID) (*ClockCase, []ClockStep, error) {
	var c ClockCase
	res := tx.Table(CaseClockView).Select("id, tenant_id, tracking_no, power_name, department_id, status, paused, due_date, due_at, deemed_accepted, fee_mismatch").
		Where("id = ? AND tenant_id = ?", caseID, tenantID).Limit(1).Scan(&c)
	if res.Error != nil {
		return nil, nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, nil, nil
	}
	var steps []ClockStep
	if err := tx.Table(StepClockView).Select("id, name, department_id, rounds, due_at, status").
		Where("case_id = ? AND kind = 'task' AND status = 'active'", caseID).Scan(&steps).Error; err != nil {
		return nil, nil, err
	}
	return &c, steps, nil
}

// CaseTenant returns the tenant of case id (ok false when it is not visible).
func CaseTenant(tx *gorm.DB, id uuid.UUID) (uuid.UUID, bool, error) {
	var ids []uuid.UUID
	if err := tx.Table(CaseClockView).Where("id = ?", id).Limit(1).Pluck("tenant_id", &ids).Error; err != nil {
		return uuid.Nil, false, db.Classify(err)
	}
	if len(ids) == 0 {
		return uuid.Nil, false, nil
	}
	return ids[0], true, nil
}

// OverdueCounts counts, per tenant among tenants, the open cases (in progress or
// pending decision, not paused) due by now, of department dept when it is set.
func OverdueCounts(tx *gorm.DB, tenants []uuid.UUID, dept uuid.UUID, now time.Time) (map[uuid.UUID]int, error) {
	var rows []struct {
		TenantID uuid.UUID `gorm:"type:uuid"`
		N        int
	}
	q := tx.Table(CaseClockView).Select("tenant_id, count(*) AS n").
		Where("tenant_id IN ? AND status IN ? AND NOT paused AND due_at <= ?", tenants, []string{StatusInProgress, StatusPendingDecision}, now)
	if dept != uuid.Nil {
		q = q.Where("department_id = ?", dept)
	}
	if err := q.Group("tenant_id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		out[r.TenantID] = r.N
	}
	return out, nil
}

// HasCases reports whether tenant tenantID has any case (visible in tx).
func HasCases(tx *gorm.DB, tenantID uuid.UUID) (bool, error) {
	var ids []uuid.UUID
	if err := tx.Table(CaseClockView).Where("tenant_id = ?", tenantID).Limit(1).Pluck("id", &ids).Error; err != nil {
		return false, db.Classify(err)
	}
	return len(ids) > 0, nil
}
