package actor

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"sunshine/pkg/platform/db"
)

// Caller is who calls a service and what they may read: the actor (whose own tenant
// is where writes land) and the tenants the route's permission lets them read. The
// transport resolves it once per request from the verified session (pkg/httpapi's
// authentication), a job builds it from its payload; services take it from the
// context and derive their database scope from it rather than each receiving a
// scope, an actor and a tenant list separately.
type Caller struct {
	Actor
	// ReadTenants are the tenants the caller may read through this call (the route's
	// permission, per tenant); the database's row-level security enforces it.
	ReadTenants []uuid.UUID
	// Permits reports whether the caller holds a permission in their own tenant (the
	// transport sets it from the authorization model). Services ask it through Can to
	// compute a detail's allowed_actions; the route itself has already checked the
	// permission it requires.
	Permits func(perm string) bool
}

// Can reports whether the caller holds perm in their own tenant. Without Permits, the
// system actor may do everything and anyone else nothing.
func (c Caller) Can(perm string) bool {
	if c.Permits == nil {
		return c.Kind == KindSystem
	}
	return c.Permits(perm)
}

// NewCaller is the caller confined to the actor's own tenant.
func NewCaller(a Actor) Caller {
	c := Caller{Actor: a}
	if a.TenantID != uuid.Nil {
		c.ReadTenants = []uuid.UUID{a.TenantID}
	}
	return c
}

// Scope is the caller's whole scope: writes as the actor's tenant, reads every
// readable tenant (and, as every scope does, its own).
func (c Caller) Scope() db.Scope {
	return db.Scope{Tenant: c.TenantID, Read: c.ReadTenants, User: c.UserID}
}

// WriteScope is the scope of a change: the actor's own tenant only.
func (c Caller) WriteScope() db.Scope { return db.TenantScope(c.TenantID, c.UserID) }

// ReadScope reads the readable tenants and writes none.
func (c Caller) ReadScope() db.Scope { return db.ReadOnlyScope(c.ReadTenants) }

// ReadScopeOf reads those of ids the caller may read (a narrowing filter such as
// ?tenant=) and writes none: an id outside ReadTenants is dropped, never widened to.
func (c Caller) ReadScopeOf(ids []uuid.UUID) db.Scope {
	return db.ReadOnlyScope(c.Readable(ids))
}

// Readable returns those of ids the caller may read, in order.
func (c Caller) Readable(ids []uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if c.MayRead(id) {
			out = append(out, id)
		}
	}
	return out
}

// MayRead reports whether the caller may read tenant id.
func (c Caller) MayRead(id uuid.UUID) bool { return slices.Contains(c.ReadTenants, id) }

type callerKey struct{}

// WithCaller stores the caller in the context, together with its actor (for From)
// and its scope (for db.DB.InScope): the one call the transport makes per request.
func WithCaller(ctx context.Context, c Caller) context.Context {
	ctx = context.WithValue(ctx, callerKey{}, c)
	ctx = With(ctx, c.Actor)
	return db.WithScope(ctx, c.Scope())
}

// CallerFrom returns the context's caller; ok is false when there is none.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// ErrNoCaller is returned by services called without a caller in the context: a
// wiring mistake (every authenticated route and job sets one), never a client's.
var ErrNoCaller = errors.New("actor: no caller in context")

// CallerOf returns the context's caller or ErrNoCaller.
func CallerOf(ctx context.Context) (Caller, error) {
	c, ok := CallerFrom(ctx)
	if !ok {
		return Caller{}, ErrNoCaller
	}
	return c, nil
}
