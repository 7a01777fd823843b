package appraisal

import (
	"context"
	"encoding/json"
	"fmt"
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
	"sunshine/pkg/platform/files"
	"sunshine/pkg/tenant"
)

// Manual inputs: what the leading group's office enters by hand, with evidence — the
// case-file review (案卷评查) of sampled closed cases, on-site inspections, fault
// accountability records (过错责任追究). The manual indicators read them by day.

// Review is a sampled case file and its checklist score.
type Review struct {
	ID                  uuid.UUID      `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID            uuid.UUID      `gorm:"type:uuid" json:"-"`
	SubjectTenantID     uuid.UUID      `gorm:"type:uuid" json:"-"`
	SubjectDepartmentID uuid.UUID      `gorm:"type:uuid" json:"department_id"`
	CaseID              uuid.UUID      `gorm:"type:uuid" json:"case_id"`
	TrackingNo          string         `json:"tracking_no"`
	PowerName           string         `json:"power_name"`
	Period              string         `json:"period"`
	OccurredOn          calendar.Date  `gorm:"type:date" json:"occurred_on"`
	SampleSeed          string         `json:"-"`
	Status              string         `json:"status"`
	Checklist           datatypes.JSON `gorm:"type:jsonb" json:"checklist"`
	ScoreCents          *int64         `json:"-"`
	Note                string         `json:"note"`
	ReviewerName        string         `json:"reviewer_name"`
	ScoredAt            *time.Time     `json:"scored_at"`
	CreatedByName       string         `json:"created_by_name"`
	CreatedAt           time.Time      `json:"created_at"`
	UpdatedAt           time.Time      `json:"-"`
}

// TableName maps Review.
func (Review) TableName() string { return "appraisal_reviews" }

// ChecklistScore is one scored line of a review.
type ChecklistScore struct {
	Item      string  `json:"item"`
	MaxPoints Points  `json:"max_points"`
	Score     *Points `json:"score"`
}

// Inspection is an on-site inspection's score.
type Inspection struct {
	ID                  uuid.UUID     `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID            uuid.UUID     `gorm:"type:uuid" json:"-"`
	SubjectTenantID     uuid.UUID     `gorm:"type:uuid" json:"-"`
	SubjectDepartmentID *uuid.UUID    `gorm:"type:uuid" json:"department_id"`
	OccurredOn          calendar.Date `gorm:"type:date" json:"occurred_on"`
	Title               string        `json:"title"`
	ScoreCents          int64         `json:"-"`
	Note                string        `json:"note"`
	CreatedByName       string        `json:"created_by_name"`
	CreatedAt           time.Time     `json:"created_at"`
}

// TableName maps Inspection.
func (Inspection) TableName() string { return "appraisal_inspections" }

// Fault is a fault accountability record.
type Fault struct {
	ID                  uuid.UUID     `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID            uuid.UUID     `gorm:"type:uuid" json:"-"`
	SubjectTenantID     uuid.UUID     `gorm:"type:uuid" json:"-"`
	SubjectDepartmentID *uuid.UUID    `gorm:"type:uuid" json:"department_id"`
	Person              string        `json:"person"`
	CaseID              *uuid.UUID    `gorm:"type:uuid" json:"case_id"`
	CardID              *uuid.UUID    `gorm:"type:uuid" json:"card_id"`
	OccurredOn          calendar.Date `gorm:"type:date" json:"occurred_on"`
	Description         string        `json:"description"`
	Status              string        `json:"status"`
	RevokedReason       string        `json:"revoked_reason"`
	RevokedAt           *time.Time    `json:"revoked_at"`
	CreatedByName       string        `json:"created_by_name"`
	CreatedAt           time.Time     `json:"created_at"`
	UpdatedAt           time.Time     `json:"-"`
}

// TableName maps Fault.
func (Fault) TableName() string { return "appraisal_faults" }

// subjectRef names a subject of a manual entry: a tenant of the city's tree, and one
// of its departments or (empty) the tenant as a whole.
type subjectRef struct {
	tenant *tenant.Tenant
	dept   *uuid.UUID
	name   string
}

// resolveSubject checks a tenant code and a department code against the city's tree.
func (s *Service) resolveSubject(ctx context.Context, tx *gorm.DB, city *tenant.Tenant, tenantCode, deptCode string, deptRequired bool) (*subjectRef, error) {
	t, err := s.tenants.ByCode(ctx, tenantCode)
	if err != nil || !city.Covers(t) {
		return nil, apperr.Invalid("validation_failed").WithField("tenant", "appraisal.unknown_tenant", apperr.Params{"code": truncate(tenantCode, 20)})
	}
	ref := &subjectRef{tenant: t, name: t.Name}
	if deptCode == "" {
		if deptRequired {
			return nil, apperr.Invalid("validation_failed").WithField("department", "required")
		}
		return ref, nil
	}
	var d struct {
		ID   uuid.UUID `gorm:"type:uuid"`
		Name string
	}
	res := tx.Raw(`SELECT id, name FROM tenancy_departments WHERE tenant_id = ? AND code = ?`, t.ID, deptCode).Scan(&d)
	if res.Error != nil {
		return nil, db.Classify(res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, apperr.Invalid("validation_failed").WithField("department", "appraisal.unknown_department", apperr.Params{"department": truncate(deptCode, 40)})
	}
	ref.dept, ref.name = &d.ID, t.Name+d.Name
	return ref, nil
}

// SampleInput is POST /appraisal/reviews: draw a sample of a department's closed cases.
type SampleInput struct {
	SchemeID   uuid.UUID `json:"scheme_id"`
	Period     string    `json:"period"`
	Tenant     string    `json:"tenant"`
	Department string    `json:"department"`
	Size       int       `json:"size"`
}

// Sample draws up to Size closed cases of a department, decided in the period, that
// have not been reviewed yet: a deterministic draw (the same request on the same data
// draws the same cases) in the order of a hash of each case and the sample's seed. It
// creates a pending review for each, with the checklist of the scheme version in force.
func (s *Service) Sample(ctx context.Context, a actor.Actor, in SampleInput) ([]Review, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if in.Size < 1 || in.Size > 50 {
		return nil, apperr.Invalid("validation_failed").WithField("size", "out_of_range", apperr.Params{"min": 1, "max": 50})
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	var out []Review
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		out = nil
		now := s.now()
		var sc Scheme
		if err := tx.Where("id = ? AND tenant_id = ?", in.SchemeID, city.ID).First(&sc).Error; err != nil {
			return apperr.Invalid("validation_failed").WithField("scheme_id", "appraisal.unknown_scheme")
		}
		pc, err := s.resolvePeriod(ctx, tx, city, &sc, in.Period, now)
		if err != nil {
			return err
		}
		ref, err := s.resolveSubject(ctx, tx, city, in.Tenant, in.Department, true)
		if err != nil {
			return err
		}
		checklist := make([]ChecklistScore, len(pc.body.ReviewChecklist))
		for i, it := range pc.body.ReviewChecklist {
			checklist[i] = ChecklistScore{Item: it.Item, MaxPoints: it.MaxPoints}
		}
		cl, _ := json.Marshal(checklist)
		seed := fmt.Sprintf("%s/%s/%s", pc.period.Label, ref.tenant.Code, in.Department)
		var cases []struct {
			ID         uuid.UUID `gorm:"type:uuid"`
			TrackingNo string
			PowerName  string
			DecidedOn  calendar.Date `gorm:"type:date"`
		}
		if err := tx.Raw(`SELECT c.id, c.tracking_no, c.power_name, (c.decided_at AT TIME ZONE 'Asia/Shanghai')::date AS decided_on
			FROM casework_case_facts c
			WHERE c.tenant_id = ? AND c.department_id = ? AND c.decided_at >= ? AND c.decided_at < ?
				AND NOT EXISTS (SELECT 1 FROM appraisal_reviews r WHERE r.tenant_id = ? AND r.case_id = c.id)
			ORDER BY md5(c.id::text || ?), c.id LIMIT ?`,
			ref.tenant.ID, *ref.dept, pc.period.From(), pc.period.To(), city.ID, seed, in.Size).Scan(&cases).Error; err != nil {
			return db.Classify(err)
		}
		if len(cases) == 0 {
			return apperr.Conflict("appraisal.no_cases_to_sample")
		}
		for _, c := range cases {
			out = append(out, Review{ID: newID(), TenantID: city.ID, SubjectTenantID: ref.tenant.ID, SubjectDepartmentID: *ref.dept, CaseID: c.ID,
				TrackingNo: c.TrackingNo, PowerName: c.PowerName, Period: pc.period.Label, OccurredOn: c.DecidedOn, SampleSeed: seed,
				Status: "pending", Checklist: cl, CreatedByName: a.Name(), CreatedAt: now, UpdatedAt: now})
		}
		if err := tx.Create(&out).Error; err != nil {
			return db.Classify(err)
		}
		ids := make([]uuid.UUID, len(out))
		for i, r := range out {
			ids[i] = r.CaseID
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_review.sample", ObjectType: "appraisal_review", ObjectID: seed,
			After: map[string]any{"period": pc.period.Label, "tenant": ref.tenant.Code, "department": in.Department, "cases": ids}})
	})
	return out, err
}

// ScoreReviewInput is PUT /appraisal/reviews/{id}.
type ScoreReviewInput struct {
	Scores          []Points    `json:"scores"`
	Note            string      `json:"note"`
	EvidenceFileIDs []uuid.UUID `json:"evidence_file_ids"`
}

// ScoreReview scores a sampled file against its checklist (one score per line, each
// at most the line's points); the file's score is their sum, out of 100.
func (s *Service) ScoreReview(ctx context.Context, a actor.Actor, id uuid.UUID, in ScoreReviewInput) (*ReviewView, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		return nil, apperr.Invalid("validation_failed").WithField("note", "too_long", apperr.Params{"max": 2000})
	}
	if len(in.EvidenceFileIDs) > 20 {
		return nil, apperr.Invalid("validation_failed").WithField("evidence_file_ids", "appraisal.too_many", apperr.Params{"max": 20})
	}
	if len(in.EvidenceFileIDs) > 0 && s.files == nil {
		return nil, apperr.New(apperr.KindUnavailable, "appraisal.files_not_configured")
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		var r Review
		if err := tx.Clauses(forUpdate).Where("id = ? AND tenant_id = ?", id, city.ID).First(&r).Error; err != nil {
			return db.Classify(err)
		}
		next, err := reviewMachine.Next("score", r.Status)
		if err != nil {
			return err
		}
		var cl []ChecklistScore
		if err := json.Unmarshal(r.Checklist, &cl); err != nil {
			return apperr.Internal(err)
		}
		if len(in.Scores) != len(cl) {
			return apperr.Invalid("appraisal.checklist_mismatch", apperr.Params{"count": len(cl)}).
				WithField("scores", "appraisal.checklist_mismatch", apperr.Params{"count": len(cl)})
		}
		bad := apperr.Invalid("validation_failed")
		var total int64
		for i := range cl {
			v := in.Scores[i]
			if v < 0 || v > cl[i].MaxPoints {
				bad.WithField(fmt.Sprintf("scores[%d]", i), "out_of_range", apperr.Params{"min": 0, "max": cl[i].MaxPoints.String()})
			}
			cl[i].Score = &v
			total += int64(v)
		}
		if len(bad.Fields) > 0 {
			return bad
		}
		raw, _ := json.Marshal(cl)
		before := map[string]any{"status": r.Status}
		if r.ScoreCents != nil {
			before["score"] = Points(*r.ScoreCents).String()
		}
		if err := tx.Model(&r).Updates(map[string]any{"status": next, "checklist": datatypes.JSON(raw), "score_cents": total,
			"note": strings.TrimSpace(in.Note), "reviewer_name": a.Name(), "scored_at": now}).Error; err != nil {
			return db.Classify(err)
		}
		if _, err := files.Attach(tx, now, FileEvidence, r.ID, in.EvidenceFileIDs, "evidence_file_ids"); err != nil {
			return err
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_review.score", ObjectType: "appraisal_review", ObjectID: r.ID.String(),
			Before: before, After: map[string]any{"status": next, "score": Points(total).String(), "case_id": r.CaseID}})
	})
	if err != nil {
		return nil, err
	}
	views, err := s.Reviews(ctx, scope, a, ManualFilter{ID: id})
	if err != nil || len(views) == 0 {
		return nil, err
	}
	return &views[0], nil
}

// ManualFilter narrows the manual-entry lists.
type ManualFilter struct {
	ID      uuid.UUID
	Period  *Period
	Tenants []uuid.UUID
	Status  string
}

func (f ManualFilter) apply(q *gorm.DB, dateCol string) *gorm.DB {
	if f.ID != uuid.Nil {
		q = q.Where("id = ?", f.ID)
	}
	if f.Period != nil {
		q = q.Where(dateCol+" >= ? AND "+dateCol+" < ?", f.Period.Start, f.Period.End)
	}
	if len(f.Tenants) > 0 {
		q = q.Where("subject_tenant_id = ANY (?::uuid[])", arrayLiteral(f.Tenants))
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	return q
}

// ReviewView is a review as the API shows it.
type ReviewView struct {
	Review
	TenantCode     string           `json:"tenant_code"`
	DepartmentName string           `json:"department_name"`
	Score          *Points          `json:"score"`
	Lines          []ChecklistScore `json:"lines"`
	Evidence       []files.File     `json:"evidence"`
	AllowedActions []string         `json:"allowed_actions"`
}

// Reviews lists reviews in scope.
func (s *Service) Reviews(ctx context.Context, scope db.Scope, a actor.Actor, f ManualFilter) ([]ReviewView, error) {
	out := []ReviewView{}
	manage := s.mayManage(ctx, a)
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var rows []Review
		if err := f.apply(tx.Model(&Review{}), "occurred_on").Order("occurred_on, tracking_no, id").Limit(1000).Find(&rows).Error; err != nil {
			return db.Classify(err)
		}
		ids := make([]uuid.UUID, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		ev, err := files.OwnedBy(tx, FileEvidence, ids)
		if err != nil {
			return err
		}
		names, err := deptNames(tx, rows, func(r Review) *uuid.UUID { id := r.SubjectDepartmentID; return &id })
		if err != nil {
			return err
		}
		for _, r := range rows {
			v := ReviewView{Review: r, DepartmentName: names[r.SubjectDepartmentID], Evidence: nonNilFiles(ev[r.ID])}
			if t, err := s.tenants.ByID(ctx, r.SubjectTenantID); err == nil {
				v.TenantCode = t.Code
			}
			if r.ScoreCents != nil {
				p := Points(*r.ScoreCents)
				v.Score = &p
			}
			_ = json.Unmarshal(r.Checklist, &v.Lines)
			v.AllowedActions = reviewMachine.Allowed(r.Status, func(string) bool { return manage })
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

func nonNilFiles(f []files.File) []files.File {
	if f == nil {
		return []files.File{}
	}
	return f
}

func deptNames[T any](tx *gorm.DB, rows []T, dept func(T) *uuid.UUID) (map[uuid.UUID]string, error) {
	ids := []uuid.UUID{}
	for _, r := range rows {
		if d := dept(r); d != nil {
			ids = append(ids, *d)
		}
	}
	out := map[uuid.UUID]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var ds []struct {
		ID   uuid.UUID `gorm:"type:uuid"`
		Name string
	}
	if err := tx.Raw(`SELECT id, name FROM tenancy_departments WHERE id = ANY (?::uuid[])`, arrayLiteral(ids)).Scan(&ds).Error; err != nil {
		return nil, db.Classify(err)
	}
	for _, d := range ds {
		out[d.ID] = d.Name
	}
	return out, nil
}

// InspectionInput is POST /appraisal/inspections.
type InspectionInput struct {
	Tenant          string        `json:"tenant"`
	Department      string        `json:"department"`
	OccurredOn      calendar.Date `json:"occurred_on"`
	Title           string        `json:"title"`
	Score           *Points       `json:"score"`
	Note            string        `json:"note"`
	EvidenceFileIDs []uuid.UUID   `json:"evidence_file_ids"`
}

// ManualView is an inspection or fault record as the API shows it.
type ManualView[T any] struct {
	Entry          T            `json:"entry"`
	TenantCode     string       `json:"tenant_code"`
	DepartmentName string       `json:"department_name"`
	Score          *Points      `json:"score,omitempty"`
	Evidence       []files.File `json:"evidence"`
	AllowedActions []string     `json:"allowed_actions"`
}

func (s *Service) checkEntryCommon(now time.Time, day calendar.Date, evidence []uuid.UUID, v *apperr.Fields) {
	if day.IsZero() {
		v.Add("occurred_on", "required")
	} else if day.After(calendar.DateOf(now)) {
		v.Add("occurred_on", "appraisal.in_future")
	}
	if len(evidence) > 20 {
		v.Add("evidence_file_ids", "appraisal.too_many", apperr.Params{"max": 20})
	}
}

// CreateInspection records an on-site inspection's score (out of 100).
func (s *Service) CreateInspection(ctx context.Context, a actor.Actor, in InspectionInput) (*ManualView[Inspection], error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	in.Title, in.Note = strings.TrimSpace(in.Title), strings.TrimSpace(in.Note)
	v := &apperr.Fields{}
	if l := utf8.RuneCountInString(in.Title); l < 1 || l > 200 {
		v.Add("title", "required")
	}
	if in.Score == nil {
		v.Add("score", "required")
	} else if *in.Score < 0 || *in.Score > 10000 {
		v.Add("score", "out_of_range", apperr.Params{"min": 0, "max": 100})
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		v.Add("note", "too_long", apperr.Params{"max": 2000})
	}
	s.checkEntryCommon(now, in.OccurredOn, in.EvidenceFileIDs, v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(in.EvidenceFileIDs) > 0 && s.files == nil {
		return nil, apperr.New(apperr.KindUnavailable, "appraisal.files_not_configured")
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	var ins Inspection
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		ref, err := s.resolveSubject(ctx, tx, city, in.Tenant, in.Department, false)
		if err != nil {
			return err
		}
		ins = Inspection{ID: newID(), TenantID: city.ID, SubjectTenantID: ref.tenant.ID, SubjectDepartmentID: ref.dept, OccurredOn: in.OccurredOn,
			Title: in.Title, ScoreCents: int64(*in.Score), Note: in.Note, CreatedByName: a.Name(), CreatedAt: now}
		if err := tx.Create(&ins).Error; err != nil {
			return db.Classify(err)
		}
		if _, err := files.Attach(tx, now, FileEvidence, ins.ID, in.EvidenceFileIDs, "evidence_file_ids"); err != nil {
			return err
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_inspection.create", ObjectType: "appraisal_inspection", ObjectID: ins.ID.String(),
			After: map[string]any{"tenant": ref.tenant.Code, "department": in.Department, "occurred_on": in.OccurredOn.String(), "score": in.Score.String()}})
	})
	if err != nil {
		return nil, err
	}
	list, err := s.Inspections(ctx, scope, a, ManualFilter{ID: ins.ID})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// Inspections lists inspections in scope.
func (s *Service) Inspections(ctx context.Context, scope db.Scope, a actor.Actor, f ManualFilter) ([]ManualView[Inspection], error) {
	out := []ManualView[Inspection]{}
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var rows []Inspection
		if err := f.apply(tx.Model(&Inspection{}), "occurred_on").Order("occurred_on DESC, id").Limit(1000).Find(&rows).Error; err != nil {
			return db.Classify(err)
		}
		ids := make([]uuid.UUID, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		ev, err := files.OwnedBy(tx, FileEvidence, ids)
		if err != nil {
			return err
		}
		names, err := deptNames(tx, rows, func(r Inspection) *uuid.UUID { return r.SubjectDepartmentID })
		if err != nil {
			return err
		}
		for _, r := range rows {
			p := Points(r.ScoreCents)
			v := ManualView[Inspection]{Entry: r, Score: &p, Evidence: nonNilFiles(ev[r.ID]), AllowedActions: []string{}}
			if r.SubjectDepartmentID != nil {
				v.DepartmentName = names[*r.SubjectDepartmentID]
			}
			if t, err := s.tenants.ByID(ctx, r.SubjectTenantID); err == nil {
				v.TenantCode = t.Code
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// FaultInput is POST /appraisal/faults.
type FaultInput struct {
	Tenant          string        `json:"tenant"`
	Department      string        `json:"department"`
	Person          string        `json:"person"`
	CaseID          *uuid.UUID    `json:"case_id"`
	CardID          *uuid.UUID    `json:"card_id"`
	OccurredOn      calendar.Date `json:"occurred_on"`
	Description     string        `json:"description"`
	EvidenceFileIDs []uuid.UUID   `json:"evidence_file_ids"`
}

// CreateFault records a fault accountability record against a department (or a whole
// tenant), naming the case or card that caused it (which must exist in that tenant).
func (s *Service) CreateFault(ctx context.Context, a actor.Actor, in FaultInput) (*ManualView[Fault], error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	in.Person, in.Description = strings.TrimSpace(in.Person), strings.TrimSpace(in.Description)
	v := &apperr.Fields{}
	if l := utf8.RuneCountInString(in.Description); l < 1 || l > 2000 {
		v.Add("description", "required")
	}
	if utf8.RuneCountInString(in.Person) > 100 {
		v.Add("person", "too_long", apperr.Params{"max": 100})
	}
	s.checkEntryCommon(now, in.OccurredOn, in.EvidenceFileIDs, v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(in.EvidenceFileIDs) > 0 && s.files == nil {
		return nil, apperr.New(apperr.KindUnavailable, "appraisal.files_not_configured")
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	var f Fault
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		ref, err := s.resolveSubject(ctx, tx, city, in.Tenant, in.Department, false)
		if err != nil {
			return err
		}
		if in.CaseID != nil {
			var n int64
			if err := tx.Raw(`SELECT count(*) FROM casework_case_facts WHERE id = ? AND tenant_id = ?`, *in.CaseID, ref.tenant.ID).Scan(&n).Error; err != nil {
				return db.Classify(err)
			}
			if n == 0 {
				return apperr.Invalid("validation_failed").WithField("case_id", "appraisal.unknown_case")
			}
		}
		if in.CardID != nil {
			var n int64
			if err := tx.Raw(`SELECT count(*) FROM supervision_card_facts WHERE id = ? AND tenant_id = ?`, *in.CardID, ref.tenant.ID).Scan(&n).Error; err != nil {
				return db.Classify(err)
			}
			if n == 0 {
				return apperr.Invalid("validation_failed").WithField("card_id", "appraisal.unknown_card")
			}
		}
		f = Fault{ID: newID(), TenantID: city.ID, SubjectTenantID: ref.tenant.ID, SubjectDepartmentID: ref.dept, Person: in.Person, CaseID: in.CaseID,
			CardID: in.CardID, OccurredOn: in.OccurredOn, Description: in.Description, Status: "active", CreatedByName: a.Name(), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&f).Error; err != nil {
			return db.Classify(err)
		}
		if _, err := files.Attach(tx, now, FileEvidence, f.ID, in.EvidenceFileIDs, "evidence_file_ids"); err != nil {
			return err
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_fault.create", ObjectType: "appraisal_fault", ObjectID: f.ID.String(),
			After: map[string]any{"tenant": ref.tenant.Code, "department": in.Department, "occurred_on": in.OccurredOn.String(), "case_id": in.CaseID, "card_id": in.CardID}})
	})
	if err != nil {
		return nil, err
	}
	list, err := s.Faults(ctx, scope, a, ManualFilter{ID: f.ID})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// RevokeFault revokes a fault record (it stops counting from now on; results already
// computed keep it).
func (s *Service) RevokeFault(ctx context.Context, a actor.Actor, id uuid.UUID, reason string) (*ManualView[Fault], error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := checkReason("reason", reason); err != nil {
		return nil, err
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		var f Fault
		if err := tx.Clauses(forUpdate).Where("id = ? AND tenant_id = ?", id, city.ID).First(&f).Error; err != nil {
			return db.Classify(err)
		}
		next, err := faultMachine.Next("revoke", f.Status)
		if err != nil {
			return err
		}
		if err := tx.Model(&f).Updates(map[string]any{"status": next, "revoked_reason": strings.TrimSpace(reason), "revoked_at": now}).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_fault.revoke", ObjectType: "appraisal_fault", ObjectID: f.ID.String(),
			Before: map[string]any{"status": f.Status}, After: map[string]any{"status": next}, Data: map[string]any{"reason": strings.TrimSpace(reason)}})
	})
	if err != nil {
		return nil, err
	}
	list, err := s.Faults(ctx, scope, a, ManualFilter{ID: id})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// Faults lists fault records in scope.
func (s *Service) Faults(ctx context.Context, scope db.Scope, a actor.Actor, f ManualFilter) ([]ManualView[Fault], error) {
	out := []ManualView[Fault]{}
	manage := s.mayManage(ctx, a)
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var rows []Fault
		if err := f.apply(tx.Model(&Fault{}), "occurred_on").Order("occurred_on DESC, id").Limit(1000).Find(&rows).Error; err != nil {
			return db.Classify(err)
		}
		ids := make([]uuid.UUID, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		ev, err := files.OwnedBy(tx, FileEvidence, ids)
		if err != nil {
			return err
		}
		names, err := deptNames(tx, rows, func(r Fault) *uuid.UUID { return r.SubjectDepartmentID })
		if err != nil {
			return err
		}
		for _, r := range rows {
			v := ManualView[Fault]{Entry: r, Evidence: nonNilFiles(ev[r.ID]), AllowedActions: faultMachine.Allowed(r.Status, func(string) bool { return manage })}
			if r.SubjectDepartmentID != nil {
				v.DepartmentName = names[*r.SubjectDepartmentID]
			}
			if t, err := s.tenants.ByID(ctx, r.SubjectTenantID); err == nil {
				v.TenantCode = t.Code
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

func init() {
	apperr.Register("appraisal.unknown_tenant", "地区 {code} 不在本市范围内", "Region {code} is not in this city")
	apperr.Register("appraisal.in_future", "不能晚于今天", "must not be in the future")
	apperr.Register("appraisal.unknown_case", "该地区没有这个办件", "No such case in that region")
	apperr.Register("appraisal.unknown_card", "该地区没有这张监察牌", "No such card in that region")
}
