// Package pipeline sends pgx pipelines under a tenant scope: a Committer sends the
// concurrent callers' changes (or reads) as one pipeline that PostgreSQL runs as one
// transaction (group commit in the application, ADR 0007), and an Inserter writes the
// INSERTs of models for such pipelines without GORM's per-statement machinery (ADR
// 0003). It is for the hot paths only; everything else uses db.Tx.
package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"sunshine/pkg/platform/db"
)

// Committer commits independent write pipelines together (group commit in the
// application). Each caller hands over the statements of one change with its scope
// and waits; a few workers take whatever has queued up meanwhile and send it as ONE
// pipeline — every change behind its own scope statement — that PostgreSQL runs as
// one transaction. Under load one transaction then carries many changes, and its fixed
// cost (the round trip, the wake-ups, transaction start, the commit record and its
// flush) is paid once for all of them: measured with pgbench on the 2-core machines,
// eight single-row inserts or eight audit appends per transaction ran 2.6–3.2 times
// as many rows per second as one per transaction. When the service is quiet a change
// goes alone, as it would without the committer.
//
// Semantics are the caller's own transaction's: every statement of a change commits
// with it, atomically, or none does. If any change of a group fails, PostgreSQL rolls
// the whole group back; the committer then runs each change of the group alone, so a
// change fails only for its own error. Changes must therefore not depend on one
// another and must be safe to run again after a rollback — true of inserts whose
// checks were made before (intake). Within a group the changes are ordered by tenant,
// so that two groups take the tenants' audit lanes in the same order (and by user, so
// that neighbours with the same scope share its statement).
//
// A change is not abandoned when its caller's context ends: once handed over it
// commits or fails like any statement already sent to the server.
type Committer struct {
	d       *db.DB
	queue   chan *change
	quit    chan struct{}
	mu      sync.RWMutex // held to hand over, taken by Close
	closed  bool
	workers sync.WaitGroup
	max     int
	timeout time.Duration
	hooks   Hooks

	groups, changes, retries atomic.Int64
}

// Config sizes a committer.
type Config struct {
	// Workers send groups concurrently; each holds a pool connection only while it
	// sends (at least 1).
	Workers int
	// MaxGroup is the most changes one pipeline carries (at least 1).
	MaxGroup int
	// Timeout bounds one group's round trip, its one-by-one retries included
	// (default 30 s). Callers waiting on a group that runs out get its error.
	Timeout time.Duration
	// Hooks observe and steer the workers (tests).
	Hooks Hooks
}

// Hooks let a test see the committer's hand-overs and hold its workers, so that it
// can line up a group exactly instead of sleeping. Nil hooks do nothing; production
// code sets none.
type Hooks struct {
	// Queued runs in the caller's goroutine once its change is handed over.
	Queued func()
	// Sending runs in a worker before it sends changes (a group, or one change of a
	// failed group being retried alone); blocking in it holds that worker.
	Sending func(changes int)
}

type change struct {
	scope db.Scope
	// The statements as text and arguments: pgx records on a queued query the
	// prepared statement of the connection it was sent on, so a change run again (on
	// any connection) is queued afresh.
	stmts []stmt
	// read, when set, reads the change's results (Query); otherwise they are
	// discarded (Exec).
	read func(br pgx.BatchResults) error
	// err is the change's own outcome within a group (set by send).
	err  error
	done chan error
}

type stmt struct {
	sql  string
	args []any
}

// CommitStats counts what a committer did: groups committed, changes in them, and
// groups that failed and were run change by change.
type CommitStats struct{ Groups, Changes, Retried int64 }

// New starts the workers of a committer over d.
func New(d *db.DB, cfg Config) *Committer {
	workers, max := max(cfg.Workers, 1), max(cfg.MaxGroup, 1)
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	c := &Committer{d: d, queue: make(chan *change, workers*max*2), quit: make(chan struct{}), max: max, timeout: cfg.Timeout, hooks: cfg.Hooks}
	c.workers.Add(workers)
	for i := 0; i < workers; i++ {
		go c.work()
	}
	return c
}

// ErrCommitterClosed is returned by Exec after Close.
var ErrCommitterClosed = errors.New("pipeline: committer closed")

// Exec commits the statements of b (results discarded) in scope, possibly together
// with other callers' changes, and returns the change's own outcome. A Derived scope
// is refused: its asynchronous commit would extend to the whole group.
func (c *Committer) Exec(ctx context.Context, scope db.Scope, b *pgx.Batch) error {
	return outageOr(c.hand(ctx, scope, b, nil))
}

// Query runs the statements of b in scope, possibly in one pipeline with other
// callers' statements, and hands their results to read, which must take them in
// order (it runs on a worker: it should only scan). For reads that need no
// transaction of their own, e.g. the checks before an intake: grouped, they share
// the round trip. read may run more than once (again, alone, when a statement of
// another caller in its group failed); only the last run's outcome is returned.
func (c *Committer) Query(ctx context.Context, scope db.Scope, b *pgx.Batch, read func(br pgx.BatchResults) error) error {
	return outageOr(c.hand(ctx, scope, b, read))
}

// outageOr turns a connection lost under a pipeline (pgx reports a bare EOF) into the
// outage error; anything else passes unchanged.
func outageOr(err error) error {
	if err != nil && (db.Unavailable(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return db.Outage(err)
	}
	return err
}

func (c *Committer) hand(ctx context.Context, scope db.Scope, b *pgx.Batch, read func(br pgx.BatchResults) error) error {
	if scope.Derived || scope.CustomPlans {
		return errors.New("pipeline: the committer takes ordinary scopes only")
	}
	ch := &change{scope: scope, stmts: make([]stmt, len(b.QueuedQueries)), read: read, done: make(chan error, 1)}
	for i, q := range b.QueuedQueries {
		ch.stmts[i] = stmt{q.SQL, q.Arguments}
	}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrCommitterClosed
	}
	select {
	case c.queue <- ch:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err() // not handed over: nothing was sent
	}
	if c.hooks.Queued != nil {
		c.hooks.Queued()
	}
	return <-ch.done
}

// Close refuses new changes, lets the workers commit the changes already handed over
// (their callers are waiting) and returns when the workers have stopped.
func (c *Committer) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.quit)
	}
	c.mu.Unlock()
	c.workers.Wait()
}

// Closed reports whether Close was called (the workers may still be committing what
// was handed over before).
func (c *Committer) Closed() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.closed
}

// Pending is how many changes wait for a worker.
func (c *Committer) Pending() int { return len(c.queue) }

// Stats returns the counters since start.
func (c *Committer) Stats() CommitStats {
	return CommitStats{Groups: c.groups.Load(), Changes: c.changes.Load(), Retried: c.retries.Load()}
}

func (c *Committer) work() {
	defer c.workers.Done()
	group := make([]*change, 0, c.max)
	for {
		var first *change
		select {
		case first = <-c.queue:
		case <-c.quit:
			// Changes already queued still commit: their callers are waiting.
			select {
			case first = <-c.queue:
			default:
				return
			}
		}
		group = append(group[:0], first)
	drain:
		for len(group) < c.max {
			select {
			case ch := <-c.queue:
				group = append(group, ch)
			default:
				break drain
			}
		}
		c.commit(group)
	}
}

// commit runs a group as one transaction; when that fails, each change alone.
func (c *Committer) commit(group []*change) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if len(group) > 1 {
		sort.SliceStable(group, func(i, j int) bool {
			if c := bytes.Compare(group[i].scope.Tenant[:], group[j].scope.Tenant[:]); c != 0 {
				return c < 0
			}
			return bytes.Compare(group[i].scope.User[:], group[j].scope.User[:]) < 0
		})
	}
	err := c.send(ctx, group)
	c.groups.Add(1)
	c.changes.Add(int64(len(group)))
	if err == nil || len(group) == 1 {
		for _, ch := range group {
			ch.deliver(err)
		}
		return
	}
	c.retries.Add(1)
	for _, ch := range group {
		ch.deliver(c.send(ctx, []*change{ch}))
	}
}

// deliver hands the caller its outcome: the pipeline's failure, else its own.
func (ch *change) deliver(pipelineErr error) {
	if pipelineErr != nil {
		ch.done <- pipelineErr
		return
	}
	ch.done <- ch.err
}

// send sends changes as one pipeline (one implicit transaction) and reads every
// result. It returns an error when the pipeline failed (the transaction rolled back);
// a read callback's own error (the server having answered) is the change's err.
func (c *Committer) send(ctx context.Context, changes []*change) error {
	if c.hooks.Sending != nil {
		c.hooks.Sending(len(changes))
	}
	return c.d.WithConn(ctx, func(pc *pgx.Conn) error {
		// A change's scope statement is left out when the change before it set the
		// same scope: the setting holds for the rest of the transaction.
		b := &pgx.Batch{}
		scoped := make([]bool, len(changes))
		for i, ch := range changes {
			if i == 0 || !ch.scope.Equal(changes[i-1].scope) {
				q, args := ch.scope.Statement()
				b.Queue(q, args...)
				scoped[i] = true
			}
			for _, st := range ch.stmts {
				b.Queue(st.sql, st.args...)
			}
		}
		br := pc.SendBatch(ctx, b)
		for i, ch := range changes {
			ch.err = nil
			if scoped[i] {
				if _, err := br.Exec(); err != nil {
					_ = br.Close()
					return err
				}
			}
			cr := &countedResults{BatchResults: br}
			if ch.read != nil {
				ch.err = ch.read(cr)
				if failed(cr.err) {
					_ = br.Close()
					return cr.err
				}
			}
			for cr.n < len(ch.stmts) {
				if _, err := cr.Exec(); err != nil {
					_ = br.Close()
					return err
				}
			}
		}
		return br.Close()
	})
}

// failed reports whether err may have aborted the pipeline's transaction: anything
// but a row not found.
func failed(err error) bool { return err != nil && !errors.Is(err, pgx.ErrNoRows) }

// countedResults counts the results a read callback takes (so the worker can skip
// the rest of its change's) and remembers the last error the server returned. A
// callback must consume what it takes: close its Rows, Scan its Row.
type countedResults struct {
	pgx.BatchResults
	n   int
	err error
}

func (r *countedResults) Exec() (pgconn.CommandTag, error) {
	r.n++
	tag, err := r.BatchResults.Exec()
	if err != nil {
		r.err = err
	}
	return tag, err
}

func (r *countedResults) Query() (pgx.Rows, error) {
	r.n++
	rows, err := r.BatchResults.Query()
	if err != nil {
		r.err = err
	}
	return rows, err
}

func (r *countedResults) QueryRow() pgx.Row {
	r.n++
	return &countedRow{r.BatchResults.QueryRow(), r}
}

// Close is the worker's to call.
func (r *countedResults) Close() error { return nil }

type countedRow struct {
	pgx.Row
	r *countedResults
}

func (w *countedRow) Scan(dest ...any) error {
	err := w.Row.Scan(dest...)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		w.r.err = err
	}
	return err
}
