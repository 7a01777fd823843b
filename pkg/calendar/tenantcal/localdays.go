package tenantcal

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// LocalDayInput adds a local holiday or working day.
type LocalDayInput struct {
	Date calendar.Date `json:"date"`
	Kind string        `json:"kind"`
	Name string        `json:"name"`
}

// SetLocalDay adds (or replaces) a local calendar day of the actor's tenant, then tells
// the listeners, which recompute the open deadlines of the tenant and of every tenant
// below it (they inherit its calendar). The change is audited (and so is every moved
// deadline, by its owner). It returns what the listeners updated: how many cases'
// deadlines moved.
func (c *Calendars) SetLocalDay(ctx context.Context, a actor.Actor, in LocalDayInput) (int, error) {
	var v apperr.Fields
	in.Name = strings.TrimSpace(in.Name)
	if in.Date.IsZero() {
		v.Add("date", "required")
	}
	if in.Kind != "holiday" && in.Kind != "workday" {
		v.Add("kind", "not_allowed_value", apperr.Params{"allowed": "holiday, workday"})
	}
	if v.Required("name", in.Name) && len([]rune(in.Name)) > 50 {
		v.Add("name", "too_long", apperr.Params{"max": 50})
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	err := c.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO calendar_days (tenant_id, day, kind, name) VALUES (?, ?, ?, ?)
			ON CONFLICT (tenant_id, day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name`,
			a.TenantID, in.Date, in.Kind, in.Name).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, c.clock.Now(), audit.Event{Action: "calendar.set_day", ObjectType: "calendar_day", ObjectID: in.Date.String(),
			After: map[string]any{"kind": in.Kind, "name": in.Name}})
	})
	if err != nil {
		return 0, err
	}
	return c.afterChange(ctx, a)
}

// DeleteLocalDay removes a local day of the actor's tenant and recomputes.
func (c *Calendars) DeleteLocalDay(ctx context.Context, a actor.Actor, day calendar.Date) (int, error) {
	err := c.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		res := tx.Exec(`DELETE FROM calendar_days WHERE tenant_id = ? AND day = ?`, a.TenantID, day)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.NotFound("not_found")
		}
		return audit.Record(tx, a, c.clock.Now(), audit.Event{Action: "calendar.delete_day", ObjectType: "calendar_day", ObjectID: day.String()})
	})
	if err != nil {
		return 0, err
	}
	return c.afterChange(ctx, a)
}

func (c *Calendars) afterChange(ctx context.Context, a actor.Actor) (int, error) {
	c.Invalidate()
	t, err := c.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return 0, err
	}
	affected, err := c.tenants.Subtree(ctx, t)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range c.changed {
		m, err := l(ctx, a, affected)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// LocalDays lists the local days of a tenant and its ancestors (nearest last).
func (c *Calendars) LocalDays(ctx context.Context, t *tenant.Tenant) ([]LocalDay, error) {
	all, err := c.tenants.All(ctx)
	if err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for _, o := range all {
		if o.Covers(t) {
			ids = append(ids, o.ID)
		}
	}
	var out []LocalDay
	err = c.db.Gorm(ctx).Where("tenant_id IN ?", ids).Order("day").Find(&out).Error
	return out, err
}
