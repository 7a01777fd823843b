package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/dbtest"
)

// TestCommitterGroupsChangesAndIsolatesFailures: changes queued while a worker is
// busy commit as one transaction, each behind its own tenant scope; when one of them
// fails, the others still commit and only the failing caller sees an error.
func TestCommitterGroupsChangesAndIsolatesFailures(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	widgets(t, env.OwnerURL)
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	blocker := uuid.New()
	exec(t, env.OwnerURL, `INSERT INTO widgets VALUES ('`+blocker.String()+`', '`+a.String()+`', 'blocker')`)

	c := env.DB.NewCommitter(1, 16)
	defer c.Close()
	insert := func(tenant uuid.UUID, id uuid.UUID, rowTenant uuid.UUID) *pgx.Batch {
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO widgets (id, tenant_id, name) VALUES ($1, $2, 'w')`, id, rowTenant)
		return b
	}

	// Hold the only worker: its first change waits for a row lock taken here.
	lock, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close(ctx)
	tx, err := lock.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM widgets WHERE id = $1 FOR UPDATE`, blocker); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		b := &pgx.Batch{}
		b.Queue(`UPDATE widgets SET name = 'moved' WHERE id = $1`, blocker)
		first <- c.Exec(ctx, db.TenantScope(a, uuid.Nil), b)
	}()
	waitFor(t, func() bool { return c.Stats().Groups == 0 && c.Pending() == 0 })
	time.Sleep(50 * time.Millisecond) // the worker has taken the first change and waits on the lock

	// Five changes queue up meanwhile: two tenants, and one that smuggles a row into
	// another tenant (refused by RLS).
	type job struct {
		scope   uuid.UUID
		id      uuid.UUID
		rowTen  uuid.UUID
		wantErr bool
	}
	jobs := []job{{a, uuid.New(), a, false}, {b, uuid.New(), b, false}, {a, uuid.New(), b, true}, {b, uuid.New(), b, false}, {a, uuid.New(), a, false}}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Exec(ctx, db.TenantScope(j.scope, uuid.Nil), insert(j.scope, j.id, j.rowTen))
		}()
	}
	waitFor(t, func() bool { return c.Pending() == len(jobs) })
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first change: %v", err)
	}
	wg.Wait()

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
	conn, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, j := range jobs {
		var ten uuid.UUID
		err := conn.QueryRow(ctx, `SELECT tenant_id FROM widgets WHERE id = $1`, j.id).Scan(&ten)
		switch {
		case j.wantErr && !errors.Is(err, pgx.ErrNoRows):
			t.Fatalf("the refused row exists: %v", err)
		case !j.wantErr && (err != nil || ten != j.scope):
			t.Fatalf("row %s: tenant %s, err %v; want %s", j.id, ten, err, j.scope)
		}
	}
	st := c.Stats()
	if st.Groups != 2 || st.Changes != 6 || st.Retried != 1 {
		t.Fatalf("want the first change alone, then the five as one group retried one by one; got %+v", st)
	}

	// Asynchronous commit cannot ride on others' transactions; a closed committer
	// takes nothing.
	if err := c.Exec(ctx, db.Scope{Tenant: a, Read: []uuid.UUID{a}, Derived: true}, insert(a, uuid.New(), a)); err == nil {
		t.Fatal("a Derived scope must be refused")
	}
	c.Close()
	if err := c.Exec(ctx, db.TenantScope(a, uuid.Nil), insert(a, uuid.New(), a)); !errors.Is(err, db.ErrCommitterClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCommitterGroupsReads: reads queued together share one pipeline; each caller
// reads its own results under its own scope, "no rows" stays its own answer, and a
// statement that fails sends the others' reads again, alone.
func TestCommitterGroupsReads(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	widgets(t, env.OwnerURL)
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	wa, wb := uuid.New(), uuid.New()
	exec(t, env.OwnerURL,
		`INSERT INTO widgets VALUES ('`+wa.String()+`', '`+a.String()+`', 'a-widget'), ('`+wb.String()+`', '`+b.String()+`', 'b-widget')`)

	c := env.DB.NewCommitter(1, 16)
	defer c.Close()
	blocker := make(chan struct{})
	// Hold the only worker in a read callback until every other read has queued.
	held := make(chan error, 1)
	go func() {
		q := &pgx.Batch{}
		q.Queue(`SELECT 1`)
		held <- c.Query(ctx, db.TenantScope(a, uuid.Nil), q, func(br pgx.BatchResults) error {
			<-blocker
			_, err := br.Exec()
			return err
		})
	}()
	waitFor(t, func() bool { return c.Pending() == 0 })
	time.Sleep(50 * time.Millisecond)

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
	waitFor(t, func() bool { return c.Pending() == len(reads) })
	close(blocker)
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
