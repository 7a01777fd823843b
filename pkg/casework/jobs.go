package casework

import (
	"context"

	"sunshine/pkg/actor"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/tenant"
)

// TypeDeemedAcceptance is the periodic task that applies Art. 32's deemed acceptance.
const TypeDeemedAcceptance = "casework:deemed_acceptance"

// ApplyDeemedAcceptance accepts, as of the day the materials arrived, every case that
// has waited past its 5-working-day acceptance deadline without a decision. It is
// idempotent (a case is accepted once) and audited as the system. It returns the
// number of cases accepted.
func (s *Service) ApplyDeemedAcceptance(ctx context.Context) (int, error) {
	tenants, err := s.tenants.All(ctx)
	if err != nil {
		return 0, err
	}
	return s.ApplyDeemedAcceptanceIn(ctx, tenants)
}

// ApplyDeemedAcceptanceIn is ApplyDeemedAcceptance for the cases of tenants only.
func (s *Service) ApplyDeemedAcceptanceIn(ctx context.Context, tenants []*tenant.Tenant) (int, error) {
	due, err := s.store.acceptanceOverdue(ctx, tenant.IDs(tenants), s.clock.Now())
	if err != nil {
		return 0, err
	}
	// One case's failure (its tenant's bad data, an error, a panic) is logged and the
	// others go on; the next run retries it.
	n := 0
	for _, d := range due {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		t, err := s.tenants.ByID(ctx, d.TenantID)
		if err != nil {
			logging.From(ctx).Error("deemed acceptance: unknown tenant", "tenant_id", d.TenantID, "case", d.ID, "error", err)
			continue
		}
		err = queue.Isolate(func() error {
			_, err := s.mutate(ctx, actor.System(t.ID, t.Code), d.ID, "deemed_accept", func(m *mut) error {
				if m.c.Status != StatusSubmitted || m.c.AcceptanceDueAt == nil || m.c.AcceptanceDueAt.After(m.now) {
					return errSkip
				}
				s.accept(m, m.c.ReceivedAt, "系统（视为受理）", true)
				return nil
			})
			return err
		})
		if err == errSkip {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			logging.From(ctx).Error("deemed acceptance: one case failed; the others go on", "tenant", t.Code, "case", d.ID, "error", err)
			continue
		}
		n++
	}
	return n, nil
}

type skip struct{}

func (skip) Error() string { return "skip" }

var errSkip error = skip{}

// Recompute derives every open case's deadlines of the tenants again (after a
// calendar change), auditing each case whose due date moved. It returns how many
// moved.
func (s *Service) Recompute(ctx context.Context, a actor.Actor, tenants []*tenant.Tenant) (int, error) {
	moved := 0
	for _, t := range tenants {
		ids, err := s.store.withDeadlines(ctx, t.ID)
		if err != nil {
			return moved, err
		}
		ta := actor.System(t.ID, t.Code)
		if a.Kind == actor.KindUser && a.TenantID == t.ID {
			ta = a
		}
		for _, id := range ids {
			_, err := s.mutate(ctx, ta, id, "recompute", func(m *mut) error {
				m.onlyIfMoved = true
				m.data["reason"] = "calendar changed"
				if m.c.DueDate != nil {
					m.data["due_date_before"] = m.c.DueDate.String()
				}
				return nil
			})
			if err == errSkip {
				continue
			}
			if err != nil {
				return moved, err
			}
			moved++
		}
	}
	return moved, nil
}
