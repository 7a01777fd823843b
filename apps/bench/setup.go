package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"sunshine/pkg/assembly"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/db/migrate"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/queue"
)

// env is a fresh database with the Anyang demo tenants and accounts.
type env struct {
	adminURL string
	ownerURL string
	appURL   string
	name     string
	app      *assembly.App
	cfg      *config.Config
	reg      *queue.Registry
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// newEnv creates a database, migrates it and assembles the application on it
// (production settings: real argon2 cost, JSON logs off).
func newEnv(ctx context.Context, adminURL string, q *queue.Client, redisURL string) (*env, error) {
	name := fmt.Sprintf("sunshine_bench_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	conn.Close(ctx)
	u, _ := url.Parse(adminURL)
	u.Path = "/" + name
	e := &env{adminURL: adminURL, ownerURL: u.String(), name: name}
	if err := (migrate.Migrator{OwnerURL: e.ownerURL, Log: logging.Discard()}).Up(ctx); err != nil {
		return nil, err
	}
	e.appURL, _ = db.WithUser(e.ownerURL, migrate.AppRole, "")
	filesDir, err := os.MkdirTemp("", "sunshine-bench-files-")
	if err != nil {
		return nil, err
	}
	vars := map[string]string{"SUNSHINE_MODE": "production", "DATABASE_URL": e.ownerURL, "REDIS_URL": "redis://127.0.0.1:1/0",
		"SUNSHINE_FILES_URL": "file://" + filesDir}
	if redisURL != "" {
		vars["REDIS_URL"] = redisURL
	}
	e.cfg, err = config.Load(config.MapLookup(vars), nil)
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, e.appURL, db.Pool{MaxOpen: 40, MaxIdle: 40, MaxLifetime: time.Hour}, logging.Discard())
	if err != nil {
		return nil, err
	}
	e.reg = queue.NewRegistry()
	p := assembly.Platform{Config: e.cfg, Log: logging.Discard(), DB: d, AppURL: e.appURL, Registry: e.reg, Queue: q}
	if q != nil {
		p.Redis = mustRedisOpt(redisURL)
	}
	e.app, err = assembly.Build(ctx, p)
	if err != nil {
		return nil, err
	}
	e.app.SkipDemoCatalogue, e.app.SkipDemoCases = true, true
	// The demo accounts share one password; hash it at test cost (logins are not measured).
	e.app.Hasher = identity.TestHasher()
	if _, err := e.app.SeedDemo(ctx, filepath.Join(repoRoot(), "tenants"), "Bench@2026"); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return e, nil
}

func (e *env) close(ctx context.Context) {
	e.app.Close()
	_ = e.app.DB.Close()
	if os.Getenv("BENCH_KEEP_DB") != "" {
		fmt.Fprintf(os.Stderr, "bench: kept database %s (BENCH_KEEP_DB)\n", e.name)
		return
	}
	conn, err := pgx.Connect(ctx, e.adminURL)
	if err == nil {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+e.name+" WITH (FORCE)")
		conn.Close(ctx)
	}
}

// filedPower inserts an exercisable item with a parallel flowchart in tenantCode and
// a comprehensive window staffed by the demo clerk; it returns both IDs.
func (e *env) filedPower(ctx context.Context, tenantCode string) (uuid.UUID, uuid.UUID, error) {
	t, err := e.app.Tenants.ByCode(ctx, tenantCode)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	powerID, windowID := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	now := time.Now().Add(-24 * time.Hour)
	task := func(id, name, dept string, limit int) catalogue.Step {
		return catalogue.Step{ID: id, Name: name, Kind: catalogue.KindTask, Role: "case_handler", DepartmentCode: dept, TimeLimit: limit, Counts: true}
	}
	fc := catalogue.Flowchart{
		Steps: []catalogue.Step{{ID: "start", Name: "受理", Kind: catalogue.KindStart}, task("review", "审查", "ZJJ", 2),
			{ID: "split", Name: "并联", Kind: catalogue.KindSplit}, task("a", "住建", "ZJJ", 3), task("b", "规划", "ZRZY", 3),
			{ID: "join", Name: "汇总", Kind: catalogue.KindJoin}, {ID: "end", Name: "办结", Kind: catalogue.KindEnd}},
		Edges: []catalogue.Edge{{From: "start", To: "review"}, {From: "review", To: "split"}, {From: "split", To: "a"}, {From: "split", To: "b"},
			{From: "a", To: "join"}, {From: "b", To: "join"}, {From: "join", To: "end"}},
	}
	err = e.app.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var deptID, zwfw string
		if err := tx.Raw(`SELECT id::text FROM departments WHERE tenant_id = ? AND code = 'ZJJ'`, t.ID).Row().Scan(&deptID); err != nil {
			return err
		}
		if err := tx.Raw(`SELECT id::text FROM departments WHERE tenant_id = ? AND code = 'ZWFW'`, t.ID).Row().Scan(&zwfw); err != nil {
			return err
		}
		dept := uuid.MustParse(deptID)
		v := catalogue.Version{ID: uuid.Must(uuid.NewV7()), PowerID: powerID, TenantID: t.ID, Number: 1, Status: catalogue.StatusFiled,
			Code: "BENCH-1", Name: "建筑工程施工许可证核发", Category: "行政许可", DepartmentID: dept, HandlingType: catalogue.HandlingPromise,
			LegalLimit: 20, PromisedLimit: 10, ExtensionDays: 10, Free: true, Flowchart: fc,
			Materials: []catalogue.Material{{Name: "申请书", Required: true, Copies: 1}, {Name: "营业执照", Required: true, Copies: 1}},
			Fees:      []catalogue.FeeItem{}, LegalBasis: []catalogue.LegalBasis{}, CounterpartyRights: []string{}, Discretion: []catalogue.DiscretionBand{},
			PublishedAt: &now, FilingDueAt: &now, FiledAt: &now}
		p := catalogue.Power{ID: powerID, TenantID: t.ID, Code: "BENCH-1", DepartmentID: dept, Name: v.Name, Category: v.Category,
			Status: catalogue.StatusFiled, LatestVersionID: v.ID, LatestNumber: 1, InForceVersionID: &v.ID, PublicVersionID: &v.ID}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		if err := tx.Create(&v).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO windows (id, tenant_id, number, name, department_id, comprehensive) VALUES (?, ?, 'B1', '综合窗口', ?, true)`, windowID, t.ID, zwfw).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO window_staff (tenant_id, window_id, user_id) SELECT ?, ?, id FROM users WHERE tenant_id = ? AND username = 'clerk'`, t.ID, windowID, t.ID).Error
	})
	return powerID, windowID, err
}
