package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"sunshine/pkg/httpapi"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/db/migrate"
	"sunshine/pkg/platform/embeddedpg"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/metrics"
	"sunshine/pkg/platform/queue"
)

// role is one of the processes the binary can run.
type role string

const (
	roleAPI       role = "api"
	roleWorker    role = "worker"
	roleScheduler role = "scheduler"
)

// platform holds the process-wide dependencies, built once and torn down in reverse.
type platform struct {
	cfg      *config.Config
	log      *slog.Logger
	metrics  *metrics.Registry
	clock    clock.Clock
	ownerURL string
	appURL   string
	db       *db.DB
	redis    asynq.RedisConnOpt
	queue    *queue.Client
	registry *queue.Registry
	closers  []func(context.Context) error
}

func (p *platform) onClose(f func(context.Context) error) { p.closers = append(p.closers, f) }

func (p *platform) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := len(p.closers) - 1; i >= 0; i-- {
		if err := p.closers[i](ctx); err != nil {
			p.log.Warn("shutdown step failed", "error", err)
		}
	}
}

// setup builds the platform: the database (embedded in dev mode without
// DATABASE_URL), migrations (always in dev, else when configured), the application
// connection, Redis (in-process in dev mode without REDIS_URL) and the queue client.
func setup(ctx context.Context, cfg *config.Config, withRedis bool) (p *platform, err error) {
	log := logging.New(os.Stderr, cfg.Log.Level, cfg.Log.Format, cfg.Dev())
	slog.SetDefault(log)
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	p = &platform{cfg: cfg, log: log, metrics: metrics.New(), clock: clock.Real{}, registry: queue.NewRegistry()}
	if cfg.Dev() {
		// Dev mode's clock can travel forward (POST /api/v1/dev/time-travel) so that a
		// demonstration can make cases go overdue without waiting days.
		p.clock = &clock.Offset{}
	}
	defer func() {
		if err != nil {
			p.close()
		}
	}()

	p.ownerURL = cfg.Database.URL
	if withRedis {
		if err := cfg.RequireRedis(); err != nil {
			return p, err
		}
	}
	if p.ownerURL == "" && cfg.Database.AppURL != "" && !cfg.Dev() {
		// A role deployed with only the application's credentials: no migrations here.
		if cfg.Database.MigrateOnStart {
			return p, &config.Error{Key: "database.migrate_on_start", Reason: "needs database.url (the owner connection)"}
		}
	} else if p.ownerURL == "" {
		started := time.Now()
		srv, err := embeddedpg.Start(ctx, embeddedpg.Config{
			DataDir: cfg.Database.Embedded.Dir, Port: cfg.Database.Embedded.Port,
			BinDir: cfg.Database.Embedded.BinDir, RunAsUser: cfg.Database.Embedded.RunAsUser,
			Logger: log.With("component", "postgres"),
		})
		if err != nil {
			return p, err
		}
		p.onClose(srv.Stop)
		if err := srv.EnsureDatabase(ctx, "sunshine"); err != nil {
			return p, err
		}
		p.ownerURL = srv.URL("sunshine")
		log.Info("embedded PostgreSQL ready", "dir", cfg.Database.Embedded.Dir, "port", srv.Port(), "took", time.Since(started).Round(time.Millisecond))
	}
	if p.ownerURL != "" && (cfg.Dev() || cfg.Database.MigrateOnStart) {
		if err := (migrate.Migrator{OwnerURL: p.ownerURL, AppLogin: cfg.Database.AppRole, AppPassword: cfg.Database.AppPassword, Log: log}).Up(ctx); err != nil {
			return p, err
		}
	}
	p.appURL = cfg.Database.AppURL
	if p.appURL == "" {
		if p.appURL, err = db.WithUser(p.ownerURL, cfg.Database.AppRole, cfg.Database.AppPassword); err != nil {
			return p, fmt.Errorf("config: database.url: %w", err)
		}
	}
	p.db, err = db.Open(ctx, p.appURL, db.Pool{MaxOpen: cfg.Database.MaxOpenConns, MaxIdle: cfg.Database.MaxIdleConns, MaxLifetime: cfg.Database.ConnMaxLifetime}, log)
	if err != nil {
		return p, err
	}
	p.onClose(func(context.Context) error { return p.db.Close() })
	if err := migrate.CheckSchema(ctx, p.db); err != nil {
		return p, err
	}
	p.metrics.RegisterPool(p.db.Stats)
	if !withRedis {
		return p, nil
	}

	redisCfg := cfg.Redis
	if redisCfg.URL == "" && redisCfg.SentinelMaster == "" {
		e, err := broker.StartEmbedded("127.0.0.1:0")
		if err != nil {
			return p, err
		}
		p.onClose(func(context.Context) error { e.Close(); return nil })
		redisCfg.URL = e.URL()
		log.Info("in-process Redis ready", "addr", e.Addr())
	}
	if p.redis, err = broker.ConnOpt(redisCfg); err != nil {
		return p, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := broker.Ping(pingCtx, p.redis); err != nil {
		return p, fmt.Errorf("redis: %w (redis.url, REDIS_URL)", err)
	}
	p.queue = queue.NewClient(p.redis, cfg.Jobs.PerTenantQueues)
	p.onClose(func(context.Context) error { return p.queue.Close() })
	p.metrics.RegisterQueues(p.queue.QueueSizes)
	return p, nil
}

// run starts the roles and blocks until ctx ends or a role fails, then shuts down
// gracefully: HTTP drains, the scheduler stops, in-flight tasks finish.
func run(ctx context.Context, cfg *config.Config, roles []role) error {
	p, err := setup(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer p.close()
	app, err := wire(ctx, p)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(roles)+1)
	ready := make(chan struct{}, len(roles))
	for _, r := range roles {
		switch r {
		case roleAPI:
			srv := httpapi.New(app.HTTPDeps())
			wg.Add(1)
			go func() {
				defer wg.Done()
				ready <- struct{}{}
				if err := srv.Listen(ctx, cfg.HTTP.Addr); err != nil {
					errc <- fmt.Errorf("api: %w", err)
				}
			}()
		case roleWorker:
			codes, list := servedTenants(p, app)
			w := queue.NewWorker(p.redis, queue.WorkerConfig{
				Concurrency: cfg.Jobs.Concurrency, Weights: cfg.Jobs.Weights(), PerTenant: cfg.Jobs.PerTenantQueues,
				TenantCodes: codes, ShutdownTimeout: cfg.HTTP.ShutdownTimeout,
			}, p.log, list, cfg.Jobs.TenantRefresh)
			if err := w.Start(ctx, p.registry.Mux(p.log, p.metrics)); err != nil {
				return fmt.Errorf("worker: %w", err)
			}
			p.onClose(func(context.Context) error { w.Shutdown(); return nil })
			ready <- struct{}{}
		case roleScheduler:
			s, err := queue.NewScheduler(p.redis, p.registry, p.log)
			if err != nil {
				return err
			}
			if err := s.Start(); err != nil {
				return fmt.Errorf("scheduler: %w", err)
			}
			p.onClose(func(context.Context) error { s.Shutdown(); return nil })
			ready <- struct{}{}
		}
	}
	if cfg.Metrics.Addr != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := httpapi.ServeMetrics(ctx, cfg.Metrics.Addr, p.metrics, p.log); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	for range roles {
		<-ready
	}
	if err := waitHTTP(ctx, cfg, roles); err != nil {
		return err
	}
	p.log.Info("sunshine started", "roles", roles, "mode", cfg.Mode, "level", cfg.Deployment.Level, "version", version)
	if cfg.Dev() {
		banner(p, app)
	}
	select {
	case <-ctx.Done():
		p.log.Info("shutting down")
	case err = <-errc:
	}
	cancel()
	wg.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// waitHTTP returns once the API answers /healthz, so "started" means reachable.
func waitHTTP(ctx context.Context, cfg *config.Config, roles []role) error {
	for _, r := range roles {
		if r == roleAPI {
			wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			return broker.WaitTCP(wctx, cfg.HTTP.Addr)
		}
	}
	return nil
}
