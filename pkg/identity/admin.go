package identity

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// Admin manages the staff of a tenant: users and their role grants. A tenant admin
// acts only inside its own tenant and never grants platform roles; city-only and
// subtree grants exist only at a city.
type Admin struct {
	svc       *Service
	enforcer  *authz.Enforcer
	conflicts authz.Conflicts
}

// NewAdmin builds the user administration service; conflicts is the
// separation-of-duties policy (pairs of roles no one may hold together).
func NewAdmin(svc *Service, enforcer *authz.Enforcer, conflicts authz.Conflicts) *Admin {
	return &Admin{svc: svc, enforcer: enforcer, conflicts: conflicts}
}

// checkDuties refuses a set of roles for one person that breaks separation of duties
// (whatever the tenant or subtree of each grant: a city subtree auditor audits its own
// tenant too).
func (ad *Admin) checkDuties(roles []string, field string) error {
	if a, b, bad := ad.conflicts.Find(roles); bad {
		p := apperr.Params{"role": a, "other": b}
		return apperr.Invalid("authz.duties_conflict", p).WithField(field, "authz.duties_conflict", p)
	}
	return nil
}

// StaffUser is a user with its grants, as the console lists them.
type StaffUser struct {
	User
	TenantCode string        `json:"tenant_code"`
	Grants     []authz.Grant `json:"grants"`
}

// List returns the users of the tenants the caller may read (tenantCode, when set,
// narrows them to one) with their grants.
func (ad *Admin) List(ctx context.Context, tenantCode, q string) ([]StaffUser, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	tenants, err := ad.svc.tenants.Resolve(ctx, c.ReadTenants, tenantCode)
	if err != nil {
		return nil, err
	}
	codes := map[uuid.UUID]string{}
	ids := make([]uuid.UUID, 0, len(tenants))
	for _, t := range tenants {
		codes[t.ID] = t.Code
		ids = append(ids, t.ID)
	}
	var users []User
	err = ad.svc.db.Tx(ctx, c.Scope(), func(tx *gorm.DB) error {
		qq := tx.Where("tenant_id IN ?", ids).Order("tenant_id, username")
		if q = strings.TrimSpace(q); q != "" {
			like := "%" + strings.ReplaceAll(strings.ReplaceAll(q, "%", `\%`), "_", `\_`) + "%"
			qq = qq.Where("username ILIKE ? OR display_name ILIKE ?", like, like)
		}
		return qq.Limit(1000).Find(&users).Error
	})
	if err != nil {
		return nil, err
	}
	out := make([]StaffUser, len(users))
	for i, u := range users {
		out[i] = StaffUser{User: u, TenantCode: codes[u.TenantID], Grants: ad.enforcer.GrantsOf(u.ID)}
	}
	return out, nil
}

// Get returns one user the caller may read, with its grants.
func (ad *Admin) Get(ctx context.Context, id uuid.UUID) (*StaffUser, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	return ad.get(ctx, c.Scope(), id)
}

func (ad *Admin) get(ctx context.Context, scope db.Scope, id uuid.UUID) (*StaffUser, error) {
	var u *User
	err := ad.svc.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var err error
		u, err = GetUser(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	t, err := ad.svc.tenants.ByID(ctx, u.TenantID)
	if err != nil {
		return nil, err
	}
	return &StaffUser{User: *u, TenantCode: t.Code, Grants: ad.enforcer.GrantsOf(u.ID)}, nil
}

// GrantInput is a role to grant.
type GrantInput struct {
	Role string `json:"role"`
	// Subtree extends a city grant to every tenant below (supervisor, leading group,
	// auditor, platform admin only).
	Subtree bool `json:"subtree"`
}

// granter is the actor as the granting rules see it, acting in t.
func (ad *Admin) granter(a actor.Actor, t *tenant.Tenant) authz.Granter {
	return authz.Granter{
		Platform: a.Kind != actor.KindUser || ad.enforcer.Allowed(a.UserID, a.TenantPath, authz.TenantManage),
		City:     t.Level == tenant.LevelCity,
	}
}

// checkGrant applies the granting rules for the actor, who acts in t.
func (ad *Admin) checkGrant(a actor.Actor, t *tenant.Tenant, g GrantInput, field string) error {
	switch code := ad.granter(a, t).GrantRefusal(g.Role, g.Subtree); code {
	case "":
		return nil
	case "authz.unknown_role":
		return apperr.Invalid("validation_failed").WithField(field, code, apperr.Params{"role": g.Role})
	case "authz.platform_role":
		return apperr.Forbidden(code)
	default:
		return apperr.Invalid("validation_failed").WithField(field, code)
	}
}

// target locks a user of the actor's tenant inside tx (so that its grants cannot
// change under the action) and applies the rule of who may act on whom
// (authz.Granter.MayActOn): the actor must be able to grant every role the user
// holds. Every action on an existing user goes through here.
func (ad *Admin) target(tx *gorm.DB, a actor.Actor, t *tenant.Tenant, id uuid.UUID) (*User, []authz.Grant, error) {
	var u User
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, a.TenantID).First(&u).Error; err != nil {
		return nil, nil, db.Classify(err)
	}
	held, err := authz.GrantsIn(tx, id)
	if err != nil {
		return nil, nil, err
	}
	if ok, g := ad.granter(a, t).MayActOn(t.Path, held); !ok {
		return nil, nil, apperr.Forbidden("identity.user_out_of_reach", apperr.Params{"role": g.Role})
	}
	return &u, held, nil
}

// CreateInput is a new staff member.
type CreateInput struct {
	NewUserInput
	Roles []GrantInput `json:"roles"`
}

// Create adds a user to the actor's tenant with a one-time password (returned once)
// and the requested grants.
func (ad *Admin) Create(ctx context.Context, in CreateInput) (*StaffUser, string, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, "", err
	}
	a := c.Actor
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	t, err := ad.svc.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return nil, "", err
	}
	requested := make([]string, 0, len(in.Roles))
	for i, g := range in.Roles {
		if err := ad.checkGrant(a, t, g, "roles["+itoa(i)+"].role"); err != nil {
			return nil, "", err
		}
		requested = append(requested, g.Role)
	}
	if err := ad.checkDuties(requested, "roles"); err != nil {
		return nil, "", err
	}
	pw := GeneratePassword()
	hash, err := ad.svc.hasher.Hash(pw)
	if err != nil {
		return nil, "", err
	}
	var u *User
	err = ad.svc.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		var err error
		if u, err = CreateUser(tx, a.TenantID, in.NewUserInput, hash, true); err != nil {
			return err
		}
		roles := []string{}
		for _, g := range in.Roles {
			if err := authz.AddGrant(tx, u.ID, g.Role, authz.Domain(t, g.Subtree)); err != nil {
				return err
			}
			roles = append(roles, g.Role)
		}
		return audit.Record(tx, a, ad.svc.clock.Now(), audit.Event{Action: "user.create", ObjectType: "user", ObjectID: u.ID.String(),
			After: map[string]any{"username": u.Username, "display_name": u.DisplayName, "roles": roles}})
	})
	if err != nil {
		return nil, "", err
	}
	if err := ad.enforcer.Reload(); err != nil {
		return nil, "", err
	}
	return &StaffUser{User: *u, TenantCode: t.Code, Grants: ad.enforcer.GrantsOf(u.ID)}, pw, nil
}

// UpdateInput changes a user's profile and status.
type UpdateInput struct {
	DisplayName  string     `json:"display_name"`
	DepartmentID *uuid.UUID `json:"department_id"`
	Phone        string     `json:"phone"`
	Email        string     `json:"email"`
	Status       string     `json:"status"`
}

// Update changes a user of the actor's tenant. Disabling revokes the user's sessions.
func (ad *Admin) Update(ctx context.Context, id uuid.UUID, in UpdateInput) (*StaffUser, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	check := NewUserInput{Username: "placeholder", DisplayName: in.DisplayName, Phone: in.Phone, Email: in.Email}
	check.Normalize()
	if err := check.Validate(); err != nil {
		return nil, err
	}
	if in.Status != UserActive && in.Status != UserDisabled {
		return nil, apperr.Invalid("validation_failed").WithField("status", "not_allowed_value", apperr.Params{"allowed": "active, disabled"})
	}
	if id == a.UserID && in.Status == UserDisabled {
		return nil, apperr.Conflict("identity.cannot_disable_self")
	}
	t, err := ad.svc.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	now := ad.svc.clock.Now()
	err = ad.svc.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		u, _, err := ad.target(tx, a, t, id)
		if err != nil {
			return err
		}
		before := map[string]any{"display_name": u.DisplayName, "department_id": u.DepartmentID, "phone": u.Phone, "email": u.Email, "status": u.Status}
		updates := map[string]any{"display_name": check.DisplayName, "department_id": in.DepartmentID, "phone": check.Phone, "email": check.Email, "status": in.Status}
		if err := tx.Model(u).Updates(updates).Error; err != nil {
			if db.ConstraintName(err) == "users_tenant_id_department_id_fkey" {
				return apperr.Invalid("validation_failed").WithField("department_id", "identity.department_unknown")
			}
			return db.Classify(err)
		}
		// Disabling ends every session, whatever the status was before (GORM's
		// Updates writes the new values back into u, so u.Status is the new status
		// here): enabling the user again never revives an old token.
		if in.Status == UserDisabled {
			if err := tx.Model(&Session{}).Where("user_id = ? AND revoked_at IS NULL", id).Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		return audit.Record(tx, a, now, audit.Event{Action: "user.update", ObjectType: "user", ObjectID: id.String(), Before: before, After: updates})
	})
	if err != nil {
		return nil, err
	}
	ad.svc.InvalidateSessions()
	if in.Status == UserDisabled {
		ad.svc.revoked(ctx, Revocation{UserID: id})
	}
	return ad.get(ctx, db.TenantScope(a.TenantID, a.UserID), id)
}

// Grant gives a user of the actor's tenant a role.
func (ad *Admin) Grant(ctx context.Context, id uuid.UUID, g GrantInput) (*StaffUser, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	t, err := ad.svc.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if err := ad.checkGrant(a, t, g, "role"); err != nil {
		return nil, err
	}
	err = ad.svc.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		_, held, err := ad.target(tx, a, t, id)
		if err != nil {
			return err
		}
		roles := []string{g.Role}
		for _, h := range held {
			roles = append(roles, h.Role)
		}
		if err := ad.checkDuties(roles, "role"); err != nil {
			return err
		}
		if err := authz.AddGrant(tx, id, g.Role, authz.Domain(t, g.Subtree)); err != nil {
			return err
		}
		return audit.Record(tx, a, ad.svc.clock.Now(), audit.Event{Action: "user.grant", ObjectType: "user", ObjectID: id.String(),
			After: map[string]any{"role": g.Role, "domain": authz.Domain(t, g.Subtree)}})
	})
	if err != nil {
		return nil, err
	}
	if err := ad.enforcer.Reload(); err != nil {
		return nil, err
	}
	return ad.get(ctx, db.TenantScope(a.TenantID, a.UserID), id)
}

// Revoke removes a role from a user of the actor's tenant (both its tenant and
// subtree grants). A tenant admin cannot remove its own tenant_admin role, so that a
// tenant never locks itself out.
func (ad *Admin) Revoke(ctx context.Context, id uuid.UUID, role string) (*StaffUser, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	if _, ok := authz.Role(role); !ok {
		return nil, apperr.NotFound("not_found")
	}
	if id == a.UserID && role == authz.TenantAdmin {
		return nil, apperr.Conflict("identity.cannot_revoke_own_admin")
	}
	t, err := ad.svc.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if ad.granter(a, t).GrantRefusal(role, false) == "authz.platform_role" {
		return nil, apperr.Forbidden("authz.platform_role")
	}
	err = ad.svc.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		if _, _, err := ad.target(tx, a, t, id); err != nil {
			return err
		}
		removed := false
		for _, sub := range []bool{false, true} {
			ok, err := authz.RemoveGrant(tx, id, role, authz.Domain(t, sub))
			if err != nil {
				return err
			}
			removed = removed || ok
		}
		if !removed {
			return apperr.NotFound("not_found")
		}
		return audit.Record(tx, a, ad.svc.clock.Now(), audit.Event{Action: "user.revoke", ObjectType: "user", ObjectID: id.String(),
			Before: map[string]any{"role": role}})
	})
	if err != nil {
		return nil, err
	}
	if err := ad.enforcer.Reload(); err != nil {
		return nil, err
	}
	return ad.get(ctx, db.TenantScope(a.TenantID, a.UserID), id)
}

// ResetPassword sets a new one-time password for a user of the actor's tenant,
// forces a change at next login and revokes the user's sessions. It returns the
// one-time password.
func (ad *Admin) ResetPassword(ctx context.Context, id uuid.UUID) (string, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return "", err
	}
	a := c.Actor
	t, err := ad.svc.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return "", err
	}
	pw := GeneratePassword()
	hash, err := ad.svc.hasher.Hash(pw)
	if err != nil {
		return "", err
	}
	now := ad.svc.clock.Now()
	err = ad.svc.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		u, _, err := ad.target(tx, a, t, id)
		if err != nil {
			return err
		}
		if err := tx.Model(u).Updates(map[string]any{"password_hash": hash, "must_change_password": true, "password_changed_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Model(&Session{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return audit.Record(tx, a, now, audit.Event{Action: "user.password_reset", ObjectType: "user", ObjectID: u.ID.String()})
	})
	if err != nil {
		return "", err
	}
	ad.svc.InvalidateSessions()
	ad.svc.revoked(ctx, Revocation{UserID: id})
	return pw, nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func init() {
	apperr.Register("identity.cannot_disable_self", "不能停用自己的账号", "You cannot disable your own account")
	apperr.Register("authz.duties_conflict", "职责分离：同一人不能兼任{role}与{other}", "Separation of duties: one person may not hold both {role} and {other}")
	apperr.Register("identity.user_out_of_reach", "该用户持有您无权授予的角色（{role}），您不能管理该用户", "This user holds a role you may not grant ({role}), so you may not manage this user")
	apperr.Register("identity.cannot_revoke_own_admin", "不能撤销自己的系统管理员角色", "You cannot revoke your own tenant administrator role")
}
