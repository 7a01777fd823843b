package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/servicetest"
	"sunshine/pkg/tenancy"
)

func TestQueueNamesAndWeights(t *testing.T) {
	if got := queue.QueueName(true, "419901", queue.Critical); got != "419901:critical" {
		t.Fatal(got)
	}
	if got := queue.QueueName(true, "", queue.Low); got != "low" {
		t.Fatalf("platform tasks have no tenant prefix: %s", got)
	}
	if got := queue.QueueName(false, "419901", queue.Default); got != "default" {
		t.Fatalf("shared queues: %s", got)
	}
	q := queue.WorkerConfig{PerTenant: true, TenantCodes: []string{"419901"}, Weights: map[string]int{queue.Critical: 6}}.Queues()
	want := map[string]int{"critical": 6, "default": 1, "low": 1, "419901:critical": 6, "419901:default": 1, "419901:low": 1}
	if len(q) != len(want) {
		t.Fatalf("queues: %v", q)
	}
	for k, v := range want {
		if q[k] != v {
			t.Fatalf("queue %s weight %d, want %d (%v)", k, q[k], v, q)
		}
	}
	if q := (queue.WorkerConfig{TenantCodes: []string{"419901"}}).Queues(); len(q) != 3 {
		t.Fatalf("without per-tenant queues a worker serves the three priorities: %v", q)
	}
	if queue.Backoff(0, nil, nil) != time.Second || queue.Backoff(3, nil, nil) != 8*time.Second || queue.Backoff(30, nil, nil) != 10*time.Minute {
		t.Fatal("backoff doubles from a second and caps at ten minutes")
	}
}

func TestRegistry(t *testing.T) {
	r := queue.NewRegistry()
	r.Handle("b:x", func(context.Context, *asynq.Task) error { return nil })
	r.Handle("a:x", func(context.Context, *asynq.Task) error { return nil })
	if got := r.Types(); len(got) != 2 || got[0] != "a:x" {
		t.Fatalf("types, sorted: %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering a type twice must panic")
		}
	}()
	r.Handle("a:x", func(context.Context, *asynq.Task) error { return nil })
}

type testPayload struct {
	queue.Scope
	N int `json:"n"`
}

// TestMiddlewareRestoresTheTenantsCaller: a handler runs as the platform acting for the
// payload's tenant, with that tenant's database scope; a payload that does not decode
// is dropped without retries and never reaches the handler.
func TestMiddlewareRestoresTheTenantsCaller(t *testing.T) {
	tenantID := uuid.New()
	r := queue.NewRegistry()
	var got actor.Caller
	var gotOK bool
	var scope db.Scope
	calls := 0
	r.Handle("t:probe", func(ctx context.Context, _ *asynq.Task) error {
		calls++
		got, gotOK = actor.CallerFrom(ctx)
		scope, _ = db.ScopeFrom(ctx)
		return nil
	})
	mux := r.Mux(logging.Discard(), nil)
	task := asynq.NewTask("t:probe", queue.Payload(testPayload{Scope: queue.Scope{TenantID: tenantID, TenantCode: "419901"}, N: 1}))
	if err := mux.ProcessTask(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	if got.Kind != actor.KindSystem || got.TenantID != tenantID || got.TenantCode != "419901" || !got.MayRead(tenantID) || len(got.ReadTenants) != 1 {
		t.Fatalf("caller: %+v", got)
	}
	if scope.Tenant != tenantID || scope.User != uuid.Nil {
		t.Fatalf("scope: %+v", scope)
	}
	// A platform task (no tenant) has no caller.
	got = actor.Caller{}
	if err := mux.ProcessTask(context.Background(), asynq.NewTask("t:probe", nil)); err != nil {
		t.Fatal(err)
	}
	if gotOK || got.TenantID != uuid.Nil {
		t.Fatalf("a platform task acts for no tenant: %+v", got)
	}
	before := calls
	err := mux.ProcessTask(context.Background(), asynq.NewTask("t:probe", []byte("{not json")))
	if !errors.Is(err, asynq.SkipRetry) || calls != before {
		t.Fatalf("an undecodable payload: %v (handler called %d times)", err, calls-before)
	}
	var p testPayload
	if err := queue.Decode(asynq.NewTask("t:probe", []byte(`{"n":"x"}`)), &p); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("Decode: %v", err)
	}
}

// TestClientEnqueueIsIdempotentAndCancellable against Redis: a deterministic task ID
// enqueues once, lands in the tenant's queue, and is cancelled by ID (twice is fine).
func TestClientEnqueueIsIdempotentAndCancellable(t *testing.T) {
	opt, _ := broker.ForTest(t)
	c := queue.NewClient(opt, true)
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	task := asynq.NewTask("t:alarm", queue.Payload(testPayload{N: 1}))
	for i := 0; i < 2; i++ {
		if err := c.Enqueue(ctx, task, "419901", queue.Default, asynq.TaskID("alarm:1"), asynq.ProcessIn(time.Hour)); err != nil {
			t.Fatalf("enqueue %d: %v", i, err)
		}
	}
	sizes, err := c.QueueSizes()
	if err != nil {
		t.Fatal(err)
	}
	if sizes["419901:default"]["scheduled"] != 1 {
		t.Fatalf("one scheduled task in the tenant's queue: %v", sizes)
	}
	if err := c.Cancel("419901", queue.Default, "alarm:1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel("419901", queue.Default, "alarm:1"); err != nil {
		t.Fatalf("cancelling an absent task: %v", err)
	}
	if err := c.CancelIn("nowhere", "x"); err != nil {
		t.Fatalf("cancelling in an unknown queue: %v", err)
	}
	if sizes, _ := c.QueueSizes(); sizes["419901:default"]["scheduled"] != 0 {
		t.Fatalf("cancelled: %v", sizes)
	}
}

// TestWorkerRunsATenantTaskInItsScope end to end: a worker serving the county's queues
// picks the task up, and the handler reads the database as the county, seeing its own
// departments and none of the city's.
func TestWorkerRunsATenantTaskInItsScope(t *testing.T) {
	env := servicetest.New(t)
	opt, _ := broker.ForTest(t)
	client := queue.NewClient(opt, true)
	t.Cleanup(func() { _ = client.Close() })
	r := queue.NewRegistry()
	type result struct {
		depts []tenancy.Department
		err   error
	}
	done := make(chan result, 1)
	r.Handle("t:departments", func(ctx context.Context, task *asynq.Task) error {
		var p testPayload
		if err := queue.Decode(task, &p); err != nil {
			return err
		}
		var out result
		out.err = env.DB.DB.InScope(ctx, func(tx *gorm.DB) error {
			var err error
			out.depts, err = tenancy.ListDepartments(tx, nil)
			return err
		})
		done <- out
		return out.err
	})
	srv := queue.NewServer(opt, queue.WorkerConfig{Concurrency: 2, PerTenant: true, TenantCodes: []string{servicetest.CountyCode}, ShutdownTimeout: time.Second}, logging.Discard())
	if err := srv.Start(r.Mux(logging.Discard(), nil)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	task := asynq.NewTask("t:departments", queue.Payload(testPayload{Scope: queue.Scope{TenantID: env.County.ID, TenantCode: env.County.Code}}))
	if err := client.Enqueue(context.Background(), task, env.County.Code, queue.Critical); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatal(res.err)
		}
		if len(res.depts) != len(servicetest.Departments) {
			t.Fatalf("the county's task sees %d departments, want its own %d", len(res.depts), len(servicetest.Departments))
		}
		for _, d := range res.depts {
			if d.TenantID != env.County.ID {
				t.Fatalf("the county's task sees a department of another tenant: %+v", d)
			}
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the worker did not run the task")
	}
}
