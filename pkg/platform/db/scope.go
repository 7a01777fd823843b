package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Scope is what a transaction may touch: it writes only as Tenant and reads Read
// (which always includes Tenant). The database enforces both through RLS.
type Scope struct {
	Tenant uuid.UUID
	Read   []uuid.UUID
	User   uuid.UUID
	// Derived marks a transaction whose writes can all be derived again from data
	// already committed (supervision cards, which the sweep re-derives from the cases):
	// it commits without waiting for its WAL to reach the disk (synchronous_commit
	// off). A crash may lose such a transaction whole, never part of it.
	Derived bool
	// CustomPlans plans every statement of the transaction for its actual parameters
	// (plan_cache_mode = force_custom_plan). PostgreSQL keeps a prepared statement's
	// generic plan for the connection's life, and ANALYZE does not invalidate it: a
	// plan chosen while a table was nearly empty can scan a whole tenant's index once
	// the table is large. For background work over fast-growing tables.
	CustomPlans bool
}

// Statement is the statement that sets the scope (and, for Derived, asynchronous
// commit) for the current transaction, with pgx's $n placeholders: the first
// statement of a pipeline (see pkg/platform/db/pipeline).
func (s Scope) Statement() (string, []any) { return s.statement("$") }

// statement writes the scope statement; placeholder is "?" for GORM or "$" for pgx.
func (s Scope) statement(placeholder string) (string, []any) {
	p := func(n int) string {
		if placeholder == "?" {
			return "?"
		}
		return fmt.Sprintf("$%d", n)
	}
	q := `SELECT set_config('app.tenant_id', ` + p(1) + `, true), set_config('app.read_tenants', ` + p(2) + `, true), set_config('app.user_id', ` + p(3) + `, true)`
	if s.Derived {
		q += `, set_config('synchronous_commit', 'off', true)`
	}
	if s.CustomPlans {
		q += `, set_config('plan_cache_mode', 'force_custom_plan', true)`
	}
	return q, []any{optionalUUID(s.Tenant), s.readSetting(), optionalUUID(s.User)}
}

// Equal reports whether two scopes set the same settings (a pipeline sets a scope
// once for neighbours that share it).
func (s Scope) Equal(o Scope) bool {
	return s.Tenant == o.Tenant && s.User == o.User && s.Derived == o.Derived && s.CustomPlans == o.CustomPlans &&
		s.readSetting() == o.readSetting()
}

// TenantScope is the scope of an actor confined to one tenant.
func TenantScope(tenant, user uuid.UUID) Scope {
	return Scope{Tenant: tenant, Read: []uuid.UUID{tenant}, User: user}
}

// ReadOnlyScope reads many tenants and can write none (sweeps, city dashboards).
func ReadOnlyScope(read []uuid.UUID) Scope { return Scope{Read: read} }

func (s Scope) readSetting() string {
	ids := make([]string, 0, len(s.Read)+1)
	seen := map[uuid.UUID]bool{}
	add := func(id uuid.UUID) {
		if id != uuid.Nil && !seen[id] {
			seen[id] = true
			ids = append(ids, id.String())
		}
	}
	add(s.Tenant)
	for _, id := range s.Read {
		add(id)
	}
	return "{" + strings.Join(ids, ",") + "}"
}

func optionalUUID(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

type scopeKey struct{}

// WithScope stores the caller's scope in the context (set once per request from the
// verified session, or per job from its payload).
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the context's scope; ok is false when none was set.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok
}

// ErrNoScope is returned by InScope when the context carries no scope.
var ErrNoScope = errors.New("db: no tenant scope in context")

// SetScope changes the scope in the middle of a transaction (provisioning creates a
// county's rows in the county's own scope after creating the county in the city's).
func SetScope(tx *gorm.DB, scope Scope) error {
	q, args := scope.statement("?")
	return tx.Exec(q, args...).Error
}
