package casework

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/db/pipeline"
	"sunshine/pkg/platform/dbtest"
)

// nextTracking is the number the tracking sequence hands out next.
func nextTracking(t *testing.T, env *dbtest.Env) int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM case_tracking_seq`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRetriedIntakeReadsDrawNoNumbers: the intake checks of concurrent intakes share a
// pipeline, and when another statement of their group fails the committer runs each
// of them again alone. The tracking number is drawn apart from those reads, so such a
// retry costs no numbers: the sequence moves only when numbers are drawn, once each.
func TestRetriedIntakeReadsDrawNoNumbers(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	queued := make(chan struct{}, 64)
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	st := newStore(env.DB, Config{CommitWorkers: 1, CommitGroup: 16, hooks: pipeline.Hooks{
		Queued:  func() { queued <- struct{}{} },
		Sending: func(int) { once.Do(func() { close(held); <-release }) },
	}})
	defer st.close()
	before := nextTracking(t, env)
	tenant := uuid.New()
	scope := db.TenantScope(tenant, uuid.Nil)

	// Hold the read worker, then line up three intakes' checks and a failing read.
	blocker := make(chan error, 1)
	go func() {
		b := &pgx.Batch{}
		b.Queue(`SELECT 1`)
		blocker <- st.intakeReads.Query(ctx, scope, b, func(br pgx.BatchResults) error { _, err := br.Exec(); return err })
	}()
	<-held
	const intakes = 3
	var wg sync.WaitGroup
	errs := make([]error, intakes)
	facts := make([]intakeFacts, intakes)
	for i := 0; i < intakes; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			facts[i], errs[i] = st.intakeFacts(ctx, db.TenantScope(uuid.New(), uuid.Nil), uuid.New(), nil, uuid.New(), nil)
		}()
	}
	failed := make(chan error, 1)
	go func() {
		b := &pgx.Batch{}
		b.Queue(`SELECT $1::text::int`, "not a number")
		failed <- st.intakeReads.Query(ctx, scope, b, func(br pgx.BatchResults) error { _, err := br.Exec(); return err })
	}()
	for i := 0; i < 1+intakes+1; i++ {
		select {
		case <-queued:
		case <-time.After(10 * time.Second):
			t.Fatal("the reads were not handed over")
		}
	}
	close(release)
	wg.Wait()
	if err := <-blocker; err != nil {
		t.Fatal(err)
	}
	if err := <-failed; err == nil {
		t.Fatal("the bad read must fail")
	}
	for i := range errs {
		if errs[i] != nil || facts[i].powerFound {
			t.Fatalf("intake %d: %+v %v (an unknown power: no error, not found)", i, facts[i], errs[i])
		}
	}
	if s := st.intakeReads.Stats(); s.Retried != 1 {
		t.Fatalf("the group must have been run again change by change: %+v", s)
	}
	if got := nextTracking(t, env); got != before {
		t.Fatalf("the checks drew tracking numbers: the sequence moved from %d to %d", before, got)
	}

	// Numbers are drawn once each, concurrent draws sharing round trips.
	nums := make([]int64, intakes)
	for i := range nums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if nums[i], err = st.drawTrackingNumber(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	for i, n := range nums {
		if n != before+int64(i) {
			t.Fatalf("drawn %v, want %d, %d, %d", nums, before, before+1, before+2)
		}
	}
	if got := nextTracking(t, env); got != before+intakes {
		t.Fatalf("the sequence is at %d after %d draws from %d", got, intakes, before)
	}
}

// TestPageRowTypesCoverEveryColumn: the case page decodes its children from json_agg
// through row types of its own, keyed by column name (the API's json tags hide some
// columns, e.g. a step's completed_by). Every column of the children's tables must have
// a field there, so that a column added later is not silently dropped from the page.
func TestPageRowTypesCoverEveryColumn(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for table, row := range map[string]any{"case_steps": stepRow{}, "case_pauses": pauseRow{}, "case_fees": feeRow{}, "case_events": eventRow{}} {
		tags := map[string]bool{}
		rt := reflect.TypeOf(row)
		for i := 0; i < rt.NumField(); i++ {
			tags[strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]] = true
		}
		rows, err := conn.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = $1`, table)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(cols) == 0 {
			t.Fatalf("%s: %v %v", table, cols, err)
		}
		for _, c := range cols {
			if !tags[c] {
				t.Errorf("%s.%s has no field in %T", table, c, row)
			}
		}
		if len(cols) != len(tags) {
			t.Errorf("%T has %d fields, %s %d columns", row, len(tags), table, len(cols))
		}
	}
}
