package supervision

import (
	"time"

	"github.com/google/uuid"
)

// Card statuses.
const (
	StatusActive    = "active"
	StatusAppealed  = "appealed"
	StatusCancelled = "cancelled"
	StatusResolved  = "resolved"
)

// Resolutions of a resolved card.
const (
	ResolutionFinished   = "finished"
	ResolutionSuperseded = "superseded"
)

// CardRow is a persisted card.
type CardRow struct {
	ID             uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID       uuid.UUID  `gorm:"type:uuid" json:"-"`
	DedupeKey      string     `json:"-"`
	Level          string     `json:"level"`
	Rule           string     `json:"rule"`
	CaseID         *uuid.UUID `gorm:"type:uuid" json:"case_id"`
	StepID         *uuid.UUID `gorm:"type:uuid" json:"step_id"`
	ObjectRef      string     `json:"object_ref"`
	DepartmentID   *uuid.UUID `gorm:"type:uuid" json:"department_id"`
	Title          string     `json:"title"`
	Reason         string     `json:"reason"`
	DeadlineAt     *time.Time `json:"deadline_at"`
	FinishBy       *time.Time `json:"finish_by"`
	Status         string     `json:"status"`
	AppealReason   string     `json:"appeal_reason"`
	AppealedAt     *time.Time `json:"appealed_at"`
	AppealedBy     string     `json:"appealed_by"`
	Decision       string     `json:"decision"`
	DecisionReason string     `json:"decision_reason"`
	DecidedAt      *time.Time `json:"decided_at"`
	DecidedBy      string     `json:"decided_by"`
	CancelReason   string     `json:"cancel_reason"`
	CancelledAt    *time.Time `json:"cancelled_at"`
	CancelledBy    string     `json:"cancelled_by"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	// Resolution says why a resolved card was resolved: its work finished, or a higher
	// rung of the case's deadline ladder superseded it (SupersededBy names that card).
	// Empty for open and cancelled cards, and for cards resolved before it was recorded.
	Resolution    string     `json:"resolution"`
	ResolveReason string     `json:"resolve_reason"`
	SupersededBy  *uuid.UUID `gorm:"type:uuid" json:"superseded_by"`
	CreatedAt     time.Time  `json:"created_at"`

	// Read-side names (not columns): the card's region and department, so a city
	// reader's lists need no lookups per row.
	TenantCode     string `gorm:"-" json:"tenant_code"`
	DepartmentName string `gorm:"-" json:"department_name"`
	// AllowedActions are what the reader may do to the card now (cardMachine filtered
	// by who they are); read-side, filled with the names.
	AllowedActions []string `gorm:"-" json:"allowed_actions"`
}

// TableName maps CardRow to its table.
func (CardRow) TableName() string { return "supervision_cards" }

// Notice statuses.
const (
	NoticeSent      = "sent"
	NoticeReplied   = "replied"
	NoticeEscalated = "escalated"
)

// Notice is a supervision notice (督办单).
type Notice struct {
	ID             uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID       uuid.UUID  `gorm:"type:uuid" json:"-"`
	SenderTenantID uuid.UUID  `gorm:"type:uuid" json:"-"`
	SenderName     string     `json:"sender_name"`
	CaseID         *uuid.UUID `gorm:"type:uuid" json:"case_id"`
	CardID         *uuid.UUID `gorm:"type:uuid" json:"card_id"`
	DepartmentID   uuid.UUID  `gorm:"type:uuid" json:"department_id"`
	Text           string     `json:"text"`
	ReplyDueAt     time.Time  `json:"reply_due_at"`
	Status         string     `json:"status"`
	ReplyText      string     `json:"reply_text"`
	RepliedAt      *time.Time `json:"replied_at"`
	RepliedBy      string     `json:"replied_by"`
	EscalatedAt    *time.Time `json:"escalated_at"`
	CreatedAt      time.Time  `json:"created_at"`
	// SenderUserID is who sent it (the reply is announced in their inbox).
	SenderUserID *uuid.UUID `gorm:"type:uuid" json:"-"`

	// DepartmentName is a read-side name (not a column).
	DepartmentName string `gorm:"-" json:"department_name"`
	// AllowedActions are what the reader may do to the notice now (noticeMachine
	// filtered by who they are); read-side.
	AllowedActions []string `gorm:"-" json:"allowed_actions"`
}

// TableName maps Notice to its table.
func (Notice) TableName() string { return "supervision_notices" }

// Notification is an entry of a user's in-app inbox.
type Notification struct {
	ID        uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID  uuid.UUID  `gorm:"type:uuid" json:"-"`
	UserID    uuid.UUID  `gorm:"type:uuid" json:"-"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link"`
	DedupeKey string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// TableName maps Notification to its table.
func (Notification) TableName() string { return "notifications" }

type alarmRow struct {
	TenantID uuid.UUID `gorm:"type:uuid"`
	CaseID   uuid.UUID `gorm:"type:uuid"`
	TaskID   string
	Queue    string
	FireAt   time.Time
}

func (alarmRow) TableName() string { return "supervision_alarms" }
