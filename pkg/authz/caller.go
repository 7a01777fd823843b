package authz

import (
	"context"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/tenant"
)

// Caller is who user actor a of tenant own is for a call requiring perm ("" for any
// signed-in user): the tenants perm lets them read (their own tenant for ""; with a
// subtree grant, those below it too) and their permissions in their own tenant. It
// also returns the readable tenants themselves. No readable tenant is a 403 naming
// perm. Whether a write permission is held at all is the caller's to check first.
func (en *Enforcer) Caller(ctx context.Context, reg *tenant.Registry, a actor.Actor, own *tenant.Tenant, perm string) (actor.Caller, []*tenant.Tenant, error) {
	readable := []*tenant.Tenant{own}
	if perm != "" {
		candidates := []*tenant.Tenant{own}
		if en.HasSubtreeGrant(a.UserID) {
			var err error
			if candidates, err = reg.Subtree(ctx, own); err != nil {
				return actor.Caller{}, nil, err
			}
		}
		readable = en.ReadScope(a.UserID, candidates, perm)
		if len(readable) == 0 {
			return actor.Caller{}, nil, apperr.Forbidden("authz.forbidden", apperr.Params{"permission": perm})
		}
	}
	user, path := a.UserID, own.Path
	return actor.Caller{Actor: a, ReadTenants: tenant.IDs(readable), Permits: func(p string) bool {
		return en.Allowed(user, path, p)
	}}, readable, nil
}
