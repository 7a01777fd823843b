package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"

	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/supervision"
)

type alarmReport struct {
	n          int
	window     time.Duration
	redis      string
	armTook    time.Duration
	cards      int
	p50, p99   time.Duration
	max        time.Duration
	throughput float64
	late       int
	// duplicates counts deadlines carded more than once; missing those never carded
	// before the drain deadline (window plus as long again, at least a minute).
	duplicates int
	missing    int
	drained    time.Duration
}

func (a *alarmReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Deadline alarms (%d deadlines over a simulated day compressed into %s; Redis: %s)\n\n", a.n, a.window, a.redis)
	fmt.Fprintf(&b, "Armed %d Asynq alarms (deterministic task IDs, ProcessAt the due instant rounded up to the second) in %s.\n\n", a.n, a.armTook.Round(time.Millisecond))
	fmt.Fprintf(&b, "| measure | result | target |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| cards created | %d of %d deadlines; %d never carded, %d carded twice (waited %s after the window) | all, once: %s |\n",
		a.cards, a.n, a.missing, a.duplicates, a.drained.Round(time.Second), verdict(a.missing == 0 && a.duplicates == 0))
	fmt.Fprintf(&b, "| cards later than 2 s | %d | — |\n", a.late)
	fmt.Fprintf(&b, "| card latency after the due instant | p50 %s, p99 %s, max %s | p99 < 2 s: %s |\n", a.p50.Round(time.Millisecond), a.p99.Round(time.Millisecond), a.max.Round(time.Millisecond), verdict(a.p99 < 2*time.Second && a.missing == 0))
	fmt.Fprintf(&b, "| card creation throughput | %.0f cards/s sustained (offered %.0f/s) | — |\n\n", a.throughput, float64(a.n)/a.window.Seconds())
	return b.String()
}

// runAlarms arms n deadlines spread evenly over window and measures how late each
// yellow card comes after its instant, through Redis and the Asynq worker.
func runAlarms(ctx context.Context, r *report, dbURL, redisURL string, n int, window time.Duration) error {
	rep := &alarmReport{n: n, window: window, redis: redisURL}
	if redisURL == "" {
		e, err := broker.StartEmbedded("")
		if err != nil {
			return err
		}
		defer e.Close()
		redisURL = e.URL()
		rep.redis = "in-process (miniredis) — set BENCH_REDIS_URL for a real Redis"
	} else {
		// A private logical database, flushed: the bench must not see old alarms.
		redisURL = strings.TrimSuffix(strings.TrimRight(redisURL, "0123456789"), "/") + "/14"
		c := broker.Client(mustRedisOpt(redisURL))
		_ = c.FlushDB(ctx).Err()
		_ = c.Close()
	}
	opt := mustRedisOpt(redisURL)
	q := queue.NewClient(opt, false)
	defer q.Close()
	e, err := newEnv(ctx, dbURL, q, redisURL)
	if err != nil {
		return err
	}
	defer e.close(ctx)
	power, window2, err := e.filedPower(ctx, "410581")
	if err != nil {
		return err
	}
	_ = window2
	t, _ := e.app.Tenants.ByCode(ctx, "410581")
	pool, err := pgxpool.New(ctx, e.ownerURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	// The cases, inserted in bulk: accepted, due at instants spread over the window
	// starting after the alarms are armed.
	lead := 60*time.Second + time.Duration(n/2000)*time.Second
	t0 := time.Now().Add(lead).Truncate(time.Second)
	fmt.Fprintf(os.Stderr, "bench: inserting %d cases due from %s over %s\n", n, t0.Format(time.TimeOnly), window)
	_, err = pool.Exec(ctx, `INSERT INTO cases (id, tenant_id, tracking_no, power_id, version_id, power_name, department_id, channel,
			applicant_type, applicant_name, applicant_id_number, applicant_id_last4, status, received_at, accepted_at, limit_days, due_date, due_at)
		SELECT gen_random_uuid(), $1, 'B' || i, $2, p.in_force_version_id, '压测事项', p.department_id, 'window', 'person', '压测', '11010519491231002X', '002X',
		       'in_progress', $3::timestamptz - interval '10 days', $3::timestamptz - interval '10 days', 10,
		       (($3::timestamptz + (i * $4::float8) * interval '1 millisecond') AT TIME ZONE 'Asia/Shanghai')::date,
		       $3::timestamptz + (i * $4::float8) * interval '1 millisecond'
		FROM generate_series(0, $5 - 1) i, powers p WHERE p.id = $2`,
		t.ID, power, t0, float64(window.Milliseconds())/float64(n), n)
	if err != nil {
		return fmt.Errorf("insert cases: %w", err)
	}
	rows, err := pool.Query(ctx, `SELECT id, due_at FROM cases WHERE tenant_id = $1 AND tracking_no LIKE 'B%'`, t.ID)
	if err != nil {
		return err
	}
	type item struct {
		id  uuid.UUID
		due time.Time
	}
	var items []item
	for rows.Next() {
		var it item
		_ = rows.Scan(&it.id, &it.due)
		items = append(items, it)
	}
	rows.Close()
	// Arm the alarms as supervision does: one task per instant, deterministic ID.
	start := time.Now()
	var wg sync.WaitGroup
	var armErr atomic.Value
	work := make(chan item, 1024)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				a := supervision.Alarm{At: it.due, Rule: supervision.RuleCaseOverdue}
				task, opts := supervision.AlarmTask(t, it.id, it.due, 0)
				if err := q.EnqueueIn(ctx, task, "critical", append(opts, asynq.TaskID(a.TaskID(it.id)))...); err != nil {
					armErr.Store(err)
				}
			}
		}()
	}
	for _, it := range items {
		work <- it
	}
	close(work)
	wg.Wait()
	rep.armTook = time.Since(start)
	if err, _ := armErr.Load().(error); err != nil {
		return fmt.Errorf("arm: %w", err)
	}
	if time.Now().After(t0) {
		fmt.Fprintf(os.Stderr, "bench: WARNING arming took %s, past the first instant\n", rep.armTook)
	}
	fmt.Fprintf(os.Stderr, "bench: armed in %s; starting the worker\n", rep.armTook.Round(time.Millisecond))
	srv := queue.NewServer(opt, queue.WorkerConfig{Concurrency: 20, Weights: e.cfg.Jobs.Weights(), ShutdownTimeout: 5 * time.Second}, logging.Discard())
	if err := srv.Start(e.reg.Mux(logging.Discard(), nil)); err != nil {
		return err
	}
	defer srv.Shutdown()
	// Wait for every deadline to be carded: the window, then as long again (at least a
	// minute) to drain a backlog; what is still missing then is reported as missing.
	end := t0.Add(window)
	grace := window
	if grace < time.Minute {
		grace = time.Minute
	}
	for time.Now().Before(end.Add(grace)) {
		var done int
		_ = pool.QueryRow(ctx, `SELECT count(DISTINCT case_id) FROM supervision_cards WHERE tenant_id = $1 AND rule = 'case_overdue'`, t.ID).Scan(&done)
		if done >= n && time.Now().After(end) {
			break
		}
		fmt.Fprintf(os.Stderr, "\rbench: %d/%d cards", done, n)
		time.Sleep(2 * time.Second)
	}
	rep.drained = time.Since(end)
	if rep.drained < 0 {
		rep.drained = 0
	}
	fmt.Fprintln(os.Stderr)
	var distinct, total int
	_ = pool.QueryRow(ctx, `SELECT count(DISTINCT case_id), count(*) FROM supervision_cards WHERE tenant_id = $1 AND rule = 'case_overdue'`, t.ID).Scan(&distinct, &total)
	rep.missing, rep.duplicates = n-distinct, total-distinct
	var lat []time.Duration
	lrows, err := pool.Query(ctx, `SELECT extract(epoch FROM created_at - deadline_at) FROM supervision_cards WHERE tenant_id = $1 AND rule = 'case_overdue'`, t.ID)
	if err != nil {
		return err
	}
	for lrows.Next() {
		var s float64
		_ = lrows.Scan(&s)
		d := time.Duration(s * float64(time.Second))
		lat = append(lat, d)
		if d > 2*time.Second {
			rep.late++
		}
	}
	lrows.Close()
	rep.cards = len(lat)
	rep.p50, rep.p99, rep.max = percentile(lat, 0.50), percentile(lat, 0.99), percentile(lat, 1)
	var first, last time.Time
	_ = pool.QueryRow(ctx, `SELECT min(created_at), max(created_at) FROM supervision_cards WHERE tenant_id = $1 AND rule = 'case_overdue'`, t.ID).Scan(&first, &last)
	if last.After(first) {
		rep.throughput = float64(rep.cards) / last.Sub(first).Seconds()
	}
	r.alarms = rep
	return nil
}
