// Package queue wires Asynq for Sunshine: a client that routes tenant-scoped tasks to
// their queue, a worker whose middleware restores the task's tenant scope, a registry
// of task handlers and periodic tasks, and the scheduler that enqueues those.
//
// PostgreSQL holds the truth (due instants, states); Redis is only the alarm clock.
// Handlers re-read PostgreSQL before acting, so a stale or duplicated task does nothing.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"sunshine/pkg/actor"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/metrics"
)

// Priorities (queue names before any tenant prefix).
const (
	Critical = "critical"
	Default  = "default"
	Low      = "low"
)

// Priorities in descending order.
var Priorities = []string{Critical, Default, Low}

// Scope is embedded in every tenant-scoped payload; the worker middleware turns it
// back into the database scope of the handler's context.
type Scope struct {
	TenantID   uuid.UUID `json:"tenant_id,omitempty"`
	TenantCode string    `json:"tenant_code,omitempty"`
}

// QueueName is the queue of a priority for a tenant: "410581:critical" when queues are
// per tenant, else the bare priority.
func QueueName(perTenant bool, tenantCode, priority string) string {
	if perTenant && tenantCode != "" {
		return tenantCode + ":" + priority
	}
	return priority
}

// Client enqueues tasks.
type Client struct {
	c         *asynq.Client
	insp      *asynq.Inspector
	perTenant bool
}

// NewClient connects a client; perTenant routes tenant tasks to per-tenant queues.
func NewClient(opt asynq.RedisConnOpt, perTenant bool) *Client {
	return &Client{c: asynq.NewClient(opt), insp: asynq.NewInspector(opt), perTenant: perTenant}
}

// Close releases connections.
func (c *Client) Close() error {
	return errors.Join(c.c.Close(), c.insp.Close())
}

// PerTenant reports whether tenant tasks go to per-tenant queues.
func (c *Client) PerTenant() bool { return c.perTenant }

// EnqueueIn sends a task to an exact queue; an existing task ID is not an error.
func (c *Client) EnqueueIn(ctx context.Context, t *asynq.Task, queueName string, opts ...asynq.Option) error {
	opts = append([]asynq.Option{asynq.Queue(queueName)}, opts...)
	_, err := c.c.EnqueueContext(ctx, t, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	return err
}

// CancelIn deletes a scheduled or pending task of an exact queue; an absent (or
// already running) task is not an error.
func (c *Client) CancelIn(queueName, taskID string) error {
	err := c.insp.DeleteTask(queueName, taskID)
	if err == nil || errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	}
	if strings.Contains(err.Error(), "active") {
		return nil
	}
	return err
}

// Inspector exposes Asynq's inspector (queue sizes, failed tasks).
func (c *Client) Inspector() *asynq.Inspector { return c.insp }

// Enqueue sends a task to the priority queue of tenantCode ("" for platform tasks).
// A task ID that already exists is not an error: deterministic IDs make enqueueing
// idempotent, and the existing task stands.
func (c *Client) Enqueue(ctx context.Context, t *asynq.Task, tenantCode, priority string, opts ...asynq.Option) error {
	opts = append([]asynq.Option{asynq.Queue(QueueName(c.perTenant, tenantCode, priority))}, opts...)
	_, err := c.c.EnqueueContext(ctx, t, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	return err
}

// Cancel deletes a scheduled or pending task by ID; an absent task is not an error.
func (c *Client) Cancel(tenantCode, priority, taskID string) error {
	err := c.insp.DeleteTask(QueueName(c.perTenant, tenantCode, priority), taskID)
	if err == nil || errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	}
	return err
}

// QueueSizes reads task counts per queue and state, for metrics.
func (c *Client) QueueSizes() (map[string]map[string]int, error) {
	queues, err := c.insp.Queues()
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]int{}
	for _, q := range queues {
		info, err := c.insp.GetQueueInfo(q)
		if err != nil {
			return nil, err
		}
		out[q] = map[string]int{
			"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed,
		}
	}
	return out, nil
}

// Periodic is a task enqueued on a schedule by the scheduler role.
type Periodic struct {
	// Cron is a cron spec or "@every 1m".
	Cron string
	Type string
	// Queue is the priority; periodic tasks are platform tasks (no tenant prefix).
	Queue string
	// Unique keeps two schedulers (e.g. during a rollout) from enqueueing the same
	// slot twice; handlers must still be idempotent.
	Unique time.Duration
}

// Registry collects task handlers and periodic tasks from the capabilities.
type Registry struct {
	mu       sync.Mutex
	handlers map[string]asynq.Handler
	periodic []Periodic
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{handlers: map[string]asynq.Handler{}} }

// Handle registers the handler of a task type; registering a type twice panics.
func (r *Registry) Handle(taskType string, h func(context.Context, *asynq.Task) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[taskType]; dup {
		panic("queue: handler registered twice for " + taskType)
	}
	r.handlers[taskType] = asynq.HandlerFunc(h)
}

// Every registers a periodic task.
func (r *Registry) Every(p Periodic) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.Queue == "" {
		p.Queue = Default
	}
	r.periodic = append(r.periodic, p)
}

// Types lists registered task types.
func (r *Registry) Types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.handlers))
	for t := range r.handlers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Mux builds the handler mux with the standard middleware.
func (r *Registry) Mux(log *slog.Logger, m *metrics.Registry) *asynq.ServeMux {
	r.mu.Lock()
	defer r.mu.Unlock()
	mux := asynq.NewServeMux()
	mux.Use(middleware(log, m))
	for t, h := range r.handlers {
		mux.Handle(t, h)
	}
	return mux
}

// middleware logs each task, records metrics, turns a payload's tenant into the
// context's caller (the system acting for that tenant, whose scope is the tenant's),
// and marks undecodable payloads SkipRetry.
func middleware(log *slog.Logger, m *metrics.Registry) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			start := time.Now()
			id, _ := asynq.GetTaskID(ctx)
			l := log.With("task_type", t.Type(), "task_id", id)
			var s Scope
			if len(t.Payload()) > 0 {
				if err := json.Unmarshal(t.Payload(), &s); err != nil {
					l.Error("undecodable task payload", "error", err)
					record(m, t.Type(), "skip", start)
					return fmt.Errorf("%w: payload: %v", asynq.SkipRetry, err)
				}
			}
			if s.TenantID != uuid.Nil {
				// The task acts as the platform for its tenant: the caller (and with it
				// the database scope) services take from the context.
				ctx = actor.WithCaller(ctx, actor.NewCaller(actor.System(s.TenantID, s.TenantCode)))
				l = l.With("tenant", s.TenantCode)
			}
			ctx = logging.With(ctx, l)
			err := next.ProcessTask(ctx, t)
			switch {
			case err == nil:
				record(m, t.Type(), "ok", start)
				l.Debug("task done", "duration", time.Since(start))
			case errors.Is(err, asynq.SkipRetry):
				record(m, t.Type(), "skip", start)
				l.Warn("task dropped", "error", err)
			default:
				record(m, t.Type(), "error", start)
				l.Error("task failed", "error", err)
			}
			return err
		})
	}
}

func record(m *metrics.Registry, typ, outcome string, start time.Time) {
	if m == nil {
		return
	}
	m.TaskTotal.WithLabelValues(typ, outcome).Inc()
	m.TaskDuration.WithLabelValues(typ).Observe(time.Since(start).Seconds())
}

// WorkerConfig configures a worker process.
type WorkerConfig struct {
	Concurrency int
	Weights     map[string]int
	// TenantCodes are the tenants whose per-tenant queues this worker serves (only
	// when PerTenant). Platform queues are always served.
	TenantCodes []string
	PerTenant   bool
	// ShutdownTimeout bounds how long in-flight tasks may finish on SIGTERM.
	ShutdownTimeout time.Duration
}

// Queues returns the weighted queue set of a worker.
func (c WorkerConfig) Queues() map[string]int {
	q := map[string]int{}
	for _, p := range Priorities {
		w := c.Weights[p]
		if w == 0 {
			w = 1
		}
		q[p] = w
		if c.PerTenant {
			for _, code := range c.TenantCodes {
				q[QueueName(true, code, p)] = w
			}
		}
	}
	return q
}

// NewServer builds an Asynq server for the worker role.
func NewServer(opt asynq.RedisConnOpt, c WorkerConfig, log *slog.Logger) *asynq.Server {
	if c.Concurrency < 1 {
		c.Concurrency = 10
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
	return asynq.NewServer(opt, asynq.Config{
		Concurrency:     c.Concurrency,
		Queues:          c.Queues(),
		Logger:          asynqLogger{log.With("component", "asynq")},
		LogLevel:        asynq.WarnLevel,
		ShutdownTimeout: c.ShutdownTimeout,
		RetryDelayFunc:  backoff,
		// Deadline alarms are due at exact instants (armed to the whole second): check
		// four times a second, a small Lua script per queue, so that a card follows its
		// instant within about a second.
		DelayedTaskCheckInterval: 250 * time.Millisecond,
		// With every queue empty the processor sleeps between ½ and 1½ intervals before
		// asking again (Asynq's default interval, 1 s, alone broke the 2 s target for
		// cards). One dequeue script per worker process every ~0.1 s when idle.
		TaskCheckInterval: 100 * time.Millisecond,
	})
}

// backoff retries quickly at first and caps at ten minutes.
func backoff(n int, _ error, _ *asynq.Task) time.Duration {
	d := time.Duration(1<<min(n, 10)) * time.Second
	return min(d, 10*time.Minute)
}

// NewScheduler builds the scheduler role with every periodic task registered.
func NewScheduler(opt asynq.RedisConnOpt, r *Registry, log *slog.Logger) (*asynq.Scheduler, error) {
	s := asynq.NewScheduler(opt, &asynq.SchedulerOpts{
		Logger:   asynqLogger{log.With("component", "asynq-scheduler")},
		LogLevel: asynq.WarnLevel,
		Location: time.UTC,
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			if err != nil && !errors.Is(err, asynq.ErrDuplicateTask) && !errors.Is(err, asynq.ErrTaskIDConflict) {
				log.Error("periodic task not enqueued", "error", err)
			}
		},
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.periodic {
		opts := []asynq.Option{asynq.Queue(p.Queue)}
		if p.Unique > 0 {
			opts = append(opts, asynq.Unique(p.Unique))
		}
		if _, err := s.Register(p.Cron, asynq.NewTask(p.Type, nil), opts...); err != nil {
			return nil, fmt.Errorf("queue: register periodic %s (%s): %w", p.Type, p.Cron, err)
		}
	}
	return s, nil
}

// asynqLogger adapts slog to Asynq's logger interface.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(strings.TrimSpace(fmt.Sprintln(args...))) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(strings.TrimSpace(fmt.Sprintln(args...))) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(strings.TrimSpace(fmt.Sprintln(args...))) }
func (a asynqLogger) Error(args ...any) { a.l.Error(strings.TrimSpace(fmt.Sprintln(args...))) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(strings.TrimSpace(fmt.Sprintln(args...))) }

// Payload marshals a task payload; payload types embed Scope when tenant-scoped.
func Payload(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("queue: payload of type %T does not marshal: %v", v, err))
	}
	return b
}

// Decode unmarshals a payload, wrapping errors in SkipRetry: a payload that does not
// decode now never will.
func Decode(t *asynq.Task, v any) error {
	if err := json.Unmarshal(t.Payload(), v); err != nil {
		return fmt.Errorf("%w: %s payload: %v", asynq.SkipRetry, t.Type(), err)
	}
	return nil
}

// Isolate runs one tenant's share of a job (a case, a filing, a tenant's sweep): a
// panic in it comes back as an error with its stack, so the job logs it and goes on
// with the other tenants instead of dying with them.
func Isolate(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}
