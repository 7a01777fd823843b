package identity

import (
	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/platform/db"
)

// Read ports: how other capabilities read users, inside their own transaction (whose
// scope decides what is visible); never the users table.

// ActiveUsersOfDepartment returns the active users of department dept in tenant
// tenantID.
func ActiveUsersOfDepartment(tx *gorm.DB, tenantID, dept uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	if err := tx.Model(&User{}).Where("tenant_id = ? AND department_id = ? AND status = ?", tenantID, dept, UserActive).Pluck("id", &ids).Error; err != nil {
		return nil, db.Classify(err)
	}
	return ids, nil
}

// EmailOf returns user id's email address ("" when it has none or is not visible).
func EmailOf(tx *gorm.DB, id uuid.UUID) (string, error) {
	var emails []string
	if err := tx.Model(&User{}).Where("id = ?", id).Limit(1).Pluck("email", &emails).Error; err != nil {
		return "", db.Classify(err)
	}
	if len(emails) == 0 {
		return "", nil
	}
	return emails[0], nil
}
