package assembly_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"sunshine/pkg/apitest"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/queue"
)

// TestWorkerServesACountyProvisionedAfterItStarted ("Also" of issue 12): the city
// worker listed the tenants once at start-up, so a county provisioned later had no
// worker on its per-tenant queues until a restart. Now the worker lists them again
// every refresh interval and swaps in a server for the new queue set: a task on the
// new county's queue is processed without a restart, and a task running on the old
// server during the swap finishes exactly once.
func TestWorkerServesACountyProvisionedAfterItStarted(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Redis: true})
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[string]int{}
	env.Registry.Handle("test:echo", func(ctx context.Context, task *asynq.Task) error {
		var p struct {
			queue.Scope
			Sleep time.Duration `json:"sleep"`
		}
		if err := queue.Decode(task, &p); err != nil {
			return err
		}
		time.Sleep(p.Sleep)
		mu.Lock()
		seen[p.TenantCode]++
		mu.Unlock()
		return nil
	})
	count := func(code string) int {
		mu.Lock()
		defer mu.Unlock()
		return seen[code]
	}
	client := queue.NewClient(env.App.Redis, true)
	t.Cleanup(func() { _ = client.Close() })
	enqueue := func(code string, sleep time.Duration) {
		t.Helper()
		payload := queue.Payload(struct {
			queue.Scope
			Sleep time.Duration `json:"sleep"`
		}{queue.Scope{TenantCode: code}, sleep})
		if err := client.Enqueue(ctx, asynq.NewTask("test:echo", payload), code, queue.Critical); err != nil {
			t.Fatal(err)
		}
	}
	log := logging.Discard()
	w := queue.NewWorker(env.App.Redis, queue.WorkerConfig{PerTenant: true, Concurrency: 4, ShutdownTimeout: 5 * time.Second},
		log, env.App.TenantCodes, 300*time.Millisecond)
	if err := w.Start(ctx, env.Registry.Mux(log, nil)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	if codes := w.Codes(); len(codes) != 10 || !slices.Contains(codes, "410581") {
		t.Fatalf("served at start: %v", codes)
	}
	// A slow task on an existing county, running while the queues are swapped.
	enqueue("410581", 2*time.Second)
	waitFor(t, 5*time.Second, "the slow task to start", func() bool {
		info, err := client.Inspector().GetQueueInfo("410581:critical")
		return err == nil && info.Active == 1
	})

	r := env.Login("410500", "admin").Do("POST", "/api/v1/tenants", map[string]any{"code": "410599", "name": "测试新区", "level": "county", "parent": "410500"})
	if r.Status != 201 {
		t.Fatalf("provision: %d %s", r.Status, r.Body)
	}
	provisioned := time.Now()
	enqueue("410599", 0)
	waitFor(t, time.Minute, "the new county's task", func() bool { return count("410599") == 1 })
	t.Logf("the new county's task ran %v after provisioning", time.Since(provisioned).Round(time.Millisecond))
	if !slices.Contains(w.Codes(), "410599") {
		t.Fatalf("served now: %v", w.Codes())
	}
	waitFor(t, 10*time.Second, "the slow task to finish", func() bool { return count("410581") == 1 })
	// Both old and new counties keep being served after the swap.
	enqueue("410581", 0)
	enqueue("410599", 0)
	waitFor(t, 10*time.Second, "tasks after the swap", func() bool { return count("410581") == 2 && count("410599") == 2 })
	time.Sleep(500 * time.Millisecond)
	if count("410581") != 2 || count("410599") != 2 {
		t.Fatalf("a task ran twice: %v", seen)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
