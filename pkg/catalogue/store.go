package catalogue

import (
	"errors"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
)

// ExercisableVersion returns the version cases of the power must run — the latest
// filed version — read inside tx (scoped to the case's tenant). A power without one is
// refused with 422 power_not_filed (Power.InForceVersion); an unknown (or invisible)
// power is 404.
func ExercisableVersion(tx *gorm.DB, powerID uuid.UUID) (*Version, error) {
	p, err := loadPower(tx, powerID, false)
	if err != nil {
		return nil, err
	}
	id, err := p.InForceVersion()
	if err != nil {
		return nil, err
	}
	return loadVersion(tx, id)
}

// InForceVersion is the one refusal of the rule that a power not approved and filed may
// not be exercised (ADR 0004; Exercisable): it returns the ID of the version cases
// must run (the one in force), or 422 power_not_filed naming the item. It needs the
// power's code, name and in-force version only, so that casework's intake reads those
// in its one grouped query and asks here.
func (p *Power) InForceVersion() (uuid.UUID, error) {
	if !p.Exercisable() {
		return uuid.Nil, apperr.Invalid("power_not_filed", apperr.Params{"code": p.Code, "name": p.Name})
	}
	return *p.InForceVersionID, nil
}

func loadPower(tx *gorm.DB, id uuid.UUID, lock bool) (*Power, error) {
	var p Power
	q := tx
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Where("id = ?", id).First(&p).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.NotFound("catalogue.power_not_found")
		}
		return nil, db.Classify(err)
	}
	return &p, nil
}

func loadVersion(tx *gorm.DB, id uuid.UUID) (*Version, error) {
	var v Version
	if err := tx.Where("id = ?", id).First(&v).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.NotFound("catalogue.power_not_found")
		}
		return nil, db.Classify(err)
	}
	return &v, nil
}

func loadVersionNumber(tx *gorm.DB, powerID uuid.UUID, number int) (*Version, error) {
	var v Version
	if err := tx.Where("power_id = ? AND number = ?", powerID, number).First(&v).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.NotFound("catalogue.version_not_found", apperr.Params{"number": number})
		}
		return nil, db.Classify(err)
	}
	return &v, nil
}

func listVersions(tx *gorm.DB, powerID uuid.UUID) ([]Version, error) {
	var out []Version
	err := tx.Where("power_id = ?", powerID).Order("number").Find(&out).Error
	return out, err
}

// likePattern escapes q for LIKE/ILIKE and wraps it in %…%.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

func init() {
	apperr.Register("power_not_filed", "该事项尚未审核备案，不得办理", "This power has not been approved and filed and may not be exercised")
	apperr.Register("catalogue.power_not_found", "事项不存在或无权查看", "The power does not exist or is not visible to you")
	apperr.Register("catalogue.version_not_found", "事项没有第 {number} 版", "The power has no version {number}")
}
