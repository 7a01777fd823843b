package apitest

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/catalogue"
	"sunshine/pkg/platform/db"
)

// ParallelFlowchart is a filed-item flowchart with a parallel approval: 材料审查 (ZJJ)
// → split → 住建审查 (ZJJ) ‖ 规划审查 (ZRZY) ‖ 环评审查 (STHJ, 5 days, not counted) →
// join → 审批决定 (ZJJ, department head) → end. Counted longest path: 2+3+2 = 7.
func ParallelFlowchart() catalogue.Flowchart {
	task := func(id, name, dept, role string, limit int, counts bool) catalogue.Step {
		return catalogue.Step{ID: id, Name: name, Kind: catalogue.KindTask, Post: name, Role: role, DepartmentCode: dept, TimeLimit: limit, Counts: counts}
	}
	return catalogue.Flowchart{
		Steps: []catalogue.Step{
			{ID: "start", Name: "受理", Kind: catalogue.KindStart},
			task("review", "材料审查", "ZJJ", "case_handler", 2, true),
			{ID: "split", Name: "并联审批", Kind: catalogue.KindSplit},
			task("zjj", "住建审查", "ZJJ", "case_handler", 3, true),
			task("zrzy", "规划审查", "ZRZY", "case_handler", 3, true),
			task("sthj", "环评审查", "STHJ", "case_handler", 5, false),
			{ID: "join", Name: "汇总", Kind: catalogue.KindJoin},
			task("decide", "审批决定", "ZJJ", "dept_admin", 2, true),
			{ID: "end", Name: "办结", Kind: catalogue.KindEnd},
		},
		Edges: []catalogue.Edge{
			{From: "start", To: "review"}, {From: "review", To: "split"},
			{From: "split", To: "zjj"}, {From: "split", To: "zrzy"}, {From: "split", To: "sthj"},
			{From: "zjj", To: "join"}, {From: "zrzy", To: "join"}, {From: "sthj", To: "join"},
			{From: "join", To: "decide"}, {From: "decide", To: "end"},
		},
	}
}

// FiledPower inserts a filed (exercisable) power item directly, for casework tests
// that must not depend on walking the catalogue workflow. promised is the promised
// limit; green (optional) the green-channel limit.
func (e *Env) FiledPower(tenantCode, code, name string, promised int, green *int, fc catalogue.Flowchart) uuid.UUID {
	e.T.Helper()
	ctx := context.Background()
	t, err := e.App.Tenants.ByCode(ctx, tenantCode)
	if err != nil {
		e.T.Fatal(err)
	}
	now := e.Clock.Now().Add(-30 * 24 * time.Hour)
	powerID := uuid.Must(uuid.NewV7())
	err = e.App.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var dept uuid.UUID
		var id string
		if err := tx.Raw(`SELECT id::text FROM departments WHERE tenant_id = ? AND code = 'ZJJ'`, t.ID).Row().Scan(&id); err != nil {
			return err
		}
		dept = uuid.MustParse(id)
		v := catalogue.Version{
			ID: uuid.Must(uuid.NewV7()), PowerID: powerID, TenantID: t.ID, Number: 1, Status: catalogue.StatusFiled,
			Code: code, Name: name, Category: "行政许可", DepartmentID: dept, HandlingType: catalogue.HandlingPromise,
			LegalLimit: 20, PromisedLimit: promised, GreenLimit: green, ExtensionDays: 10, Free: false,
			Fees:      []catalogue.FeeItem{{Item: "证照工本费", AmountFen: 1000, Basis: "豫价费字〔2004〕"}},
			Materials: []catalogue.Material{{Name: "申请书", Required: true, Copies: 1}, {Name: "营业执照", Required: true, Copies: 1}, {Name: "设计图纸", Required: false, Copies: 2}},
			Flowchart: fc, LegalBasis: []catalogue.LegalBasis{}, CounterpartyRights: []string{"陈述申辩"}, Discretion: []catalogue.DiscretionBand{},
			PublishedAt: &now, FilingDueAt: &now, FiledAt: &now,
		}
		p := catalogue.Power{ID: powerID, TenantID: t.ID, Code: code, DepartmentID: dept, Name: name, Category: "行政许可",
			Status: catalogue.StatusFiled, LatestVersionID: v.ID, LatestNumber: 1, InForceVersionID: &v.ID, PublicVersionID: &v.ID}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		return tx.Create(&v).Error
	})
	if err != nil {
		e.T.Fatalf("filed power: %v", err)
	}
	return powerID
}

// Window opens a window serving departmentCode with the given clerks (usernames of
// the tenant) authorised.
func (e *Env) Window(tenantCode, number, departmentCode string, comprehensive bool, clerks ...string) uuid.UUID {
	e.T.Helper()
	ctx := context.Background()
	t, err := e.App.Tenants.ByCode(ctx, tenantCode)
	if err != nil {
		e.T.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	err = e.App.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO windows (id, tenant_id, number, name, department_id, comprehensive)
			SELECT ?, ?, ?, ?, id, ? FROM departments WHERE tenant_id = ? AND code = ?`,
			id, t.ID, number, number+"号窗口", comprehensive, t.ID, departmentCode).Error; err != nil {
			return err
		}
		for _, u := range clerks {
			if err := tx.Exec(`INSERT INTO window_staff (tenant_id, window_id, user_id) SELECT ?, ?, id FROM users WHERE tenant_id = ? AND username = ?`,
				t.ID, id, t.ID, u).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.T.Fatalf("window: %v", err)
	}
	return id
}

// UnfilePower removes a power's in-force version (as if it had never been filed).
func (e *Env) UnfilePower(tenantCode string, powerID uuid.UUID) {
	e.T.Helper()
	ctx := context.Background()
	t, _ := e.App.Tenants.ByCode(ctx, tenantCode)
	err := e.App.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE powers SET in_force_version_id = NULL WHERE id = ?`, powerID).Error
	})
	if err != nil {
		e.T.Fatal(err)
	}
}

// UserInDepartment creates a user of a department holding roles, signed in.
func (e *Env) UserInDepartment(tenantCode, username, departmentCode string, roles ...string) *Client {
	e.T.Helper()
	c := e.UserWithRoles(tenantCode, username, roles...)
	ctx := context.Background()
	t, _ := e.App.Tenants.ByCode(ctx, tenantCode)
	err := e.App.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE users SET department_id = (SELECT id FROM departments WHERE tenant_id = ? AND code = ?) WHERE tenant_id = ? AND username = ?`,
			t.ID, departmentCode, t.ID, username).Error
	})
	if err != nil {
		e.T.Fatal(err)
	}
	e.App.Identity.InvalidateSessions()
	return c
}
