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
	svc      *Service
	enforcer *authz.Enforcer
}

// NewAdmin builds the user administration service.
func NewAdmin(svc *Service, enforcer *authz.Enforcer) *Admin {
	return &Admin{svc: svc, enforcer: enforcer}
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

// checkGrant applies the granting rules for the actor, who acts in t.
func (ad *Admin) checkGrant(a actor.Actor, t *tenant.Tenant, g GrantInput, field string) error {
	info, ok := authz.Role(g.Role)
	if !ok {
		return apperr.Invalid("validation_failed").WithField(field, "authz.unknown_role", apperr.Params{"role": g.Role})
	}
	if info.Platform && a.Kind == actor.KindUser && !ad.enforcer.Allowed(a.UserID, a.TenantPath, authz.TenantManage) {
		return apperr.Forbidden("authz.platform_role")
	}
	if info.CityOnly && t.Level != tenant.LevelCity {
		return apperr.Invalid("validation_failed").WithField(field, "authz.city_only_role")
	}
	if g.Subtree && (!info.Subtree || t.Level != tenant.LevelCity) {
		return apperr.Invalid("validation_failed").WithField(field, "authz.subtree_not_allowed")
	}
	return nil
}

// CreateInput is a new staff member.
type CreateInput struct {
	NewUserInput
	Roles []GrantInput `json:"roles"`
}

// Create adds a user to the caller's tenant with a one-time password (returned once)
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
	for i, g := range in.Roles {
		if err := ad.checkGrant(a, t, g, "roles["+itoa(i)+"].role"); err != nil {
			return nil, "", err
		}
	}
	pw := GeneratePassword()
	hash, err := ad.svc.hasher.Hash(pw)
	if err != nil {
		return nil, "", err
	}
	var u *User
	err = ad.svc.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
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

// Update changes a user of the caller's tenant. Disabling revokes the user's sessions.
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
	now := ad.svc.clock.Now()
	err = ad.svc.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		var u User
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, a.TenantID).First(&u).Error; err != nil {
			return db.Classify(err)
		}
		before := map[string]any{"display_name": u.DisplayName, "department_id": u.DepartmentID, "phone": u.Phone, "email": u.Email, "status": u.Status}
		updates := map[string]any{"display_name": check.DisplayName, "department_id": in.DepartmentID, "phone": check.Phone, "email": check.Email, "status": in.Status}
		if err := tx.Model(&u).Updates(updates).Error; err != nil {
			if db.ConstraintName(err) == "users_tenant_id_department_id_fkey" {
				return apperr.Invalid("validation_failed").WithField("department_id", "identity.department_unknown")
			}
			return db.Classify(err)
		}
		if in.Status == UserDisabled && u.Status != UserDisabled {
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
	return ad.get(ctx, c.WriteScope(), id)
}

// Grant gives a user of the caller's tenant a role.
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
	err = ad.svc.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		if _, err := userOfTenant(tx, id, a.TenantID); err != nil {
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
	return ad.get(ctx, c.WriteScope(), id)
}

// Revoke removes a role from a user of the caller's tenant (both its tenant and
// subtree grants). A tenant admin cannot remove its own tenant_admin role, so that a
// tenant never locks itself out.
func (ad *Admin) Revoke(ctx context.Context, id uuid.UUID, role string) (*StaffUser, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := c.Actor
	info, ok := authz.Role(role)
	if !ok {
		return nil, apperr.NotFound("not_found")
	}
	if info.Platform && !ad.enforcer.Allowed(a.UserID, a.TenantPath, authz.TenantManage) {
		return nil, apperr.Forbidden("authz.platform_role")
	}
	if id == a.UserID && role == authz.TenantAdmin {
		return nil, apperr.Conflict("identity.cannot_revoke_own_admin")
	}
	t, err := ad.svc.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	err = ad.svc.db.Tx(ctx, c.WriteScope(), func(tx *gorm.DB) error {
		if _, err := userOfTenant(tx, id, a.TenantID); err != nil {
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
	return ad.get(ctx, c.WriteScope(), id)
}

func userOfTenant(tx *gorm.DB, id, tenantID uuid.UUID) (*User, error) {
	var u User
	if err := tx.Where("id = ? AND tenant_id = ?", id, tenantID).First(&u).Error; err != nil {
		return nil, db.Classify(err)
	}
	return &u, nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func init() {
	apperr.Register("identity.cannot_disable_self", "不能停用自己的账号", "You cannot disable your own account")
	apperr.Register("identity.cannot_revoke_own_admin", "不能撤销自己的系统管理员角色", "You cannot revoke your own tenant administrator role")
}
