package catalogue

import (
	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/platform/db"
)

// Read ports: other capabilities read the catalogue through ExercisableVersion and
// the functions below, or, in SQL joined to their own rows, through this view
// (migration 00014); never the powers, power_versions or power_filings tables.

// FilingsView is the filing queue: id, tenant_id, filer_tenant_id, power_id,
// version_id, code, name, department_id, status, published_at, due_at, filed_at.
const FilingsView = "catalogue_filings"

// ExercisablePowers lists the IDs of tenant tenantID's items with a version in force,
// by item code.
func ExercisablePowers(tx *gorm.DB, tenantID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	if err := tx.Model(&Power{}).Where("tenant_id = ? AND in_force_version_id IS NOT NULL", tenantID).Order("code").Pluck("id", &ids).Error; err != nil {
		return nil, db.Classify(err)
	}
	return ids, nil
}
