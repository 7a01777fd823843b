package catalogue

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// Settings keys read from the tenant's effective settings (a county inherits the
// city's unless it sets its own).
const (
	SettingCategories         = "power_categories"
	SettingFilingWorkingDays  = "catalogue_filing_working_days"
	DefaultFilingWorkingDays  = 5
	maxFilingWorkingDays      = 60
	auditObject               = "power"
	actionEdit, actionSubmit  = "edit", "submit"
	actionApprove             = "approve"
	actionReturn              = "return"
	actionPublish, actionFile = "publish", "file"
	actionRevise              = "revise"
)

// Service is the catalogue: items, versions, the filing workflow, the portal's view
// and the spreadsheet exchange.
type Service struct {
	db      *db.DB
	tenants *tenant.Registry
	clock   clock.Clock
}

// NewService builds the catalogue service.
func NewService(d *db.DB, reg *tenant.Registry, c clock.Clock) *Service {
	if c == nil {
		c = clock.Real{}
	}
	return &Service{db: d, tenants: reg, clock: c}
}

// Categories returns the power categories of tenant t (setting power_categories,
// inherited from the city, else the national defaults).
func (s *Service) Categories(ctx context.Context, t *tenant.Tenant) ([]string, error) {
	eff, err := s.tenants.Effective(ctx, t)
	if err != nil {
		return nil, err
	}
	if raw, ok := eff[SettingCategories].([]any); ok && len(raw) > 0 {
		out := make([]string, 0, len(raw))
		for _, x := range raw {
			if str, ok := x.(string); ok && strings.TrimSpace(str) != "" {
				out = append(out, strings.TrimSpace(str))
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return append([]string(nil), DefaultCategories...), nil
}

func (s *Service) filingDays(ctx context.Context, t *tenant.Tenant) int {
	eff, err := s.tenants.Effective(ctx, t)
	if err != nil {
		return DefaultFilingWorkingDays
	}
	switch n := eff[SettingFilingWorkingDays].(type) {
	case float64:
		if n >= 1 && n <= maxFilingWorkingDays {
			return int(n)
		}
	case int:
		if n >= 1 && n <= maxFilingWorkingDays {
			return n
		}
	}
	return DefaultFilingWorkingDays
}

// rules loads what content is validated against in tenant t.
func (s *Service) rules(ctx context.Context, tx *gorm.DB, t *tenant.Tenant) (Rules, error) {
	cats, err := s.Categories(ctx, t)
	if err != nil {
		return Rules{}, err
	}
	r := Rules{Categories: cats, ByID: map[uuid.UUID]DeptRef{}, ByCode: map[string]DeptRef{}}
	depts, err := tenancy.ListDepartments(tx, []uuid.UUID{t.ID})
	if err != nil {
		return r, err
	}
	for _, d := range depts {
		ref := DeptRef{ID: d.ID, Code: d.Code, Name: d.Name, Active: d.Active}
		r.ByID[d.ID], r.ByCode[d.Code] = ref, ref
	}
	return r, nil
}

// op is one workflow step in progress: the transaction, who, when, where.
type op struct {
	tx  *gorm.DB
	a   actor.Actor
	now time.Time
	t   *tenant.Tenant
}

// inOwnTenant runs fn in a transaction that writes and reads only the caller's tenant.
func (s *Service) inOwnTenant(ctx context.Context, fn func(o op) error) error {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return err
	}
	t, err := s.tenants.ByID(ctx, c.TenantID)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		return fn(op{tx: tx, a: c.Actor, now: s.clock.Now().UTC(), t: t})
	})
}

// checkDepartment enforces "dept_admin: own department's drafts". The system (demo,
// jobs) acts for any department.
func checkDepartment(a actor.Actor, dept uuid.UUID) error {
	if a.Kind == actor.KindUser && a.DepartmentID != dept {
		return apperr.Forbidden("catalogue.not_your_department")
	}
	return nil
}

// locked loads a power for update together with its latest version.
func locked(tx *gorm.DB, id uuid.UUID) (*Power, *Version, error) {
	p, err := loadPower(tx, id, true)
	if err != nil {
		return nil, nil, err
	}
	v, err := loadVersion(tx, p.LatestVersionID)
	if err != nil {
		return nil, nil, err
	}
	return p, v, nil
}

func (s *Service) record(o op, action string, p *Power, v *Version, before string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["version"] = v.Number
	data["code"] = p.Code
	ev := audit.Event{Action: "power." + action, ObjectType: auditObject, ObjectID: p.ID.String(),
		After: map[string]any{"status": v.Status, "version": v.Number, "name": v.Name}, Data: data}
	if before != "" {
		ev.Before = map[string]any{"status": before}
	}
	return audit.Record(o.tx, o.a, o.now, ev)
}

// savePower writes the power's pointers after a version changed.
func savePower(tx *gorm.DB, p *Power, latest *Version) error {
	p.Name, p.Category, p.Status = latest.Name, latest.Category, latest.Status
	p.LatestVersionID, p.LatestNumber = latest.ID, latest.Number
	return tx.Model(&Power{}).Where("id = ?", p.ID).Updates(map[string]any{
		"name": p.Name, "category": p.Category, "status": p.Status, "latest_version_id": p.LatestVersionID,
		"latest_number": p.LatestNumber, "in_force_version_id": p.InForceVersionID, "public_version_id": p.PublicVersionID,
	}).Error
}

func saveVersion(tx *gorm.DB, v *Version) error {
	return db.Classify(tx.Save(v).Error)
}

// Create drafts a new item (version 1) in the actor's tenant and department.
func (s *Service) Create(ctx context.Context, in Content) (*Detail, error) {
	var out *Detail
	err := s.inOwnTenant(ctx, func(o op) error {
		p, _, err := s.create(ctx, o, in)
		if err != nil {
			return err
		}
		out, err = s.detail(ctx, o.tx, p)
		return err
	})
	return out, err
}

func (s *Service) create(ctx context.Context, o op, in Content) (*Power, *Version, error) {
	in.Normalize()
	r, err := s.rules(ctx, o.tx, o.t)
	if err != nil {
		return nil, nil, err
	}
	if err := in.Validate(r); err != nil {
		return nil, nil, err
	}
	if err := checkDepartment(o.a, in.DepartmentID); err != nil {
		return nil, nil, err
	}
	var n int64
	if err := o.tx.Model(&Power{}).Where("tenant_id = ? AND code = ?", o.t.ID, in.Code).Count(&n).Error; err != nil {
		return nil, nil, err
	}
	if n > 0 {
		return nil, nil, codeExists(in.Code)
	}
	v := &Version{ID: uuid.Must(uuid.NewV7()), TenantID: o.t.ID, Number: 1, Status: StatusDraft,
		CreatedByName: o.a.Name(), UpdatedByName: o.a.Name(), CreatedAt: o.now, UpdatedAt: o.now}
	v.setContent(in)
	p := &Power{ID: uuid.Must(uuid.NewV7()), TenantID: o.t.ID, Code: in.Code, DepartmentID: in.DepartmentID,
		Name: in.Name, Category: in.Category, Status: StatusDraft, LatestVersionID: v.ID, LatestNumber: 1, CreatedAt: o.now, UpdatedAt: o.now}
	v.PowerID = p.ID
	if err := o.tx.Create(p).Error; err != nil {
		if db.IsUniqueViolation(err, "") {
			return nil, nil, codeExists(in.Code)
		}
		return nil, nil, db.Classify(err)
	}
	if err := o.tx.Create(v).Error; err != nil {
		return nil, nil, db.Classify(err)
	}
	return p, v, s.record(o, "create", p, v, "", nil)
}

func codeExists(code string) error {
	return apperr.Conflict("catalogue.code_exists", apperr.Params{"code": code}).WithField("code", "catalogue.code_exists", apperr.Params{"code": code})
}

// Update replaces the content of the power's open draft (or returned version).
func (s *Service) Update(ctx context.Context, id uuid.UUID, in Content) (*Detail, error) {
	var out *Detail
	err := s.inOwnTenant(ctx, func(o op) error {
		p, _, err := s.update(ctx, o, id, in)
		if err != nil {
			return err
		}
		out, err = s.detail(ctx, o.tx, p)
		return err
	})
	return out, err
}

// update returns the changed fields (none: nothing written).
func (s *Service) update(ctx context.Context, o op, id uuid.UUID, in Content) (*Power, []string, error) {
	p, v, err := locked(o.tx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkDepartment(o.a, p.DepartmentID); err != nil {
		return nil, nil, err
	}
	if err := machine.Check(actionEdit, v.Status); err != nil {
		return nil, nil, err
	}
	in.Normalize()
	var fixed apperr.Fields
	if in.Code != p.Code {
		fixed.Add("code", "catalogue.code_fixed", apperr.Params{"code": p.Code})
	}
	if in.DepartmentID != p.DepartmentID {
		fixed.Add("department_id", "catalogue.department_fixed")
	}
	if err := fixed.Err(); err != nil {
		return nil, nil, err
	}
	r, err := s.rules(ctx, o.tx, o.t)
	if err != nil {
		return nil, nil, err
	}
	if err := in.Validate(r); err != nil {
		return nil, nil, err
	}
	changed := ChangedFields(v.Content(), in)
	if len(changed) == 0 {
		return p, nil, nil
	}
	v.setContent(in)
	v.UpdatedByName, v.UpdatedAt = o.a.Name(), o.now
	if err := saveVersion(o.tx, v); err != nil {
		return nil, nil, err
	}
	if err := savePower(o.tx, p, v); err != nil {
		return nil, nil, err
	}
	return p, changed, s.record(o, "update", p, v, "", map[string]any{"changed": changed})
}

// Submit sends the open version to the tenant's legal reviewer.
func (s *Service) Submit(ctx context.Context, id uuid.UUID) (*Detail, error) {
	return s.transition(ctx, id, func(o op, p *Power, v *Version) error { return s.submit(ctx, o, p, v) })
}

func (s *Service) submit(ctx context.Context, o op, p *Power, v *Version) error {
	if err := checkDepartment(o.a, p.DepartmentID); err != nil {
		return err
	}
	if err := machine.Check(actionSubmit, v.Status); err != nil {
		return err
	}
	// Departments or categories may have changed since the draft was saved.
	r, err := s.rules(ctx, o.tx, o.t)
	if err != nil {
		return err
	}
	c := v.Content()
	if err := c.Validate(r); err != nil {
		return err
	}
	before := v.Status
	v.Status, v.SubmittedAt, v.SubmittedByName = StatusSubmitted, &o.now, o.a.Name()
	return s.commit(o, actionSubmit, p, v, before, nil)
}

// Decision is a legal reviewer's verdict on a submitted version.
type Decision struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
}

// Review approves or returns (with comments) a submitted version. Only the legal
// reviewers of the item's own tenant review it.
func (s *Service) Review(ctx context.Context, id uuid.UUID, d Decision) (*Detail, error) {
	d.Comment = strings.TrimSpace(d.Comment)
	var v apperr.Fields
	switch d.Decision {
	case actionApprove:
	case actionReturn:
		v.Required("comment", d.Comment)
	case "":
		v.Add("decision", "required")
	default:
		v.Add("decision", "not_allowed_value", apperr.Params{"allowed": "approve, return"})
	}
	if len([]rune(d.Comment)) > 2000 {
		v.Add("comment", "too_long", apperr.Params{"max": 2000})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.transition(ctx, id, func(o op, p *Power, ver *Version) error { return s.review(o, p, ver, d) })
}

func (s *Service) review(o op, p *Power, v *Version, d Decision) error {
	if err := machine.Check(d.Decision, v.Status); err != nil {
		return err
	}
	before := v.Status
	v.Status = StatusApproved
	if d.Decision == actionReturn {
		v.Status = StatusReturned
	}
	v.ReviewedAt, v.ReviewedByName, v.ReviewComment = &o.now, o.a.Name(), d.Comment
	return s.commit(o, d.Decision, p, v, before, map[string]any{"comment": d.Comment})
}

// Publish makes an approved version public and puts it in the city's filing queue,
// due catalogue_filing_working_days (5) working days later. The previous filed
// version stays in force until this one is filed.
func (s *Service) Publish(ctx context.Context, id uuid.UUID) (*Detail, error) {
	return s.transition(ctx, id, func(o op, p *Power, v *Version) error { return s.publish(ctx, o, p, v) })
}

func (s *Service) publish(ctx context.Context, o op, p *Power, v *Version) error {
	if err := machine.Check(actionPublish, v.Status); err != nil {
		return err
	}
	cal, err := calendar.National()
	if err != nil {
		return err
	}
	dl, err := cal.AddWorkingDays(o.now, s.filingDays(ctx, o.t))
	if err != nil {
		return err
	}
	due := dl.Due
	before := v.Status
	v.Status, v.PublishedAt, v.PublishedByName, v.FilingDueAt = StatusPublished, &o.now, o.a.Name(), &due
	if p.InForceVersionID == nil {
		// A first version is public from now on, marked as not yet exercisable.
		p.PublicVersionID = &v.ID
	}
	filer := o.t.ID
	if o.t.ParentID != nil {
		filer = *o.t.ParentID
	}
	f := &Filing{ID: uuid.Must(uuid.NewV7()), TenantID: o.t.ID, FilerTenantID: filer, PowerID: p.ID, VersionID: v.ID,
		VersionNumber: v.Number, Code: v.Code, Name: v.Name, Category: v.Category, DepartmentID: v.DepartmentID,
		PublishedAt: o.now, DueAt: due, Status: FilingPending, CreatedAt: o.now, UpdatedAt: o.now}
	if err := saveVersion(o.tx, v); err != nil {
		return err
	}
	if err := o.tx.Create(f).Error; err != nil {
		return db.Classify(err)
	}
	if err := savePower(o.tx, p, v); err != nil {
		return err
	}
	return s.record(o, actionPublish, p, v, before, map[string]any{"filing_due_at": due})
}

// File confirms the filing of a published version (the city's legal reviewer; for
// the city's own items too). It comes into force: cases run it from now on, and the
// version it replaces is superseded.
func (s *Service) File(ctx context.Context, id uuid.UUID) (*Detail, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	city, err := s.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if city.Level != tenant.LevelCity {
		return nil, apperr.Forbidden("catalogue.file_city_only")
	}
	owner, err := s.ownerBelow(ctx, city, id)
	if err != nil {
		return nil, err
	}
	var out *Detail
	err = s.db.Tx(ctx, db.Scope{Tenant: owner.ID, Read: []uuid.UUID{owner.ID, city.ID}, User: a.UserID}, func(tx *gorm.DB) error {
		o := op{tx: tx, a: a, now: s.clock.Now().UTC(), t: owner}
		p, v, err := locked(tx, id)
		if err != nil {
			return err
		}
		if err := s.file(o, p, v); err != nil {
			return err
		}
		out, err = s.detail(ctx, tx, p)
		return err
	})
	return out, err
}

// ownerBelow finds the tenant of power id among city and the tenants below it.
func (s *Service) ownerBelow(ctx context.Context, city *tenant.Tenant, id uuid.UUID) (*tenant.Tenant, error) {
	sub, err := s.tenants.Subtree(ctx, city)
	if err != nil {
		return nil, err
	}
	var owner uuid.UUID
	err = s.db.Tx(ctx, db.ReadOnlyScope(tenant.IDs(sub)), func(tx *gorm.DB) error {
		var p Power
		if err := tx.Select("id", "tenant_id").Where("id = ?", id).First(&p).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.NotFound("catalogue.power_not_found")
			}
			return err
		}
		owner = p.TenantID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.tenants.ByID(ctx, owner)
}

func (s *Service) file(o op, p *Power, v *Version) error {
	if err := machine.Check(actionFile, v.Status); err != nil {
		return err
	}
	var replaced int
	if p.InForceVersionID != nil {
		old, err := loadVersion(o.tx, *p.InForceVersionID)
		if err != nil {
			return err
		}
		old.Status, old.SupersededAt = StatusSuperseded, &o.now
		if err := saveVersion(o.tx, old); err != nil {
			return err
		}
		replaced = old.Number
	}
	before := v.Status
	v.Status, v.FiledAt, v.FiledByName = StatusFiled, &o.now, o.a.Name()
	p.InForceVersionID, p.PublicVersionID = &v.ID, &v.ID
	if err := saveVersion(o.tx, v); err != nil {
		return err
	}
	res := o.tx.Model(&Filing{}).Where("version_id = ? AND status = ?", v.ID, FilingPending).
		Updates(map[string]any{"status": FilingFiled, "filed_at": o.now, "filed_by_name": o.a.Name()})
	if res.Error != nil {
		return db.Classify(res.Error)
	}
	data := map[string]any{"filer_tenant": o.a.TenantCode}
	if replaced > 0 {
		data["supersedes"] = replaced
	}
	return s.commit(o, actionFile, p, v, before, data)
}

// Revise opens a new draft from the version in force; the in-force version keeps
// governing cases until the revision is filed.
func (s *Service) Revise(ctx context.Context, id uuid.UUID, note string) (*Detail, error) {
	var out *Detail
	err := s.inOwnTenant(ctx, func(o op) error {
		p, v, err := locked(o.tx, id)
		if err != nil {
			return err
		}
		if _, err := s.revise(o, p, v, note); err != nil {
			return err
		}
		out, err = s.detail(ctx, o.tx, p)
		return err
	})
	return out, err
}

func (s *Service) revise(o op, p *Power, latest *Version, note string) (*Version, error) {
	if err := checkDepartment(o.a, p.DepartmentID); err != nil {
		return nil, err
	}
	if err := machine.Check(actionRevise, latest.Status); err != nil {
		return nil, err
	}
	c := latest.Content()
	c.ChangeNote = strings.TrimSpace(note)
	if len([]rune(c.ChangeNote)) > 2000 {
		return nil, apperr.Invalid("validation_failed").WithField("change_note", "too_long", apperr.Params{"max": 2000})
	}
	v := &Version{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, PowerID: p.ID, Number: latest.Number + 1, Status: StatusDraft,
		CreatedByName: o.a.Name(), UpdatedByName: o.a.Name(), CreatedAt: o.now, UpdatedAt: o.now}
	v.setContent(c)
	if err := o.tx.Create(v).Error; err != nil {
		if db.IsUniqueViolation(err, "") {
			return nil, machine.Illegal(actionRevise, StatusDraft)
		}
		return nil, db.Classify(err)
	}
	if err := savePower(o.tx, p, v); err != nil {
		return nil, err
	}
	return v, s.record(o, actionRevise, p, v, "", map[string]any{"from_version": latest.Number, "change_note": c.ChangeNote})
}

// transition runs one workflow step on a power of the actor's tenant.
func (s *Service) transition(ctx context.Context, id uuid.UUID, step func(o op, p *Power, v *Version) error) (*Detail, error) {
	var out *Detail
	err := s.inOwnTenant(ctx, func(o op) error {
		p, v, err := locked(o.tx, id)
		if err != nil {
			return err
		}
		if err := step(o, p, v); err != nil {
			return err
		}
		out, err = s.detail(ctx, o.tx, p)
		return err
	})
	return out, err
}

// commit saves the version and the power after a status change and audits it.
func (s *Service) commit(o op, action string, p *Power, v *Version, before string, data map[string]any) error {
	if err := saveVersion(o.tx, v); err != nil {
		return err
	}
	if err := savePower(o.tx, p, v); err != nil {
		return err
	}
	return s.record(o, action, p, v, before, data)
}

func init() {
	apperr.Register("catalogue.not_your_department", "只能编辑和提交本部门的事项", "You may draft and submit only your own department's items")
	apperr.Register("catalogue.file_city_only", "备案由市级法制审核员确认", "Filings are confirmed by the city's legal reviewer")
	apperr.Register("catalogue.code_exists", "事项编码 {code} 已存在", "Item code {code} already exists")
	apperr.Register("catalogue.code_fixed", "事项编码不能修改（{code}）", "An item's code cannot change ({code})")
	apperr.Register("catalogue.department_fixed", "事项的实施部门不能修改；部门调整请新建事项", "An item's department cannot change; create a new item instead")
}
