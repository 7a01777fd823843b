package appraisal

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/datatypes"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// Scheme statuses.
const (
	SchemeDraft   = "draft"
	SchemeActive  = "active"
	SchemeRetired = "retired"
)

// Version statuses.
const (
	VersionDraft      = "draft"
	VersionActive     = "active"
	VersionSuperseded = "superseded"
)

// Scheme is a scheme row.
type Scheme struct {
	ID              uuid.UUID  `gorm:"type:uuid;primaryKey"`
	TenantID        uuid.UUID  `gorm:"type:uuid"`
	Name            string     `gorm:"column:name"`
	PeriodKind      string     `gorm:"column:period_kind"`
	Status          string     `gorm:"column:status"`
	LatestVersionID *uuid.UUID `gorm:"type:uuid"`
	LatestNumber    int
	CreatedByName   string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName maps Scheme.
func (Scheme) TableName() string { return "appraisal_schemes" }

// Version is a scheme version row.
type Version struct {
	ID              uuid.UUID      `gorm:"type:uuid;primaryKey"`
	TenantID        uuid.UUID      `gorm:"type:uuid"`
	SchemeID        uuid.UUID      `gorm:"type:uuid"`
	Number          int            `gorm:"column:number"`
	Status          string         `gorm:"column:status"`
	EffectiveFrom   *calendar.Date `gorm:"type:date"`
	Body            datatypes.JSON `gorm:"type:jsonb"`
	BodyHash        string
	Note            string
	CreatedByName   string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ActivatedAt     *time.Time
	ActivatedByName string
}

// TableName maps Version.
func (Version) TableName() string { return "appraisal_scheme_versions" }

// Decode returns the version's body.
func (v *Version) Decode() (*Body, error) {
	var b Body
	if err := json.Unmarshal(v.Body, &b); err != nil {
		return nil, apperr.Internal(err)
	}
	return &b, nil
}

// SchemeInput is what POST and PUT /schemes take.
type SchemeInput struct {
	Name       string `json:"name"`
	PeriodKind string `json:"period_kind"`
	Note       string `json:"note"`
	Body       *Body  `json:"body"`
}

// VersionView is a version as the API shows it.
type VersionView struct {
	ID              uuid.UUID      `json:"id"`
	Number          int            `json:"number"`
	Status          string         `json:"status"`
	EffectiveFrom   *calendar.Date `json:"effective_from"`
	Note            string         `json:"note"`
	BodyHash        string         `json:"body_hash"`
	Body            *Body          `json:"body,omitempty"`
	CreatedByName   string         `json:"created_by_name"`
	CreatedAt       time.Time      `json:"created_at"`
	ActivatedAt     *time.Time     `json:"activated_at"`
	ActivatedByName string         `json:"activated_by_name"`
}

// SchemeDetail is a scheme as the API shows it: its versions (newest first), the one
// in force today, the draft being edited, and what the caller may do.
type SchemeDetail struct {
	ID             uuid.UUID     `json:"id"`
	Name           string        `json:"name"`
	PeriodKind     string        `json:"period_kind"`
	Status         string        `json:"status"`
	CreatedByName  string        `json:"created_by_name"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	InForce        *VersionView  `json:"in_force"`
	Draft          *VersionView  `json:"draft"`
	Versions       []VersionView `json:"versions"`
	AllowedActions []string      `json:"allowed_actions"`
}

func versionView(v *Version, withBody bool) (VersionView, error) {
	vv := VersionView{ID: v.ID, Number: v.Number, Status: v.Status, EffectiveFrom: v.EffectiveFrom, Note: v.Note, BodyHash: v.BodyHash,
		CreatedByName: v.CreatedByName, CreatedAt: v.CreatedAt, ActivatedAt: v.ActivatedAt, ActivatedByName: v.ActivatedByName}
	if withBody {
		b, err := v.Decode()
		if err != nil {
			return vv, err
		}
		vv.Body = b
	}
	return vv, nil
}

func (s *Service) validateInput(in *SchemeInput, creating bool) error {
	in.Name = strings.TrimSpace(in.Name)
	in.Note = strings.TrimSpace(in.Note)
	v := &apperr.Fields{}
	if l := utf8.RuneCountInString(in.Name); l < 1 || l > 200 {
		v.Add("name", "required")
	}
	if creating || in.PeriodKind != "" {
		switch in.PeriodKind {
		case PeriodMonth, PeriodQuarter, PeriodYear:
		default:
			v.Add("period_kind", "not_allowed_value", apperr.Params{"allowed": "month, quarter, year"})
		}
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		v.Add("note", "too_long", apperr.Params{"max": 2000})
	}
	if in.Body == nil {
		v.Add("body", "required")
	}
	if err := v.Err(); err != nil {
		return err
	}
	in.Body.Normalise()
	if err := in.Body.Validate(s.reg); err != nil {
		// Field paths are relative to the request: prefix them with body.
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for i := range ae.Fields {
				ae.Fields[i].Field = "body." + ae.Fields[i].Field
			}
		}
		return err
	}
	return nil
}

// CreateScheme creates a scheme in draft with its first version.
func (s *Service) CreateScheme(ctx context.Context, a actor.Actor, in SchemeInput) (*SchemeDetail, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := s.validateInput(&in, true); err != nil {
		return nil, err
	}
	raw, hash, err := in.Body.Canonical()
	if err != nil {
		return nil, apperr.Internal(err)
	}
	now := s.now()
	sc := Scheme{ID: newID(), TenantID: city.ID, Name: in.Name, PeriodKind: in.PeriodKind, Status: SchemeDraft, LatestNumber: 1,
		CreatedByName: a.Name(), CreatedAt: now, UpdatedAt: now}
	ver := Version{ID: newID(), TenantID: city.ID, SchemeID: sc.ID, Number: 1, Status: VersionDraft, Body: raw, BodyHash: hash,
		Note: in.Note, CreatedByName: a.Name(), CreatedAt: now, UpdatedAt: now}
	sc.LatestVersionID = &ver.ID
	err = s.db.Tx(ctx, db.TenantScope(city.ID, a.UserID), func(tx *gorm.DB) error {
		if err := tx.Create(&sc).Error; err != nil {
			return db.Classify(err)
		}
		if err := tx.Create(&ver).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_scheme.create", ObjectType: "appraisal_scheme", ObjectID: sc.ID.String(),
			After: map[string]any{"name": sc.Name, "period_kind": sc.PeriodKind, "version": 1, "body_hash": hash}})
	})
	if err != nil {
		return nil, err
	}
	return s.Scheme(ctx, db.TenantScope(city.ID, a.UserID), a, sc.ID)
}

// UpdateScheme edits a scheme: its draft version when it has one, else a new draft
// version after the latest (an active version never changes).
func (s *Service) UpdateScheme(ctx context.Context, a actor.Actor, id uuid.UUID, in SchemeInput) (*SchemeDetail, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := s.validateInput(&in, false); err != nil {
		return nil, err
	}
	raw, hash, err := in.Body.Canonical()
	if err != nil {
		return nil, apperr.Internal(err)
	}
	scope := db.TenantScope(city.ID, a.UserID)
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		var sc Scheme
		if err := tx.Clauses(forUpdate).Where("id = ? AND tenant_id = ?", id, city.ID).First(&sc).Error; err != nil {
			return db.Classify(err)
		}
		if err := schemeMachine.Check("edit", sc.Status); err != nil {
			return err
		}
		if in.PeriodKind != "" && in.PeriodKind != sc.PeriodKind {
			if sc.Status != SchemeDraft {
				return apperr.Invalid("validation_failed").WithField("period_kind", "appraisal.period_kind_fixed")
			}
			sc.PeriodKind = in.PeriodKind
		}
		var draft Version
		res := tx.Where("scheme_id = ? AND status = ?", sc.ID, VersionDraft).Limit(1).Find(&draft)
		if res.Error != nil {
			return db.Classify(res.Error)
		}
		before := map[string]any{"name": sc.Name}
		if res.RowsAffected == 1 {
			before["body_hash"] = draft.BodyHash
			if err := tx.Model(&draft).Updates(map[string]any{"body": datatypes.JSON(raw), "body_hash": hash, "note": in.Note}).Error; err != nil {
				return db.Classify(err)
			}
		} else {
			draft = Version{ID: newID(), TenantID: city.ID, SchemeID: sc.ID, Number: sc.LatestNumber + 1, Status: VersionDraft, Body: raw,
				BodyHash: hash, Note: in.Note, CreatedByName: a.Name(), CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&draft).Error; err != nil {
				return db.Classify(err)
			}
			sc.LatestNumber = draft.Number
		}
		if err := tx.Model(&sc).Updates(map[string]any{"name": in.Name, "period_kind": sc.PeriodKind, "latest_version_id": draft.ID,
			"latest_number": sc.LatestNumber}).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_scheme.edit", ObjectType: "appraisal_scheme", ObjectID: sc.ID.String(),
			Before: before, After: map[string]any{"name": in.Name, "version": draft.Number, "body_hash": hash}})
	})
	if err != nil {
		return nil, err
	}
	return s.Scheme(ctx, scope, a, id)
}

// ActivateScheme puts the scheme's draft version in force from effectiveFrom (the
// first day of a period; default: the start of the current period for a first
// version, of the next period otherwise). Periods that already have approved or
// published results keep the version they were scored under: a version may not take
// effect on or before the start of such a period.
func (s *Service) ActivateScheme(ctx context.Context, a actor.Actor, id uuid.UUID, effectiveFrom *calendar.Date) (*SchemeDetail, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	scope := db.TenantScope(city.ID, a.UserID)
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		var sc Scheme
		if err := tx.Clauses(forUpdate).Where("id = ? AND tenant_id = ?", id, city.ID).First(&sc).Error; err != nil {
			return db.Classify(err)
		}
		next, err := schemeMachine.Next("activate", sc.Status)
		if err != nil {
			return err
		}
		var draft Version
		if res := tx.Where("scheme_id = ? AND status = ?", sc.ID, VersionDraft).Limit(1).Find(&draft); res.Error != nil {
			return db.Classify(res.Error)
		} else if res.RowsAffected == 0 {
			return apperr.Conflict("appraisal.no_draft")
		}
		var latest Version
		hasActive := false
		if res := tx.Where("scheme_id = ? AND status <> ?", sc.ID, VersionDraft).Order("effective_from DESC").Limit(1).Find(&latest); res.Error != nil {
			return db.Classify(res.Error)
		} else {
			hasActive = res.RowsAffected == 1
		}
		today := calendar.DateOf(now)
		eff := PeriodOf(sc.PeriodKind, today).Start
		if hasActive {
			eff = PeriodOf(sc.PeriodKind, today).Next().Start
		}
		if effectiveFrom != nil && !effectiveFrom.IsZero() {
			eff = *effectiveFrom
			if PeriodOf(sc.PeriodKind, eff).Start != eff {
				return apperr.Invalid("validation_failed").WithField("effective_from", "appraisal.effective_not_period_start")
			}
		}
		if hasActive && !eff.After(*latest.EffectiveFrom) {
			return apperr.Invalid("validation_failed").WithField("effective_from", "appraisal.effective_before_latest",
				apperr.Params{"date": latest.EffectiveFrom.String()})
		}
		var locked int64
		if err := tx.Model(&Run{}).Where("scheme_id = ? AND period_start >= ? AND status IN ?", sc.ID, eff,
			[]string{RunApproved, RunPublished, RunSuperseded}).Count(&locked).Error; err != nil {
			return db.Classify(err)
		}
		if locked > 0 {
			return apperr.Conflict("appraisal.effective_rewrites_results", apperr.Params{"date": eff.String()})
		}
		if hasActive {
			if err := tx.Model(&Version{}).Where("scheme_id = ? AND status = ?", sc.ID, VersionActive).
				Update("status", VersionSuperseded).Error; err != nil {
				return db.Classify(err)
			}
		}
		if err := tx.Model(&draft).Updates(map[string]any{"status": VersionActive, "effective_from": eff, "activated_at": now,
			"activated_by_name": a.Name()}).Error; err != nil {
			return db.Classify(err)
		}
		if err := tx.Model(&sc).Update("status", next).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_scheme.activate", ObjectType: "appraisal_scheme", ObjectID: sc.ID.String(),
			Before: map[string]any{"status": sc.Status}, After: map[string]any{"status": next, "version": draft.Number, "effective_from": eff.String(), "body_hash": draft.BodyHash}})
	})
	if err != nil {
		return nil, err
	}
	return s.Scheme(ctx, scope, a, id)
}

// RetireScheme stops a scheme: no more scoring; its results stay.
func (s *Service) RetireScheme(ctx context.Context, a actor.Actor, id uuid.UUID, reason string) (*SchemeDetail, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 2000 {
		return nil, apperr.Invalid("appraisal.reason_required").WithField("reason", "required")
	}
	scope := db.TenantScope(city.ID, a.UserID)
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var sc Scheme
		if err := tx.Clauses(forUpdate).Where("id = ? AND tenant_id = ?", id, city.ID).First(&sc).Error; err != nil {
			return db.Classify(err)
		}
		next, err := schemeMachine.Next("retire", sc.Status)
		if err != nil {
			return err
		}
		if err := tx.Model(&sc).Update("status", next).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, s.now(), audit.Event{Action: "appraisal_scheme.retire", ObjectType: "appraisal_scheme", ObjectID: sc.ID.String(),
			Before: map[string]any{"status": sc.Status}, After: map[string]any{"status": next}, Data: map[string]any{"reason": reason}})
	})
	if err != nil {
		return nil, err
	}
	return s.Scheme(ctx, scope, a, id)
}

// Scheme reads one scheme with its versions.
func (s *Service) Scheme(ctx context.Context, scope db.Scope, a actor.Actor, id uuid.UUID) (*SchemeDetail, error) {
	var out *SchemeDetail
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var sc Scheme
		if err := tx.Where("id = ?", id).First(&sc).Error; err != nil {
			return db.Classify(err)
		}
		var vs []Version
		if err := tx.Where("scheme_id = ?", id).Order("number DESC").Find(&vs).Error; err != nil {
			return db.Classify(err)
		}
		d, err := s.schemeDetail(ctx, a, &sc, vs)
		out = d
		return err
	})
	return out, err
}

func (s *Service) schemeDetail(ctx context.Context, a actor.Actor, sc *Scheme, vs []Version) (*SchemeDetail, error) {
	d := &SchemeDetail{ID: sc.ID, Name: sc.Name, PeriodKind: sc.PeriodKind, Status: sc.Status, CreatedByName: sc.CreatedByName,
		CreatedAt: sc.CreatedAt, UpdatedAt: sc.UpdatedAt, Versions: []VersionView{}}
	today := calendar.DateOf(s.now())
	for i := range vs {
		v := &vs[i]
		vv, err := versionView(v, false)
		if err != nil {
			return nil, err
		}
		d.Versions = append(d.Versions, vv)
		switch {
		case v.Status == VersionDraft:
			full, err := versionView(v, true)
			if err != nil {
				return nil, err
			}
			d.Draft = &full
		case d.InForce == nil && v.EffectiveFrom != nil && !v.EffectiveFrom.After(PeriodOf(sc.PeriodKind, today).Start):
			full, err := versionView(v, true)
			if err != nil {
				return nil, err
			}
			d.InForce = &full
		}
	}
	// Before its first period begins, the scheme's first version is shown as in force.
	if d.InForce == nil {
		for i := len(vs) - 1; i >= 0; i-- {
			if vs[i].Status != VersionDraft {
				full, err := versionView(&vs[i], true)
				if err != nil {
					return nil, err
				}
				d.InForce = &full
				break
			}
		}
	}
	manage := s.mayManage(ctx, a)
	d.AllowedActions = schemeMachine.Allowed(sc.Status, func(action string) bool {
		return manage && (action != "activate" || d.Draft != nil)
	})
	return d, nil
}

// mayManage reports whether the actor may manage appraisal (city level, permission).
func (s *Service) mayManage(ctx context.Context, a actor.Actor) bool {
	if a.Kind != actor.KindUser || s.enforcer == nil {
		return a.Kind == actor.KindSystem
	}
	t, err := s.tenants.ByID(ctx, a.TenantID)
	if err != nil || t.Level != tenant.LevelCity {
		return false
	}
	return s.enforcer.Allowed(a.UserID, a.TenantPath, "appraisal:manage")
}

// SchemeSummary is a row of the scheme list.
type SchemeSummary struct {
	ID            uuid.UUID      `json:"id"`
	Name          string         `json:"name"`
	PeriodKind    string         `json:"period_kind"`
	Status        string         `json:"status"`
	LatestNumber  int            `json:"latest_number"`
	EffectiveFrom *calendar.Date `json:"effective_from"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// Schemes lists the schemes the scope may read (a county sees those in force).
func (s *Service) Schemes(ctx context.Context, scope db.Scope) ([]SchemeSummary, error) {
	out := []SchemeSummary{}
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT s.id, s.name, s.period_kind, s.status, s.latest_number, s.updated_at,
				(SELECT max(v.effective_from) FROM appraisal_scheme_versions v WHERE v.scheme_id = s.id AND v.status <> 'draft') AS effective_from
			FROM appraisal_schemes s ORDER BY s.status = 'retired', s.created_at DESC, s.id`).Scan(&out).Error
	})
	return out, db.Classify(err)
}

// versionInForce is the version of scheme in force on day d (the latest activated
// version whose effective_from is not after d).
func versionInForce(tx *gorm.DB, schemeID uuid.UUID, d calendar.Date) (*Version, error) {
	var v Version
	res := tx.Where("scheme_id = ? AND status <> ? AND effective_from <= ?", schemeID, VersionDraft, d).
		Order("effective_from DESC").Limit(1).Find(&v)
	if res.Error != nil {
		return nil, db.Classify(res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return &v, nil
}

func init() {
	apperr.Register("appraisal.no_draft", "没有待启用的草稿版本", "There is no draft version to activate")
	apperr.Register("appraisal.period_kind_fixed", "方案启用后考核周期类型不能更改", "The period kind cannot change once the scheme is in force")
	apperr.Register("appraisal.effective_before_latest", "须晚于现行版本的生效日期 {date}", "must be after {date}, when the current version took effect")
}
