package appraisal

import (
	"database/sql/driver"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/datatypes"
	"gorm.io/gorm/clause"

	"sunshine/pkg/calendar"
)

var forUpdate = clause.Locking{Strength: "UPDATE"}

// Run kinds.
const (
	KindProvisional = "provisional"
	KindFinal       = "final"
)

// Run statuses.
const (
	RunScoring     = "scoring"
	RunFailed      = "failed"
	RunProvisional = "provisional"
	RunDraft       = "draft"
	RunObjection   = "objection"
	RunApproved    = "approved"
	RunPublished   = "published"
	RunSuperseded  = "superseded"
)

// Run is a scoring run row.
type Run struct {
	ID                 uuid.UUID      `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID           uuid.UUID      `gorm:"type:uuid" json:"-"`
	SchemeID           uuid.UUID      `gorm:"type:uuid" json:"scheme_id"`
	VersionID          uuid.UUID      `gorm:"type:uuid" json:"version_id"`
	VersionNumber      int            `json:"version_number"`
	Period             string         `json:"period"`
	PeriodKind         string         `json:"period_kind"`
	PeriodStart        calendar.Date  `gorm:"type:date" json:"period_start"`
	PeriodEnd          calendar.Date  `gorm:"type:date" json:"period_end"`
	Kind               string         `json:"kind"`
	Revision           int            `json:"revision"`
	RevisionOf         *uuid.UUID     `gorm:"type:uuid" json:"revision_of"`
	RevisionReason     string         `json:"revision_reason"`
	Status             string         `json:"status"`
	Generation         int            `json:"generation"`
	ScoredGeneration   int            `json:"-"`
	AsOf               time.Time      `json:"as_of"`
	ScoredAt           *time.Time     `json:"scored_at"`
	TaskID             string         `json:"task_id"`
	ResultsHash        string         `json:"results_hash"`
	Definitions        datatypes.JSON `gorm:"type:jsonb" json:"definitions"`
	Subjects           int            `json:"subjects"`
	Error              string         `json:"error"`
	Audience           uuidArray      `gorm:"type:uuid[]" json:"-"`
	ObjectionDeadline  *time.Time     `json:"objection_deadline"`
	ObjectionsOpenedAt *time.Time     `json:"objections_opened_at"`
	ApprovedAt         *time.Time     `json:"approved_at"`
	ApprovedByName     string         `json:"approved_by_name"`
	ApprovalNote       string         `json:"approval_note"`
	PublishedAt        *time.Time     `json:"published_at"`
	PublishedByName    string         `json:"published_by_name"`
	SupersededAt       *time.Time     `json:"superseded_at"`
	RequestedByName    string         `json:"requested_by_name"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

// TableName maps Run.
func (Run) TableName() string { return "appraisal_runs" }

// Result is one subject's result row.
type Result struct {
	ID                  uuid.UUID `gorm:"type:uuid;primaryKey"`
	TenantID            uuid.UUID `gorm:"type:uuid"`
	RunID               uuid.UUID `gorm:"type:uuid"`
	SubjectKey          string
	SubjectKind         string
	SubjectTenantID     uuid.UUID  `gorm:"type:uuid"`
	SubjectDepartmentID *uuid.UUID `gorm:"type:uuid"`
	SubjectName         string
	SubjectCode         string
	GroupKey            string
	ComputedCents       int64
	ScoreCents          int64
	Rank                int
	GroupSize           int
	Categories          datatypes.JSON `gorm:"type:jsonb"`
	Adjusted            bool
	Published           bool
}

// TableName maps Result.
func (Result) TableName() string { return "appraisal_results" }

// ResultIndicator is one indicator of a result.
type ResultIndicator struct {
	ID              uuid.UUID `gorm:"type:uuid;primaryKey"`
	TenantID        uuid.UUID `gorm:"type:uuid"`
	RunID           uuid.UUID `gorm:"type:uuid"`
	ResultID        uuid.UUID `gorm:"type:uuid"`
	SubjectKey      string
	SubjectTenantID uuid.UUID `gorm:"type:uuid"`
	IndicatorCode   string
	Definition      string
	CategoryCode    string
	Numerator       int64
	Denominator     int64
	ItemCount       int64
	Raw             datatypes.JSON `gorm:"type:jsonb"`
	ComputedCents   int64
	PointsCents     int64
	Adjusted        bool
	Published       bool
}

// TableName maps ResultIndicator.
func (ResultIndicator) TableName() string { return "appraisal_result_indicators" }

// Adjustment is a leading-group member's change of one indicator's points.
type Adjustment struct {
	ID              uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID        uuid.UUID  `gorm:"type:uuid" json:"-"`
	RunID           uuid.UUID  `gorm:"type:uuid" json:"run_id"`
	ResultID        uuid.UUID  `gorm:"type:uuid" json:"result_id"`
	SubjectKey      string     `json:"subject_key"`
	SubjectTenantID uuid.UUID  `gorm:"type:uuid" json:"-"`
	IndicatorCode   string     `json:"indicator_code"`
	BeforeCents     int64      `json:"-"`
	AfterCents      int64      `json:"-"`
	Reason          string     `json:"reason"`
	CreatedBy       *uuid.UUID `gorm:"type:uuid" json:"-"`
	CreatedByName   string     `json:"created_by_name"`
	CreatedAt       time.Time  `json:"created_at"`
}

// TableName maps Adjustment.
func (Adjustment) TableName() string { return "appraisal_adjustments" }

// Objection is a subject's objection to its result.
type Objection struct {
	ID             uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID       uuid.UUID  `gorm:"type:uuid" json:"-"`
	RunID          uuid.UUID  `gorm:"type:uuid" json:"run_id"`
	RunTenantID    uuid.UUID  `gorm:"type:uuid" json:"-"`
	ResultID       uuid.UUID  `gorm:"type:uuid" json:"result_id"`
	SubjectKey     string     `json:"subject_key"`
	IndicatorCode  string     `json:"indicator_code"`
	Text           string     `json:"text"`
	Status         string     `json:"status"`
	Decision       string     `json:"decision"`
	Answer         string     `json:"answer"`
	AnsweredAt     *time.Time `json:"answered_at"`
	AnsweredByName string     `json:"answered_by_name"`
	WithdrawnAt    *time.Time `json:"withdrawn_at"`
	CreatedBy      *uuid.UUID `gorm:"type:uuid" json:"-"`
	CreatedByName  string     `json:"created_by_name"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"-"`
}

// TableName maps Objection.
func (Objection) TableName() string { return "appraisal_objections" }

// uuidArray is a uuid[] column (the run's audience), sorted for a stable encoding.
type uuidArray []uuid.UUID

// Value encodes the array literal.
func (a uuidArray) Value() (driver.Value, error) {
	ids := make([]string, len(a))
	for i, id := range a {
		ids[i] = id.String()
	}
	sort.Strings(ids)
	return "{" + strings.Join(ids, ",") + "}", nil
}

// Scan decodes the array literal.
func (a *uuidArray) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*a = nil
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("appraisal: cannot scan %T into a uuid array", src)
	}
	s = strings.Trim(s, "{}")
	*a = nil
	if s == "" {
		return nil
	}
	for _, p := range strings.Split(s, ",") {
		id, err := uuid.Parse(strings.Trim(p, `"`))
		if err != nil {
			return err
		}
		*a = append(*a, id)
	}
	return nil
}

// arrayLiteral is a uuid[] literal for a query parameter.
func arrayLiteral(ids []uuid.UUID) string {
	v, _ := uuidArray(ids).Value()
	return v.(string)
}
