package catalogue

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// VersionSummary is one line of an item's version history.
type VersionSummary struct {
	ID              uuid.UUID  `json:"id"`
	Number          int        `json:"number"`
	Status          string     `json:"status"`
	ChangeNote      string     `json:"change_note"`
	CreatedByName   string     `json:"created_by_name"`
	UpdatedByName   string     `json:"updated_by_name"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	SubmittedAt     *time.Time `json:"submitted_at"`
	ReviewedAt      *time.Time `json:"reviewed_at"`
	ReviewedByName  string     `json:"reviewed_by_name"`
	ReviewComment   string     `json:"review_comment"`
	PublishedAt     *time.Time `json:"published_at"`
	FilingDueAt     *time.Time `json:"filing_due_at"`
	FiledAt         *time.Time `json:"filed_at"`
	FiledByName     string     `json:"filed_by_name"`
	SupersededAt    *time.Time `json:"superseded_at"`
	InForce         bool       `json:"in_force"`
	LongestPathDays int        `json:"longest_path_days"`
}

// Detail is an item as staff see it: the current (latest) version, the version in
// force, the whole history and the filing in progress.
type Detail struct {
	ID            uuid.UUID `json:"id"`
	TenantCode    string    `json:"tenant_code"`
	TenantName    string    `json:"tenant_name"`
	Code          string    `json:"code"`
	Name          string    `json:"name"`
	Category      string    `json:"category"`
	Status        string    `json:"status"`
	Department    DeptRef   `json:"department"`
	Exercisable   bool      `json:"exercisable"`
	LatestNumber  int       `json:"latest_number"`
	InForceNumber *int      `json:"in_force_number"`
	// Flowchart is the current version's (also inside Current).
	Flowchart       Flowchart        `json:"flowchart"`
	LongestPathDays int              `json:"longest_path_days"`
	Current         *Version         `json:"current"`
	InForce         *Version         `json:"in_force"`
	Versions        []VersionSummary `json:"versions"`
	Filing          *FilingView      `json:"filing"`
	UpdatedAt       time.Time        `json:"updated_at"`
	// AllowedActions are the workflow actions the caller may take now (the console
	// shows exactly these).
	AllowedActions []string `json:"allowed_actions"`
}

func (s *Service) detail(ctx context.Context, tx *gorm.DB, p *Power) (*Detail, error) {
	t, err := s.tenants.ByID(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	versions, err := listVersions(tx, p.ID)
	if err != nil {
		return nil, err
	}
	d := &Detail{ID: p.ID, TenantCode: t.Code, TenantName: t.Name, Code: p.Code, Name: p.Name, Category: p.Category, Status: p.Status,
		Exercisable: p.Exercisable(), LatestNumber: p.LatestNumber, UpdatedAt: p.UpdatedAt, Versions: make([]VersionSummary, 0, len(versions))}
	dept, err := departmentRef(tx, p.DepartmentID)
	if err != nil {
		return nil, err
	}
	d.Department = dept
	for i := range versions {
		v := &versions[i]
		inForce := p.InForceVersionID != nil && *p.InForceVersionID == v.ID
		if v.ID == p.LatestVersionID {
			d.Current = v
		}
		if inForce {
			d.InForce = v
			n := v.Number
			d.InForceNumber = &n
		}
		d.Versions = append(d.Versions, VersionSummary{ID: v.ID, Number: v.Number, Status: v.Status, ChangeNote: v.ChangeNote,
			CreatedByName: v.CreatedByName, UpdatedByName: v.UpdatedByName, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
			SubmittedAt: v.SubmittedAt, ReviewedAt: v.ReviewedAt, ReviewedByName: v.ReviewedByName, ReviewComment: v.ReviewComment,
			PublishedAt: v.PublishedAt, FilingDueAt: v.FilingDueAt, FiledAt: v.FiledAt, FiledByName: v.FiledByName,
			SupersededAt: v.SupersededAt, InForce: inForce, LongestPathDays: v.Flowchart.LongestCountedPath()})
	}
	if d.Current == nil {
		return nil, apperr.Internal(errNoLatest)
	}
	d.Flowchart = d.Current.Flowchart
	d.LongestPathDays = d.Current.Flowchart.LongestCountedPath()
	var f Filing
	res := tx.Where("power_id = ? AND version_id = ?", p.ID, p.LatestVersionID).Limit(1).Find(&f)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected > 0 {
		fv := s.filingView(ctx, f, d.Department, s.clock.Now())
		d.Filing = &fv
	}
	d.AllowedActions = s.allowedActions(ctx, p, t)
	return d, nil
}

type errString string

func (e errString) Error() string { return string(e) }

const errNoLatest = errString("catalogue: power without its latest version")

func departmentRef(tx *gorm.DB, id uuid.UUID) (DeptRef, error) {
	refs, err := tenancy.DepartmentRefs(tx, []uuid.UUID{id})
	if err != nil {
		return DeptRef{}, err
	}
	r, ok := refs[id]
	if !ok {
		return DeptRef{}, apperr.NotFound("not_found")
	}
	return DeptRef{ID: r.ID, Code: r.Code, Name: r.Name, Active: r.Active}, nil
}

// Get returns an item the caller may read.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*Detail, error) {
	scope, err := s.readScope(ctx)
	if err != nil {
		return nil, err
	}
	var out *Detail
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		p, err := loadPower(tx, id, false)
		if err != nil {
			return err
		}
		out, err = s.detail(ctx, tx, p)
		return err
	})
	return out, err
}

// Filter selects items for the staff list and the export.
type Filter struct {
	// Tenant (a code) narrows the list to one of the tenants the caller may read.
	Tenant  string
	tenants []uuid.UUID
	// Status of the latest version.
	Status string
	// Department is a department code or ID.
	Department string
	Category   string
	// Q matches names and codes; every whitespace-separated term must match.
	Q        string
	Limit    int
	Offset   int
	Exercise *bool
}

// Summary is one line of the staff list.
type Summary struct {
	ID            uuid.UUID  `json:"id"`
	TenantCode    string     `json:"tenant_code"`
	Code          string     `json:"code"`
	Name          string     `json:"name"`
	Category      string     `json:"category"`
	Status        string     `json:"status"`
	Department    DeptRef    `json:"department"`
	Exercisable   bool       `json:"exercisable"`
	LatestNumber  int        `json:"latest_number"`
	InForceNumber *int       `json:"in_force_number"`
	HandlingType  string     `json:"handling_type"`
	LegalLimit    int        `json:"legal_limit"`
	PromisedLimit int        `json:"promised_limit"`
	FilingDueAt   *time.Time `json:"filing_due_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

type summaryRow struct {
	ID            uuid.UUID
	TenantID      uuid.UUID
	Code          string
	Name          string
	Category      string
	Status        string
	LatestNumber  int
	InForceNumber *int
	HandlingType  string
	LegalLimit    int
	PromisedLimit int
	FilingDueAt   *time.Time
	UpdatedAt     time.Time
	DeptID        uuid.UUID
	DeptCode      string
	DeptName      string
}

func (f Filter) apply(q *gorm.DB) *gorm.DB {
	q = q.Where("p.tenant_id IN ?", f.tenants)
	if f.Status != "" {
		q = q.Where("p.status = ?", f.Status)
	}
	if f.Department != "" {
		if id, err := uuid.Parse(f.Department); err == nil {
			q = q.Where("p.department_id = ?", id)
		} else {
			q = q.Where("d.code = ?", f.Department)
		}
	}
	if f.Category != "" {
		q = q.Where("p.category = ?", f.Category)
	}
	for _, term := range strings.Fields(f.Q) {
		pat := likePattern(term)
		q = q.Where("(p.name ILIKE ? OR p.code ILIKE ?)", pat, pat)
	}
	if f.Exercise != nil {
		if *f.Exercise {
			q = q.Where("p.in_force_version_id IS NOT NULL")
		} else {
			q = q.Where("p.in_force_version_id IS NULL")
		}
	}
	return q
}

// List returns the items matching f (ordered by department, then code) and the total.
func (s *Service) List(ctx context.Context, f Filter) ([]Summary, int64, error) {
	if f.Status != "" && !contains(Statuses, f.Status) {
		return nil, 0, apperr.BadRequest("bad_query", apperr.Params{"param": "status", "reason": "must be one of " + strings.Join(Statuses, ", ")})
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	ts, err := s.Tenants(ctx, f.Tenant)
	if err != nil {
		return nil, 0, err
	}
	f.tenants = tenant.IDs(ts)
	var rows []summaryRow
	var total int64
	err = s.db.Tx(ctx, db.ReadOnlyScope(f.tenants), func(tx *gorm.DB) error {
		base := func() *gorm.DB {
			return f.apply(tx.Table("powers p").
				Joins("JOIN " + tenancy.DepartmentsView + " d ON d.id = p.department_id").
				Joins("JOIN power_versions v ON v.id = p.latest_version_id").
				Joins("LEFT JOIN power_versions iv ON iv.id = p.in_force_version_id"))
		}
		if err := base().Count(&total).Error; err != nil {
			return err
		}
		return base().Select(`p.id, p.tenant_id, p.code, p.name, p.category, p.status, p.latest_number, iv.number AS in_force_number,
			v.handling_type, v.legal_limit, v.promised_limit, v.filing_due_at, p.updated_at, d.id AS dept_id, d.code AS dept_code, d.name AS dept_name`).
			Order("p.tenant_id, d.sort, d.code, p.code").Limit(f.Limit).Offset(f.Offset).Scan(&rows).Error
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]Summary, len(rows))
	for i, r := range rows {
		code := ""
		if t, err := s.tenants.ByID(ctx, r.TenantID); err == nil {
			code = t.Code
		}
		out[i] = Summary{ID: r.ID, TenantCode: code, Code: r.Code, Name: r.Name, Category: r.Category, Status: r.Status,
			Department: DeptRef{ID: r.DeptID, Code: r.DeptCode, Name: r.DeptName}, Exercisable: r.InForceNumber != nil,
			LatestNumber: r.LatestNumber, InForceNumber: r.InForceNumber, HandlingType: r.HandlingType, LegalLimit: r.LegalLimit,
			PromisedLimit: r.PromisedLimit, FilingDueAt: r.FilingDueAt, UpdatedAt: r.UpdatedAt}
	}
	return out, total, nil
}

// DiffResult compares two versions of an item field by field.
type DiffResult struct {
	From    int      `json:"from"`
	To      int      `json:"to"`
	Changes []Change `json:"changes"`
}

// Diff compares version from with version to (0: to = latest, from = to − 1).
func (s *Service) Diff(ctx context.Context, id uuid.UUID, fromN, toN int) (*DiffResult, error) {
	scope, err := s.readScope(ctx)
	if err != nil {
		return nil, err
	}
	var out *DiffResult
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		p, err := loadPower(tx, id, false)
		if err != nil {
			return err
		}
		if toN == 0 {
			toN = p.LatestNumber
		}
		if fromN == 0 {
			fromN = toN - 1
		}
		if fromN < 1 {
			return apperr.Invalid("catalogue.diff_needs_two", apperr.Params{"number": toN})
		}
		a, err := loadVersionNumber(tx, id, fromN)
		if err != nil {
			return err
		}
		b, err := loadVersionNumber(tx, id, toN)
		if err != nil {
			return err
		}
		changes := DiffContent(a.Content(), b.Content())
		if changes == nil {
			changes = []Change{}
		}
		out = &DiffResult{From: fromN, To: toN, Changes: changes}
		return nil
	})
	return out, err
}

// HistoryEntry is one audited change of an item: who did what, when.
type HistoryEntry struct {
	At        time.Time `json:"at"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"`
	Version   int       `json:"version"`
	Status    string    `json:"status"`
	Comment   string    `json:"comment"`
	Changed   []string  `json:"changed"`
}

// History lists an item's audited changes, newest first.
func (s *Service) History(ctx context.Context, id uuid.UUID) ([]HistoryEntry, error) {
	scope, err := s.readScope(ctx)
	if err != nil {
		return nil, err
	}
	var out []HistoryEntry
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		p, err := loadPower(tx, id, false)
		if err != nil {
			return err
		}
		rows, _, err := audit.List(tx, audit.Filter{Tenants: []uuid.UUID{p.TenantID}, ObjectType: auditObject, ObjectID: p.ID.String(), Limit: 500})
		if err != nil {
			return err
		}
		out = make([]HistoryEntry, 0, len(rows))
		for _, r := range rows {
			var sum struct {
				After struct {
					Status  string `json:"status"`
					Version int    `json:"version"`
				} `json:"after"`
				Data struct {
					Comment    string   `json:"comment"`
					ChangeNote string   `json:"change_note"`
					Changed    []string `json:"changed"`
					Version    int      `json:"version"`
				} `json:"data"`
			}
			_ = json.Unmarshal([]byte(r.Summary), &sum)
			e := HistoryEntry{At: r.At, ActorName: r.ActorName, Action: strings.TrimPrefix(r.Action, "power."), Version: sum.Data.Version,
				Status: sum.After.Status, Comment: sum.Data.Comment, Changed: sum.Data.Changed}
			if e.Comment == "" {
				e.Comment = sum.Data.ChangeNote
			}
			if e.Changed == nil {
				e.Changed = []string{}
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// FilingView is a filing as the queue shows it.
type FilingView struct {
	Filing
	TenantCode string  `json:"tenant_code"`
	TenantName string  `json:"tenant_name"`
	Department DeptRef `json:"department"`
	// State is pending, overdue or filed (overdue: pending past its due time).
	State string `json:"state"`
	// WorkingDaysLeft counts working days until the due date (pending), and
	// WorkingDaysOverdue those since it (overdue).
	WorkingDaysLeft    int `json:"working_days_left"`
	WorkingDaysOverdue int `json:"working_days_overdue"`
}

func (s *Service) filingView(ctx context.Context, f Filing, dept DeptRef, now time.Time) FilingView {
	v := FilingView{Filing: f, Department: dept, State: f.StatusAt(now)}
	if t, err := s.tenants.ByID(ctx, f.TenantID); err == nil {
		v.TenantCode, v.TenantName = t.Code, t.Name
	}
	if cal, err := calendar.National(); err == nil {
		switch v.State {
		case FilingPending:
			v.WorkingDaysLeft = cal.WorkingDaysRemaining(now, f.DueAt)
		case FilingOverdue:
			v.WorkingDaysOverdue = -cal.WorkingDaysRemaining(now, f.DueAt)
		}
	}
	return v
}

// Filings lists the filing queue of the tenants the caller may read (tenantCode, when
// set, narrows it to one): pending, overdue, filed or (state "") all, oldest due first.
func (s *Service) Filings(ctx context.Context, tenantCode, state string) ([]FilingView, error) {
	ts, err := s.Tenants(ctx, tenantCode)
	if err != nil {
		return nil, err
	}
	read := tenant.IDs(ts)
	now := s.clock.Now().UTC()
	var rows []Filing
	depts := map[uuid.UUID]DeptRef{}
	err = s.db.Tx(ctx, db.ReadOnlyScope(read), func(tx *gorm.DB) error {
		q := tx.Where("tenant_id IN ?", read)
		switch state {
		case "":
		case FilingPending:
			q = q.Where("status = ? AND due_at > ?", FilingPending, now)
		case FilingOverdue:
			q = q.Where("status = ? AND due_at <= ?", FilingPending, now)
		case FilingFiled:
			q = q.Where("status = ?", FilingFiled)
		default:
			return apperr.BadRequest("bad_query", apperr.Params{"param": "status", "reason": "must be pending, overdue or filed"})
		}
		order := "due_at, code"
		if state == FilingFiled {
			order = "filed_at DESC, code"
		}
		if err := q.Order(order).Limit(1000).Find(&rows).Error; err != nil {
			return err
		}
		ids := make([]uuid.UUID, 0, len(rows))
		for _, r := range rows {
			ids = append(ids, r.DepartmentID)
		}
		refs, err := tenancy.DepartmentRefs(tx, ids)
		if err != nil {
			return err
		}
		for id, d := range refs {
			depts[id] = DeptRef{ID: d.ID, Code: d.Code, Name: d.Name, Active: true}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]FilingView, len(rows))
	for i, r := range rows {
		out[i] = s.filingView(ctx, r, depts[r.DepartmentID], now)
	}
	return out, nil
}

func init() {
	apperr.Register("catalogue.diff_needs_two", "事项只有第 {number} 版，没有可比较的版本", "Version {number} has no earlier version to compare with")
}
