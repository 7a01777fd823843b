package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunshine/pkg/apitest"
	"sunshine/pkg/audit"
	"sunshine/pkg/casework"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// TestDemoCases seeds the demo's casework on top of the catalogue and checks that it
// is real (every status, overdue and paused cases, a major project on green-channel
// limits, verifiable audit chains) and idempotent.
func TestDemoCases(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Catalogue: true})
	ctx := context.Background()
	all, err := env.App.Tenants.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scope := db.ReadOnlyScope(tenant.IDs(all))
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := env.App.DB.Tx(ctx, scope, func(tx *gorm.DB) error { return tx.Raw(sql, args...).Scan(&n).Error }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("cases before seeding them: %d", n)
	}

	env.App.SkipDemoCases = false
	started := time.Now()
	if _, err := env.App.SeedDemo(ctx, filepath.Join(apitest.RepoRoot(), "tenants"), apitest.DemoPassword); err != nil {
		t.Fatal(err)
	}
	took := time.Since(started)

	var byStatus []struct {
		Status string
		N      int
	}
	if err := env.App.DB.Tx(ctx, scope, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT status, count(*) AS n FROM cases GROUP BY status ORDER BY status`).Scan(&byStatus).Error
	}); err != nil {
		t.Fatal(err)
	}
	total := count(`SELECT count(*) FROM cases`)
	t.Logf("demo cases: %d in %s; by status: %+v", total, took.Round(time.Millisecond), byStatus)
	seen := map[string]int{}
	for _, s := range byStatus {
		seen[s.Status] = s.N
	}
	for _, st := range []string{casework.StatusSubmitted, casework.StatusCorrectionRequested, casework.StatusRefused, casework.StatusInProgress,
		casework.StatusPendingDecision, casework.StatusApproved, casework.StatusDenied, casework.StatusDelivered} {
		if seen[st] == 0 {
			t.Errorf("no demo case is %s", st)
		}
	}
	if total < 200 {
		t.Errorf("a few hundred cases expected, got %d", total)
	}
	now := env.Clock.Now()
	checks := []struct {
		what string
		sql  string
		args []any
	}{
		{"overdue cases", `SELECT count(*) FROM cases WHERE status IN ('in_progress', 'pending_decision') AND NOT paused AND due_at <= ?`, []any{now}},
		{"overdue steps", `SELECT count(*) FROM case_steps st JOIN cases c ON c.id = st.case_id WHERE st.status = 'active' AND c.status = 'in_progress' AND st.due_at <= ?`, []any{now}},
		{"paused cases", `SELECT count(*) FROM cases WHERE paused`, nil},
		{"resumed pauses", `SELECT count(*) FROM case_pauses WHERE kind = 'art45' AND ended_at IS NOT NULL`, nil},
		{"extended cases", `SELECT count(*) FROM cases WHERE extension_days > 0`, nil},
		{"deemed acceptances", `SELECT count(*) FROM cases WHERE deemed_accepted`, nil},
		{"online applications", `SELECT count(*) FROM cases WHERE channel = 'online'`, nil},
		{"fee mismatches", `SELECT count(*) FROM cases WHERE fee_mismatch`, nil},
		{"parallel steps under way", `SELECT count(*) FROM (SELECT case_id FROM case_steps WHERE status = 'active' GROUP BY case_id HAVING count(*) > 1) x`, nil},
		{"returned steps", `SELECT count(*) FROM case_events WHERE kind = 'step_returned'`, nil},
		{"submissions a day from deemed acceptance", `SELECT count(*) FROM cases WHERE status = 'submitted' AND acceptance_due_at <= ?`, []any{now.Add(120 * time.Hour)}},
		{"windows", `SELECT count(*) FROM windows`, nil},
	}
	for _, c := range checks {
		n := count(c.sql, c.args...)
		t.Logf("%s: %d", c.what, n)
		if n == 0 {
			t.Errorf("the demo has no %s", c.what)
		}
	}
	// TestCaseChildrenHaveTheirCase: the children of cases carry no foreign keys (see
	// migration 00009); every one the service wrote across every kind of change must
	// still belong to a case of its own tenant.
	for _, child := range []string{"case_steps", "case_pauses", "case_fees", "case_events"} {
		if n := count(`SELECT count(*) FROM ` + child + ` x WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.tenant_id = x.tenant_id AND c.id = x.case_id)`); n != 0 {
			t.Errorf("%d rows of %s belong to no case of their tenant", n, child)
		}
		if n := count(`SELECT count(*) FROM ` + child); n == 0 {
			t.Errorf("the demo wrote no %s: the orphan check would prove nothing", child)
		}
	}
	// Cases already acceptance-overdue would be deemed accepted by the first job run.
	if n := count(`SELECT count(*) FROM cases WHERE status = 'submitted' AND acceptance_due_at <= ?`, now); n != 0 {
		t.Errorf("%d submitted cases are already past their acceptance deadline", n)
	}

	// The major project in 林州市: its cases on green-channel limits, one view.
	lz := env.Login("410581", "supervisor")
	var projects struct {
		Items []struct {
			ID                 string `json:"id"`
			Name               string `json:"name"`
			InvestorCreditCode string `json:"investor_credit_code"`
			Counts             struct {
				Total int `json:"total"`
			} `json:"case_counts"`
		} `json:"items"`
	}
	lz.Do("GET", "/api/v1/projects", nil).JSON(t, &projects)
	if len(projects.Items) != 1 || projects.Items[0].Counts.Total < 4 || projects.Items[0].Counts.Total > 6 {
		t.Fatalf("the demo project: %+v", projects)
	}
	var project struct {
		Cases []struct {
			Status       string           `json:"status"`
			GreenChannel bool             `json:"green_channel"`
			Steps        []map[string]any `json:"steps"`
		} `json:"cases"`
	}
	lz.Do("GET", "/api/v1/projects/"+projects.Items[0].ID, nil).JSON(t, &project)
	statuses := map[string]bool{}
	for _, c := range project.Cases {
		statuses[c.Status] = true
		if !c.GreenChannel || len(c.Steps) == 0 {
			t.Errorf("project case: %+v", c)
		}
	}
	if len(statuses) < 3 {
		t.Errorf("the project's cases should be at different stages: %v", statuses)
	}

	// The volume report has the demo windows, and 林州市's threshold applies.
	var vol struct {
		Items []struct {
			Number        string   `json:"number"`
			AcceptedTotal int      `json:"accepted_total"`
			Threshold     *float64 `json:"threshold"`
		} `json:"items"`
	}
	lz.Do("GET", "/api/v1/windows/volume", nil).JSON(t, &vol)
	accepted := 0
	for _, it := range vol.Items {
		accepted += it.AcceptedTotal
		if it.Threshold == nil || *it.Threshold != 5 {
			t.Errorf("window %s: threshold %v", it.Number, it.Threshold)
		}
	}
	if len(vol.Items) != 3 || accepted == 0 {
		t.Errorf("volume: %+v", vol)
	}

	rep, err := audit.Verify(ctx, env.App.DB, tenant.IDs(all))
	if err != nil || !rep.OK {
		t.Fatalf("audit chains after seeding: %+v %v", rep, err)
	}

	// Seeding again adds nothing.
	events := count(`SELECT count(*) FROM audit_events`)
	if _, err := env.App.SeedDemo(ctx, filepath.Join(apitest.RepoRoot(), "tenants"), apitest.DemoPassword); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM cases`); n != total {
		t.Fatalf("seeding twice: %d cases, then %d", total, n)
	}
	if n := count(`SELECT count(*) FROM audit_events`); n != events {
		t.Fatalf("seeding twice recorded %d more audit events", n-events)
	}
	if n := count(`SELECT count(*) FROM projects`); n != 1 {
		t.Fatalf("projects after seeding twice: %d", n)
	}
}
