package appraisal_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"sunshine/pkg/apitest"
	"sunshine/pkg/appraisal"
	"sunshine/pkg/platform/queue"
)

// pending lists the scoring tasks waiting in the queue.
func pending(t *testing.T, env *apitest.Env) []*asynq.TaskInfo {
	t.Helper()
	tasks, err := env.App.Queue.Inspector().ListPendingTasks(queue.Low)
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		t.Fatal(err)
	}
	var out []*asynq.TaskInfo
	for _, ti := range tasks {
		if ti.Type == appraisal.TypeScore {
			out = append(out, ti)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (g *golden) scoreEvents(t *testing.T, runID uuid.UUID) int {
	t.Helper()
	var n int
	if err := g.fx.Conn.QueryRow(context.Background(),
		`SELECT count(*) FROM audit_events WHERE action = 'appraisal_run.score' AND object_id = $1`, runID.String()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIdempotentTask: a scoring request is one task under a deterministic ID (asking
// again enqueues nothing new), and the task delivered twice scores once.
func TestIdempotentTask(t *testing.T) {
	t.Parallel()
	g := newGolden(t, apitest.Options{Redis: true})
	ctx := context.Background()
	g.env.Clock.Advance(time.Minute)
	run, err := g.svc.RequestRun(ctx, g.leader, appraisal.RunRequest{SchemeID: g.scheme, Period: "2026-10"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != appraisal.RunScoring || run.TaskID != appraisal.TaskID(run) {
		t.Fatalf("run: %s %s", run.Status, run.TaskID)
	}
	// Asked again while it waits: the same run, the same task.
	again, err := g.svc.RequestRun(ctx, g.leader, appraisal.RunRequest{SchemeID: g.scheme, Period: "2026-10"})
	if err != nil || again.ID != run.ID || again.Generation != run.Generation {
		t.Fatalf("again: %v %+v", err, again)
	}
	tasks := pending(t, g.env)
	if len(tasks) != 1 || tasks[0].ID != run.TaskID {
		t.Fatalf("want the one task %s, got %d", run.TaskID, len(tasks))
	}
	task := asynq.NewTask(tasks[0].Type, tasks[0].Payload)
	for i := 0; i < 2; i++ {
		if err := g.svc.HandleScore(ctx, task); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	if n := g.scoreEvents(t, run.ID); n != 1 {
		t.Fatalf("scored %d times", n)
	}
	d := g.detail(t, run.ID)
	if d.Status != appraisal.RunDraft || d.ScoredAt == nil || len(d.Results) == 0 {
		t.Fatalf("after scoring: %s %v %d", d.Status, d.ScoredAt, len(d.Results))
	}
	first := *d.ScoredAt
	// A late duplicate of the same task is still harmless.
	g.env.Clock.Advance(time.Hour)
	if err := g.svc.HandleScore(ctx, task); err != nil {
		t.Fatal(err)
	}
	if d2 := g.detail(t, run.ID); !d2.ScoredAt.Equal(first) || g.scoreEvents(t, run.ID) != 1 {
		t.Fatalf("the duplicate scored again")
	}
}

// TestTick: the scheduler's tick creates the final run of the month that closed
// (November closed at the end of 2 December) and the provisional run of the open
// month, each once; ticking again the same day adds nothing; the next day the
// provisional run is scored again, the final one is not.
func TestTick(t *testing.T) {
	t.Parallel()
	g := newGolden(t, apitest.Options{Redis: true})
	ctx := context.Background()
	if err := g.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	runs := func() map[string]appraisal.RunView {
		city, _ := g.env.App.Tenants.ByCode(ctx, "410500")
		tree, _ := g.env.App.Tenants.Subtree(ctx, city)
		list, _, err := g.svc.Runs(ctx, scopeOf(city, tree, g.leader.UserID), g.leader, appraisal.RunFilter{SchemeID: g.scheme, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]appraisal.RunView{}
		for _, r := range list {
			out[r.Period+"/"+r.Kind] = r
		}
		return out
	}
	got := runs()
	if len(got) != 2 || got["2026-11/final"].Status != appraisal.RunScoring || got["2026-12/provisional"].Status != appraisal.RunScoring {
		t.Fatalf("after the first tick: %v", keys(got))
	}
	if n := len(pending(t, g.env)); n != 2 {
		t.Fatalf("tasks: %d", n)
	}
	for _, ti := range pending(t, g.env) {
		if err := g.svc.HandleScore(ctx, asynq.NewTask(ti.Type, ti.Payload)); err != nil {
			t.Fatal(err)
		}
		// (A worker would have taken it off the queue.)
		if err := g.env.App.Queue.Inspector().DeleteTask(queue.Low, ti.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	after := runs()
	if after["2026-11/final"].Status != appraisal.RunDraft || after["2026-12/provisional"].Status != appraisal.RunProvisional ||
		len(pending(t, g.env)) != 0 {
		t.Fatalf("the same day: %+v, %d tasks", after, len(pending(t, g.env)))
	}
	g.env.Clock.Advance(24 * time.Hour)
	if err := g.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	next := runs()
	if next["2026-12/provisional"].Status != appraisal.RunScoring || next["2026-12/provisional"].Generation != 2 ||
		next["2026-11/final"].Status != appraisal.RunDraft {
		t.Fatalf("the next day: %+v", next)
	}
	if n := len(pending(t, g.env)); n != 1 {
		t.Fatalf("the next day: %d tasks", n)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestFailedRun: a run whose scoring failed for good says so and can be scored again.
func TestFailedRun(t *testing.T) {
	t.Parallel()
	g := newGolden(t, apitest.Options{Redis: true})
	ctx := context.Background()
	run, err := g.svc.RequestRun(ctx, g.leader, appraisal.RunRequest{SchemeID: g.scheme, Period: "2026-10"})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.svc.FailRun(ctx, run.ID, run.Generation, errors.New("statement timeout")); err != nil {
		t.Fatal(err)
	}
	d := g.detail(t, run.ID)
	if d.Status != appraisal.RunFailed || d.Error != "statement timeout" || strings.Join(d.AllowedActions, ",") != "rescore" {
		t.Fatalf("failed run: %s %q %v", d.Status, d.Error, d.AllowedActions)
	}
	again, err := g.svc.RequestRun(ctx, g.leader, appraisal.RunRequest{SchemeID: g.scheme, Period: "2026-10"})
	if err != nil || again.Status != appraisal.RunScoring || again.Generation != run.Generation+1 {
		t.Fatalf("rescore after failure: %v %+v", err, again)
	}
}
