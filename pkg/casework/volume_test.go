package casework_test

import (
	"context"
	"testing"
	"time"
)

type volumeBody struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Items []struct {
		WindowID    string `json:"window_id"`
		TenantCode  string `json:"tenant_code"`
		Number      string `json:"number"`
		WorkingDays int    `json:"working_days"`
		Days        []struct {
			Date     string `json:"date"`
			Working  bool   `json:"working"`
			Accepted int    `json:"accepted"`
			Decided  int    `json:"decided"`
		} `json:"days"`
		AcceptedTotal   int      `json:"accepted_total"`
		DecidedTotal    int      `json:"decided_total"`
		AverageAccepted float64  `json:"average_accepted"`
		Threshold       *float64 `json:"threshold"`
		LowVolume       bool     `json:"low_volume"`
	} `json:"items"`
}

// TestWindowVolume accepts and decides cases at two windows on known days around
// 国庆 2026 (10-01…10-07 off, Saturday 10-10 a make-up working day) and checks the
// exact daily counts, the totals, the average per working day and the low-volume
// flag as the tenant's threshold changes.
func TestWindowVolume(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b01 := w.env.Window("410581", "B01", "ZJJ", false, "clerk")
	at := func(month time.Month, day, hour int) {
		w.env.Clock.Set(time.Date(2026, month, day, hour, 0, 0, 0, shanghai))
	}
	accepted := func(window any) caseBody {
		t.Helper()
		c := w.intake(t, map[string]any{"window_id": window})
		return w.do(t, w.clerk, "/api/v1/cases/"+c.ID+"/accept", nil, 200)
	}
	decide := func(c caseBody) {
		t.Helper()
		base := "/api/v1/cases/" + c.ID
		w.do(t, w.handler, base+"/steps/review/complete", map[string]any{"opinion": "ok"}, 200)
		w.do(t, w.handler, base+"/steps/zjj/complete", map[string]any{"opinion": "ok"}, 200)
		w.do(t, w.zrzy, base+"/steps/zrzy/complete", map[string]any{"opinion": "ok"}, 200)
		w.do(t, w.sthj, base+"/steps/sthj/complete", map[string]any{"opinion": "ok"}, 200)
		w.do(t, w.head, base+"/steps/decide/complete", map[string]any{"opinion": "ok"}, 200)
		w.do(t, w.head, base+"/decide", map[string]any{"result": "approve", "certificate_no": "C-" + c.TrackingNo}, 200)
	}
	// Monday 09-28: two accepted at A01, one at B01, and one received at A01 that
	// nobody decides on (deemed accepted later, as of today).
	at(9, 28, 9)
	a1, a2 := accepted(w.window), accepted(w.window)
	accepted(b01)
	w.intake(t, nil)
	// Tuesday 09-29 and Wednesday 09-30 (late evening, still 09-30 in Shanghai).
	at(9, 29, 10)
	a3 := accepted(w.window)
	at(9, 30, 23)
	accepted(w.window)
	// Saturday 10-03, in the holiday: someone worked; the day is listed, not counted.
	at(10, 3, 10)
	accepted(w.window)
	// Friday 10-09: a decision; Saturday 10-10 (make-up day): one accepted, one decided.
	at(10, 9, 15)
	decide(a1)
	at(10, 10, 11)
	accepted(w.window)
	decide(a2)
	// Sunday 10-11: deemed acceptance of the 09-28 application.
	at(10, 11, 0)
	if n, err := w.env.App.Casework.ApplyDeemedAcceptance(context.Background()); err != nil || n != 1 {
		t.Fatalf("deemed acceptance: %d %v", n, err)
	}
	// Monday 10-12: a decision (a3); Tuesday 10-13 is outside the period.
	at(10, 12, 16)
	decide(a3)
	at(10, 13, 9)
	accepted(w.window)

	var v volumeBody
	r := w.clerk.Do("GET", "/api/v1/windows/volume?from=2026-09-28&to=2026-10-12", nil)
	r.JSON(t, &v)
	if r.Status != 200 || v.From != "2026-09-28" || v.To != "2026-10-12" || len(v.Items) != 2 {
		t.Fatalf("volume: %d %s", r.Status, r.Body)
	}
	a, b := v.Items[0], v.Items[1]
	if a.Number != "A01" {
		a, b = b, a
	}
	type day struct {
		working           bool
		accepted, decided int
	}
	want := map[string]day{
		"2026-09-28": {true, 3, 0}, // two accepted, one deemed accepted as of its receipt
		"2026-09-29": {true, 1, 0},
		"2026-09-30": {true, 1, 0},
		"2026-10-03": {false, 1, 0},
		"2026-10-08": {true, 0, 0},
		"2026-10-09": {true, 0, 1},
		"2026-10-10": {true, 1, 1},
		"2026-10-12": {true, 0, 1},
	}
	if len(a.Days) != len(want) {
		t.Fatalf("A01 days: %+v", a.Days)
	}
	for _, d := range a.Days {
		if got := (day{d.Working, d.Accepted, d.Decided}); got != want[d.Date] {
			t.Errorf("A01 on %s: got %+v, want %+v", d.Date, got, want[d.Date])
		}
	}
	// Seven working days: 09-28, 09-29, 09-30, 10-08, 10-09, 10-10, 10-12.
	if a.WorkingDays != 7 || a.AcceptedTotal != 7 || a.DecidedTotal != 3 || a.AverageAccepted != 1 {
		t.Fatalf("A01 totals: %+v", a)
	}
	if b.AcceptedTotal != 1 || b.DecidedTotal != 0 || len(b.Days) != 7 || b.Days[0].Accepted != 1 || b.AverageAccepted != 0.14 {
		t.Fatalf("B01: %+v", b)
	}
	// 林州市 sets its own threshold (5): both windows are low-volume.
	if a.Threshold == nil || *a.Threshold != 5 || !a.LowVolume || !b.LowVolume {
		t.Fatalf("林州市's threshold: %+v %+v", a, b)
	}
	// Lowered to 0.5, A01 (1 a working day) is no longer flagged; B01 (1/7) still is.
	admin := w.env.Login("410581", "admin")
	if r := admin.Do("PATCH", "/api/v1/tenants/410581/settings", map[string]any{"settings": map[string]any{"window_low_volume_threshold": 0.5}}); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	w.clerk.Do("GET", "/api/v1/windows/volume?from=2026-09-28&to=2026-10-12", nil).JSON(t, &v)
	for _, it := range v.Items {
		if *it.Threshold != 0.5 || it.LowVolume != (it.Number == "B01") {
			t.Fatalf("after lowering the threshold: %+v", it)
		}
	}
	// A county without its own setting inherits the city's 3.
	w.env.Window("410522", "A01", "ZWFW", true, "clerk")
	sup := w.env.Login("410500", "supervisor")
	sup.Do("GET", "/api/v1/windows/volume?tenant=410522&from=2026-09-28&to=2026-10-12", nil).JSON(t, &v)
	if len(v.Items) != 1 || v.Items[0].TenantCode != "410522" || *v.Items[0].Threshold != 3 || !v.Items[0].LowVolume || v.Items[0].AcceptedTotal != 0 {
		t.Fatalf("安阳县 inherits the city's threshold: %+v", v)
	}
	// The city supervisor sees every county's windows; a county clerk only its own.
	sup.Do("GET", "/api/v1/windows/volume?from=2026-09-28&to=2026-10-12", nil).JSON(t, &v)
	if len(v.Items) != 3 {
		t.Fatalf("city-wide volume: %+v", v)
	}
	if r := w.clerk.Do("GET", "/api/v1/windows/volume?tenant=410522", nil); r.Status != 404 {
		t.Fatalf("another county's volume: %d", r.Status)
	}

	// Without a period: the last 20 working days up to today (back across 中秋节
	// 09-25…09-27 and the make-up Sunday 09-20).
	w.clerk.Do("GET", "/api/v1/windows/volume", nil).JSON(t, &v)
	if v.To != "2026-10-13" || v.From != "2026-09-10" || v.Items[0].WorkingDays != 20 {
		t.Fatalf("default period: %s … %s, %d working days", v.From, v.To, v.Items[0].WorkingDays)
	}
	for _, q := range []string{"from=2026-10-12&to=2026-09-28", "from=2025-01-01&to=2026-10-12", "from=yesterday", "to=2026-13-01"} {
		if r := w.clerk.Do("GET", "/api/v1/windows/volume?"+q, nil); r.Status != 400 {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}
