// Package authz decides who may do what where: Casbin RBAC with domains, where a
// domain is a tenant path ("410500/410581"). Role permissions are written once with
// the domain pattern "*"; grants (g rules) carry the tenant scope, and a grant whose
// domain is "410500*" covers the city and every tenant below it (domain matching,
// as in casbin's TestDomainMatchModel). Policies live in PostgreSQL (gorm-adapter's
// casbin_rule table); every replica reloads within a moment of a change through
// PostgreSQL LISTEN/NOTIFY.
package authz

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/util"
	gormadapter "github.com/casbin/gorm-adapter/v3"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/tenant"
)

// modelText: a request is (subject, tenant path, object, action).
const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom) && r.obj == p.obj && r.act == p.act
`

// Channel is the PostgreSQL NOTIFY channel announcing policy changes.
const Channel = "sunshine_casbin_policy"

// Subject is the Casbin subject of a user.
func Subject(user uuid.UUID) string { return "user:" + user.String() }

// Domain is a grant's domain: the tenant's path, or with subtree the path followed
// by "*" (the tenant and everything below it).
func Domain(t *tenant.Tenant, subtree bool) string {
	if subtree {
		return t.Path + "*"
	}
	return t.Path
}

// Enforcer wraps a synced, cached Casbin enforcer.
type Enforcer struct {
	e   *casbin.SyncedCachedEnforcer
	log *slog.Logger
}

// NewEnforcer loads the model and the policies from the casbin_rule table through
// gdb (the application connection; the adapter never migrates).
func NewEnforcer(gdb *gorm.DB, log *slog.Logger) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, err
	}
	noMigrate := gdb.Session(&gorm.Session{NewDB: true})
	gormadapter.TurnOffAutoMigrate(noMigrate)
	a, err := gormadapter.NewAdapterByDBUseTableName(noMigrate, "", "casbin_rule")
	if err != nil {
		return nil, fmt.Errorf("authz: adapter: %w", err)
	}
	e, err := casbin.NewSyncedCachedEnforcer(m, a)
	if err != nil {
		return nil, fmt.Errorf("authz: enforcer: %w", err)
	}
	e.AddNamedDomainMatchingFunc("g", "KeyMatch", util.KeyMatch)
	// Grants and permissions are written by the services inside their business
	// transactions (so that they commit with their audit event); the enforcer only reads.
	e.EnableAutoSave(false)
	if err := e.LoadPolicy(); err != nil {
		return nil, fmt.Errorf("authz: load policy: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Enforcer{e: e, log: log}, nil
}

// Reload re-reads every policy (after a NOTIFY, or a local change).
func (en *Enforcer) Reload() error {
	if err := en.e.LoadPolicy(); err != nil {
		return err
	}
	return en.e.InvalidateCache()
}

// Allowed reports whether user holds perm ("object:action") in the tenant at path.
func (en *Enforcer) Allowed(user uuid.UUID, path, perm string) bool {
	obj, act, ok := strings.Cut(perm, ":")
	if !ok {
		return false
	}
	allowed, err := en.e.Enforce(Subject(user), path, obj, act)
	if err != nil {
		en.log.Error("authz: enforce failed", "error", err)
		return false
	}
	return allowed
}

// Grant is one role held by a user in a domain.
type Grant struct {
	Role    string `json:"role"`
	Domain  string `json:"domain"`
	Subtree bool   `json:"subtree"`
}

// GrantsOf lists user's role grants in every domain.
func (en *Enforcer) GrantsOf(user uuid.UUID) []Grant {
	rules, err := en.e.GetFilteredGroupingPolicy(0, Subject(user))
	if err != nil {
		return nil
	}
	out := make([]Grant, 0, len(rules))
	for _, r := range rules {
		if len(r) < 3 {
			continue
		}
		out = append(out, Grant{Role: r[1], Domain: strings.TrimSuffix(r[2], "*"), Subtree: strings.HasSuffix(r[2], "*")})
	}
	return out
}

// HasSubtreeGrant reports whether any of user's grants covers tenants below its own.
func (en *Enforcer) HasSubtreeGrant(user uuid.UUID) bool {
	for _, g := range en.GrantsOf(user) {
		if g.Subtree {
			return true
		}
	}
	return false
}

// Permissions lists the permissions user holds in the tenant at path.
func (en *Enforcer) Permissions(user uuid.UUID, path string) []string {
	var out []string
	for _, p := range AllPermissions() {
		if en.Allowed(user, path, p) {
			out = append(out, p)
		}
	}
	return out
}

// ReadScope returns the tenants (from candidates) where user holds perm.
func (en *Enforcer) ReadScope(user uuid.UUID, candidates []*tenant.Tenant, perm string) []*tenant.Tenant {
	var out []*tenant.Tenant
	for _, t := range candidates {
		if en.Allowed(user, t.Path, perm) {
			out = append(out, t)
		}
	}
	return out
}

// Rule is one row of casbin_rule.
type Rule struct {
	ID    uint   `gorm:"primaryKey;autoIncrement"`
	Ptype string `gorm:"column:ptype"`
	V0    string `gorm:"column:v0"`
	V1    string `gorm:"column:v1"`
	V2    string `gorm:"column:v2"`
	V3    string `gorm:"column:v3"`
	V4    string `gorm:"column:v4"`
	V5    string `gorm:"column:v5"`
}

// TableName maps Rule to gorm-adapter's table.
func (Rule) TableName() string { return "casbin_rule" }

// AddGrant writes a g rule inside tx and announces the change on commit.
func AddGrant(tx *gorm.DB, user uuid.UUID, role, domain string) error {
	err := tx.Exec(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', ?, ?, ?) ON CONFLICT DO NOTHING`,
		Subject(user), role, domain).Error
	if err != nil {
		return err
	}
	return Notify(tx)
}

// RemoveGrant deletes a g rule inside tx and announces the change on commit. It
// reports whether the grant existed.
func RemoveGrant(tx *gorm.DB, user uuid.UUID, role, domain string) (bool, error) {
	res := tx.Exec(`DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ?`, Subject(user), role, domain)
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected > 0, Notify(tx)
}

// Notify announces a policy change; PostgreSQL delivers it only if tx commits.
func Notify(tx *gorm.DB) error {
	return tx.Exec(`SELECT pg_notify(?, '')`, Channel).Error
}

// SyncRolePermissions makes the p rules exactly RolePermissions (idempotent; run at
// start-up by the migrating process). It reports whether anything changed.
func SyncRolePermissions(ctx context.Context, gdb *gorm.DB) (bool, error) {
	changed := false
	err := gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One writer at a time across replicas.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('sunshine.casbin.sync'))`).Error; err != nil {
			return err
		}
		var existing []Rule
		if err := tx.Where("ptype = 'p'").Find(&existing).Error; err != nil {
			return err
		}
		want := map[[4]string]bool{}
		for role, perms := range RolePermissions {
			for _, p := range perms {
				obj, act, _ := strings.Cut(p, ":")
				want[[4]string{role, "*", obj, act}] = true
			}
		}
		have := map[[4]string]bool{}
		for _, r := range existing {
			k := [4]string{r.V0, r.V1, r.V2, r.V3}
			if !want[k] {
				if err := tx.Delete(&Rule{}, r.ID).Error; err != nil {
					return err
				}
				changed = true
				continue
			}
			have[k] = true
		}
		for k := range want {
			if have[k] {
				continue
			}
			if err := tx.Create(&Rule{Ptype: "p", V0: k[0], V1: k[1], V2: k[2], V3: k[3]}).Error; err != nil {
				return err
			}
			changed = true
		}
		if changed {
			return Notify(tx)
		}
		return nil
	})
	return changed, err
}

func init() {
	apperr.Register("authz.forbidden", "没有执行此操作的权限（需要 {permission}）", "You are not allowed to do this (requires {permission})")
	apperr.Register("authz.platform_role", "平台角色只能由平台管理员授予", "Platform roles can be granted only by a platform administrator")
	apperr.Register("authz.city_only_role", "该角色只能在市级授予", "This role can be granted only at city level")
	apperr.Register("authz.subtree_not_allowed", "只有市级的监察员、领导小组成员、审计员和平台管理员可以覆盖下辖区县", "Only city-level supervisors, leading group members, auditors and platform administrators can cover the counties below")
	apperr.Register("authz.unknown_role", "未知角色：{role}", "Unknown role: {role}")
}

// Holder is a user holding a role in a domain.
type Holder struct {
	UserID  uuid.UUID
	Domain  string
	Subtree bool
}

// Holders lists who holds role, in any domain.
func (en *Enforcer) Holders(role string) []Holder {
	rules, err := en.e.GetFilteredGroupingPolicy(1, role)
	if err != nil {
		return nil
	}
	out := make([]Holder, 0, len(rules))
	for _, r := range rules {
		if len(r) < 3 || !strings.HasPrefix(r[0], "user:") {
			continue
		}
		id, err := uuid.Parse(strings.TrimPrefix(r[0], "user:"))
		if err != nil {
			continue
		}
		out = append(out, Holder{UserID: id, Domain: strings.TrimSuffix(r[2], "*"), Subtree: strings.HasSuffix(r[2], "*")})
	}
	return out
}

// Covers reports whether a holder's grant reaches the tenant at path.
func (h Holder) Covers(path string) bool {
	return h.Domain == path || (h.Subtree && strings.HasPrefix(path, h.Domain+"/"))
}
