package httpapi_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/pkg/apitest"
	"sunshine/pkg/platform/embeddedpg"
	"sunshine/pkg/platform/logging"
)

// TestPostgresKilledUnderLoad kills the test's own PostgreSQL (never the machine's
// shared server) while clerks take in cases and read their session, then starts it
// again on the same data directory. During the outage every answer is 503
// problem+json with Retry-After — never 500, never 401 (a failed session lookup once
// signed every clerk out) — and /readyz fails; afterwards the same process serves
// again by itself, the old session still works, and no acknowledged intake is lost.
func TestPostgresKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL")
	}
	dir, err := os.MkdirTemp("", "sunshine-fault-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755) // the server runs as an unprivileged user when we are root
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	ctx := context.Background()
	cfg := embeddedpg.Config{DataDir: filepath.Join(dir, "data"), Port: 0, Logger: logging.Discard()}
	srv, err := embeddedpg.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Port = srv.Port()
	var current atomic.Pointer[embeddedpg.Server]
	current.Store(srv)
	t.Cleanup(func() { _ = current.Load().Stop(context.Background()) }) // after the env's own clean-up

	env := apitest.New(t, apitest.Options{Postgres: srv.URL("postgres"), Redis: true})
	if r := env.Anonymous().Do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("/readyz before the outage: %d %s", r.Status, r.Body)
	}
	power := env.FiledPower("410581", "XK-F", "故障测试事项", 5, nil, apitest.ParallelFlowchart())
	window := env.Window("410581", "A05", "ZWFW", true, "clerk")
	clerk := env.Login("410581", "clerk")
	// Signed in before the outage, first seen during it: nothing of it is cached.
	handler := env.Login("410581", "handler")
	intake := map[string]any{"power_id": power, "window_id": window, "channel": "window",
		"applicant": map[string]any{"type": "person", "name": "钱七", "id_number": "11010519491231002X"}}

	var (
		mu       sync.Mutex
		acked    []string
		statuses = map[int]int{}
		bad      []string
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	record := func(r *apitest.Response, what string) {
		mu.Lock()
		defer mu.Unlock()
		statuses[r.Status]++
		switch r.Status {
		case 200, 201:
		case 503:
			ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || ra < 1 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				bad = append(bad, what+": 503 without Retry-After or problem+json")
			}
		default:
			bad = append(bad, what+": "+strconv.Itoa(r.Status)+" "+string(r.Body))
		}
	}
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				r := clerk.Do("POST", "/api/v1/cases", intake)
				record(r, "intake")
				if r.Status == 201 {
					var c struct {
						ID string `json:"id"`
					}
					r.JSON(t, &c)
					mu.Lock()
					acked = append(acked, c.ID)
					mu.Unlock()
				}
				record(clerk.Do("GET", "/api/v1/me", nil), "me")
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	srv.Kill()
	env.App.Tenants.Invalidate() // as if the tenant cache's few seconds ran out meanwhile
	time.Sleep(1500 * time.Millisecond)
	if r := handler.Do("GET", "/api/v1/me", nil); r.Status != 503 {
		t.Errorf("an uncached session during the outage: %d %s (a failed lookup is no expired session)", r.Status, r.Body)
	}
	if r := env.Anonymous().Do("GET", "/readyz", nil); r.Status != 503 {
		t.Errorf("/readyz during the outage: %d", r.Status)
	}
	mu.Lock()
	during := statuses[503]
	mu.Unlock()

	// PostgreSQL comes back on the same data directory (crash recovery).
	restarted, err := embeddedpg.Start(ctx, cfg)
	if err != nil {
		stop.Store(true)
		wg.Wait()
		t.Fatalf("restart: %v", err)
	}
	current.Store(restarted)
	deadline := time.Now().Add(30 * time.Second)
	for env.Anonymous().Do("GET", "/readyz", nil).Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the service did not become ready again within 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // more load after the recovery
	stop.Store(true)
	wg.Wait()

	for _, b := range bad {
		t.Error(b)
	}
	if during == 0 {
		t.Fatalf("no request met the outage: %v", statuses)
	}
	// The session survived the outage; intake works again; every acknowledged intake
	// is there.
	if r := clerk.Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("the session after the outage: %d", r.Status)
	}
	if r := clerk.Do("POST", "/api/v1/cases", intake); r.Status != 201 {
		t.Fatalf("intake after the outage: %d %s", r.Status, r.Body)
	}
	for _, id := range acked {
		if r := clerk.Do("GET", "/api/v1/cases/"+id, nil); r.Status != 200 {
			t.Errorf("acknowledged intake %s lost: %d", id, r.Status)
		}
	}
	t.Logf("statuses %v; %d intakes acknowledged, all present", statuses, len(acked))
}
