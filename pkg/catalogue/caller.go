package catalogue

import (
	"context"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// Readable are the tenants whose catalogue the caller in ctx may read: the route's
// read scope and, for a city-level filer (the city's legal reviewer), every tenant
// below the city, whose published items it must file.
func (s *Service) Readable(ctx context.Context) ([]*tenant.Tenant, error) {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	base, err := s.tenantsOf(ctx, c.ReadTenants)
	if err != nil {
		return nil, err
	}
	if !c.Can(authz.PowerFile) {
		return base, nil
	}
	t, err := s.tenants.ByID(ctx, c.TenantID)
	if err != nil {
		return nil, err
	}
	if t.Level != tenant.LevelCity {
		return base, nil
	}
	sub, err := s.tenants.Subtree(ctx, t)
	if err != nil {
		return nil, err
	}
	seen := map[uuid.UUID]bool{}
	var out []*tenant.Tenant
	for _, x := range append(append([]*tenant.Tenant{}, base...), sub...) {
		if !seen[x.ID] {
			seen[x.ID] = true
			out = append(out, x)
		}
	}
	return out, nil
}

// Tenants are the readable tenants, or (code set, as ?tenant=CODE) the one of them
// with that code: an unreadable or unknown code is a 404, the two indistinguishable.
func (s *Service) Tenants(ctx context.Context, code string) ([]*tenant.Tenant, error) {
	readable, err := s.Readable(ctx)
	if err != nil || code == "" {
		return readable, err
	}
	for _, t := range readable {
		if t.Code == code {
			return []*tenant.Tenant{t}, nil
		}
	}
	return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": code})
}

// Tenant is the one tenant a spreadsheet is about: code among the readable ones, else
// the caller's own.
func (s *Service) Tenant(ctx context.Context, code string) (*tenant.Tenant, error) {
	if code == "" {
		c, err := actor.CallerOf(ctx)
		if err != nil {
			return nil, err
		}
		return s.tenants.ByID(ctx, c.TenantID)
	}
	ts, err := s.Tenants(ctx, code)
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// readScope reads every tenant the caller may read the catalogue of.
func (s *Service) readScope(ctx context.Context) (db.Scope, error) {
	ts, err := s.Readable(ctx)
	if err != nil {
		return db.Scope{}, err
	}
	return db.ReadOnlyScope(tenant.IDs(ts)), nil
}

func (s *Service) tenantsOf(ctx context.Context, ids []uuid.UUID) ([]*tenant.Tenant, error) {
	return s.tenants.Resolve(ctx, ids, "")
}
