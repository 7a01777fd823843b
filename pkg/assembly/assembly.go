// Package assembly is the composition root: it builds every capability's service on
// top of the platform (database, queue, clock) and hands the transport its
// dependencies. The binary and the API tests assemble the application the same way,
// so the tests exercise exactly what runs in production.
package assembly

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/hibiken/asynq"

	"sunshine/pkg/authz"
	"sunshine/pkg/demo"
	"sunshine/pkg/httpapi"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/metrics"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// Platform is what the application is built on.
type Platform struct {
	Config   *config.Config
	Log      *slog.Logger
	DB       *db.DB
	AppURL   string
	Redis    asynq.RedisConnOpt
	Queue    *queue.Client
	Registry *queue.Registry
	Metrics  *metrics.Registry
	Clock    clock.Clock
	Console  fs.FS
	// Hasher overrides the configured argon2id cost (tests use a cheap one).
	Hasher *identity.Hasher
}

// App is the assembled application.
type App struct {
	Platform
	Tenants  *tenant.Registry
	Identity *identity.Service
	Admin    *identity.Admin
	Enforcer *authz.Enforcer
	Tenancy  *tenancy.Service

	closers []func()
}

// TypePrune is the platform's periodic clean-up: expired sessions and stale login
// failures.
const TypePrune = "platform:prune"

// Build assembles every service and registers its tasks with p.Registry (when set).
func Build(ctx context.Context, p Platform) (*App, error) {
	if p.Log == nil {
		p.Log = slog.Default()
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	if p.Metrics == nil {
		p.Metrics = metrics.New()
	}
	cfg := p.Config
	a := &App{Platform: p}
	a.Tenants = tenant.NewRegistry(p.DB, 0)
	if a.Hasher == nil {
		a.Hasher = identity.NewHasher(cfg.Auth.Argon2MemoryKiB, cfg.Auth.Argon2Iterations, cfg.Auth.Argon2Parallelism)
	}
	a.Identity = identity.NewService(p.DB, a.Tenants, a.Hasher, p.Clock, identity.Config{
		SessionTTL: cfg.Auth.SessionTTL, TokenTTL: cfg.Auth.TokenTTL, MaxFailures: cfg.Auth.MaxFailures, FailureWindow: cfg.Auth.FailureWindow,
	})
	if _, err := authz.SyncRolePermissions(ctx, p.DB.Gorm(ctx)); err != nil {
		return nil, fmt.Errorf("authz: sync role permissions: %w", err)
	}
	enforcer, err := authz.NewEnforcer(p.DB.Gorm(context.Background()), p.Log)
	if err != nil {
		return nil, err
	}
	a.Enforcer = enforcer
	if p.AppURL != "" {
		watcher := authz.NewWatcher(p.AppURL, p.Log)
		_ = watcher.SetUpdateCallback(func(string) {
			if err := enforcer.Reload(); err != nil {
				p.Log.Error("authz: reload after a policy change failed", "error", err)
			}
		})
		a.closers = append(a.closers, watcher.Close)
	}
	a.Admin = identity.NewAdmin(a.Identity, enforcer)
	a.Tenancy = tenancy.NewService(p.DB, a.Tenants, a.Hasher, p.Clock, enforcer)

	if p.Registry != nil {
		p.Registry.Handle(TypePrune, func(ctx context.Context, _ *asynq.Task) error {
			sessions, failures, err := a.Identity.PruneExpired(ctx)
			if err == nil && sessions+failures > 0 {
				p.Log.Info("pruned", "sessions", sessions, "login_failures", failures)
			}
			return err
		})
		p.Registry.Every(queue.Periodic{Cron: "@every " + cfg.Jobs.SessionPruneInterval.String(), Type: TypePrune, Queue: queue.Low, Unique: cfg.Jobs.SessionPruneInterval / 2})
	}
	return a, nil
}

// Close stops background helpers (the policy watcher).
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// HTTPDeps are the transport's dependencies.
func (a *App) HTTPDeps() httpapi.Deps {
	return httpapi.Deps{
		Config: a.Config, Log: a.Log, DB: a.DB, Redis: a.Redis, Queue: a.Queue,
		Metrics: a.Metrics, Clock: a.Clock, Console: a.Console,
		Tenants: a.Tenants, Identity: a.Identity, Admin: a.Admin, Enforcer: a.Enforcer, Tenancy: a.Tenancy,
	}
}

// SeedDemo applies the tenant manifests in dir and creates the demo accounts.
func (a *App) SeedDemo(ctx context.Context, dir, password string) (tenancy.ApplyReport, error) {
	s := &demo.Seeder{DB: a.DB, Tenants: a.Tenants, Tenancy: a.Tenancy, Hasher: a.Hasher, Enforcer: a.Enforcer,
		Clock: a.Clock, Dir: dir, Password: password}
	return s.Seed(ctx)
}
