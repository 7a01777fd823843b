// Package demo seeds the Anyang demonstration: the city and its nine counties and
// districts from the manifests, a demo account per role, and (in later stages) a
// catalogue and cases. Dev mode only; idempotent, so every `make run` converges to
// the same demo without duplicating anything.
package demo

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/casework"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/projects"
	"sunshine/pkg/servicecentre"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// Account is one demo login.
type Account struct {
	Tenant      string // "city" or "county" (every county and district)
	Username    string
	DisplayName string
	Roles       []authz.Grant
	Department  string // department code
}

// CityCode is the demo city.
const CityCode = "410500"

// Accounts are the demo logins (the README lists them; `make run` prints them).
var Accounts = []Account{
	{Tenant: "city", Username: "admin", DisplayName: "市平台管理员", Roles: []authz.Grant{{Role: authz.PlatformAdmin, Subtree: true}, {Role: authz.TenantAdmin}}},
	{Tenant: "city", Username: "legal", DisplayName: "市法制审核员", Roles: []authz.Grant{{Role: authz.LegalReviewer}}, Department: "SFJ"},
	{Tenant: "city", Username: "supervisor", DisplayName: "市监察员", Roles: []authz.Grant{{Role: authz.Supervisor, Subtree: true}}, Department: "JWJW"},
	{Tenant: "city", Username: "leader", DisplayName: "领导小组成员", Roles: []authz.Grant{{Role: authz.LeadingGroup, Subtree: true}}},
	{Tenant: "city", Username: "auditor", DisplayName: "市审计员", Roles: []authz.Grant{{Role: authz.Auditor, Subtree: true}}},
	{Tenant: "county", Username: "admin", DisplayName: "系统管理员", Roles: []authz.Grant{{Role: authz.TenantAdmin}}},
	{Tenant: "county", Username: "legal", DisplayName: "法制审核员", Roles: []authz.Grant{{Role: authz.LegalReviewer}}, Department: "SFJ"},
	{Tenant: "county", Username: "deptadmin", DisplayName: "住建局负责人", Roles: []authz.Grant{{Role: authz.DeptAdmin}}, Department: "ZJJ"},
	{Tenant: "county", Username: "clerk", DisplayName: "综合窗口受理员", Roles: []authz.Grant{{Role: authz.WindowClerk}}, Department: "ZWFW"},
	{Tenant: "county", Username: "handler", DisplayName: "住建局承办人", Roles: []authz.Grant{{Role: authz.CaseHandler}}, Department: "ZJJ"},
	{Tenant: "county", Username: "supervisor", DisplayName: "县监察员", Roles: []authz.Grant{{Role: authz.Supervisor}}, Department: "JWJW"},
}

// Seeder builds the demo.
type Seeder struct {
	DB       *db.DB
	Tenants  *tenant.Registry
	Tenancy  *tenancy.Service
	Hasher   *identity.Hasher
	Enforcer *authz.Enforcer
	Clock    clock.Clock
	// Catalogue, when set, seeds the demo power catalogue (seedCatalogue).
	Catalogue *catalogue.Service
	// Casework and Cases: with both set, every county also gets windows and a few
	// dozen cases in every state (seedCases; needs the catalogue).
	Casework *casework.Service
	Cases    bool
	// ServiceCentre and Projects open the demo's windows and its major project (with
	// Cases).
	ServiceCentre *servicecentre.Service
	Projects      *projects.Service
	// Dir holds the tenant manifests; Password is every demo account's password.
	Dir      string
	Password string
}

// Seed applies the manifests and creates the demo accounts. It returns the manifest
// report (for the log).
func (s *Seeder) Seed(ctx context.Context) (tenancy.ApplyReport, error) {
	rep, err := s.Tenancy.Apply(ctx, s.Dir)
	if err != nil {
		return rep, err
	}
	// One hash for every demo account: argon2id is slow by design, and these share a
	// documented password anyway.
	hash, err := s.Hasher.Hash(s.Password)
	if err != nil {
		return rep, err
	}
	all, err := s.Tenants.All(ctx)
	if err != nil {
		return rep, err
	}
	changed := false
	for _, t := range all {
		kind := "county"
		if t.Level == tenant.LevelCity {
			kind = "city"
		}
		for _, acc := range Accounts {
			if acc.Tenant != kind {
				continue
			}
			c, err := s.ensureAccount(ctx, t, acc, hash)
			if err != nil {
				return rep, fmt.Errorf("%s %s: %w", t.Code, acc.Username, err)
			}
			changed = changed || c
		}
	}
	if changed {
		if err := s.Enforcer.Reload(); err != nil {
			return rep, err
		}
	}
	if err := s.seedCatalogue(ctx, all); err != nil {
		return rep, err
	}
	if err := s.seedCases(ctx, all, hash); err != nil {
		return rep, err
	}
	return rep, nil
}

func (s *Seeder) ensureAccount(ctx context.Context, t *tenant.Tenant, acc Account, hash string) (bool, error) {
	changed := false
	now := s.Clock.Now()
	a := actor.System(t.ID, t.Code)
	err := s.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		changed = false
		var deptID *uuid.UUID
		if acc.Department != "" {
			var d tenancy.Department
			if err := tx.Where("tenant_id = ? AND code = ?", t.ID, acc.Department).First(&d).Error; err == nil {
				deptID = &d.ID
			}
		}
		u, err := identity.FindUser(tx, t.ID, acc.Username)
		switch {
		case err == nil:
			// The provisioned administrator starts with a one-time password; the demo
			// replaces it until someone has chosen their own.
			if u.MustChangePassword && u.PasswordChangedAt == nil {
				if err := tx.Model(u).Updates(map[string]any{"password_hash": hash, "must_change_password": false, "display_name": displayName(t, acc)}).Error; err != nil {
					return err
				}
				changed = true
			}
		case apperr.IsKind(err, apperr.KindNotFound):
			u, err = identity.CreateUser(tx, t.ID, identity.NewUserInput{Username: acc.Username, DisplayName: displayName(t, acc), DepartmentID: deptID}, hash, false)
			if err != nil {
				return err
			}
			changed = true
			if err := audit.Record(tx, a, now, audit.Event{Action: "user.create", ObjectType: "user", ObjectID: u.ID.String(),
				After: map[string]any{"username": u.Username, "demo": true}}); err != nil {
				return err
			}
		default:
			return err
		}
		for _, g := range acc.Roles {
			var n int64
			domain := authz.Domain(t, g.Subtree)
			if err := tx.Model(&authz.Rule{}).Where("ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ?", authz.Subject(u.ID), g.Role, domain).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				if err := authz.AddGrant(tx, u.ID, g.Role, domain); err != nil {
					return err
				}
				changed = true
				if err := audit.Record(tx, a, now, audit.Event{Action: "user.grant", ObjectType: "user", ObjectID: u.ID.String(),
					After: map[string]any{"role": g.Role, "domain": domain, "demo": true}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return changed, err
}

func displayName(t *tenant.Tenant, acc Account) string {
	if acc.Tenant == "county" {
		return t.Name + acc.DisplayName
	}
	return acc.DisplayName
}
