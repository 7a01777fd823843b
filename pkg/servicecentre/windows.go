// Package servicecentre is the county service centre's side of casework: its windows
// (一门受理: which departments' items a window takes, who is authorised at it), the one
// rule of taking a case at a window (WindowFacts.Check, used by casework's intake and
// acceptance alike), and the windows' volume report.
package servicecentre

import (
	"context"
	"regexp"
	"strings"

	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/calendar/tenantcal"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// Window is a service-centre window.
type Window struct {
	ID            uuid.UUID `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID      uuid.UUID `gorm:"type:uuid" json:"-"`
	Number        string    `json:"number"`
	Name          string    `json:"name"`
	DepartmentID  uuid.UUID `gorm:"type:uuid" json:"department_id"`
	Comprehensive bool      `json:"comprehensive"`
	Active        bool      `json:"active"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TableName maps Window to its table.
func (Window) TableName() string { return "windows" }

// Cases is what the service centre reads of the cases taken at its windows; casework
// implements it (it owns the cases).
type Cases interface {
	// WindowDays counts, per window of tenants and Asia/Shanghai day of [start, end),
	// the cases accepted at it and the cases it took in that were decided.
	WindowDays(ctx context.Context, scope db.Scope, tenants []uuid.UUID, start, end time.Time) ([]WindowDay, error)
}

// WindowDay is one window's count of one day.
type WindowDay struct {
	WindowID uuid.UUID
	Day      calendar.Date
	Accepted int
	Decided  int
}

// Service runs the service centre's windows and reports.
type Service struct {
	db        *db.DB
	tenants   *tenant.Registry
	calendars *tenantcal.Calendars
	enforcer  *authz.Enforcer
	clock     clock.Clock
	cases     Cases
}

// NewService builds the service centre over the cases taken at its windows.
func NewService(d *db.DB, tenants *tenant.Registry, cals *tenantcal.Calendars, enforcer *authz.Enforcer, c clock.Clock, cases Cases) *Service {
	return &Service{db: d, tenants: tenants, calendars: cals, enforcer: enforcer, clock: c, cases: cases}
}

// WithClock returns a copy of the service that tells the time by c (the demo replays
// weeks on a fake clock).
func (s *Service) WithClock(c clock.Clock) *Service {
	cp := *s
	cp.clock = c
	return &cp
}

// WindowFacts are what taking a case at a window depends on: the window (found,
// active, whose items it serves) and whether the acting user is authorised there.
// LoadWindowFacts reads them; casework's intake reads them in its one grouped query.
type WindowFacts struct {
	Found         bool
	Active        bool
	Comprehensive bool
	DepartmentID  uuid.UUID
	// Staff: the acting user is authorised at the window.
	Staff bool
}

// Check is the one rule of taking a case of departmentID's item at a window: the
// window exists, is active and serves the department (or every department), and a
// user acting there is authorised at it. Online applicants and the system act at no
// window of their own and skip the last check.
func (f WindowFacts) Check(a actor.Actor, departmentID uuid.UUID) error {
	switch {
	case !f.Found:
		return apperr.Invalid("validation_failed").WithField("window_id", "casework.window_unknown")
	case !f.Active:
		return apperr.Invalid("validation_failed").WithField("window_id", "casework.window_inactive")
	case !f.Comprehensive && f.DepartmentID != departmentID:
		return apperr.Invalid("validation_failed").WithField("window_id", "casework.window_wrong_department")
	case a.Kind == actor.KindUser && !f.Staff:
		return apperr.Forbidden("casework.not_window_staff")
	}
	return nil
}

// LoadWindowFacts reads the facts of windowID for userID within tx's scope.
func LoadWindowFacts(tx *gorm.DB, windowID, userID uuid.UUID) (WindowFacts, error) {
	var rows []struct {
		Active, Comprehensive, Staff bool
		DepartmentID                 uuid.UUID
	}
	err := tx.Raw(`SELECT w.active, w.comprehensive, w.department_id,
			EXISTS (SELECT 1 FROM window_staff ws WHERE ws.window_id = w.id AND ws.user_id = ?) AS staff
		FROM windows w WHERE w.id = ?`, userID, windowID).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return WindowFacts{}, err
	}
	r := rows[0]
	return WindowFacts{Found: true, Active: r.Active, Comprehensive: r.Comprehensive, DepartmentID: r.DepartmentID, Staff: r.Staff}, nil
}

// ServesDepartment reports whether userID is authorised at an active window that takes
// departmentID's items (an online case may be accepted at any such window).
func ServesDepartment(tx *gorm.DB, userID, departmentID uuid.UUID) (bool, error) {
	var n int64
	err := tx.Table("window_staff ws").Joins("JOIN windows w ON w.id = ws.window_id").
		Where("ws.user_id = ? AND w.active AND (w.comprehensive OR w.department_id = ?)", userID, departmentID).Count(&n).Error
	return n > 0, err
}

// WindowInput creates or changes a window.
type WindowInput struct {
	Number        string    `json:"number"`
	Name          string    `json:"name"`
	DepartmentID  uuid.UUID `json:"department_id"`
	Comprehensive bool      `json:"comprehensive"`
	Active        *bool     `json:"active"`
}

var windowNumberRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,16}$`)

func (in *WindowInput) validate() error {
	in.Number, in.Name = strings.TrimSpace(in.Number), strings.TrimSpace(in.Name)
	var v apperr.Fields
	if v.Required("number", in.Number) && !windowNumberRE.MatchString(in.Number) {
		v.Add("number", "casework.window_number_format")
	}
	if v.Required("name", in.Name) && len([]rune(in.Name)) > 100 {
		v.Add("name", "too_long", apperr.Params{"max": 100})
	}
	if in.DepartmentID == uuid.Nil {
		v.Add("department_id", "required")
	}
	return v.Err()
}

// WindowWithStaff is a window and who is authorised at it.
type WindowWithStaff struct {
	Window
	TenantCode string      `json:"tenant_code"`
	StaffIDs   []uuid.UUID `json:"staff_ids"`
}

// Windows lists the windows of tenants (in scope) with their staff; codes names the
// tenants (a city reader's list spans several).
func (s *Service) Windows(ctx context.Context, scope db.Scope, tenants []uuid.UUID, codes map[uuid.UUID]string) ([]WindowWithStaff, error) {
	var ws []Window
	var staff []struct {
		WindowID uuid.UUID
		UserID   uuid.UUID
	}
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id IN ?", tenants).Order("number").Find(&ws).Error; err != nil {
			return err
		}
		return tx.Table("window_staff").Select("window_id, user_id").Where("tenant_id IN ?", tenants).Scan(&staff).Error
	})
	if err != nil {
		return nil, err
	}
	by := map[uuid.UUID][]uuid.UUID{}
	for _, st := range staff {
		by[st.WindowID] = append(by[st.WindowID], st.UserID)
	}
	out := make([]WindowWithStaff, len(ws))
	for i, w := range ws {
		ids := by[w.ID]
		if ids == nil {
			ids = []uuid.UUID{}
		}
		out[i] = WindowWithStaff{Window: w, TenantCode: codes[w.TenantID], StaffIDs: ids}
	}
	return out, nil
}

// CreateWindow adds a window to the actor's tenant.
func (s *Service) CreateWindow(ctx context.Context, a actor.Actor, in WindowInput) (*WindowWithStaff, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	w := &Window{ID: uuid.Must(uuid.NewV7()), TenantID: a.TenantID, Number: in.Number, Name: in.Name, DepartmentID: in.DepartmentID, Comprehensive: in.Comprehensive, Active: true}
	err := s.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		if err := tx.Create(w).Error; err != nil {
			return windowError(err, in.Number)
		}
		return audit.Record(tx, a, s.clock.Now(), audit.Event{Action: "window.create", ObjectType: "window", ObjectID: w.ID.String(),
			After: map[string]any{"number": w.Number, "name": w.Name, "department_id": w.DepartmentID, "comprehensive": w.Comprehensive}})
	})
	if err != nil {
		return nil, err
	}
	return &WindowWithStaff{Window: *w, TenantCode: a.TenantCode, StaffIDs: []uuid.UUID{}}, nil
}

func windowError(err error, number string) error {
	if db.IsUniqueViolation(err, "windows_tenant_id_number_key") {
		return apperr.Conflict("casework.window_number_taken", apperr.Params{"number": number}).WithField("number", "casework.window_number_taken", apperr.Params{"number": number})
	}
	if strings.Contains(db.ConstraintName(err), "department") {
		return apperr.Invalid("validation_failed").WithField("department_id", "identity.department_unknown")
	}
	return db.Classify(err)
}

// UpdateWindow changes a window of the actor's tenant.
func (s *Service) UpdateWindow(ctx context.Context, a actor.Actor, id uuid.UUID, in WindowInput) (*WindowWithStaff, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var w Window
	staff := []uuid.UUID{}
	err := s.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, a.TenantID).First(&w).Error; err != nil {
			return db.Classify(err)
		}
		if err := tx.Table("window_staff").Where("window_id = ?", id).Order("user_id").Pluck("user_id", &staff).Error; err != nil {
			return err
		}
		before := map[string]any{"number": w.Number, "name": w.Name, "department_id": w.DepartmentID, "comprehensive": w.Comprehensive, "active": w.Active}
		active := w.Active
		if in.Active != nil {
			active = *in.Active
		}
		updates := map[string]any{"number": in.Number, "name": in.Name, "department_id": in.DepartmentID, "comprehensive": in.Comprehensive, "active": active}
		if err := tx.Model(&w).Updates(updates).Error; err != nil {
			return windowError(err, in.Number)
		}
		return audit.Record(tx, a, s.clock.Now(), audit.Event{Action: "window.update", ObjectType: "window", ObjectID: id.String(), Before: before, After: updates})
	})
	if err != nil {
		return nil, err
	}
	return &WindowWithStaff{Window: w, TenantCode: a.TenantCode, StaffIDs: staff}, nil
}

// SetWindowStaff replaces who is authorised at a window. Only users of the tenant who
// hold the window clerk role may be authorised.
func (s *Service) SetWindowStaff(ctx context.Context, a actor.Actor, id uuid.UUID, userIDs []uuid.UUID) (*WindowWithStaff, error) {
	var out *WindowWithStaff
	err := s.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		var w Window
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, a.TenantID).First(&w).Error; err != nil {
			return db.Classify(err)
		}
		var v apperr.Fields
		for i, uid := range userIDs {
			var n int64
			if err := tx.Table("users").Where("id = ? AND tenant_id = ? AND status = 'active'", uid, a.TenantID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				v.Add("user_ids["+itoa(i)+"]", "casework.staff_unknown")
				continue
			}
			held := false
			for _, g := range s.enforcer.GrantsOf(uid) {
				held = held || (g.Role == "window_clerk" && g.Domain == a.TenantPath)
			}
			if !held {
				v.Add("user_ids["+itoa(i)+"]", "casework.staff_not_clerk")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		var before []uuid.UUID
		if err := tx.Table("window_staff").Where("window_id = ?", id).Pluck("user_id", &before).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM window_staff WHERE window_id = ?`, id).Error; err != nil {
			return err
		}
		seen := map[uuid.UUID]bool{}
		ids := []uuid.UUID{}
		for _, uid := range userIDs {
			if seen[uid] {
				continue
			}
			seen[uid] = true
			ids = append(ids, uid)
			if err := tx.Exec(`INSERT INTO window_staff (tenant_id, window_id, user_id) VALUES (?, ?, ?)`, a.TenantID, id, uid).Error; err != nil {
				return db.Classify(err)
			}
		}
		out = &WindowWithStaff{Window: w, TenantCode: a.TenantCode, StaffIDs: ids}
		return audit.Record(tx, a, s.clock.Now(), audit.Event{Action: "window.staff", ObjectType: "window", ObjectID: id.String(),
			Before: map[string]any{"staff": before}, After: map[string]any{"staff": ids}})
	})
	return out, err
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func init() {
	apperr.Register("casework.window_unknown", "窗口不存在", "No such window")
	apperr.Register("casework.window_inactive", "窗口已停用", "The window is closed")
	apperr.Register("casework.window_wrong_department", "该窗口不受理此部门的事项", "This window does not serve this department's items")
	apperr.Register("casework.not_window_staff", "您未获授权在该窗口受理", "You are not authorised at this window")
	apperr.Register("casework.window_number_format", "窗口编号须为 1-16 位字母、数字或连字符", "Window numbers are 1–16 letters, digits or hyphens")
	apperr.Register("casework.window_number_taken", "窗口编号 {number} 已存在", "Window number {number} is taken")
	apperr.Register("casework.staff_unknown", "用户不存在或已停用", "No such active user")
	apperr.Register("casework.staff_not_clerk", "只有窗口受理员可以被授权到窗口", "Only window clerks can be authorised at a window")
}
