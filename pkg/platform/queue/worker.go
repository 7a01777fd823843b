package queue

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// Worker runs the worker role. With per-tenant queues and no fixed tenant list (a
// city-level deployment serves every tenant), the set of queues follows the tenant
// table: every refresh interval it lists the tenants again, and when the list
// changed it starts an Asynq server for the new queue set and then shuts the old one
// down (its in-flight tasks finish; both consume meanwhile, so no queue waits). A
// county provisioned while the worker runs is therefore served within one interval,
// without a restart.
type Worker struct {
	opt      asynq.RedisConnOpt
	cfg      WorkerConfig
	log      *slog.Logger
	list     func(context.Context) ([]string, error)
	interval time.Duration

	mu       sync.Mutex
	handler  asynq.Handler
	srv      *asynq.Server
	codes    []string
	draining sync.WaitGroup
	stop     context.CancelFunc
	loop     sync.WaitGroup
}

// NewWorker builds a worker. list (nil: cfg.TenantCodes stay fixed) names the tenants
// whose per-tenant queues to serve; it is consulted every interval (default 30 s)
// when cfg.PerTenant.
func NewWorker(opt asynq.RedisConnOpt, cfg WorkerConfig, log *slog.Logger, list func(context.Context) ([]string, error), interval time.Duration) *Worker {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	if !cfg.PerTenant {
		list = nil
	}
	return &Worker{opt: opt, cfg: cfg, log: log, list: list, interval: interval}
}

// Start lists the tenants, starts serving and, when the list may change, the refresh
// loop.
func (w *Worker) Start(ctx context.Context, h asynq.Handler) error {
	w.mu.Lock()
	w.handler = h
	w.mu.Unlock()
	codes := w.cfg.TenantCodes
	if w.list != nil {
		var err error
		if codes, err = w.list(ctx); err != nil {
			// Platform queues are served regardless; the next refresh adds the tenants.
			w.log.Warn("worker: cannot list tenants for their queues; retrying", "error", err)
			codes = nil
		}
	}
	if err := w.serve(codes); err != nil {
		return err
	}
	if w.list != nil {
		lctx, cancel := context.WithCancel(context.Background())
		w.stop = cancel
		w.loop.Add(1)
		go func() {
			defer w.loop.Done()
			t := time.NewTicker(w.interval)
			defer t.Stop()
			for {
				select {
				case <-lctx.Done():
					return
				case <-t.C:
					if _, err := w.Refresh(lctx); err != nil && lctx.Err() == nil {
						w.log.Warn("worker: refreshing the tenant queues failed; keeping the current ones", "error", err)
					}
				}
			}
		}()
	}
	return nil
}

// Refresh lists the tenants now and, if the list changed, swaps in a server for the
// new queue set. It reports whether it did.
func (w *Worker) Refresh(ctx context.Context) (bool, error) {
	if w.list == nil {
		return false, nil
	}
	codes, err := w.list(ctx)
	if err != nil {
		return false, err
	}
	w.mu.Lock()
	same := slices.Equal(sorted(codes), sorted(w.codes))
	w.mu.Unlock()
	if same {
		return false, nil
	}
	if err := w.serve(codes); err != nil {
		return false, err
	}
	return true, nil
}

// serve starts a server for codes and retires the previous one.
func (w *Worker) serve(codes []string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	cfg := w.cfg
	cfg.TenantCodes = sorted(codes)
	srv := NewServer(w.opt, cfg, w.log)
	if err := srv.Start(w.handler); err != nil {
		return err
	}
	old := w.srv
	added := difference(cfg.TenantCodes, w.codes)
	w.srv, w.codes = srv, cfg.TenantCodes
	if old != nil {
		w.log.Info("worker: tenant queues changed", "tenants", len(cfg.TenantCodes), "added", added)
		w.draining.Add(1)
		go func() {
			defer w.draining.Done()
			old.Shutdown()
		}()
	}
	return nil
}

// Codes are the tenants whose queues are served now.
func (w *Worker) Codes() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.codes)
}

// Shutdown stops refreshing and shuts the servers down (in-flight tasks finish within
// the shutdown timeout).
func (w *Worker) Shutdown() {
	if w.stop != nil {
		w.stop()
	}
	w.loop.Wait()
	w.mu.Lock()
	srv := w.srv
	w.srv = nil
	w.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
	}
	w.draining.Wait()
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
