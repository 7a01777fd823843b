package authz

import (
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Granter is who grants roles, as far as the granting rules care: whether it may
// grant platform roles (it holds tenant:manage, or it is the system itself) and
// whether the tenant it acts in is a city (city-only roles and subtree grants exist
// only there). Every granting decision — and every decision to act on a user —
// derives from Roles through this one type.
type Granter struct {
	Platform bool
	City     bool
}

// GrantRefusal is why a granter may not grant a role ("" when it may). The codes
// are registered apperr codes: authz.unknown_role, authz.platform_role,
// authz.city_only_role, authz.subtree_not_allowed.
func (g Granter) GrantRefusal(role string, subtree bool) string {
	info, ok := Role(role)
	switch {
	case !ok:
		return "authz.unknown_role"
	case info.Platform && !g.Platform:
		return "authz.platform_role"
	case info.CityOnly && !g.City:
		return "authz.city_only_role"
	case subtree && (!info.Subtree || !g.City):
		return "authz.subtree_not_allowed"
	}
	return ""
}

// MayGrant reports whether the granter may grant role (subtree: to the tenant and
// every tenant below it).
func (g Granter) MayGrant(role string, subtree bool) bool { return g.GrantRefusal(role, subtree) == "" }

// MayActOn is the one rule of who may act on whom: a granter acting in the tenant at
// path may reset the password of, disable, enable, edit, grant roles to or revoke
// roles from a user only if it may grant, there, every role the user holds. A user
// holding a role the granter could not give it (a platform admin, seen by a tenant
// admin without tenant:manage) — or any grant outside the granter's own tenant — is
// out of reach. It returns the first grant out of reach.
func (g Granter) MayActOn(path string, held []Grant) (bool, Grant) {
	for _, h := range held {
		if h.Domain != path || !g.MayGrant(h.Role, h.Subtree) {
			return false, h
		}
	}
	return true, Grant{}
}

// GrantsIn reads user's grants inside tx: the state the transaction sees (and will
// commit against), not the enforcer's in-memory copy, so that a check and the change
// it guards see the same grants.
func GrantsIn(tx *gorm.DB, user uuid.UUID) ([]Grant, error) {
	var rows []struct{ V1, V2 string }
	if err := tx.Raw(`SELECT v1, v2 FROM casbin_rule WHERE ptype = 'g' AND v0 = ? ORDER BY id`, Subject(user)).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Grant, 0, len(rows))
	for _, r := range rows {
		out = append(out, Grant{Role: r.V1, Domain: strings.TrimSuffix(r.V2, "*"), Subtree: strings.HasSuffix(r.V2, "*")})
	}
	return out, nil
}
