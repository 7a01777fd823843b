// Package tenantcal gives each tenant its effective working-day calendar: the national
// calendar of pkg/calendar with the local days (holidays, extra working days) of the
// tenant and its ancestors layered on top, nearest last. It owns the calendar_days
// table; a change of a local day is audited, and the services whose deadlines derive
// from the calendar (casework) hear of it through OnChange and recompute.
package tenantcal

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// LocalDay is a tenant's addition to the national calendar.
type LocalDay struct {
	TenantID  uuid.UUID     `gorm:"type:uuid;primaryKey" json:"-"`
	Day       calendar.Date `gorm:"type:date;primaryKey" json:"date"`
	Kind      string        `json:"kind"`
	Name      string        `json:"name"`
	CreatedAt time.Time     `json:"created_at"`
}

// TableName maps LocalDay to its table.
func (LocalDay) TableName() string { return "calendar_days" }

// Calendars gives each tenant its effective working-day calendar: the national
// holiday data, then its city's local days, then its own (nearest wins).
type Calendars struct {
	db       *db.DB
	tenants  *tenant.Registry
	national *calendar.Calendar
	clock    clock.Clock

	mu    sync.Mutex
	cache map[uuid.UUID]cachedCalendar

	// changed hears of every change of a local day (see OnChange).
	changed []ChangeListener
}

// ChangeListener is told, after a local day of a's tenant changed, which tenants'
// calendars changed with it (that tenant and every tenant below it); it returns how
// many of its records it updated (casework: the cases whose deadlines moved).
type ChangeListener func(ctx context.Context, a actor.Actor, affected []*tenant.Tenant) (int, error)

// OnChange registers a listener for local-day changes (at assembly, before serving).
func (c *Calendars) OnChange(l ChangeListener) { c.changed = append(c.changed, l) }

type cachedCalendar struct {
	cal *calendar.Calendar
	at  time.Time
}

// New builds the calendar source over the national data base.
func New(d *db.DB, tenants *tenant.Registry, national *calendar.Calendar, c clock.Clock) *Calendars {
	return &Calendars{db: d, tenants: tenants, national: national, clock: c, cache: map[uuid.UUID]cachedCalendar{}}
}

// National returns the national calendar.
func (c *Calendars) National() *calendar.Calendar { return c.national }

// Invalidate drops cached calendars (after a local day changes).
func (c *Calendars) Invalidate() {
	c.mu.Lock()
	c.cache = map[uuid.UUID]cachedCalendar{}
	c.mu.Unlock()
}

// For returns t's effective calendar (cached for 30 s; Invalidate on change).
func (c *Calendars) For(ctx context.Context, t *tenant.Tenant) (*calendar.Calendar, error) {
	c.mu.Lock()
	if e, ok := c.cache[t.ID]; ok && time.Since(e.at) < 30*time.Second {
		c.mu.Unlock()
		return e.cal, nil
	}
	c.mu.Unlock()
	all, err := c.tenants.All(ctx)
	if err != nil {
		return nil, err
	}
	depth := map[uuid.UUID]int{}
	var chain []uuid.UUID
	for _, o := range all {
		if o.Covers(t) {
			chain = append(chain, o.ID)
			depth[o.ID] = len(o.Path)
		}
	}
	var days []LocalDay
	// calendar_days is readable by every tenant (holidays are public).
	if err := c.db.Gorm(ctx).Where("tenant_id IN ?", chain).Find(&days).Error; err != nil {
		return nil, err
	}
	// Ancestors first, so that the nearer tenant's day overrides.
	sort.SliceStable(days, func(i, j int) bool { return depth[days[i].TenantID] < depth[days[j].TenantID] })
	local := make([]calendar.LocalDay, 0, len(days))
	seen := map[calendar.Date]int{}
	for _, d := range days {
		ld := calendar.LocalDay{Date: d.Day, Kind: calendar.LocalKind(d.Kind), Name: d.Name}
		if i, dup := seen[d.Day]; dup {
			local[i] = ld
			continue
		}
		seen[d.Day] = len(local)
		local = append(local, ld)
	}
	cal, err := c.national.WithLocal(local)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.cache[t.ID] = cachedCalendar{cal: cal, at: time.Now()}
	c.mu.Unlock()
	return cal, nil
}
