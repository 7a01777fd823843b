package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sunshine/pkg/apitest"
	"sunshine/pkg/appraisal"
	"sunshine/pkg/calendar"
	"sunshine/pkg/demo"
)

// TestDemoAppraisal: the demo seeds a published scheme, the month before last
// published, last month open for objections with one objection, the current month
// provisional; the counties' rankings differ and move between the months.
func TestDemoAppraisal(t *testing.T) {
	t.Parallel()
	start := time.Now()
	env := apitest.New(t, apitest.Options{DemoCases: true, DemoAppraisal: true})
	t.Logf("demo with appraisal seeded in %s", time.Since(start))
	leader := env.Login("410500", "leader")
	var schemes struct {
		Items []struct {
			ID, Name, Status string
		}
	}
	leader.Do("GET", "/api/v1/appraisal/schemes", nil).JSON(t, &schemes)
	if len(schemes.Items) != 1 || schemes.Items[0].Name != demo.DemoSchemeName || schemes.Items[0].Status != "active" {
		t.Fatalf("schemes: %+v", schemes)
	}
	sid := schemes.Items[0].ID
	var periods struct {
		Items []struct {
			Period string
			Closed bool
			Runs   []struct {
				ID, Kind, Status string
			}
		}
	}
	leader.Do("GET", "/api/v1/appraisal/schemes/"+sid+"/periods?limit=3", nil).JSON(t, &periods)
	cur := appraisal.PeriodOf(appraisal.PeriodMonth, calendar.DateOf(time.Now()))
	status := map[string]string{}
	runOf := map[string]string{}
	for _, p := range periods.Items {
		for _, r := range p.Runs {
			status[p.Period+"/"+r.Kind] = r.Status
			if r.Kind == "final" {
				runOf[p.Period] = r.ID
			}
		}
	}
	if status[cur.Label+"/provisional"] != "provisional" {
		t.Errorf("current month: %v", status)
	}
	var published, open []string
	for p, st := range status {
		switch st {
		case "published":
			published = append(published, p)
		case "objection":
			open = append(open, p)
		}
	}
	if len(published) != 1 || len(open) != 1 {
		t.Fatalf("want one published and one open month: %v", status)
	}
	m2, m1 := strings.TrimSuffix(published[0], "/final"), strings.TrimSuffix(open[0], "/final")
	ranking := func(period string) (string, map[float64]int) {
		var d struct {
			Results []struct {
				SubjectKey string  `json:"subject_key"`
				Score      float64 `json:"score"`
			}
		}
		leader.Do("GET", "/api/v1/appraisal/runs/"+runOf[period]+"?subject_kind=county&indicators=false", nil).JSON(t, &d)
		var keys []string
		scores := map[float64]int{}
		for _, r := range d.Results {
			keys = append(keys, r.SubjectKey)
			scores[r.Score]++
		}
		return strings.Join(keys, ","), scores
	}
	r2, s2 := ranking(m2)
	r1, s1 := ranking(m1)
	if r1 == r2 || len(s1) < 5 || len(s2) < 5 {
		t.Fatalf("rankings should differ between counties and months:\n%s %v\n%s %v", r2, s2, r1, s1)
	}
	var objs struct{ Total int }
	leader.Do("GET", "/api/v1/appraisal/runs/"+runOf[m1]+"/objections", nil).JSON(t, &objs)
	if objs.Total != 1 {
		t.Fatalf("objections on %s: %d", m1, objs.Total)
	}
	// Red cards in last month, to drill into.
	var d struct {
		Results []struct {
			SubjectKey string `json:"subject_key"`
			Indicators []struct {
				Code  string
				Count int
			}
		}
	}
	leader.Do("GET", "/api/v1/appraisal/runs/"+runOf[m1]+"?subject_kind=county", nil).JSON(t, &d)
	reds := 0
	for _, r := range d.Results {
		for _, in := range r.Indicators {
			if in.Code == "red_cards" {
				reds += in.Count
			}
		}
	}
	if reds == 0 {
		t.Fatalf("no red cards in %s", m1)
	}
	var pub struct{ Period string }
	env.Anonymous().Do("GET", "/api/v1/public/410500/appraisal", nil).JSON(t, &pub)
	if pub.Period != m2 {
		t.Fatalf("portal shows %q, want %s", pub.Period, m2)
	}
	// Seeding again changes nothing.
	if _, err := env.App.SeedDemo(context.Background(), apitest.RepoRoot()+"/tenants", apitest.DemoPassword); err != nil {
		t.Fatal(err)
	}
	leader.Do("GET", "/api/v1/appraisal/schemes", nil).JSON(t, &schemes)
	if len(schemes.Items) != 1 {
		t.Fatalf("seeded twice: %d schemes", len(schemes.Items))
	}
}
