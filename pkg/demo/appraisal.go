package demo

import (
	"context"

	"sunshine/pkg/tenant"
)

// seedAppraisal seeds the leading group's appraisal (filled in below).
func (s *Seeder) seedAppraisal(ctx context.Context, all []*tenant.Tenant) error {
	if s.Appraisal == nil || !s.Cases {
		return nil
	}
	return nil
}
