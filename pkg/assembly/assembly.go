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
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/calendar/tenantcal"
	"sunshine/pkg/captcha"
	"sunshine/pkg/casework"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/demo"
	"sunshine/pkg/httpapi"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/files"
	"sunshine/pkg/platform/metrics"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/platform/ratelimit"
	"sunshine/pkg/projects"
	"sunshine/pkg/seclog"
	"sunshine/pkg/servicecentre"
	"sunshine/pkg/supervision"
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
	// SessionClock times sign-in: sessions, tokens and login throttling. Nil means
	// Clock. Dev mode keeps it on the wall clock while Clock travels, so moving the
	// legal clocks forward does not sign everyone out.
	SessionClock clock.Clock
	Console      fs.FS
	// Hasher overrides the configured argon2id cost (tests use a cheap one).
	Hasher *identity.Hasher
	// Files is the file store; nil opens the one configured (files.url).
	Files *files.Store
}

// App is the assembled application.
type App struct {
	Platform
	Tenants       *tenant.Registry
	Identity      *identity.Service
	Admin         *identity.Admin
	Enforcer      *authz.Enforcer
	Tenancy       *tenancy.Service
	Catalogue     *catalogue.Service
	Calendars     *tenantcal.Calendars
	Casework      *casework.Service
	ServiceCentre *servicecentre.Service
	Projects      *projects.Service
	Supervision   *supervision.Service
	Bus           *supervision.Bus
	Captcha       *captcha.Service
	Limiter       *ratelimit.Limiter
	Security      *seclog.Log

	// SkipDemoCatalogue leaves the demo power catalogue out of SeedDemo (API tests
	// that do not need it save the seconds it takes).
	SkipDemoCatalogue bool
	// SkipDemoCases leaves the demo's windows and cases out of SeedDemo (they replay
	// weeks of casework; API tests ask for them with apitest.Options.DemoCases).
	SkipDemoCases bool

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
	if p.Files == nil {
		u, err := cfg.FilesURL()
		if err != nil {
			return nil, err
		}
		st, err := files.Open(ctx, files.Config{URL: u, MaxBytes: cfg.Files.MaxBytes}, p.DB, p.Clock)
		if err != nil {
			return nil, err
		}
		p.Files = st
	}
	a := &App{Platform: p}
	a.closers = append(a.closers, func() { _ = p.Files.Close() })
	a.Tenants = tenant.NewRegistry(p.DB, 0)
	if a.Hasher == nil {
		a.Hasher = identity.NewHasher(cfg.Auth.Argon2MemoryKiB, cfg.Auth.Argon2Iterations, cfg.Auth.Argon2Parallelism)
	}
	if p.SessionClock == nil {
		p.SessionClock = p.Clock
	}
	a.Identity = identity.NewService(p.DB, a.Tenants, a.Hasher, p.SessionClock, identity.Config{
		SessionTTL: cfg.Auth.SessionTTL, TokenTTL: cfg.Auth.TokenTTL, MaxFailures: cfg.Auth.MaxFailures, FailureWindow: cfg.Auth.FailureWindow,
		FailureBackoff: cfg.Auth.FailureBackoff, AccountMaxFailures: cfg.Auth.AccountMaxFailures, AddressMaxFailures: cfg.Auth.AddressMaxFailures,
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
	conflicts, err := authz.ParseConflicts(cfg.Auth.RoleConflicts)
	if err != nil {
		return nil, fmt.Errorf("config: auth.role_conflicts (SUNSHINE_AUTH_ROLE_CONFLICTS): %w", err)
	}
	a.Admin = identity.NewAdmin(a.Identity, enforcer, conflicts)
	a.Tenancy = tenancy.NewService(p.DB, a.Tenants, a.Hasher, p.Clock, enforcer)
	a.Catalogue = catalogue.NewService(p.DB, a.Tenants, p.Clock)
	national, err := calendar.National()
	if cfg.Calendar.Dir != "" {
		national, err = calendar.LoadDir(cfg.Calendar.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	cals := tenantcal.New(p.DB, a.Tenants, national, p.Clock)
	a.Calendars = cals
	a.Casework = casework.NewService(p.DB, a.Tenants, cals, enforcer, p.Clock, casework.Config{
		CommitWorkers: cfg.Database.CommitterWorkers, CommitGroup: cfg.Database.CommitterGroup})
	a.closers = append(a.closers, a.Casework.Close)
	// A local day's change recomputes the open deadlines of the tenants below it.
	cals.OnChange(a.Casework.Recompute)
	a.ServiceCentre = servicecentre.NewService(p.DB, a.Tenants, cals, enforcer, p.Clock, a.Casework)
	a.Projects = projects.NewService(p.DB, a.Tenants, p.Clock, a.Casework)
	if p.Redis != nil {
		a.Bus = supervision.NewBus(broker.Client(p.Redis), p.Log)
		a.closers = append(a.closers, a.Bus.Close)
	}
	notifier := supervision.NewNotifier(p.DB, a.Tenants, enforcer, supervision.SMTPConfig{
		Addr: cfg.Notify.SMTPAddr, From: cfg.Notify.SMTPFrom, Username: cfg.Notify.SMTPUsername, Password: cfg.Notify.SMTPPassword,
	}, nil, p.Queue)
	if a.Bus != nil {
		// Revocations travel on the broker: every replica drops its cached sessions
		// and closes the live streams of the revoked sessions (issue 12, item 8).
		bus := a.Bus
		a.Identity.OnRevoke(func(ctx context.Context, r identity.Revocation) { bus.PublishRevocation(ctx, r) })
		bus.OnEvent(func(e supervision.Event) {
			if e.Type == supervision.EventSessionRevoked {
				a.Identity.InvalidateSessions()
			}
		})
	}
	a.Supervision = supervision.NewService(p.DB, a.Tenants, cals, p.Queue, enforcer, p.Clock, a.Bus, notifier, p.Log)
	a.Casework.AddHook(a.Supervision)
	a.Security = seclog.New(p.DB, p.SessionClock, p.Log, seclog.Config{Retention: cfg.Auth.SecurityLogRetention, MaxRows: cfg.Auth.SecurityLogMaxEvents})
	a.closers = append(a.closers, a.Security.Close)
	a.Captcha = captcha.New(p.DB, p.SessionClock)
	if p.Redis != nil {
		a.Limiter = ratelimit.New(broker.Client(p.Redis), p.Log)
	} else {
		a.Limiter = ratelimit.New(nil, p.Log)
	}

	if p.Registry != nil {
		p.Registry.Handle(TypePrune, func(ctx context.Context, _ *asynq.Task) error {
			sessions, failures, err := a.Identity.PruneExpired(ctx)
			if err == nil && sessions+failures > 0 {
				p.Log.Info("pruned", "sessions", sessions, "login_failures", failures)
			}
			return err
		})
		p.Registry.Every(queue.Periodic{Cron: "@every " + cfg.Jobs.SessionPruneInterval.String(), Type: TypePrune, Queue: queue.Low, Unique: cfg.Jobs.SessionPruneInterval / 2})
		p.Registry.Handle(casework.TypeDeemedAcceptance, func(ctx context.Context, _ *asynq.Task) error {
			n, err := a.Casework.ApplyDeemedAcceptance(ctx)
			if n > 0 {
				p.Log.Info("deemed acceptance applied", "cases", n)
			}
			return err
		})
		p.Registry.Every(queue.Periodic{Cron: "@every 1m", Type: casework.TypeDeemedAcceptance, Queue: queue.Critical, Unique: 50 * time.Second})
		p.Registry.Handle(files.PruneTask, func(ctx context.Context, _ *asynq.Task) error {
			all, err := a.Tenants.All(ctx)
			if err != nil {
				return err
			}
			ids := make([]uuid.UUID, len(all))
			for i, t := range all {
				ids[i] = t.ID
			}
			n, err := p.Files.Prune(ctx, ids, cfg.Files.PruneAfter)
			if n > 0 {
				p.Log.Info("pruned abandoned uploads", "files", n)
			}
			return err
		})
		p.Registry.Every(queue.Periodic{Cron: "@every 1h", Type: files.PruneTask, Queue: queue.Low, Unique: 30 * time.Minute})
		p.Registry.Handle(seclog.PruneTask, func(ctx context.Context, _ *asynq.Task) error {
			all, err := a.Tenants.All(ctx)
			if err != nil {
				return err
			}
			n, err := a.Security.Prune(ctx, tenant.IDs(all))
			if n > 0 {
				p.Log.Info("pruned the security log", "events", n)
			}
			return err
		})
		p.Registry.Every(queue.Periodic{Cron: "@every 1h", Type: seclog.PruneTask, Queue: queue.Low, Unique: 30 * time.Minute})
		a.Supervision.Register(p.Registry)
		p.Registry.Handle(supervision.TypeEmail, notifier.HandleEmail)
	}
	return a, nil
}

// TenantCodes lists every tenant's code (the queues a city-level worker serves).
func (a *App) TenantCodes(ctx context.Context) ([]string, error) {
	all, err := a.Tenants.All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(all))
	for _, t := range all {
		out = append(out, t.Code)
	}
	return out, nil
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
		Catalogue:     a.Catalogue,
		Calendars:     a.Calendars,
		Casework:      a.Casework,
		ServiceCentre: a.ServiceCentre,
		Projects:      a.Projects,
		Supervision:   a.Supervision, Bus: a.Bus,
		Files:   a.Files,
		Captcha: a.Captcha, Limiter: a.Limiter,
		Security: a.Security,
	}
}

// SeedDemo applies the tenant manifests in dir and creates the demo accounts.
func (a *App) SeedDemo(ctx context.Context, dir, password string) (tenancy.ApplyReport, error) {
	s := &demo.Seeder{DB: a.DB, Tenants: a.Tenants, Tenancy: a.Tenancy, Hasher: a.Hasher, Enforcer: a.Enforcer,
		Clock: a.Clock, Dir: dir, Password: password}
	if !a.SkipDemoCatalogue {
		s.Catalogue = a.Catalogue
	}
	s.Casework, s.Cases = a.Casework, !a.SkipDemoCases
	s.ServiceCentre, s.Projects = a.ServiceCentre, a.Projects
	return s.Seed(ctx)
}
