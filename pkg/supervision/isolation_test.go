package supervision_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sunshine/pkg/apitest"
	"sunshine/pkg/idcheck"
)

// acceptedIn takes in and accepts a case in another county (with its own power, window
// and clerk).
func (w *world) acceptedIn(t *testing.T, code string) string {
	t.Helper()
	power := w.env.FiledPower(code, "XK-001", "建筑工程施工许可证核发", 9, nil, apitest.ParallelFlowchart())
	window := w.env.Window(code, "A01", "ZWFW", true, "clerk")
	clerk := w.env.Login(code, "clerk")
	id := idcheck.GenerateResidentID(rng, code, time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC), false)
	r := clerk.Do("POST", "/api/v1/cases", map[string]any{"power_id": power, "window_id": window, "channel": "window",
		"applicant": map[string]any{"type": "person", "name": "赵六", "id_number": id},
		"materials": []map[string]any{{"name": "申请书", "provided": true}, {"name": "营业执照", "provided": true}}})
	if r.Status != 201 {
		t.Fatalf("intake in %s: %d %s", code, r.Status, r.Body)
	}
	var c struct{ ID string }
	r.JSON(t, &c)
	w.post(t, clerk, "/api/v1/cases/"+c.ID+"/accept", nil, 200)
	return c.ID
}

// TestSweepIsolatesATenantWithCorruptSettings (issue 12, item 2): a county whose stored
// settings hold a red-card period of 1e19 (≥ 2^63, written straight into the database
// around the API) panicked the sweep, which covers every tenant, and 1e12 stalled it.
// Now that county's cases fail one by one — logged and counted in the report — and
// every other county is still swept; once the setting is repaired, the next sweep
// catches up.
func TestSweepIsolatesATenantWithCorruptSettings(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	bad := w.accepted(t)               // 410581 (林州市)
	good := w.acceptedIn(t, "410522")  // 安阳县
	other := w.acceptedIn(t, "410526") // 滑县
	conn := connect(t, w.env.DB.OwnerURL)
	if _, err := conn.Exec(ctx, `UPDATE tenants SET settings = settings || '{"red_card_after_working_days": 1e19}'::jsonb WHERE code = '410581'`); err != nil {
		t.Fatal(err)
	}
	w.env.App.Tenants.Invalidate()

	w.env.Clock.Set(time.Date(2026, 10, 16, 0, 0, 1, 0, sh))
	done := make(chan struct{})
	var rep struct {
		failed  int
		tenants []string
		cases   int
	}
	go func() {
		defer close(done)
		r := w.sweep(t)
		rep.failed, rep.tenants, rep.cases = r.Failed, r.FailedTenants, r.Cases
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the sweep stalled on one county's settings")
	}
	if rep.failed == 0 || strings.Join(rep.tenants, ",") != "410581" || rep.cases < 2 {
		t.Fatalf("report: failed %d in %v, %d cases swept; want 410581's failure and the others swept", rep.failed, rep.tenants, rep.cases)
	}
	sup := w.env.Login("410500", "supervisor")
	yellow := func(id string) bool {
		for _, c := range w.cards(t, sup, "level=yellow&case="+id) {
			if c.Rule == "case_overdue" {
				return true
			}
		}
		return false
	}
	if !yellow(good) || !yellow(other) {
		t.Fatal("the other counties' overdue cases must get their yellow cards")
	}
	if yellow(bad) {
		t.Fatal("no card may be computed from the corrupt threshold")
	}

	// A case action in the corrupt county still works (its clock hook fails and is
	// logged; the sweep will catch up).
	if r := w.env.Login("410581", "clerk").Do("GET", "/api/v1/cases/"+bad, nil); r.Status != 200 {
		t.Fatalf("case in the corrupt county: %d %s", r.Status, r.Body)
	}

	// Repaired, the next sweep gives the county its card.
	if _, err := conn.Exec(ctx, `UPDATE tenants SET settings = settings - 'red_card_after_working_days' WHERE code = '410581'`); err != nil {
		t.Fatal(err)
	}
	w.env.App.Tenants.Invalidate()
	if r := w.sweep(t); r.Failed != 0 {
		t.Fatalf("after the repair: %+v", r)
	}
	if !yellow(bad) {
		t.Fatal("after the repair the county's case gets its card")
	}
}
