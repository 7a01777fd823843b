package tenancy

import (
	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/platform/db"
)

// Read ports: how other capabilities read departments. They call these functions
// inside their own transaction (whose scope decides what is visible), or, in SQL that
// joins departments to their own rows, the tenancy_departments view (migration
// 00014); never the departments table.

// DepartmentsView is the view other packages' SQL joins to name, order and filter by
// departments (id, tenant_id, code, name, type, parent_id, sort, active).
const DepartmentsView = "tenancy_departments"

// DepartmentRef is what another capability shows of a department.
type DepartmentRef struct {
	ID     uuid.UUID `gorm:"type:uuid"`
	Code   string
	Name   string
	Active bool
}

// DepartmentRefs returns the departments among ids visible in tx, by ID (an invisible
// or unknown ID is absent).
func DepartmentRefs(tx *gorm.DB, ids []uuid.UUID) (map[uuid.UUID]DepartmentRef, error) {
	out := map[uuid.UUID]DepartmentRef{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []DepartmentRef
	if err := tx.Model(&Department{}).Select("id, code, name, active").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, db.Classify(err)
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// DepartmentNames returns the names of the departments among ids visible in tx.
func DepartmentNames(tx *gorm.DB, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	refs, err := DepartmentRefs(tx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]string, len(refs))
	for id, r := range refs {
		out[id] = r.Name
	}
	return out, nil
}

// DepartmentOf returns department id when it belongs to tenant tenantID (ok false when
// it does not, or is not visible).
func DepartmentOf(tx *gorm.DB, tenantID, id uuid.UUID) (DepartmentRef, bool, error) {
	var rows []DepartmentRef
	if err := tx.Model(&Department{}).Select("id, code, name, active").Where("id = ? AND tenant_id = ?", id, tenantID).Limit(1).Scan(&rows).Error; err != nil {
		return DepartmentRef{}, false, db.Classify(err)
	}
	if len(rows) == 0 {
		return DepartmentRef{}, false, nil
	}
	return rows[0], true, nil
}

// DepartmentNamesByCode returns the names of tenant tenantID's departments among
// codes, by code.
func DepartmentNamesByCode(tx *gorm.DB, tenantID uuid.UUID, codes []string) (map[string]string, error) {
	out := map[string]string{}
	if len(codes) == 0 {
		return out, nil
	}
	var rows []struct{ Code, Name string }
	if err := tx.Model(&Department{}).Select("code, name").Where("tenant_id = ? AND code IN ?", tenantID, codes).Scan(&rows).Error; err != nil {
		return nil, db.Classify(err)
	}
	for _, r := range rows {
		out[r.Code] = r.Name
	}
	return out, nil
}
