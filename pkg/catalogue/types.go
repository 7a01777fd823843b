// Package catalogue is the power catalogue (职权目录 / 权力清单): every administrative
// power of a tenant, edited as versions that carry the whole item (legal basis,
// responsibility, limits, fees, materials, rights, complaint channels, discretion
// bands) and an executable flowchart, and moved through the filing workflow
// draft → submitted → approved/returned → published → filed with the city.
//
// The version cases run is the latest filed one (ExercisableVersion): a published
// version stays in force until its successor is filed, and a power without a filed
// version may not be exercised at all (clause [6] of the source document).
package catalogue

import (
	"time"

	"github.com/google/uuid"
)

// Version statuses. A power has at most one open version (draft, submitted,
// returned, approved or published) and at most one filed version at a time; filing a
// successor supersedes its predecessor.
const (
	StatusDraft      = "draft"
	StatusSubmitted  = "submitted"
	StatusReturned   = "returned"
	StatusApproved   = "approved"
	StatusPublished  = "published"
	StatusFiled      = "filed"
	StatusSuperseded = "superseded"
)

// Statuses lists every version status in workflow order.
var Statuses = []string{StatusDraft, StatusSubmitted, StatusReturned, StatusApproved, StatusPublished, StatusFiled, StatusSuperseded}

// Handling types (事项类型 by time): an instant item (即办件) is decided on the spot; a
// promise item (承诺件) within its promised limit.
const (
	HandlingInstant = "instant"
	HandlingPromise = "promise"
)

// PenaltyCategory is the category whose items must carry discretion bands (自由裁量基准).
const PenaltyCategory = "行政处罚"

// DefaultCategories are the ten national categories of administrative power plus the
// internal decision categories the source document adds (clause [4]). A tenant (or
// its city, for every county) replaces them with the setting power_categories.
var DefaultCategories = []string{
	"行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认", "行政奖励", "行政裁决", "其他行政权力",
	"重大项目决策", "资金分配", "资产处置",
}

// DefaultExtensionDays is the extension (延长期限) a case of an item may get by
// default: Art. 42 ¶1 of the Administrative Licensing Law allows +10 working days.
const DefaultExtensionDays = 10

// Material is one required application material.
type Material struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Copies   int    `json:"copies"`
	Note     string `json:"note"`
}

// FeeItem is one line of the fee schedule. Money is in fen (分), never floats.
type FeeItem struct {
	Item      string `json:"item"`
	AmountFen int64  `json:"amount_fen"`
	Basis     string `json:"basis"`
}

// LegalBasis is one provision the power rests on (设定和实施依据).
type LegalBasis struct {
	Law     string `json:"law"`
	Article string `json:"article"`
	Text    string `json:"text"`
}

// ComplaintChannels say where the public complains about this power.
type ComplaintChannels struct {
	Phone   string `json:"phone"`
	Address string `json:"address"`
	URL     string `json:"url"`
}

// DiscretionBand is one row of a penalty item's discretion guideline (自由裁量基准):
// in this circumstance, this range of penalty.
type DiscretionBand struct {
	Circumstance string `json:"circumstance"`
	Penalty      string `json:"penalty"`
	Basis        string `json:"basis"`
}

// Content is everything an editor sets on a version: what a draft request carries,
// what the Excel template holds, and what the field-by-field diff compares.
type Content struct {
	Code               string            `json:"code"`
	Name               string            `json:"name"`
	Category           string            `json:"category"`
	DepartmentID       uuid.UUID         `json:"department_id"`
	LeadingOfficial    string            `json:"leading_official"`
	ResponsibleUnit    string            `json:"responsible_unit"`
	StaffDuties        string            `json:"staff_duties"`
	LegalBasis         []LegalBasis      `json:"legal_basis"`
	HandlingType       string            `json:"handling_type"`
	LegalLimit         int               `json:"legal_limit"`
	PromisedLimit      int               `json:"promised_limit"`
	GreenLimit         *int              `json:"green_limit"`
	ExtensionDays      int               `json:"extension_days"`
	Free               bool              `json:"free"`
	Fees               []FeeItem         `json:"fees"`
	Materials          []Material        `json:"materials"`
	Conditions         string            `json:"conditions"`
	CounterpartyRights []string          `json:"counterparty_rights"`
	ComplaintChannels  ComplaintChannels `json:"complaint_channels"`
	EnquiryPhone       string            `json:"enquiry_phone"`
	Discretion         []DiscretionBand  `json:"discretion"`
	Flowchart          Flowchart         `json:"flowchart"`
	// ChangeNote explains a revision (修订说明); empty on a first version.
	ChangeNote string `json:"change_note"`
}

// Version is one version of a power item: the whole editable content and its
// workflow state. Cases run the flowchart of the version ExercisableVersion returns.
type Version struct {
	ID       uuid.UUID `gorm:"type:uuid;primaryKey" json:"id"`
	PowerID  uuid.UUID `gorm:"type:uuid" json:"power_id"`
	TenantID uuid.UUID `gorm:"type:uuid" json:"-"`
	Number   int       `json:"number"`
	Status   string    `json:"status"`

	Code               string            `json:"code"`
	Name               string            `json:"name"`
	Category           string            `json:"category"`
	DepartmentID       uuid.UUID         `gorm:"type:uuid" json:"department_id"`
	LeadingOfficial    string            `json:"leading_official"`
	ResponsibleUnit    string            `json:"responsible_unit"`
	StaffDuties        string            `json:"staff_duties"`
	LegalBasis         []LegalBasis      `gorm:"serializer:json;type:jsonb" json:"legal_basis"`
	HandlingType       string            `json:"handling_type"`
	LegalLimit         int               `json:"legal_limit"`
	PromisedLimit      int               `json:"promised_limit"`
	GreenLimit         *int              `json:"green_limit"`
	ExtensionDays      int               `json:"extension_days"`
	Free               bool              `json:"free"`
	Fees               []FeeItem         `gorm:"serializer:json;type:jsonb" json:"fees"`
	Materials          []Material        `gorm:"serializer:json;type:jsonb" json:"materials"`
	Conditions         string            `json:"conditions"`
	CounterpartyRights []string          `gorm:"serializer:json;type:jsonb" json:"counterparty_rights"`
	ComplaintChannels  ComplaintChannels `gorm:"serializer:json;type:jsonb" json:"complaint_channels"`
	EnquiryPhone       string            `json:"enquiry_phone"`
	Discretion         []DiscretionBand  `gorm:"serializer:json;type:jsonb" json:"discretion"`
	Flowchart          Flowchart         `gorm:"serializer:json;type:jsonb" json:"flowchart"`
	ChangeNote         string            `json:"change_note"`

	CreatedByName   string     `json:"created_by_name"`
	UpdatedByName   string     `json:"updated_by_name"`
	SubmittedAt     *time.Time `json:"submitted_at"`
	SubmittedByName string     `json:"submitted_by_name"`
	ReviewedAt      *time.Time `json:"reviewed_at"`
	ReviewedByName  string     `json:"reviewed_by_name"`
	ReviewComment   string     `json:"review_comment"`
	PublishedAt     *time.Time `json:"published_at"`
	PublishedByName string     `json:"published_by_name"`
	// FilingDueAt is when the filing with the city falls due (set on publication).
	FilingDueAt  *time.Time `json:"filing_due_at"`
	FiledAt      *time.Time `json:"filed_at"`
	FiledByName  string     `json:"filed_by_name"`
	SupersededAt *time.Time `json:"superseded_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// TableName maps Version to its table.
func (Version) TableName() string { return "power_versions" }

// Content returns the version's editable content.
func (v *Version) Content() Content {
	return Content{
		Code: v.Code, Name: v.Name, Category: v.Category, DepartmentID: v.DepartmentID,
		LeadingOfficial: v.LeadingOfficial, ResponsibleUnit: v.ResponsibleUnit, StaffDuties: v.StaffDuties,
		LegalBasis: v.LegalBasis, HandlingType: v.HandlingType, LegalLimit: v.LegalLimit, PromisedLimit: v.PromisedLimit,
		GreenLimit: v.GreenLimit, ExtensionDays: v.ExtensionDays, Free: v.Free, Fees: v.Fees, Materials: v.Materials,
		Conditions: v.Conditions, CounterpartyRights: v.CounterpartyRights, ComplaintChannels: v.ComplaintChannels,
		EnquiryPhone: v.EnquiryPhone, Discretion: v.Discretion, Flowchart: v.Flowchart, ChangeNote: v.ChangeNote,
	}
}

// setContent copies c onto the version (the workflow fields stay).
func (v *Version) setContent(c Content) {
	v.Code, v.Name, v.Category, v.DepartmentID = c.Code, c.Name, c.Category, c.DepartmentID
	v.LeadingOfficial, v.ResponsibleUnit, v.StaffDuties = c.LeadingOfficial, c.ResponsibleUnit, c.StaffDuties
	v.LegalBasis, v.HandlingType, v.LegalLimit, v.PromisedLimit = c.LegalBasis, c.HandlingType, c.LegalLimit, c.PromisedLimit
	v.GreenLimit, v.ExtensionDays, v.Free, v.Fees, v.Materials = c.GreenLimit, c.ExtensionDays, c.Free, c.Fees, c.Materials
	v.Conditions, v.CounterpartyRights, v.ComplaintChannels = c.Conditions, c.CounterpartyRights, c.ComplaintChannels
	v.EnquiryPhone, v.Discretion, v.Flowchart, v.ChangeNote = c.EnquiryPhone, c.Discretion, c.Flowchart, c.ChangeNote
}

// Exercisable reports whether cases may run this version: it is the filed one.
func (v *Version) Exercisable() bool { return v.Status == StatusFiled }

// Power is a catalogue item: its identity (code and department never change) and
// pointers to its versions, kept in step by the service so that lists and the portal
// need no version arithmetic.
type Power struct {
	ID           uuid.UUID `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID     uuid.UUID `gorm:"type:uuid" json:"-"`
	Code         string    `json:"code"`
	DepartmentID uuid.UUID `gorm:"type:uuid" json:"department_id"`
	// Name, Category and Status are those of the latest version.
	Name     string `json:"name"`
	Category string `json:"category"`
	Status   string `json:"status"`
	// LatestVersionID is the newest version, whatever its status.
	LatestVersionID uuid.UUID `gorm:"type:uuid" json:"latest_version_id"`
	LatestNumber    int       `json:"latest_number"`
	// InForceVersionID is the latest filed version: what cases run.
	InForceVersionID *uuid.UUID `gorm:"type:uuid" json:"in_force_version_id"`
	// PublicVersionID is what the portal shows: the in-force version, or before the
	// first filing the published (not yet exercisable) one.
	PublicVersionID *uuid.UUID `gorm:"type:uuid" json:"public_version_id"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// TableName maps Power to its table.
func (Power) TableName() string { return "powers" }

// Exercisable reports whether cases of the power may be accepted now.
func (p *Power) Exercisable() bool { return p.InForceVersionID != nil }

// Filing statuses. Overdue is not stored: a pending filing past its due time.
const (
	FilingPending = "pending"
	FilingFiled   = "filed"
	FilingOverdue = "overdue"
)

// Filing is a published version waiting in (or done with) the city's filing queue.
// It belongs to the item's tenant; FilerTenantID is the city that files it (the
// tenant itself for the city's own items).
type Filing struct {
	ID            uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID      uuid.UUID  `gorm:"type:uuid" json:"-"`
	FilerTenantID uuid.UUID  `gorm:"type:uuid" json:"-"`
	PowerID       uuid.UUID  `gorm:"type:uuid" json:"power_id"`
	VersionID     uuid.UUID  `gorm:"type:uuid" json:"version_id"`
	VersionNumber int        `json:"version_number"`
	Code          string     `json:"code"`
	Name          string     `json:"name"`
	Category      string     `json:"category"`
	DepartmentID  uuid.UUID  `gorm:"type:uuid" json:"department_id"`
	PublishedAt   time.Time  `json:"published_at"`
	DueAt         time.Time  `json:"due_at"`
	Status        string     `json:"status"`
	FiledAt       *time.Time `json:"filed_at"`
	FiledByName   string     `json:"filed_by_name"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// TableName maps Filing to its table.
func (Filing) TableName() string { return "power_filings" }

// StatusAt is the filing's status at now: pending filings past their due time are
// overdue.
func (f *Filing) StatusAt(now time.Time) string {
	if f.Status == FilingPending && !now.Before(f.DueAt) {
		return FilingOverdue
	}
	return f.Status
}
