package supervision_test

import (
	"context"
	"testing"
	"time"

	"sunshine/pkg/apitest"
)

type ladderCard struct {
	ID            string  `json:"id"`
	Level         string  `json:"level"`
	Rule          string  `json:"rule"`
	Status        string  `json:"status"`
	CaseID        string  `json:"case_id"`
	Resolution    string  `json:"resolution"`
	ResolveReason string  `json:"resolve_reason"`
	SupersededBy  *string `json:"superseded_by"`
	ResolvedAt    *string `json:"resolved_at"`
	CreatedAt     string  `json:"created_at"`
}

// TestLadderSupersedesLowerRungs ("Also" of issue 12): a yellow card issued for a case
// supersedes its reminder, a red card supersedes the yellow one — each resolved with a
// reason, naming the card that superseded it, audited in the transaction that issued
// the higher card — and the dashboard shows each case once, at its highest open rung.
func TestLadderSupersedesLowerRungs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.accepted(t)
	other := w.accepted(t)
	sup := w.env.Login("410581", "supervisor")
	byRule := func(caseID string) map[string]ladderCard {
		var out struct{ Items []ladderCard }
		sup.Do("GET", "/api/v1/supervision/cards?case="+caseID, nil).JSON(t, &out)
		m := map[string]ladderCard{}
		for _, c := range out.Items {
			m[c.Rule] = c
		}
		return m
	}
	type overview struct {
		CaseRungs struct{ Reminder, Yellow, Red, Total int } `json:"case_rungs"`
		Cases     []ladderCard                               `json:"cases"`
		Totals    struct{ Reminder, Yellow, Red int }
	}
	over := func() overview {
		var ov overview
		if r := sup.Do("GET", "/api/v1/supervision/overview", nil); r.Status != 200 {
			t.Fatalf("overview: %d %s", r.Status, r.Body)
		} else {
			r.JSON(t, &ov)
		}
		return ov
	}

	// Due 10-15: the reminder at the start of that day, for both cases.
	w.env.Clock.Set(time.Date(2026, 10, 15, 0, 0, 1, 0, sh))
	w.sweep(t)
	reminder := byRule(id)["case_reminder"]
	if reminder.Status != "active" || reminder.Resolution != "" {
		t.Fatalf("reminder: %+v", reminder)
	}
	// Overdue: the yellow card supersedes the reminder.
	w.env.Clock.Set(time.Date(2026, 10, 16, 0, 0, 1, 0, sh))
	w.sweep(t)
	m := byRule(id)
	yellow, reminder := m["case_overdue"], m["case_reminder"]
	if yellow.Status != "active" || reminder.Status != "resolved" || reminder.Resolution != "superseded" ||
		reminder.SupersededBy == nil || *reminder.SupersededBy != yellow.ID || reminder.ResolveReason == "" {
		t.Fatalf("yellow %+v must supersede reminder %+v", yellow, reminder)
	}
	if reminder.ResolvedAt == nil || !sameInstant(*reminder.ResolvedAt, yellow.CreatedAt) {
		t.Fatalf("superseded at %v, yellow issued at %s", reminder.ResolvedAt, yellow.CreatedAt)
	}
	// The step cards (yellow too) are not on the deadline ladder: the case counts once.
	ov := over()
	if ov.CaseRungs.Yellow != 2 || ov.CaseRungs.Reminder != 0 || ov.CaseRungs.Red != 0 || ov.CaseRungs.Total != 2 || ov.Totals.Reminder != 0 {
		t.Fatalf("case rungs after the yellow cards: %+v (totals %+v)", ov.CaseRungs, ov.Totals)
	}

	// Red for one case only: the other one is finished before its finish-by date.
	w.env.Clock.Set(time.Date(2026, 10, 20, 9, 0, 0, 0, sh))
	w.finish(t, other)
	w.env.Clock.Set(time.Date(2026, 10, 21, 0, 0, 1, 0, sh))
	w.sweep(t)
	m = byRule(id)
	red, yellow := m["case_red"], m["case_overdue"]
	if red.Status != "active" || yellow.Status != "resolved" || yellow.Resolution != "superseded" || yellow.SupersededBy == nil || *yellow.SupersededBy != red.ID {
		t.Fatalf("red %+v must supersede yellow %+v", red, yellow)
	}
	if m["case_reminder"].Status != "resolved" || *m["case_reminder"].SupersededBy != yellow.ID {
		t.Fatalf("the reminder stays superseded by the yellow card: %+v", m["case_reminder"])
	}
	for _, c := range byRule(other) {
		if c.Status != "resolved" || (c.Rule == "case_overdue" && c.Resolution != "finished") {
			t.Fatalf("the finished case's cards are resolved as finished: %+v", c)
		}
	}
	ov = over()
	if ov.CaseRungs.Red != 1 || ov.CaseRungs.Yellow != 0 || ov.CaseRungs.Total != 1 || len(ov.Cases) != 1 ||
		ov.Cases[0].CaseID != id || ov.Cases[0].Level != "red" || ov.Cases[0].ID != red.ID {
		t.Fatalf("the dashboard shows the case at its highest rung: %+v", ov)
	}

	// Audited: one supervision.supersede event per superseded card, written with (in the
	// same transaction as) the card that superseded it.
	conn := connect(t, w.env.DB.OwnerURL)
	ctx := context.Background()
	for _, pair := range [][2]string{{reminder.ID, yellow.ID}, {yellow.ID, red.ID}} {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_events s JOIN audit_events c
				ON c.tenant_id = s.tenant_id AND c.action = 'supervision.card' AND c.object_id = $2 AND c.at = s.at
			WHERE s.action = 'supervision.supersede' AND s.object_id = $1 AND s.summary::jsonb -> 'after' ->> 'superseded_by' = $2`,
			pair[0], pair[1]).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("supersede event of %s by %s: %d", pair[0], pair[1], n)
		}
	}
	// A superseded card is final: the database refuses to reopen it or rewrite its resolution.
	if _, err := conn.Exec(ctx, `UPDATE supervision_cards SET resolution = 'finished', superseded_by = NULL WHERE id = $1`, reminder.ID); err == nil {
		t.Fatal("the database let a superseded card's resolution be rewritten")
	}
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

// finish works a case through every step and approves it.
func (w *world) finish(t *testing.T, id string) {
	t.Helper()
	base := "/api/v1/cases/" + id
	w.post(t, w.handler, base+"/steps/review/complete", map[string]any{"opinion": "ok"}, 200)
	for _, p := range []struct {
		c    *apitest.Client
		node string
	}{{w.handler, "zjj"}, {w.zrzy, "zrzy"}, {w.sthj, "sthj"}} {
		w.post(t, p.c, base+"/steps/"+p.node+"/complete", map[string]any{"opinion": "ok"}, 200)
	}
	w.post(t, w.head, base+"/steps/decide/complete", map[string]any{"opinion": "ok"}, 200)
	w.post(t, w.head, base+"/decide", map[string]any{"result": "approve", "certificate_no": "X-" + id[:8]}, 200)
}
