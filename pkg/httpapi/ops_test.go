package httpapi_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"sunshine/pkg/apitest"
)

// TestOpsQueueTasks drives the background-task console: the list's total is the
// queue's count in that state (not the page's length), task IDs with colons and
// slashes are addressed percent-encoded, and only ops:queues may look.
func TestOpsQueueTasks(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Redis: true})
	ctx := context.Background()
	ids := []string{"sup:410581:case:1/a", "sup:410581:case:2", "sup:410581:case:3"}
	for _, id := range ids {
		task := asynq.NewTask("test:noop", []byte(`{"n":1}`))
		if err := env.App.Queue.EnqueueIn(ctx, task, "ops-test", asynq.TaskID(id), asynq.ProcessIn(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	admin := env.Login("410500", "admin")
	var page struct {
		Items []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"items"`
		Total int `json:"total"`
	}
	r := admin.Do("GET", "/api/v1/ops/queues/ops-test/tasks?state=scheduled&page=1&page_size=2", nil)
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &page)
	if len(page.Items) != 2 || page.Total != 3 {
		t.Fatalf("a page of 2 out of 3: %+v", page)
	}
	// A scheduled task runs now; its ID has colons and a slash, escaped as one segment.
	if r := admin.Do("POST", "/api/v1/ops/queues/ops-test/tasks/"+url.PathEscape(ids[0])+"/run", nil); r.Status != 204 {
		t.Fatalf("run %s: %d %s", ids[0], r.Status, r.Body)
	}
	if r := admin.Do("DELETE", "/api/v1/ops/queues/ops-test/tasks/"+url.PathEscape(ids[1]), nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("DELETE", "/api/v1/ops/queues/ops-test/tasks/"+url.PathEscape(ids[1]), nil); r.Status != 404 {
		t.Fatalf("deleting it twice: %d %s", r.Status, r.Body)
	}
	admin.Do("GET", "/api/v1/ops/queues/ops-test/tasks?state=scheduled", nil).JSON(t, &page)
	if page.Total != 1 || len(page.Items) != 1 || page.Items[0].ID != ids[2] {
		t.Fatalf("one left scheduled: %+v", page)
	}
	if r := env.Login("410581", "clerk").Do("GET", "/api/v1/ops/queues", nil); r.Status != 403 {
		t.Fatalf("a clerk must not see the queues: %d", r.Status)
	}
}
