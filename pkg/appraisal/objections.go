package appraisal

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/files"
)

// ObjectInput is POST /runs/{id}/objections.
type ObjectInput struct {
	Subject         string      `json:"subject"`
	Indicator       string      `json:"indicator"`
	Text            string      `json:"text"`
	EvidenceFileIDs []uuid.UUID `json:"evidence_file_ids"`
}

// Object files a county's objection to one of its own results (optionally to one
// indicator) while the run is open for objections. It is written in the county's own
// tenant.
func (s *Service) Object(ctx context.Context, a actor.Actor, runID uuid.UUID, in ObjectInput) (*ObjectionView, error) {
	in.Text = strings.TrimSpace(in.Text)
	v := &apperr.Fields{}
	if l := utf8.RuneCountInString(in.Text); l < 1 {
		v.Add("text", "required")
	} else if l > 4000 {
		v.Add("text", "too_long", apperr.Params{"max": 4000})
	}
	if strings.TrimSpace(in.Subject) == "" {
		v.Add("subject", "required")
	}
	if len(in.EvidenceFileIDs) > 20 {
		v.Add("evidence_file_ids", "appraisal.too_many", apperr.Params{"max": 20})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(in.EvidenceFileIDs) > 0 && s.files == nil {
		return nil, apperr.New(apperr.KindUnavailable, "appraisal.files_not_configured")
	}
	scope := db.TenantScope(a.TenantID, a.UserID)
	var obj Objection
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		var run Run
		if err := tx.Where("id = ?", runID).First(&run).Error; err != nil {
			return db.Classify(err)
		}
		if err := runMachine.Check("object", run.Status); err != nil {
			return err
		}
		if run.ObjectionDeadline != nil && !now.Before(*run.ObjectionDeadline) {
			return apperr.Conflict("appraisal.objection_window_closed", apperr.Params{"deadline": deadlineText(*run.ObjectionDeadline)})
		}
		var res Result
		if err := tx.Where("run_id = ? AND subject_key = ?", run.ID, in.Subject).First(&res).Error; err != nil {
			if apperr.IsKind(db.Classify(err), apperr.KindNotFound) {
				return apperr.Invalid("appraisal.unknown_subject", apperr.Params{"subject": truncate(in.Subject, 40)}).
					WithField("subject", "appraisal.unknown_subject", apperr.Params{"subject": truncate(in.Subject, 40)})
			}
			return db.Classify(err)
		}
		if res.SubjectTenantID != a.TenantID {
			return apperr.Forbidden("appraisal.not_your_subject")
		}
		if in.Indicator != "" {
			var n int64
			if err := tx.Model(&ResultIndicator{}).Where("result_id = ? AND indicator_code = ?", res.ID, in.Indicator).Count(&n).Error; err != nil {
				return db.Classify(err)
			}
			if n == 0 {
				return apperr.Invalid("appraisal.unknown_scheme_indicator", apperr.Params{"indicator": truncate(in.Indicator, 40)}).
					WithField("indicator", "appraisal.unknown_scheme_indicator", apperr.Params{"indicator": truncate(in.Indicator, 40)})
			}
		}
		obj = Objection{ID: newID(), TenantID: a.TenantID, RunID: run.ID, RunTenantID: run.TenantID, ResultID: res.ID, SubjectKey: res.SubjectKey,
			IndicatorCode: in.Indicator, Text: in.Text, Status: "open", CreatedByName: a.Name(), CreatedAt: now, UpdatedAt: now}
		if a.UserID != uuid.Nil {
			u := a.UserID
			obj.CreatedBy = &u
		}
		if err := tx.Create(&obj).Error; err != nil {
			return db.Classify(err)
		}
		if _, err := files.Attach(tx, now, FileObjection, obj.ID, in.EvidenceFileIDs, "evidence_file_ids"); err != nil {
			return err
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_objection.create", ObjectType: "appraisal_objection", ObjectID: obj.ID.String(),
			After: map[string]any{"run_id": run.ID, "subject": res.SubjectKey, "indicator": in.Indicator, "status": obj.Status}})
	})
	if err != nil {
		return nil, err
	}
	return s.objection(ctx, scope, a, obj.ID)
}

// AnswerInput is POST /runs/{id}/objections/{oid}/answer.
type AnswerInput struct {
	Decision string `json:"decision"`
	Answer   string `json:"answer"`
}

// Answer records the leading group's answer to an objection (upheld or rejected; an
// upheld objection is then reflected by an adjustment). The answer is written in the
// objecting county's tenant, after the city's authorisation, and audited in both.
func (s *Service) Answer(ctx context.Context, a actor.Actor, runID, objectionID uuid.UUID, in AnswerInput) (*ObjectionView, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	v := &apperr.Fields{}
	if in.Decision != "upheld" && in.Decision != "rejected" {
		v.Add("decision", "not_allowed_value", apperr.Params{"allowed": "upheld, rejected"})
	}
	in.Answer = strings.TrimSpace(in.Answer)
	if l := utf8.RuneCountInString(in.Answer); l < 1 {
		v.Add("answer", "required")
	} else if l > 4000 {
		v.Add("answer", "too_long", apperr.Params{"max": 4000})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		run, err := lockRun(tx, city.ID, runID)
		if err != nil {
			return err
		}
		if err := runMachine.Check("answer", run.Status); err != nil {
			return err
		}
		var obj Objection
		if err := tx.Where("id = ? AND run_id = ?", objectionID, run.ID).First(&obj).Error; err != nil {
			return db.Classify(err)
		}
		next, err := objectionMachine.Next("answer", obj.Status)
		if err != nil {
			return err
		}
		county := db.Scope{Tenant: obj.TenantID, Read: scope.Read, User: a.UserID}
		if err := db.SetScope(tx, county); err != nil {
			return err
		}
		upd := tx.Model(&Objection{}).Where("id = ? AND status = 'open'", obj.ID).Updates(map[string]any{"status": next, "decision": in.Decision,
			"answer": in.Answer, "answered_at": now, "answered_by_name": a.Name()})
		if upd.Error != nil {
			return db.Classify(upd.Error)
		}
		if upd.RowsAffected != 1 {
			return objectionMachine.Illegal("answer", obj.Status)
		}
		ev := audit.Event{Action: "appraisal_objection.answer", ObjectType: "appraisal_objection", ObjectID: obj.ID.String(),
			Before: map[string]any{"status": obj.Status}, After: map[string]any{"status": next, "decision": in.Decision},
			Data: map[string]any{"run_id": run.ID, "subject": obj.SubjectKey}}
		if err := audit.Record(tx, a, now, ev); err != nil {
			return err
		}
		if err := db.SetScope(tx, scope); err != nil {
			return err
		}
		return audit.Record(tx, a, now, ev)
	})
	if err != nil {
		return nil, err
	}
	return s.objection(ctx, scope, a, objectionID)
}

// Withdraw withdraws an open objection (its own tenant only: another tenant's
// objection is not even visible).
func (s *Service) Withdraw(ctx context.Context, a actor.Actor, runID, objectionID uuid.UUID) (*ObjectionView, error) {
	scope := db.TenantScope(a.TenantID, a.UserID)
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		var obj Objection
		if err := tx.Clauses(forUpdate).Where("id = ? AND run_id = ? AND tenant_id = ?", objectionID, runID, a.TenantID).First(&obj).Error; err != nil {
			return db.Classify(err)
		}
		next, err := objectionMachine.Next("withdraw", obj.Status)
		if err != nil {
			return err
		}
		if err := tx.Model(&obj).Updates(map[string]any{"status": next, "withdrawn_at": now}).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_objection.withdraw", ObjectType: "appraisal_objection", ObjectID: obj.ID.String(),
			Before: map[string]any{"status": obj.Status}, After: map[string]any{"status": next}})
	})
	if err != nil {
		return nil, err
	}
	return s.objection(ctx, scope, a, objectionID)
}

// ObjectionView is an objection as the API shows it.
type ObjectionView struct {
	Objection
	TenantCode     string       `json:"tenant_code"`
	SubjectName    string       `json:"subject_name"`
	Evidence       []files.File `json:"evidence"`
	AllowedActions []string     `json:"allowed_actions"`
}

// Objections lists a run's objections the scope may read (the city all, a county its own).
func (s *Service) Objections(ctx context.Context, scope db.Scope, a actor.Actor, runID uuid.UUID) ([]ObjectionView, error) {
	var out []ObjectionView
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var run Run
		if err := tx.Where("id = ?", runID).First(&run).Error; err != nil {
			return db.Classify(err)
		}
		var objs []Objection
		if err := tx.Where("run_id = ?", runID).Order("created_at, id").Find(&objs).Error; err != nil {
			return db.Classify(err)
		}
		views, err := s.objectionViews(ctx, tx, a, &run, objs)
		out = views
		return err
	})
	return out, err
}

func (s *Service) objection(ctx context.Context, scope db.Scope, a actor.Actor, id uuid.UUID) (*ObjectionView, error) {
	var out *ObjectionView
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var obj Objection
		if err := tx.Where("id = ?", id).First(&obj).Error; err != nil {
			return db.Classify(err)
		}
		var run Run
		if err := tx.Where("id = ?", obj.RunID).First(&run).Error; err != nil {
			return db.Classify(err)
		}
		views, err := s.objectionViews(ctx, tx, a, &run, []Objection{obj})
		if err == nil {
			out = &views[0]
		}
		return err
	})
	return out, err
}

func (s *Service) objectionViews(ctx context.Context, tx *gorm.DB, a actor.Actor, run *Run, objs []Objection) ([]ObjectionView, error) {
	ids := make([]uuid.UUID, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	ev, err := files.OwnedBy(tx, FileObjection, ids)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	var rows []struct {
		SubjectKey  string
		SubjectName string
	}
	if err := tx.Raw(`SELECT subject_key, subject_name FROM appraisal_results WHERE run_id = ?`, run.ID).Scan(&rows).Error; err != nil {
		return nil, db.Classify(err)
	}
	for _, r := range rows {
		names[r.SubjectKey] = r.SubjectName
	}
	manage := s.mayManage(ctx, a)
	windowOpen := run.Status == RunObjection && (run.ObjectionDeadline == nil || s.now().Before(*run.ObjectionDeadline))
	out := make([]ObjectionView, len(objs))
	for i, o := range objs {
		t, _ := s.tenants.ByID(ctx, o.TenantID)
		code := ""
		if t != nil {
			code = t.Code
		}
		fl := ev[o.ID]
		if fl == nil {
			fl = []File{}
		}
		out[i] = ObjectionView{Objection: o, TenantCode: code, SubjectName: names[o.SubjectKey], Evidence: fl,
			AllowedActions: objectionMachine.Allowed(o.Status, func(action string) bool {
				switch action {
				case "answer":
					return manage && run.Status == RunObjection
				case "withdraw":
					return o.TenantID == a.TenantID && windowOpen
				}
				return false
			})}
	}
	return out, nil
}

// File is a stored file as the API shows it.
type File = files.File

// deadlineText formats an instant for messages in the tenant's zone.
func deadlineText(t time.Time) string { return t.In(calendar.Location()).Format("2006-01-02 15:04") }
