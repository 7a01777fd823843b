// Package tenant is the read side of the tenant tree (city → counties and
// districts): who exists, their codes, paths and status. Every request consults it,
// so it keeps the whole tree in memory and reloads it when it changes (a city has
// a dozen tenants; a province a few hundred).
package tenant

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/datatypes"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
)

// Levels of the tenant tree.
const (
	LevelCity     = "city"
	LevelCounty   = "county"
	LevelDistrict = "district"
)

// Statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Tenant is one government: the city or one of its counties and districts.
type Tenant struct {
	ID           uuid.UUID      `gorm:"type:uuid;primaryKey" json:"id"`
	Code         string         `json:"code"`
	Name         string         `json:"name"`
	Level        string         `json:"level"`
	ParentID     *uuid.UUID     `gorm:"type:uuid" json:"-"`
	Path         string         `json:"path"`
	Status       string         `json:"status"`
	StatusReason string         `json:"status_reason"`
	Settings     datatypes.JSON `json:"-"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// TableName maps Tenant to its table.
func (Tenant) TableName() string { return "tenants" }

// Active reports whether the tenant may be used.
func (t *Tenant) Active() bool { return t.Status == StatusActive }

// ParentCode is the code of the parent tenant ("" for a city).
func (t *Tenant) ParentCode() string {
	if i := strings.LastIndex(t.Path, "/"); i >= 0 {
		parts := strings.Split(t.Path, "/")
		return parts[len(parts)-2]
	}
	return ""
}

// Covers reports whether t is other or one of its ancestors.
func (t *Tenant) Covers(other *Tenant) bool {
	return other.Path == t.Path || strings.HasPrefix(other.Path, t.Path+"/")
}

// SettingsMap decodes the tenant's own settings (not inherited ones).
func (t *Tenant) SettingsMap() map[string]any {
	m := map[string]any{}
	if len(t.Settings) > 0 {
		_ = json.Unmarshal(t.Settings, &m)
	}
	return m
}

// Registry is an in-memory copy of the tenant table, reloaded at most every TTL and
// at once after a local change (Invalidate).
type Registry struct {
	db  *db.DB
	ttl time.Duration

	mu     sync.RWMutex
	loaded time.Time
	byID   map[uuid.UUID]*Tenant
	byCode map[string]*Tenant
	all    []*Tenant
}

// NewRegistry returns a registry over d. ttl bounds how stale another replica's
// change may look here (default 5 s).
func NewRegistry(d *db.DB, ttl time.Duration) *Registry {
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	return &Registry{db: d, ttl: ttl}
}

// Invalidate forces the next read to reload.
func (r *Registry) Invalidate() {
	r.mu.Lock()
	r.loaded = time.Time{}
	r.mu.Unlock()
}

func (r *Registry) snapshot(ctx context.Context) (map[uuid.UUID]*Tenant, map[string]*Tenant, []*Tenant, error) {
	r.mu.RLock()
	if time.Since(r.loaded) < r.ttl && r.byID != nil {
		defer r.mu.RUnlock()
		return r.byID, r.byCode, r.all, nil
	}
	r.mu.RUnlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.loaded) < r.ttl && r.byID != nil {
		return r.byID, r.byCode, r.all, nil
	}
	var list []*Tenant
	if err := r.db.Gorm(ctx).Order("path").Find(&list).Error; err != nil {
		return nil, nil, nil, err
	}
	byID := make(map[uuid.UUID]*Tenant, len(list))
	byCode := make(map[string]*Tenant, len(list))
	for _, t := range list {
		byID[t.ID] = t
		byCode[t.Code] = t
	}
	r.byID, r.byCode, r.all, r.loaded = byID, byCode, list, time.Now()
	return byID, byCode, list, nil
}

// ByCode finds a tenant by its division code; unknown codes are 404.
func (r *Registry) ByCode(ctx context.Context, code string) (*Tenant, error) {
	_, byCode, _, err := r.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if t, ok := byCode[code]; ok {
		return t, nil
	}
	return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": code})
}

// ByID finds a tenant by ID.
func (r *Registry) ByID(ctx context.Context, id uuid.UUID) (*Tenant, error) {
	byID, _, _, err := r.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if t, ok := byID[id]; ok {
		return t, nil
	}
	return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": id.String()})
}

// All lists every tenant ordered by path (the city first, then its counties).
func (r *Registry) All(ctx context.Context) ([]*Tenant, error) {
	_, _, all, err := r.snapshot(ctx)
	return all, err
}

// Subtree lists t and every tenant below it.
func (r *Registry) Subtree(ctx context.Context, t *Tenant) ([]*Tenant, error) {
	all, err := r.All(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Tenant
	for _, o := range all {
		if t.Covers(o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// Resolve returns the tenants of ids, in order; with code set (a ?tenant=CODE
// filter), only the one of them with that code: a code outside ids or unknown is the
// same 404, so that a caller cannot probe for tenants it may not read.
func (r *Registry) Resolve(ctx context.Context, ids []uuid.UUID, code string) ([]*Tenant, error) {
	byID, _, _, err := r.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Tenant, 0, len(ids))
	for _, id := range ids {
		t, ok := byID[id]
		if !ok {
			return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": id.String()})
		}
		if code == "" {
			out = append(out, t)
		} else if t.Code == code {
			return []*Tenant{t}, nil
		}
	}
	if code != "" {
		return nil, apperr.NotFound("tenant.not_found", apperr.Params{"code": code})
	}
	return out, nil
}

// Effective returns t's settings with its ancestors' settings underneath: a county
// inherits the city's values unless it sets its own.
func (r *Registry) Effective(ctx context.Context, t *Tenant) (map[string]any, error) {
	all, err := r.All(ctx)
	if err != nil {
		return nil, err
	}
	var chain []*Tenant
	for _, o := range all {
		if o.Covers(t) {
			chain = append(chain, o)
		}
	}
	sort.Slice(chain, func(i, j int) bool { return len(chain[i].Path) < len(chain[j].Path) })
	out := map[string]any{}
	for _, o := range chain {
		merge(out, o.SettingsMap())
	}
	return out, nil
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
			cp := map[string]any{}
			merge(cp, sm)
			dst[k] = cp
			continue
		}
		dst[k] = v
	}
}

// IDs returns the IDs of ts.
func IDs(ts []*Tenant) []uuid.UUID {
	out := make([]uuid.UUID, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// Load reads one tenant inside tx (for services that change it).
func Load(tx *gorm.DB, code string) (*Tenant, error) {
	var t Tenant
	if err := tx.Where("code = ?", code).First(&t).Error; err != nil {
		return nil, db.Classify(err)
	}
	return &t, nil
}

func init() {
	apperr.Register("tenant.not_found", "租户 {code} 不存在", "Tenant {code} does not exist")
}
