package supervision

import (
	"context"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/tenant"
)

// Visible is what the caller in ctx may see of cards and notices: a supervisor every
// tenant their supervision:read reaches (tenantCode, when set, narrows it to one;
// an unreadable or unknown code is a 404), with no department restriction; a
// department (supervision:reply) its own tenant, restricted to its own department
// (the returned department, uuid.Nil when unrestricted).
func (s *Service) Visible(ctx context.Context, tenantCode string) ([]*tenant.Tenant, uuid.UUID, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, uuid.Nil, err
	}
	own, err := s.tenants.ByID(ctx, c.TenantID)
	if err != nil {
		return nil, uuid.Nil, err
	}
	candidates := []*tenant.Tenant{own}
	if s.enforcer.HasSubtreeGrant(c.UserID) {
		if candidates, err = s.tenants.Subtree(ctx, own); err != nil {
			return nil, uuid.Nil, err
		}
	}
	if ts := s.enforcer.ReadScope(c.UserID, candidates, authz.SupervisionRead); len(ts) > 0 {
		if tenantCode == "" {
			return ts, uuid.Nil, nil
		}
		for _, t := range ts {
			if t.Code == tenantCode {
				return []*tenant.Tenant{t}, uuid.Nil, nil
			}
		}
		return nil, uuid.Nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": tenantCode})
	}
	if c.Can(authz.SupervisionReply) && c.DepartmentID != uuid.Nil {
		return []*tenant.Tenant{own}, c.DepartmentID, nil
	}
	return nil, uuid.Nil, apperr.Forbidden("authz.forbidden", apperr.Params{"permission": authz.SupervisionRead})
}

// readable are the tenants the caller's route lets them read (where a card or notice
// acted on is looked for).
func readable(ctx context.Context) (actor.Caller, []uuid.UUID, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return c, nil, err
	}
	return c, c.ReadTenants, nil
}

// Readable resolves the caller's readable tenants, narrowed to tenantCode when set
// (the overview's ?tenant=).
func (s *Service) Readable(ctx context.Context, tenantCode string) ([]TenantRef, error) {
	_, ids, err := readable(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := s.tenants.Resolve(ctx, ids, tenantCode)
	if err != nil {
		return nil, err
	}
	out := make([]TenantRef, len(ts))
	for i, t := range ts {
		out[i] = TenantRef{ID: t.ID, Code: t.Code, Name: t.Name}
	}
	return out, nil
}
