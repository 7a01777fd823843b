package tenancy

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/platform/db"
)

// Department is an administrative department of a tenant (e.g. 行政审批服务局).
type Department struct {
	ID        uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID  uuid.UUID  `gorm:"type:uuid" json:"-"`
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Type      string     `json:"type"`
	ParentID  *uuid.UUID `gorm:"type:uuid" json:"parent_id"`
	Sort      int        `json:"sort"`
	Active    bool       `json:"active"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	// TenantCode is the department's tenant (read side, not a column).
	TenantCode string `gorm:"-" json:"tenant_code"`
}

// TableName maps Department to its table.
func (Department) TableName() string { return "departments" }

// DepartmentTypes are the allowed department types.
var DepartmentTypes = []string{"bureau", "commission", "office", "centre", "supervision", "other"}

var deptCodeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// DepartmentSpec is a department as a manifest, a template or a request states it.
type DepartmentSpec struct {
	Code   string     `json:"code" yaml:"code"`
	Name   string     `json:"name" yaml:"name"`
	Type   string     `json:"type" yaml:"type"`
	Sort   int        `json:"sort" yaml:"sort"`
	Parent *uuid.UUID `json:"parent_id,omitempty" yaml:"-"`
	Active *bool      `json:"active,omitempty" yaml:"-"`
}

// Validate checks a spec; prefix is the field path ("departments[3]").
func (d *DepartmentSpec) Validate(v *apperr.Fields, prefix string) {
	d.Code = strings.TrimSpace(d.Code)
	d.Name = strings.TrimSpace(d.Name)
	if d.Type == "" {
		d.Type = "bureau"
	}
	if v.Required(prefix+"code", d.Code) && !deptCodeRE.MatchString(d.Code) {
		v.Add(prefix+"code", "tenancy.department_code_format")
	}
	if v.Required(prefix+"name", d.Name) && len([]rune(d.Name)) > 100 {
		v.Add(prefix+"name", "too_long", apperr.Params{"max": 100})
	}
	ok := false
	for _, t := range DepartmentTypes {
		ok = ok || t == d.Type
	}
	if !ok {
		v.Add(prefix+"type", "not_allowed_value", apperr.Params{"allowed": strings.Join(DepartmentTypes, ", ")})
	}
}

// ListDepartments returns the departments visible in tx for the given tenants.
func ListDepartments(tx *gorm.DB, tenants []uuid.UUID) ([]Department, error) {
	var out []Department
	q := tx.Order("sort, code")
	if len(tenants) > 0 {
		q = q.Where("tenant_id IN ?", tenants)
	}
	err := q.Find(&out).Error
	return out, err
}

// GetDepartment loads one department (404 when absent or out of scope).
func GetDepartment(tx *gorm.DB, id uuid.UUID) (*Department, error) {
	var d Department
	if err := tx.Where("id = ?", id).First(&d).Error; err != nil {
		return nil, db.Classify(err)
	}
	return &d, nil
}

func createDepartment(tx *gorm.DB, tenantID uuid.UUID, spec DepartmentSpec) (*Department, error) {
	d := &Department{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Code: spec.Code, Name: spec.Name, Type: spec.Type, Sort: spec.Sort, ParentID: spec.Parent, Active: true}
	if spec.Active != nil {
		d.Active = *spec.Active
	}
	if err := tx.Create(d).Error; err != nil {
		if db.IsUniqueViolation(err, "departments_tenant_id_code_key") {
			return nil, apperr.Conflict("tenancy.department_exists", apperr.Params{"code": spec.Code}).WithField("code", "tenancy.department_exists", apperr.Params{"code": spec.Code})
		}
		return nil, db.Classify(err)
	}
	return d, nil
}

// Departments lists the departments of the tenants the caller may read (tenantCode,
// when set, narrows them to one), each with its tenant.
func (s *Service) Departments(ctx context.Context, tenantCode string) ([]Department, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := s.tenants.Resolve(ctx, c.ReadTenants, tenantCode)
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(ts))
	codes := make(map[uuid.UUID]string, len(ts))
	for i, t := range ts {
		ids[i], codes[t.ID] = t.ID, t.Code
	}
	var list []Department
	err = s.db.Tx(ctx, c.Scope(), func(tx *gorm.DB) error {
		list, err = ListDepartments(tx, ids)
		return err
	})
	for i := range list {
		list[i].TenantCode = codes[list[i].TenantID]
	}
	return list, err
}

// CreateDepartment adds a department to the caller's tenant.
func (s *Service) CreateDepartment(ctx context.Context, spec DepartmentSpec) (*Department, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	var v apperr.Fields
	spec.Validate(&v, "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Department
	err = s.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		if spec.Parent != nil {
			if _, err := GetDepartment(tx, *spec.Parent); err != nil {
				return apperr.Invalid("validation_failed").WithField("parent_id", "identity.department_unknown")
			}
		}
		d, err := createDepartment(tx, a.TenantID, spec)
		if err != nil {
			return err
		}
		d.TenantCode = a.TenantCode
		out = d
		return audit.Record(tx, a, s.clock.Now(), audit.Event{Action: "department.create", ObjectType: "department", ObjectID: d.ID.String(),
			After: map[string]any{"code": d.Code, "name": d.Name, "type": d.Type}})
	})
	return out, err
}

// UpdateDepartment changes a department of the caller's tenant (name, type, order,
// parent, active). The code is its stable key and does not change.
func (s *Service) UpdateDepartment(ctx context.Context, id uuid.UUID, spec DepartmentSpec) (*Department, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	var v apperr.Fields
	spec.Validate(&v, "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out Department
	err = s.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, a.TenantID).First(&out).Error; err != nil {
			return db.Classify(err)
		}
		if spec.Code != out.Code {
			return apperr.Invalid("validation_failed").WithField("code", "tenancy.department_code_fixed")
		}
		if spec.Parent != nil && *spec.Parent == out.ID {
			return apperr.Invalid("validation_failed").WithField("parent_id", "tenancy.department_own_parent")
		}
		before := map[string]any{"name": out.Name, "type": out.Type, "sort": out.Sort, "active": out.Active}
		active := out.Active
		if spec.Active != nil {
			active = *spec.Active
		}
		if err := tx.Model(&out).Updates(map[string]any{"name": spec.Name, "type": spec.Type, "sort": spec.Sort, "parent_id": spec.Parent, "active": active}).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, s.clock.Now(), audit.Event{Action: "department.update", ObjectType: "department", ObjectID: out.ID.String(),
			Before: before, After: map[string]any{"name": spec.Name, "type": spec.Type, "sort": spec.Sort, "active": active}})
	})
	if err != nil {
		return nil, err
	}
	out.TenantCode = a.TenantCode
	return &out, nil
}

func init() {
	apperr.Register("tenancy.department_code_fixed", "部门编码创建后不能修改", "A department's code cannot change")
	apperr.Register("tenancy.department_own_parent", "部门不能是自己的上级", "A department cannot be its own parent")
}
