package catalogue

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// SeedActors are who walks an item through the workflow when seeding.
type SeedActors struct {
	Drafter  actor.Actor // the department (dept_admin)
	Reviewer actor.Actor // the tenant's legal reviewer
	Filer    actor.Actor // the city's legal reviewer
}

// SeedItem is one item to seed and how far to take it.
type SeedItem struct {
	Content Content
	// Target is the status version 1 ends in (draft … filed).
	Target string
	// Revision, when set, is drafted as version 2 of a filed item and taken to
	// RevisionTarget (the old version stays in force).
	Revision       *Content
	RevisionTarget string
	// PublishedAgo backdates the publication (to seed overdue filings).
	PublishedAgo time.Duration
}

// SeedCodes lists the item codes that exist in tenant t (so seeding can skip them).
func (s *Service) SeedCodes(ctx context.Context, t *tenant.Tenant) (map[string]bool, error) {
	out := map[string]bool{}
	var codes []string
	err := s.db.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{t.ID}), func(tx *gorm.DB) error {
		return tx.Model(&Power{}).Where("tenant_id = ?", t.ID).Pluck("code", &codes).Error
	})
	for _, c := range codes {
		out[c] = true
	}
	return out, err
}

// Seed creates item in tenant t and walks it to its target through the same steps,
// checks and audit events as the API, in one transaction (demo data; fast).
func (s *Service) Seed(ctx context.Context, t *tenant.Tenant, who SeedActors, item SeedItem) error {
	base := s.clock.Now().UTC()
	return s.db.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		// Demo data is re-created by the next run if a crash loses it: do not wait
		// for the WAL flush of each item.
		if err := tx.Exec("SET LOCAL synchronous_commit = off").Error; err != nil {
			return err
		}
		at := func(a actor.Actor, now time.Time) op { return op{tx: tx, a: a, now: now, t: t} }
		now := base
		if item.PublishedAgo > 0 {
			now = base.Add(-item.PublishedAgo - time.Hour)
		}
		p, _, err := s.create(ctx, at(who.Drafter, now), item.Content)
		if err != nil {
			return err
		}
		if err := s.walk(ctx, tx, t, who, p.ID, item.Target, now); err != nil {
			return err
		}
		if item.Revision == nil {
			return nil
		}
		p, latest, err := locked(tx, p.ID)
		if err != nil {
			return err
		}
		if _, err := s.revise(at(who.Drafter, base), p, latest, item.Revision.ChangeNote); err != nil {
			return err
		}
		if _, _, err := s.update(ctx, at(who.Drafter, base), p.ID, *item.Revision); err != nil {
			return err
		}
		return s.walk(ctx, tx, t, who, p.ID, item.RevisionTarget, base)
	})
}

// walk takes the open version of power id from draft to target.
func (s *Service) walk(ctx context.Context, tx *gorm.DB, t *tenant.Tenant, who SeedActors, id uuid.UUID, target string, now time.Time) error {
	path := []string{StatusSubmitted, StatusApproved, StatusPublished, StatusFiled}
	if target == StatusReturned {
		path = []string{StatusSubmitted, StatusReturned}
	}
	if target == StatusDraft {
		return nil
	}
	for _, next := range path {
		p, v, err := locked(tx, id)
		if err != nil {
			return err
		}
		o := op{tx: tx, a: who.Reviewer, now: now, t: t}
		switch next {
		case StatusSubmitted:
			o.a = who.Drafter
			err = s.submit(ctx, o, p, v)
		case StatusApproved:
			err = s.review(o, p, v, Decision{Decision: actionApprove})
		case StatusReturned:
			err = s.review(o, p, v, Decision{Decision: actionReturn, Comment: "请补充法律依据的具体条文内容，并核对承诺时限。"})
		case StatusPublished:
			err = s.publish(ctx, o, p, v)
		case StatusFiled:
			// The city files an hour after publication, but never in the future: demo
			// events dated ahead of the clock would sort above all real activity.
			o.a, o.now = who.Filer, now.Add(time.Hour)
			if real := s.clock.Now(); o.now.After(real) {
				o.now = real
			}
			if t.ParentID != nil {
				// The city files a county's item into the county's own rows.
				if err := db.SetScope(tx, db.Scope{Tenant: t.ID, Read: []uuid.UUID{t.ID, *t.ParentID}}); err != nil {
					return err
				}
			}
			err = s.file(o, p, v)
		}
		if err != nil {
			return err
		}
		if next == target {
			return nil
		}
	}
	if target != StatusFiled {
		return apperr.Invalid("not_allowed_value", apperr.Params{"allowed": "draft, submitted, returned, approved, published, filed"})
	}
	return nil
}
