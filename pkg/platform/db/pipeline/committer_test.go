package pipeline_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/db/pipeline"
	"sunshine/pkg/platform/dbtest"
)

// gate holds a committer's workers and tells the test what they do, through the
// committer's hooks: no sleeps, no timing assumptions.
type gate struct {
	queued  chan struct{} // one value per change handed over
	sending chan int      // the size of every send a worker is about to make
	release chan struct{} // a held send proceeds once per value (closed: all proceed)
	hold    func(n int) bool
}

// newGate holds every send whose size hold(n) accepts (nil: every send).
func newGate(hold func(n int) bool) *gate {
	return &gate{queued: make(chan struct{}, 1024), sending: make(chan int, 1024), release: make(chan struct{}), hold: hold}
}

func (g *gate) hooks() pipeline.Hooks {
	return pipeline.Hooks{
		Queued: func() { g.queued <- struct{}{} },
		Sending: func(n int) {
			g.sending <- n
			if g.hold == nil || g.hold(n) {
				<-g.release
			}
		},
	}
}

// waitQueued waits until n more changes have been handed over.
func (g *gate) waitQueued(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-g.queued:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d changes were handed over", i, n)
		}
	}
}

// waitSending waits for the next send a worker starts and returns its size.
func (g *gate) waitSending(t *testing.T) int {
	t.Helper()
	select {
	case n := <-g.sending:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no worker started sending")
		return 0
	}
}

func insert(id, rowTenant uuid.UUID) *pgx.Batch {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO widgets (id, tenant_id, name) VALUES ($1, $2, 'w')`, id, rowTenant)
	return b
}

func widgetTenant(t *testing.T, env *dbtest.Env, id uuid.UUID) (uuid.UUID, error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ten uuid.UUID
	err = conn.QueryRow(ctx, `SELECT tenant_id FROM widgets WHERE id = $1`, id).Scan(&ten)
	return ten, err
}

// TestCommitterGroupsChangesAndIsolatesFailures: changes queued while the worker is
// busy commit as one transaction, each behind its own tenant scope; when one of them
// fails, the others still commit and only the failing caller sees an error.
func TestCommitterGroupsChangesAndIsolatesFailures(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	env.Widgets(t)
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	g := newGate(func(n int) bool { return n == 1 }) // hold the first send (alone) only until released
	c := pipeline.New(env.DB, pipeline.Config{Workers: 1, MaxGroup: 16, Hooks: g.hooks()})
	defer c.Close()

	first := make(chan error, 1)
	go func() { first <- c.Exec(ctx, db.TenantScope(a, uuid.Nil), insert(uuid.New(), a)) }()
	if n := g.waitSending(t); n != 1 {
		t.Fatalf("the first change goes alone, got a group of %d", n)
	}
	// Five changes queue up behind the held worker: two tenants, and one that
	// smuggles a row into another tenant (refused by RLS).
	type job struct {
		scope, id, rowTen uuid.UUID
		wantErr           bool
	}
	jobs := []job{{a, uuid.New(), a, false}, {b, uuid.New(), b, false}, {a, uuid.New(), b, true}, {b, uuid.New(), b, false}, {a, uuid.New(), a, false}}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Exec(ctx, db.TenantScope(j.scope, uuid.Nil), insert(j.id, j.rowTen))
		}()
	}
	g.waitQueued(t, 1+len(jobs))
	if c.Pending() != len(jobs) {
		t.Fatalf("pending = %d, want %d", c.Pending(), len(jobs))
	}
	close(g.release)
	if err := <-first; err != nil {
		t.Fatalf("the first change: %v", err)
	}
	wg.Wait()
	if n := g.waitSending(t); n != len(jobs) {
		t.Fatalf("the five queued changes must go as one group, got %d", n)
	}
	for i, j := range jobs {
		if j.wantErr {
			if errs[i] == nil || !apperr.IsKind(db.Classify(errs[i]), apperr.KindNotFound) {
				t.Fatalf("the smuggling change must fail alone (RLS), got %v", errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Fatalf("change %d must commit despite its neighbour's failure: %v", i, errs[i])
		}
	}
	// Each committed row landed under its own tenant; the refused one nowhere.
	for _, j := range jobs {
		ten, err := widgetTenant(t, env, j.id)
		switch {
		case j.wantErr && !errors.Is(err, pgx.ErrNoRows):
			t.Fatalf("the refused row exists: %v", err)
		case !j.wantErr && (err != nil || ten != j.scope):
			t.Fatalf("row %s: tenant %s, err %v; want %s", j.id, ten, err, j.scope)
		}
	}
	if st := c.Stats(); st.Groups != 2 || st.Changes != 6 || st.Retried != 1 {
		t.Fatalf("want the first change alone, then the five as one group retried one by one; got %+v", st)
	}
	// Asynchronous commit cannot ride on others' transactions.
	if err := c.Exec(ctx, db.Scope{Tenant: a, Read: []uuid.UUID{a}, Derived: true}, insert(uuid.New(), a)); err == nil {
		t.Fatal("a Derived scope must be refused")
	}
}

// TestCommitterGroupsReads: reads queued together share one pipeline; each caller
// reads its own results under its own scope, "no rows" stays its own answer, and a
// statement that fails sends the others' reads again, alone.
func TestCommitterGroupsReads(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	env.Widgets(t)
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	wa, wb := uuid.New(), uuid.New()
	dbtest.Exec(t, env.OwnerURL,
		`INSERT INTO widgets VALUES ('`+wa.String()+`', '`+a.String()+`', 'a-widget'), ('`+wb.String()+`', '`+b.String()+`', 'b-widget')`)

	g := newGate(func(n int) bool { return n == 1 })
	c := pipeline.New(env.DB, pipeline.Config{Workers: 1, MaxGroup: 16, Hooks: g.hooks()})
	defer c.Close()
	held := make(chan error, 1)
	go func() {
		q := &pgx.Batch{}
		q.Queue(`SELECT 1`)
		held <- c.Query(ctx, db.TenantScope(a, uuid.Nil), q, func(br pgx.BatchResults) error {
			_, err := br.Exec()
			return err
		})
	}()
	g.waitSending(t)

	type read struct {
		scope uuid.UUID
		id    uuid.UUID
		bad   bool // a statement the server rejects
		name  string
		err   error
		runs  int
	}
	reads := []*read{{scope: a, id: wa}, {scope: a, id: wb}, {scope: b, id: wb}, {scope: b, id: wa, bad: true}}
	var wg sync.WaitGroup
	for _, r := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := &pgx.Batch{}
			if r.bad {
				q.Queue(`SELECT name FROM widgets WHERE id = $1::text::int::text::uuid`, r.id)
			} else {
				q.Queue(`SELECT name FROM widgets WHERE id = $1`, r.id)
			}
			r.err = c.Query(ctx, db.TenantScope(r.scope, uuid.Nil), q, func(br pgx.BatchResults) error {
				r.runs++
				return br.QueryRow().Scan(&r.name)
			})
		}()
	}
	g.waitQueued(t, 1+len(reads))
	close(g.release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	// (Whether a's callback also ran in the failed group depends on the tenants' order.)
	if r := reads[0]; r.err != nil || r.name != "a-widget" || r.runs < 1 {
		t.Fatalf("a reads its widget: %+v", r)
	}
	if r := reads[1]; !errors.Is(r.err, pgx.ErrNoRows) {
		t.Fatalf("a cannot see b's widget: %+v", r)
	}
	if r := reads[2]; r.err != nil || r.name != "b-widget" {
		t.Fatalf("b reads its widget: %+v", r)
	}
	if r := reads[3]; r.err == nil || errors.Is(r.err, pgx.ErrNoRows) {
		t.Fatalf("the failing read must get its server error: %+v", r)
	}
	if st := c.Stats(); st.Groups != 2 || st.Changes != 5 || st.Retried != 1 {
		t.Fatalf("want the held read alone, then the four as one group retried one by one; got %+v", st)
	}
}

// TestCommitterCancellation: a caller whose context ends before its change is handed
// over gets the context's error and nothing of its change is ever sent; once handed
// over, a change commits whatever its caller's context does, and the caller hears
// the outcome.
func TestCommitterCancellation(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	env.Widgets(t)
	a := uuid.New()
	g := newGate(nil)
	// One worker, groups of one: the queue holds workers × group × 2 = 2 changes.
	c := pipeline.New(env.DB, pipeline.Config{Workers: 1, MaxGroup: 1, Hooks: g.hooks()})
	defer c.Close()

	// Handed over, then abandoned by its caller while the worker is held.
	handedCtx, cancelHanded := context.WithCancel(context.Background())
	handed := uuid.New()
	handedErr := make(chan error, 1)
	go func() { handedErr <- c.Exec(handedCtx, db.TenantScope(a, uuid.Nil), insert(handed, a)) }()
	g.waitSending(t)
	g.waitQueued(t, 1)
	cancelHanded()

	// Fill the queue behind the held worker.
	queued := []uuid.UUID{uuid.New(), uuid.New()}
	queuedErr := make(chan error, len(queued))
	for _, id := range queued {
		go func() { queuedErr <- c.Exec(context.Background(), db.TenantScope(a, uuid.Nil), insert(id, a)) }()
	}
	g.waitQueued(t, len(queued))

	// The queue is full: a caller that gives up is never handed over.
	never := uuid.New()
	ctx, cancel := context.WithCancel(context.Background())
	neverErr := make(chan error, 1)
	go func() { neverErr <- c.Exec(ctx, db.TenantScope(a, uuid.Nil), insert(never, a)) }()
	cancel()
	if err := <-neverErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("a change not handed over: %v, want context.Canceled", err)
	}

	close(g.release)
	if err := <-handedErr; err != nil {
		t.Fatalf("a change handed over commits although its caller's context ended: %v", err)
	}
	for range queued {
		if err := <-queuedErr; err != nil {
			t.Fatal(err)
		}
	}
	c.Close() // every send is done: nothing more can reach the table
	for _, id := range append(queued, handed) {
		if _, err := widgetTenant(t, env, id); err != nil {
			t.Fatalf("row %s: %v", id, err)
		}
	}
	if _, err := widgetTenant(t, env, never); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("the cancelled change was sent: %v", err)
	}
	if st := c.Stats(); st.Changes != 3 {
		t.Fatalf("changes sent = %d, want 3", st.Changes)
	}
}

// TestCommitterCloseCommitsQueuedWork: Close refuses new changes at once but returns
// only when the changes already handed over are committed and their callers answered.
func TestCommitterCloseCommitsQueuedWork(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	env.Widgets(t)
	a := uuid.New()
	g := newGate(func(n int) bool { return n == 1 })
	c := pipeline.New(env.DB, pipeline.Config{Workers: 1, MaxGroup: 8, Hooks: g.hooks()})

	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.New()}
	errs := make(chan error, len(ids))
	go func() { errs <- c.Exec(context.Background(), db.TenantScope(a, uuid.Nil), insert(ids[0], a)) }()
	g.waitSending(t)
	for _, id := range ids[1:] {
		go func() { errs <- c.Exec(context.Background(), db.TenantScope(a, uuid.Nil), insert(id, a)) }()
	}
	g.waitQueued(t, len(ids))

	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	for !c.Closed() {
		runtime.Gosched()
	}
	// Closing: new changes are refused while the queued ones wait for the worker.
	if err := c.Exec(context.Background(), db.TenantScope(a, uuid.Nil), insert(uuid.New(), a)); !errors.Is(err, pipeline.ErrCommitterClosed) {
		t.Fatalf("after Close: %v, want ErrCommitterClosed", err)
	}
	select {
	case <-closed:
		t.Fatal("Close returned before the queued changes were committed")
	default:
	}
	close(g.release)
	<-closed
	for range ids {
		if err := <-errs; err != nil {
			t.Fatalf("a change queued before Close: %v", err)
		}
	}
	for _, id := range ids {
		if _, err := widgetTenant(t, env, id); err != nil {
			t.Fatalf("row %s was not committed: %v", id, err)
		}
	}
	if st := c.Stats(); st.Groups != 2 || st.Changes != 4 {
		t.Fatalf("want the held change, then the three queued as one group; got %+v", st)
	}
}

// TestCommitterTimeout: a group that outlasts the committer's timeout fails for its
// callers (a row lock held elsewhere keeps it waiting), and the committer goes on.
func TestCommitterTimeout(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	env.Widgets(t)
	ctx := context.Background()
	a := uuid.New()
	locked := uuid.New()
	dbtest.Exec(t, env.OwnerURL, `INSERT INTO widgets VALUES ('`+locked.String()+`', '`+a.String()+`', 'locked')`)
	c := pipeline.New(env.DB, pipeline.Config{Workers: 1, MaxGroup: 4, Timeout: 300 * time.Millisecond})
	defer c.Close()

	conn, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM widgets WHERE id = $1 FOR UPDATE`, locked); err != nil {
		t.Fatal(err)
	}
	upd := &pgx.Batch{}
	upd.Queue(`UPDATE widgets SET name = 'moved' WHERE id = $1`, locked)
	start := time.Now()
	err = c.Exec(ctx, db.TenantScope(a, uuid.Nil), upd)
	if !apperr.IsKind(err, apperr.KindUnavailable) {
		t.Fatalf("a group blocked past the timeout must fail as an outage (503, Retry-After), got %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the timeout did not cut the wait short: %v", took)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(ctx, db.TenantScope(a, uuid.Nil), insert(uuid.New(), a)); err != nil {
		t.Fatalf("the committer must go on after a timed-out group: %v", err)
	}
}

// TestCommitterWorkersSendConcurrently: with several workers, groups are sent side
// by side (both held at once), and every change is committed once.
func TestCommitterWorkersSendConcurrently(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	env.Widgets(t)
	a, b := uuid.New(), uuid.New()
	g := newGate(nil)
	c := pipeline.New(env.DB, pipeline.Config{Workers: 2, MaxGroup: 3, Hooks: g.hooks()})
	defer c.Close()

	const n = 8
	ids := make([]uuid.UUID, n)
	errs := make(chan error, n)
	exec := func(i int) {
		ten := a
		if i%2 == 1 {
			ten = b
		}
		ids[i] = uuid.New()
		id := ids[i]
		go func() { errs <- c.Exec(context.Background(), db.TenantScope(ten, uuid.Nil), insert(id, ten)) }()
	}
	// One change each: both workers are held in a send at the same time.
	exec(0)
	sizes := g.waitSending(t)
	exec(1)
	sizes += g.waitSending(t)
	for i := 2; i < n; i++ {
		exec(i)
	}
	g.waitQueued(t, n)
	close(g.release)
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if sizes != 2 {
		t.Fatalf("the first two changes must be in flight on two workers, sizes sum %d", sizes)
	}
	for _, id := range ids {
		if _, err := widgetTenant(t, env, id); err != nil {
			t.Fatalf("row %s: %v", id, err)
		}
	}
	st := c.Stats()
	if st.Changes != n || st.Retried != 0 || st.Groups < 4 || st.Groups > n {
		t.Fatalf("want %d changes in 4..%d groups (two alone, six in groups of at most 3), none retried; got %+v", n, n, st)
	}
}
