package catalogue

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// Public states of an item on the portal.
const (
	// PublicInForce: the shown version is filed; the power may be exercised.
	PublicInForce = "in_force"
	// PublicPendingFiling: published but not yet filed (已公布，待备案，暂不可办理).
	PublicPendingFiling = "pending_filing"
)

// PublicFilter selects items on a portal.
type PublicFilter struct {
	Department string // department code
	Category   string
	Q          string
	Limit      int
	Offset     int
}

// PublicSummary is one item of a portal's catalogue.
type PublicSummary struct {
	ID            uuid.UUID  `json:"id"`
	Code          string     `json:"code"`
	Name          string     `json:"name"`
	Category      string     `json:"category"`
	Department    DeptRef    `json:"department"`
	HandlingType  string     `json:"handling_type"`
	LegalLimit    int        `json:"legal_limit"`
	PromisedLimit int        `json:"promised_limit"`
	Free          bool       `json:"free"`
	Exercisable   bool       `json:"exercisable"`
	State         string     `json:"state"`
	VersionNumber int        `json:"version_number"`
	PublishedAt   *time.Time `json:"published_at"`
	FiledAt       *time.Time `json:"filed_at"`
}

// Facet counts the public items of one department or category.
type Facet struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// PublicCatalogue is a portal's catalogue page: the matching items and the counts
// to browse by.
type PublicCatalogue struct {
	Items       []PublicSummary `json:"items"`
	Total       int64           `json:"total"`
	Departments []Facet         `json:"departments"`
	Categories  []Facet         `json:"categories"`
}

// PublicVersion is a published version as the public reads it: the whole content
// and its publication dates; nothing about who typed it.
type PublicVersion struct {
	Content
	Number          int        `json:"number"`
	Status          string     `json:"status"`
	PublishedAt     *time.Time `json:"published_at"`
	FilingDueAt     *time.Time `json:"filing_due_at"`
	FiledAt         *time.Time `json:"filed_at"`
	LongestPathDays int        `json:"longest_path_days"`
}

// PublicItem is an item page of the portal.
type PublicItem struct {
	ID          uuid.UUID `json:"id"`
	TenantCode  string    `json:"tenant_code"`
	TenantName  string    `json:"tenant_name"`
	Department  DeptRef   `json:"department"`
	Exercisable bool      `json:"exercisable"`
	State       string    `json:"state"`
	// Version is the version in force, or before the first filing the published one.
	Version PublicVersion `json:"version"`
	// Pending is a published revision that awaits filing (public, not yet in force).
	Pending *PublicVersion `json:"pending"`
	// Departments names every department the flowcharts mention, by code.
	Departments map[string]string `json:"departments"`
}

func publicVersion(v *Version) PublicVersion {
	c := v.Content()
	c.Normalize()
	return PublicVersion{Content: c, Number: v.Number, Status: v.Status, PublishedAt: v.PublishedAt, FilingDueAt: v.FilingDueAt,
		FiledAt: v.FiledAt, LongestPathDays: v.Flowchart.LongestCountedPath()}
}

type publicRow struct {
	ID            uuid.UUID
	Code          string
	Name          string
	Category      string
	HandlingType  string
	LegalLimit    int
	PromisedLimit int
	Free          bool
	Number        int
	Status        string
	PublishedAt   *time.Time
	FiledAt       *time.Time
	DeptID        uuid.UUID
	DeptCode      string
	DeptName      string
}

// PublicList returns a portal's catalogue: only items with a published or filed
// version, showing that version.
func (s *Service) PublicList(ctx context.Context, t *tenant.Tenant, f PublicFilter) (*PublicCatalogue, error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	out := &PublicCatalogue{Items: []PublicSummary{}, Departments: []Facet{}, Categories: []Facet{}}
	err := s.db.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{t.ID}), func(tx *gorm.DB) error {
		base := func() *gorm.DB {
			return tx.Table("powers p").
				Joins("JOIN power_versions v ON v.id = p.public_version_id").
				Joins("JOIN "+tenancy.DepartmentsView+" d ON d.id = p.department_id").
				Where("p.tenant_id = ?", t.ID)
		}
		filtered := base()
		if f.Department != "" {
			filtered = filtered.Where("d.code = ?", f.Department)
		}
		if f.Category != "" {
			filtered = filtered.Where("v.category = ?", f.Category)
		}
		for _, term := range strings.Fields(f.Q) {
			pat := likePattern(term)
			filtered = filtered.Where("(v.name ILIKE ? OR v.code ILIKE ?)", pat, pat)
		}
		if err := filtered.Count(&out.Total).Error; err != nil {
			return err
		}
		var rows []publicRow
		if err := filtered.Select(`p.id, v.code, v.name, v.category, v.handling_type, v.legal_limit, v.promised_limit, v.free,
			v.number, v.status, v.published_at, v.filed_at, d.id AS dept_id, d.code AS dept_code, d.name AS dept_name`).
			Order("d.sort, d.code, v.code").Limit(f.Limit).Offset(f.Offset).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			state := PublicPendingFiling
			if r.Status == StatusFiled {
				state = PublicInForce
			}
			out.Items = append(out.Items, PublicSummary{ID: r.ID, Code: r.Code, Name: r.Name, Category: r.Category,
				Department: DeptRef{ID: r.DeptID, Code: r.DeptCode, Name: r.DeptName}, HandlingType: r.HandlingType,
				LegalLimit: r.LegalLimit, PromisedLimit: r.PromisedLimit, Free: r.Free, Exercisable: state == PublicInForce,
				State: state, VersionNumber: r.Number, PublishedAt: r.PublishedAt, FiledAt: r.FiledAt})
		}
		var depts []struct {
			Code, Name string
			Count      int
		}
		if err := base().Select("d.code, d.name, count(*) AS count").Group("d.code, d.name, d.sort").Order("d.sort, d.code").Scan(&depts).Error; err != nil {
			return err
		}
		for _, d := range depts {
			out.Departments = append(out.Departments, Facet{Key: d.Code, Name: d.Name, Count: d.Count})
		}
		var cats []struct {
			Category string
			Count    int
		}
		if err := base().Select("v.category, count(*) AS count").Group("v.category").Scan(&cats).Error; err != nil {
			return err
		}
		order, err := s.Categories(ctx, t)
		if err != nil {
			return err
		}
		counted := map[string]int{}
		for _, c := range cats {
			counted[c.Category] = c.Count
		}
		for _, name := range order {
			if n := counted[name]; n > 0 {
				out.Categories = append(out.Categories, Facet{Key: name, Name: name, Count: n})
				delete(counted, name)
			}
		}
		// Categories no longer configured still show while items use them.
		for _, c := range cats {
			if n, ok := counted[c.Category]; ok {
				out.Categories = append(out.Categories, Facet{Key: c.Category, Name: c.Category, Count: n})
			}
		}
		return nil
	})
	return out, err
}

// PublicGet returns a portal's item page (404 unless something is published).
func (s *Service) PublicGet(ctx context.Context, t *tenant.Tenant, id uuid.UUID) (*PublicItem, error) {
	var out *PublicItem
	err := s.db.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{t.ID}), func(tx *gorm.DB) error {
		p, err := loadPower(tx, id, false)
		if err != nil {
			return err
		}
		if p.PublicVersionID == nil || p.TenantID != t.ID {
			return apperr.NotFound("catalogue.power_not_found")
		}
		v, err := loadVersion(tx, *p.PublicVersionID)
		if err != nil {
			return err
		}
		dept, err := departmentRef(tx, p.DepartmentID)
		if err != nil {
			return err
		}
		out = &PublicItem{ID: p.ID, TenantCode: t.Code, TenantName: t.Name, Department: dept, Exercisable: p.Exercisable(),
			State: PublicPendingFiling, Version: publicVersion(v), Departments: map[string]string{}}
		if p.Exercisable() {
			out.State = PublicInForce
		}
		codes := map[string]bool{dept.Code: true}
		for _, st := range v.Flowchart.Steps {
			codes[st.DepartmentCode] = true
		}
		if p.Status == StatusPublished && p.LatestVersionID != v.ID {
			latest, err := loadVersion(tx, p.LatestVersionID)
			if err != nil {
				return err
			}
			pv := publicVersion(latest)
			out.Pending = &pv
			for _, st := range latest.Flowchart.Steps {
				codes[st.DepartmentCode] = true
			}
		}
		list := make([]string, 0, len(codes))
		for c := range codes {
			if c != "" {
				list = append(list, c)
			}
		}
		names, err := tenancy.DepartmentNamesByCode(tx, t.ID, list)
		if err != nil {
			return err
		}
		for code, name := range names {
			out.Departments[code] = name
		}
		return nil
	})
	return out, err
}
