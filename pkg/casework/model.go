package casework

import (
	"database/sql/driver"
	"fmt"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/calendar"
)

// Case statuses.
const (
	StatusSubmitted           = "submitted"
	StatusCorrectionRequested = "correction_requested"
	StatusRefused             = "refused"
	StatusInProgress          = "in_progress"
	StatusPendingDecision     = "pending_decision"
	StatusApproved            = "approved"
	StatusDenied              = "denied"
	StatusDelivered           = "delivered"
)

// Open reports whether a case status still runs a clock (acceptance or handling).
func Open(status string) bool {
	switch status {
	case StatusSubmitted, StatusInProgress, StatusPendingDecision:
		return true
	}
	return false
}

// Channels.
const (
	ChannelWindow = "window"
	ChannelOnline = "online"
)

// Applicant types.
const (
	ApplicantPerson = "person"
	ApplicantOrg    = "org"
)

// SubmittedMaterial is a material as submitted with the application.
type SubmittedMaterial struct {
	Name     string `json:"name"`
	Provided bool   `json:"provided"`
	Copies   int    `json:"copies"`
	Required bool   `json:"required"`
}

// Case is one application (办件).
type Case struct {
	ID         uuid.UUID `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID   uuid.UUID `gorm:"type:uuid" json:"-"`
	TrackingNo string    `json:"tracking_no"`
	// QueryCode (查询码) is the applicant's secret for the public status lookup; see
	// NewQueryCode.
	QueryCode         string              `json:"query_code"`
	PowerID           uuid.UUID           `gorm:"type:uuid" json:"power_id"`
	VersionID         uuid.UUID           `gorm:"type:uuid" json:"version_id"`
	PowerName         string              `json:"power_name"`
	DepartmentID      uuid.UUID           `gorm:"type:uuid" json:"department_id"`
	WindowID          *uuid.UUID          `gorm:"type:uuid" json:"window_id"`
	Channel           string              `json:"channel"`
	ProjectID         *uuid.UUID          `gorm:"type:uuid" json:"project_id"`
	ApplicantType     string              `json:"-"`
	ApplicantName     string              `json:"-"`
	ApplicantIDNumber string              `json:"-"`
	ApplicantIDLast4  string              `json:"-"`
	ApplicantPhone    string              `json:"-"`
	Materials         []SubmittedMaterial `gorm:"serializer:json;type:jsonb" json:"materials"`
	Status            string              `json:"status"`
	ReceivedAt        time.Time           `json:"received_at"`
	AcceptanceDueAt   *time.Time          `json:"acceptance_due_at"`
	AcceptedAt        *time.Time          `json:"accepted_at"`
	DeemedAccepted    bool                `json:"deemed_accepted"`
	AcceptedByName    string              `json:"accepted_by_name"`
	CorrectionItems   []string            `gorm:"serializer:json;type:jsonb" json:"correction_items"`
	CorrectionAt      *time.Time          `json:"correction_at"`
	RefusedReason     string              `json:"refused_reason"`
	LimitDays         int                 `json:"limit_days"`
	GreenChannel      bool                `json:"green_channel"`
	ExtensionDays     int                 `json:"extension_days"`
	ExtensionReason   string              `json:"extension_reason"`
	StoppedDays       int                 `json:"stopped_days"`
	ClockStoppedAt    *time.Time          `json:"clock_stopped_at"`
	Paused            bool                `json:"paused"`
	DueDate           *calendar.Date      `gorm:"type:date" json:"due_date"`
	DueAt             *time.Time          `json:"due_at"`
	Decision          string              `json:"decision"`
	DecisionReason    string              `json:"decision_reason"`
	CertificateNo     string              `json:"certificate_no"`
	DecidedAt         *time.Time          `json:"decided_at"`
	DeliveryDueAt     *time.Time          `json:"delivery_due_at"`
	DeliveredAt       *time.Time          `json:"delivered_at"`
	FeeExpectedFen    int64               `json:"fee_expected_fen"`
	FeeChargedFen     int64               `json:"fee_charged_fen"`
	FeeMismatch       bool                `json:"fee_mismatch"`
	CreatedAt         time.Time           `json:"created_at"`
	UpdatedAt         time.Time           `json:"updated_at"`
}

// TableName maps Case to its table.
func (Case) TableName() string { return "cases" }

// Step is one flowchart node of a case.
type Step struct {
	ID              uuid.UUID      `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID        uuid.UUID      `gorm:"type:uuid" json:"-"`
	CaseID          uuid.UUID      `gorm:"type:uuid" json:"case_id"`
	Node            string         `json:"node"`
	Kind            string         `json:"kind"`
	Name            string         `json:"name"`
	Seq             int            `json:"seq"`
	DepartmentID    *uuid.UUID     `gorm:"type:uuid" json:"department_id"`
	Role            string         `json:"role"`
	TimeLimit       int            `json:"time_limit"`
	Counts          bool           `json:"counts"`
	Checkpoint      bool           `json:"checkpoint"`
	Status          string         `json:"status"`
	ActivatedAt     *time.Time     `json:"activated_at"`
	StoppedDays     int            `json:"stopped_days"`
	DueDate         *calendar.Date `gorm:"type:date" json:"due_date"`
	DueAt           *time.Time     `json:"due_at"`
	CompletedAt     *time.Time     `json:"completed_at"`
	CompletedBy     *uuid.UUID     `gorm:"type:uuid" json:"-"`
	CompletedByName string         `json:"completed_by_name"`
	Opinion         string         `json:"opinion"`
	Rounds          int            `json:"rounds"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// TableName maps Step to its table.
func (Step) TableName() string { return "case_steps" }

// Step statuses.
const (
	StepPending = "pending"
	StepActive  = "active"
	StepDone    = "done"
)

// Pause kinds.
const (
	PauseArt45     = "art45"
	PauseUncounted = "uncounted"
)

// PauseReasons are the Art. 45 activities whose time is not counted.
var PauseReasons = []string{"hearing", "tendering", "auction", "inspection", "testing", "quarantine", "appraisal", "expert_review"}

// Pause is an interval in which the case's clock does not run.
type Pause struct {
	ID                  uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID            uuid.UUID  `gorm:"type:uuid" json:"-"`
	CaseID              uuid.UUID  `gorm:"type:uuid" json:"-"`
	Kind                string     `json:"kind"`
	ReasonType          string     `json:"reason_type"`
	Notice              string     `json:"notice"`
	ExpectedWorkingDays int        `json:"expected_working_days"`
	StartedAt           time.Time  `json:"started_at"`
	EndedAt             *time.Time `json:"ended_at"`
	WorkingDays         int        `json:"working_days"`
	StartedByName       string     `json:"started_by_name"`
	EndedByName         string     `json:"ended_by_name"`
}

// TableName maps Pause to its table.
func (Pause) TableName() string { return "case_pauses" }

// Fee is one fee charged on a case.
type Fee struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID    uuid.UUID `gorm:"type:uuid" json:"-"`
	CaseID      uuid.UUID `gorm:"type:uuid" json:"-"`
	Item        string    `json:"item"`
	AmountFen   int64     `json:"amount_fen"`
	ExpectedFen *int64    `json:"expected_fen"`
	Mismatch    bool      `json:"mismatch"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName maps Fee to its table.
func (Fee) TableName() string { return "case_fees" }

// Event is one entry of a case's timeline.
type Event struct {
	ID        uuid.UUID `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID  uuid.UUID `gorm:"type:uuid" json:"-"`
	CaseID    uuid.UUID `gorm:"type:uuid" json:"-"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	StepName  string    `json:"step_name"`
	ActorName string    `json:"actor_name"`
	Note      string    `json:"note"`
	Public    bool      `json:"public"`
	// Params are the values the note was rendered from (template "case_event.<kind>"),
	// so a reader in another language gets the note in theirs.
	Params EventParams `gorm:"type:jsonb" json:"params,omitempty"`
}

// EventParams are an event's note values, stored as JSON.
type EventParams map[string]any

// Value stores the params as JSON (NULL for none; an empty object for a fixed text).
func (p EventParams) Value() (driver.Value, error) {
	if p == nil {
		return nil, nil
	}
	return gojson.Marshal(map[string]any(p))
}

// Scan reads the params from JSON.
func (p *EventParams) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*p = nil
		return nil
	case []byte:
		return gojson.Unmarshal(v, (*map[string]any)(p))
	case string:
		return gojson.Unmarshal([]byte(v), (*map[string]any)(p))
	}
	return fmt.Errorf("casework: cannot scan %T into EventParams", src)
}

// Localize renders the note in lang from its params; events written without params
// keep their stored note.
func (e *Event) Localize(lang string) {
	code := "case_event." + e.Kind
	if e.Params == nil || !apperr.Registered(code) {
		return
	}
	e.Note = apperr.Message(code, lang, apperr.Params(e.Params))
}

// TableName maps Event to its table.
func (Event) TableName() string { return "case_events" }

// BeforeSave keeps JSON arrays arrays: a nil slice would be stored as NULL.
func (c *Case) BeforeSave(*gorm.DB) error {
	if c.CorrectionItems == nil {
		c.CorrectionItems = []string{}
	}
	if c.Materials == nil {
		c.Materials = []SubmittedMaterial{}
	}
	return nil
}
