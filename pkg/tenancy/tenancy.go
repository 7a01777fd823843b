// Package tenancy provisions and governs tenants: the city creates its counties and
// districts (one call: the tenant, its default departments, its first administrator
// with a one-time password and the administrator's grant), suspends and resumes them,
// and reconciles the database to the manifests under tenants/. Everything is
// idempotent where the caller asks for reconciliation, and audited.
package tenancy

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// Service provisions and governs tenants.
type Service struct {
	db       *db.DB
	tenants  *tenant.Registry
	hasher   *identity.Hasher
	clock    clock.Clock
	enforcer *authz.Enforcer
}

// NewService builds the tenancy service. enforcer (optional) is reloaded at once
// after provisioning grants an administrator; other replicas learn it from NOTIFY.
func NewService(d *db.DB, reg *tenant.Registry, h *identity.Hasher, c clock.Clock, enforcer *authz.Enforcer) *Service {
	return &Service{db: d, tenants: reg, hasher: h, clock: c, enforcer: enforcer}
}

// AdminSpec names a tenant's first administrator.
type AdminSpec struct {
	Username    string `json:"username" yaml:"username"`
	DisplayName string `json:"display_name" yaml:"display_name"`
}

// ProvisionInput describes a tenant to create (or, when reconciling, to converge to).
type ProvisionInput struct {
	Code     string         `json:"code" yaml:"code"`
	Name     string         `json:"name" yaml:"name"`
	Level    string         `json:"level" yaml:"level"`
	Parent   string         `json:"parent" yaml:"parent"`
	Settings map[string]any `json:"settings" yaml:"settings"`
	// Departments to create; nil takes the city's department template.
	Departments []DepartmentSpec `json:"departments" yaml:"departments"`
	Admin       AdminSpec        `json:"admin" yaml:"admin"`
}

var codeRE = regexp.MustCompile(`^[0-9]{6}$`)

// Validate checks the input against the registry: the code's form, the level, and a
// county's code sharing its city's first four digits.
func (in *ProvisionInput) validate(ctx context.Context, reg *tenant.Registry) (*tenant.Tenant, error) {
	in.Code, in.Name, in.Parent = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Parent)
	var v apperr.Fields
	if v.Required("code", in.Code) && !codeRE.MatchString(in.Code) {
		v.Add("code", "tenancy.code_format")
	}
	if v.Required("name", in.Name) && len([]rune(in.Name)) > 100 {
		v.Add("name", "too_long", apperr.Params{"max": 100})
	}
	var parent *tenant.Tenant
	switch in.Level {
	case tenant.LevelCity:
		if in.Parent != "" {
			v.Add("parent", "tenancy.city_has_no_parent")
		}
		if codeRE.MatchString(in.Code) && !strings.HasSuffix(in.Code, "00") {
			v.Add("code", "tenancy.city_code")
		}
	case tenant.LevelCounty, tenant.LevelDistrict:
		if v.Required("parent", in.Parent) {
			p, err := reg.ByCode(ctx, in.Parent)
			switch {
			case err != nil:
				v.Add("parent", "tenancy.parent_unknown", apperr.Params{"code": in.Parent})
			case p.Level != tenant.LevelCity:
				v.Add("parent", "tenancy.parent_not_city")
			default:
				parent = p
				if codeRE.MatchString(in.Code) && (in.Code[:4] != p.Code[:4] || in.Code == p.Code) {
					v.Add("code", "tenancy.code_outside_city", apperr.Params{"prefix": p.Code[:4]})
				}
			}
		}
	default:
		v.Add("level", "not_allowed_value", apperr.Params{"allowed": "city, county, district"})
	}
	if in.Settings != nil {
		if err := validateSettings(in.Settings, false); err != nil {
			for _, f := range apperr.From(err).Fields {
				v.Add(f.Field, f.Code, f.Params)
			}
		}
	}
	for i := range in.Departments {
		in.Departments[i].Validate(&v, fmt.Sprintf("departments[%d].", i))
	}
	seen := map[string]bool{}
	for i, d := range in.Departments {
		if seen[d.Code] {
			v.Add(fmt.Sprintf("departments[%d].code", i), "tenancy.department_exists", apperr.Params{"code": d.Code})
		}
		seen[d.Code] = true
	}
	if in.Admin.Username == "" {
		in.Admin.Username = "admin"
	}
	if in.Admin.DisplayName == "" {
		in.Admin.DisplayName = "系统管理员"
	}
	admin := identity.NewUserInput{Username: in.Admin.Username, DisplayName: in.Admin.DisplayName}
	admin.Normalize()
	in.Admin.Username = admin.Username
	if err := admin.Validate(); err != nil {
		for _, f := range apperr.From(err).Fields {
			v.Add("admin."+f.Field, f.Code, f.Params)
		}
	}
	return parent, v.Err()
}

// Result reports what provisioning did.
type Result struct {
	Tenant  *tenant.Tenant `json:"tenant"`
	Created bool           `json:"created"`
	// AdminUsername and AdminPassword are set only when the administrator was created
	// now: the one-time password is shown once and never stored in clear.
	AdminUsername string   `json:"admin_username,omitempty"`
	AdminPassword string   `json:"admin_password,omitempty"`
	Changes       []string `json:"changes,omitempty"`
	Drift         []string `json:"drift,omitempty"`
}

// Mode says what to do when the tenant exists.
type Mode int

const (
	// CreateOnly refuses an existing code with 409 (the API).
	CreateOnly Mode = iota
	// Reconcile converges an existing tenant to the input, never deleting (manifests).
	Reconcile
)

// Provision creates the tenant with its departments, first administrator and the
// administrator's grant, in one transaction with the audit events; with Reconcile it
// converges an existing tenant instead (creating what is missing, updating what
// changed, reporting departments the input no longer lists).
func (s *Service) Provision(ctx context.Context, in ProvisionInput, mode Mode) (*Result, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	parent, err := in.validate(ctx, s.tenants)
	if err != nil {
		return nil, err
	}
	if parent != nil && a.Kind == actor.KindUser && a.TenantID != parent.ID {
		// A platform admin provisions only below its own city.
		return nil, apperr.Forbidden("tenancy.not_parent")
	}
	existing, err := s.tenants.ByCode(ctx, in.Code)
	if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
		return nil, err
	}
	if existing != nil && mode == CreateOnly {
		return nil, apperr.Conflict("tenancy.exists", apperr.Params{"code": in.Code}).WithField("code", "tenancy.exists", apperr.Params{"code": in.Code})
	}
	departments := in.Departments
	if departments == nil && parent != nil {
		departments = departmentTemplate(parent)
	}
	now := s.clock.Now()
	res := &Result{}
	// Hashed up front (argon2id is deliberately slow); used only if the admin is created.
	oneTime := identity.GeneratePassword()
	hash, err := s.hasher.Hash(oneTime)
	if err != nil {
		return nil, err
	}
	// The city's row is written in the parent's scope (RLS lets a tenant write only
	// itself and its children); the tenant's own rows in its own scope.
	err = s.db.Tx(ctx, db.Scope{}, func(tx *gorm.DB) error {
		*res = Result{}
		var t tenant.Tenant
		writer := uuid.Nil
		if parent != nil {
			writer = parent.ID
		}
		if existing == nil {
			id := uuid.Must(uuid.NewV7())
			if writer == uuid.Nil {
				writer = id
			}
			path := in.Code
			var parentID *uuid.UUID
			if parent != nil {
				path = parent.Path + "/" + in.Code
				parentID = &parent.ID
			}
			settings, _ := json.Marshal(orEmpty(in.Settings))
			t = tenant.Tenant{ID: id, Code: in.Code, Name: in.Name, Level: in.Level, ParentID: parentID, Path: path,
				Status: tenant.StatusActive, Settings: settings}
			if err := db.SetScope(tx, db.TenantScope(writer, a.UserID)); err != nil {
				return err
			}
			if err := tx.Create(&t).Error; err != nil {
				if db.IsUniqueViolation(err, "") {
					return apperr.Conflict("tenancy.exists", apperr.Params{"code": in.Code})
				}
				return db.Classify(err)
			}
			res.Created = true
			if parent != nil {
				if err := audit.Record(tx, actingIn(a, parent), now, audit.Event{Action: "tenant.provision", ObjectType: "tenant", ObjectID: t.Code,
					After: tenantSummary(&t)}); err != nil {
					return err
				}
			}
		} else {
			t = *existing
			if writer == uuid.Nil {
				writer = t.ID
			}
			if err := db.SetScope(tx, db.TenantScope(writer, a.UserID)); err != nil {
				return err
			}
			changes := map[string]any{}
			if t.Name != in.Name {
				changes["name"] = in.Name
				res.Changes = append(res.Changes, fmt.Sprintf("name: %s → %s", t.Name, in.Name))
			}
			if t.Level != in.Level {
				return apperr.Conflict("tenancy.level_change", apperr.Params{"code": in.Code, "from": t.Level, "to": in.Level})
			}
			if in.Settings != nil && !reflect.DeepEqual(normalizeJSON(t.SettingsMap()), normalizeJSON(in.Settings)) {
				b, _ := json.Marshal(in.Settings)
				changes["settings"] = b
				res.Changes = append(res.Changes, "settings")
			}
			if len(changes) > 0 {
				before := tenantSummary(&t)
				if err := tx.Model(&tenant.Tenant{}).Where("id = ?", t.ID).Updates(changes).Error; err != nil {
					return db.Classify(err)
				}
				if err := tx.Where("id = ?", t.ID).First(&t).Error; err != nil {
					return err
				}
				if err := audit.Record(tx, actingIn(a, scopeTenant(parent, &t)), now, audit.Event{Action: "tenant.update", ObjectType: "tenant", ObjectID: t.Code,
					Before: before, After: tenantSummary(&t)}); err != nil {
					return err
				}
			}
		}
		// The tenant's own rows, in its own scope.
		if err := db.SetScope(tx, db.TenantScope(t.ID, a.UserID)); err != nil {
			return err
		}
		self := actingIn(a, &t)
		if res.Created {
			if err := audit.Record(tx, self, now, audit.Event{Action: "tenant.created", ObjectType: "tenant", ObjectID: t.Code, After: tenantSummary(&t)}); err != nil {
				return err
			}
		}
		if err := s.reconcileDepartments(tx, self, &t, departments, res, now); err != nil {
			return err
		}
		if err := s.ensureAdmin(tx, self, &t, in.Admin, hash, res, now); err != nil {
			return err
		}
		if res.AdminUsername != "" {
			res.AdminPassword = oneTime
		}
		res.Tenant = &t
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.tenants.Invalidate()
	if s.enforcer != nil && res.AdminUsername != "" {
		if err := s.enforcer.Reload(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// actingIn is the actor a's events are attributed to while writing into t.
func actingIn(a actor.Actor, t *tenant.Tenant) actor.Actor {
	a.TenantID, a.TenantCode, a.TenantPath = t.ID, t.Code, t.Path
	return a
}

func scopeTenant(parent, t *tenant.Tenant) *tenant.Tenant {
	if parent != nil {
		return parent
	}
	return t
}

// reconcileDepartments creates the departments the spec lists that do not exist,
// renames those whose name or type changed, and reports those the spec does not list
// as drift (never deleting: cases and users refer to them).
func (s *Service) reconcileDepartments(tx *gorm.DB, a actor.Actor, t *tenant.Tenant, specs []DepartmentSpec, res *Result, now time.Time) error {
	var have []Department
	if err := tx.Where("tenant_id = ?", t.ID).Find(&have).Error; err != nil {
		return err
	}
	byCode := map[string]*Department{}
	for i := range have {
		byCode[have[i].Code] = &have[i]
	}
	listed := map[string]bool{}
	for _, spec := range specs {
		listed[spec.Code] = true
		d, ok := byCode[spec.Code]
		if !ok {
			nd, err := createDepartment(tx, t.ID, spec)
			if err != nil {
				return err
			}
			if !res.Created {
				res.Changes = append(res.Changes, "department added: "+spec.Code+" "+spec.Name)
			}
			if err := audit.Record(tx, a, now, audit.Event{Action: "department.create", ObjectType: "department", ObjectID: nd.ID.String(),
				After: map[string]any{"code": nd.Code, "name": nd.Name, "type": nd.Type}}); err != nil {
				return err
			}
			continue
		}
		if d.Name != spec.Name || d.Type != spec.Type || d.Sort != spec.Sort {
			before := map[string]any{"code": d.Code, "name": d.Name, "type": d.Type, "sort": d.Sort}
			if err := tx.Model(d).Updates(map[string]any{"name": spec.Name, "type": spec.Type, "sort": spec.Sort}).Error; err != nil {
				return db.Classify(err)
			}
			res.Changes = append(res.Changes, "department updated: "+spec.Code)
			if err := audit.Record(tx, a, now, audit.Event{Action: "department.update", ObjectType: "department", ObjectID: d.ID.String(),
				Before: before, After: map[string]any{"code": d.Code, "name": spec.Name, "type": spec.Type, "sort": spec.Sort}}); err != nil {
				return err
			}
		}
	}
	if specs != nil {
		for _, d := range have {
			if !listed[d.Code] {
				res.Drift = append(res.Drift, fmt.Sprintf("department %s %s exists in the database but not in the manifest (kept)", d.Code, d.Name))
			}
		}
	}
	sort.Strings(res.Drift)
	return nil
}

// ensureAdmin creates the tenant's first administrator with the one-time password
// and grants it tenant_admin, unless a user of that name exists.
func (s *Service) ensureAdmin(tx *gorm.DB, a actor.Actor, t *tenant.Tenant, spec AdminSpec, hash string, res *Result, now time.Time) error {
	u, err := identity.FindUser(tx, t.ID, spec.Username)
	if err == nil {
		if u.DisplayName != spec.DisplayName && !res.Created {
			res.Drift = append(res.Drift, fmt.Sprintf("administrator %s is named %q, the manifest says %q (kept)", u.Username, u.DisplayName, spec.DisplayName))
		}
		return nil
	}
	if !apperr.IsKind(err, apperr.KindNotFound) {
		return err
	}
	u, err = identity.CreateUser(tx, t.ID, identity.NewUserInput{Username: spec.Username, DisplayName: spec.DisplayName}, hash, true)
	if err != nil {
		return err
	}
	if err := authz.AddGrant(tx, u.ID, authz.TenantAdmin, authz.Domain(t, false)); err != nil {
		return err
	}
	if !res.Created {
		res.Changes = append(res.Changes, "administrator created: "+u.Username)
	}
	res.AdminUsername = u.Username
	return audit.Record(tx, a, now, audit.Event{Action: "user.create", ObjectType: "user", ObjectID: u.ID.String(),
		After: map[string]any{"username": u.Username, "display_name": u.DisplayName, "roles": []string{authz.TenantAdmin}, "one_time_password": true}})
}

// Suspend blocks a tenant's logins and sessions and shows a notice on its portal.
// Only the parent city may suspend (the database's policy agrees).
func (s *Service) Suspend(ctx context.Context, code, reason string) (*tenant.Tenant, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.Invalid("validation_failed").WithField("reason", "required")
	}
	return s.setStatus(ctx, code, tenant.StatusSuspended, reason)
}

// Resume undoes a suspension.
func (s *Service) Resume(ctx context.Context, code string) (*tenant.Tenant, error) {
	return s.setStatus(ctx, code, tenant.StatusActive, "")
}

func (s *Service) setStatus(ctx context.Context, code, status, reason string) (*tenant.Tenant, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	t, err := s.tenants.ByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if t.ParentID == nil || *t.ParentID != a.TenantID {
		// The city cannot suspend itself, and nobody suspends what is not below them.
		if t.ID == a.TenantID {
			return nil, apperr.Conflict("tenancy.cannot_suspend_self")
		}
		return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": code})
	}
	now := s.clock.Now()
	var out tenant.Tenant
	err = s.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", t.ID).First(&out).Error; err != nil {
			return db.Classify(err)
		}
		if out.Status == status {
			return apperr.Conflict("tenancy.status_unchanged", apperr.Params{"status": statusLabel(status), "extra": map[string]any{"status": status}})
		}
		before := tenantSummary(&out)
		if err := tx.Model(&out).Updates(map[string]any{"status": status, "status_reason": reason}).Error; err != nil {
			return db.Classify(err)
		}
		action := "tenant.suspend"
		if status == tenant.StatusActive {
			action = "tenant.resume"
		}
		return audit.Record(tx, a, now, audit.Event{Action: action, ObjectType: "tenant", ObjectID: out.Code,
			Before: before, After: tenantSummary(&out), Data: map[string]any{"reason": reason}})
	})
	if err != nil {
		return nil, err
	}
	s.tenants.Invalidate()
	return &out, nil
}

// UpdateSettings merges settings into a tenant's own (the city edits its defaults and
// department template; a county its overrides). Keys set to null are removed.
func (s *Service) UpdateSettings(ctx context.Context, code string, patch map[string]any) (*tenant.Tenant, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	t, err := s.tenants.ByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if t.ID != a.TenantID && (t.ParentID == nil || *t.ParentID != a.TenantID) {
		return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": code})
	}
	if err := validateSettings(patch, true); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out tenant.Tenant
	err = s.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", t.ID).First(&out).Error; err != nil {
			return db.Classify(err)
		}
		before := out.SettingsMap()
		merged := out.SettingsMap()
		for k, v := range patch {
			if v == nil {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		b, _ := json.Marshal(merged)
		if err := tx.Model(&out).Update("settings", b).Error; err != nil {
			return db.Classify(err)
		}
		out.Settings = b
		return audit.Record(tx, a, now, audit.Event{Action: "tenant.settings", ObjectType: "tenant", ObjectID: out.Code, Before: before, After: merged})
	})
	if err != nil {
		return nil, err
	}
	s.tenants.Invalidate()
	return &out, nil
}

// validateSettings checks settings against the schema (tenant.Settings: known keys,
// types, bounds) and the department template's entries; with patch, null removes a
// key. Field errors are under "settings.".
func validateSettings(settings map[string]any, patch bool) error {
	if err := tenant.ValidateSettings(settings, "settings.", patch); err != nil {
		return err
	}
	if tpl, ok := settings[tenant.SettingDepartmentTemplate]; ok && tpl != nil {
		b, _ := json.Marshal(tpl)
		var specs []DepartmentSpec
		if err := json.Unmarshal(b, &specs); err != nil {
			return apperr.Invalid("validation_failed").WithField("settings.department_template", "wrong_type", apperr.Params{"want": "array of {code, name, type, sort}"})
		}
		var v apperr.Fields
		for i := range specs {
			specs[i].Validate(&v, fmt.Sprintf("settings.department_template[%d].", i))
		}
		return v.Err()
	}
	return nil
}

// statusLabel names a status for messages (the English message shows the code).
func statusLabel(status string) string {
	switch status {
	case tenant.StatusActive:
		return "正常"
	case tenant.StatusSuspended:
		return "暂停"
	}
	return status
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// normalizeJSON round-trips through JSON so YAML-decoded and stored values compare equal.
func normalizeJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func tenantSummary(t *tenant.Tenant) map[string]any {
	return map[string]any{"code": t.Code, "name": t.Name, "level": t.Level, "path": t.Path, "status": t.Status}
}

// departmentTemplate is the city's list of default departments for new counties
// (settings.department_template), which the city can change.
func departmentTemplate(city *tenant.Tenant) []DepartmentSpec {
	raw, ok := city.SettingsMap()["department_template"]
	if !ok {
		return nil
	}
	b, _ := json.Marshal(raw)
	var out []DepartmentSpec
	_ = json.Unmarshal(b, &out)
	return out
}

func init() {
	apperr.Register("tenancy.code_format", "行政区划代码须为 6 位数字（GB/T 2260）", "Division codes are six digits (GB/T 2260)")
	apperr.Register("tenancy.city_code", "市级行政区划代码须以 00 结尾", "A city's division code ends in 00")
	apperr.Register("tenancy.city_has_no_parent", "市级租户没有上级", "A city has no parent")
	apperr.Register("tenancy.parent_unknown", "上级租户 {code} 不存在", "The parent tenant {code} does not exist")
	apperr.Register("tenancy.parent_not_city", "区县的上级必须是市", "A county's parent must be a city")
	apperr.Register("tenancy.code_outside_city", "区县代码须与所属市的前四位一致（{prefix}xx）", "A county's code must share its city's first four digits ({prefix}xx)")
	apperr.Register("tenancy.exists", "行政区划代码 {code} 已存在", "Division code {code} already exists")
	apperr.Register("tenancy.level_change", "租户 {code} 的级别不能从 {from} 改为 {to}", "Tenant {code} cannot change level from {from} to {to}")
	apperr.Register("tenancy.not_parent", "只能在本市之下开通区县", "You can provision tenants only below your own city")
	apperr.Register("tenancy.cannot_suspend_self", "不能暂停本级租户", "A tenant cannot suspend itself")
	apperr.Register("tenancy.status_unchanged", "租户当前已是「{status}」状态", "The tenant is already {status}")
	apperr.Register("tenancy.department_code_format", "部门编码须为 1-32 位字母、数字、下划线或连字符", "Department codes are 1–32 letters, digits, underscores or hyphens")
	apperr.Register("tenancy.department_exists", "部门编码 {code} 已存在", "Department code {code} already exists")
}
