package casework

import (
	"context"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/platform/db"
)

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
	apperr.Register("casework.window_number_format", "窗口编号须为 1-16 位字母、数字或连字符", "Window numbers are 1–16 letters, digits or hyphens")
	apperr.Register("casework.window_number_taken", "窗口编号 {number} 已存在", "Window number {number} is taken")
	apperr.Register("casework.staff_unknown", "用户不存在或已停用", "No such active user")
	apperr.Register("casework.staff_not_clerk", "只有窗口受理员可以被授权到窗口", "Only window clerks can be authorised at a window")
}
