package appraisal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apitest"
	"sunshine/pkg/appraisal"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

func p(s string) *appraisal.Points {
	v, err := appraisal.ParsePoints(s)
	if err != nil {
		panic(s)
	}
	return &v
}

func ratio(max string) appraisal.Rule {
	return appraisal.Rule{Type: appraisal.RuleRatio, MaxPoints: p(max)}
}
func perCount(base, per string) appraisal.Rule {
	r := appraisal.Rule{Type: appraisal.RulePerCount, BasePoints: p(base), PerItem: p(per)}
	if base != "0" {
		r.MinPoints = p("0")
	}
	return r
}

// goldenBody uses every built-in indicator once (the early-completion rate twice: as a
// rate and as a bonus in steps).
func goldenBody() *appraisal.Body {
	ind := func(code, cat, def string, r appraisal.Rule) appraisal.Indicator {
		return appraisal.Indicator{Code: code, Category: cat, Definition: def, Rule: r}
	}
	yellow := perCount("0", "-5")
	yellowInd := ind("yellow", "cards", "card.yellow", yellow)
	yellowInd.Params = map[string][]string{"exclude_rules": {"deemed_acceptance", "fee_mismatch"}}
	return &appraisal.Body{
		Subjects:         appraisal.Subjects{CountyDepartments: true, Counties: true, CityDepartments: true},
		DepartmentFilter: appraisal.DepartmentsWithItems, TotalPoints: 10000, WeightsMustSum: true,
		ObjectionWorkingDays: 3, GraceWorkingDays: 2,
		Categories: []appraisal.Category{
			{Code: "time", Name: "办理时效", Kind: appraisal.CategoryScore, Weight: 3000},
			{Code: "process", Name: "流程规范", Kind: appraisal.CategoryScore, Weight: 2000},
			{Code: "conduct", Name: "依法行政", Kind: appraisal.CategoryScore, Weight: 2000},
			{Code: "manual", Name: "检查评议", Kind: appraisal.CategoryScore, Weight: 3000},
			{Code: "cards", Name: "电子监察扣分", Kind: appraisal.CategoryDeduction, Weight: 3000},
			{Code: "bonus", Name: "加分", Kind: appraisal.CategoryBonus, Weight: 500},
		},
		Indicators: []appraisal.Indicator{
			ind("on_time", "time", "case.on_time", ratio("20")),
			ind("early", "time", "case.early", ratio("5")),
			ind("speedup", "time", "case.speedup", ratio("5")),
			ind("online", "process", "case.online", ratio("5")),
			ind("overrun", "process", "case.step_overrun", perCount("5", "-1")),
			ind("notices", "process", "notice.on_time", ratio("5")),
			ind("filings", "process", "filing.on_time", ratio("5")),
			ind("deemed", "conduct", "case.deemed", perCount("10", "-2")),
			ind("fees", "conduct", "case.fee_mismatch", perCount("10", "-5")),
			ind("review", "manual", "manual.file_review", ratio("10")),
			ind("inspection", "manual", "manual.inspection", ratio("10")),
			ind("fault", "manual", "manual.fault", perCount("10", "-5")),
			ind("reminder", "cards", "card.reminder", perCount("0", "-1")),
			yellowInd,
			ind("red", "cards", "card.red", perCount("0", "-10")),
			ind("early_bonus", "bonus", "case.early", appraisal.Rule{Type: appraisal.RuleSteps, ThresholdPercent: p("10"), StepPercent: p("10"),
				PointsPerStep: p("1"), MaxPoints: p("5")}),
		},
	}
}

type golden struct {
	env    *apitest.Env
	svc    *appraisal.Service
	leader actor.Actor
	scheme uuid.UUID
	fx     *apitest.Facts
}

// leaderActor is the city's demo leading-group member as an actor.
func leaderActor(t *testing.T, env *apitest.Env) actor.Actor {
	t.Helper()
	ctx := context.Background()
	city, err := env.App.Tenants.ByCode(ctx, "410500")
	if err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	if err := env.App.DB.Tx(ctx, db.TenantScope(city.ID, uuid.Nil), func(txx *gorm.DB) error {
		return txx.Raw(`SELECT id FROM users WHERE tenant_id = ? AND username = 'leader'`, city.ID).Row().Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return actor.Actor{Kind: actor.KindUser, UserID: id, Username: "leader", DisplayName: "领导小组成员", TenantID: city.ID, TenantCode: city.Code, TenantPath: city.Path}
}

// newGolden builds the fixture of October 2026 (the clock stands in December).
func newGolden(t *testing.T, opts ...apitest.Options) *golden {
	t.Helper()
	env := apitest.New(t, opts...)
	env.Clock.Set(apitest.At("2026-12-05 10:00"))
	g := &golden{env: env, svc: env.App.Appraisal, leader: leaderActor(t, env), fx: env.Facts()}
	fx := g.fx
	ctx := context.Background()

	zjj := fx.FiledItem("410581", "ZJJ", 20, 15)
	scjg := fx.FiledItem("410581", "SCJG", 20, 20)
	fx.FiledItem("410581", "JTYS", 20, 20) // ranked, no activity at all
	fgw := fx.FiledItem("410500", "FGW", 20, 20)
	fx.FiledItem("410500", "ZJJ", 20, 20)

	// 林州 ZJJ: four decisions in October, one case still open, one deemed accepted.
	c1 := fx.Case(zjj, apitest.Case{Received: "2026-10-08 09:00", Decided: "2026-10-12 10:00", Due: "2026-10-20", Limit: 15})
	c2 := fx.Case(zjj, apitest.Case{Received: "2026-10-09 09:00", Decided: "2026-10-15 16:00", Due: "2026-10-15", Limit: 15})
	fx.Case(zjj, apitest.Case{Received: "2026-10-09 10:00", Decided: "2026-10-22 11:00", Due: "2026-10-20", Limit: 20})
	fx.Case(zjj, apitest.Case{Received: "2026-10-08 11:00", Decided: "2026-10-09 15:00", Due: "2026-10-30", Limit: 10, Channel: "online"})
	fx.Case(zjj, apitest.Case{Received: "2026-10-28 09:00", Due: "2026-11-20", Limit: 15, Channel: "online"})
	fx.Case(zjj, apitest.Case{Received: "2026-10-10 09:00", Due: "2026-11-06", Limit: 15, Deemed: true})
	// A decision in November and a case received in September: outside the period.
	fx.Case(zjj, apitest.Case{Received: "2026-09-28 09:00", Decided: "2026-11-03 09:00", Due: "2026-11-10", Limit: 15})
	fx.Step(zjj, c1, "2026-10-10 00:00", "2026-10-09 17:00")
	fx.Step(zjj, c1, "2026-10-14 00:00", "2026-10-15 09:00")
	fx.Step(zjj, c2, "2026-10-21 00:00", "")
	fx.Step(zjj, c2, "2026-11-05 00:00", "") // due in November
	fx.Fee(zjj, c2, "2026-10-15 16:00", true)
	fx.Fee(zjj, c2, "2026-10-15 16:05", true)
	fx.Fee(zjj, c1, "2026-10-12 10:00", false)
	fx.Notice(zjj, "2026-10-12 18:00", "2026-10-11 09:00")
	fx.Notice(zjj, "2026-10-19 18:00", "2026-10-20 09:00")
	fx.Notice(zjj, "2026-11-02 18:00", "")
	fx.Filing(zjj, "2026-10-13 00:00", "2026-10-12 09:00")
	zjjID, countyID := zjj.Dept, fx.Tenant("410581")
	fx.Card(countyID, &zjjID, "reminder", "case_reminder", "2026-10-11 09:00", "", "")
	fx.Card(countyID, &zjjID, "reminder", "case_reminder", "2026-10-19 09:00", "", "")
	fx.Card(countyID, &zjjID, "yellow", "case_overdue", "2026-10-21 00:00", "", "")
	fx.Card(countyID, &zjjID, "yellow", "case_overdue", "2026-10-16 00:00", "accepted", "2026-10-20 10:00") // appeal upheld
	fx.Card(countyID, &zjjID, "yellow", "deemed_acceptance", "2026-10-17 00:00", "", "")                    // rule left out
	fx.Card(countyID, &zjjID, "red", "case_red", "2026-10-26 00:00", "", "")
	fx.Card(countyID, nil, "yellow", "filing_overdue", "2026-10-20 00:00", "", "") // no department: the county's
	fx.Card(countyID, &zjjID, "red", "case_red", "2026-11-02 00:00", "", "")       // November
	// 林州 SCJG: three decisions, one before its due day.
	fx.Case(scjg, apitest.Case{Received: "2026-10-08 09:00", Decided: "2026-10-13 10:00", Due: "2026-10-20", Limit: 20})
	fx.Case(scjg, apitest.Case{Received: "2026-10-08 09:30", Decided: "2026-10-14 10:00", Due: "2026-10-14", Limit: 20})
	fx.Case(scjg, apitest.Case{Received: "2026-10-08 10:00", Decided: "2026-10-16 10:00", Due: "2026-10-16", Limit: 20})
	// City FGW: one yellow card.
	fgwID := fgw.Dept
	fx.Card(fx.Tenant("410500"), &fgwID, "yellow", "case_overdue", "2026-10-22 00:00", "", "")

	sc, err := g.svc.CreateScheme(ctx, g.leader, appraisal.SchemeInput{Name: "金标准方案", PeriodKind: "month", Body: goldenBody()})
	if err != nil {
		t.Fatalf("create scheme: %v", err)
	}
	eff := calendar.NewDate(2026, 10, 1)
	if _, err := g.svc.ActivateScheme(ctx, g.leader, sc.ID, &eff); err != nil {
		t.Fatalf("activate: %v", err)
	}
	g.scheme = sc.ID

	// Manual inputs: two sampled ZJJ files reviewed (90 and 85), an inspection of ZJJ
	// (80) and one of the county as a whole (70), a fault record against ZJJ.
	reviews, err := g.svc.Sample(ctx, g.leader, appraisal.SampleInput{SchemeID: sc.ID, Period: "2026-10", Tenant: "410581", Department: "ZJJ", Size: 2})
	if err != nil || len(reviews) != 2 {
		t.Fatalf("sample: %v %d", err, len(reviews))
	}
	for i, scores := range [][]string{{"20", "25", "20", "15", "10"}, {"18", "22", "15", "20", "10"}} {
		var ps []appraisal.Points
		for _, s := range scores {
			ps = append(ps, *p(s))
		}
		if _, err := g.svc.ScoreReview(ctx, g.leader, reviews[i].ID, appraisal.ScoreReviewInput{Scores: ps}); err != nil {
			t.Fatalf("score review: %v", err)
		}
	}
	day := calendar.NewDate(2026, 10, 20)
	if _, err := g.svc.CreateInspection(ctx, g.leader, appraisal.InspectionInput{Tenant: "410581", Department: "ZJJ", OccurredOn: day, Title: "实地检查", Score: p("80")}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.CreateInspection(ctx, g.leader, appraisal.InspectionInput{Tenant: "410581", OccurredOn: day, Title: "县中心检查", Score: p("70")}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.CreateFault(ctx, g.leader, appraisal.FaultInput{Tenant: "410581", Department: "ZJJ", Person: "李四", CaseID: &c2, OccurredOn: day,
		Description: "超期未告知申请人"}); err != nil {
		t.Fatal(err)
	}
	return g
}

// score requests and (without a queue: at once) scores October.
func (g *golden) score(t *testing.T) *appraisal.RunDetail {
	t.Helper()
	ctx := context.Background()
	g.env.Clock.Advance(time.Minute) // entries made "now" are before the run's as-of instant
	run, err := g.svc.RequestRun(ctx, g.leader, appraisal.RunRequest{SchemeID: g.scheme, Period: "2026-10"})
	if err != nil {
		t.Fatalf("request run: %v", err)
	}
	return g.detail(t, run.ID)
}

func (g *golden) detail(t *testing.T, id uuid.UUID) *appraisal.RunDetail {
	t.Helper()
	city, _ := g.env.App.Tenants.ByCode(context.Background(), "410500")
	tree, _ := g.env.App.Tenants.Subtree(context.Background(), city)
	scope := scopeOf(city, tree, g.leader.UserID)
	d, err := g.svc.RunDetail(context.Background(), scope, g.leader, id, appraisal.DetailFilter{})
	if err != nil {
		t.Fatalf("run detail: %v", err)
	}
	return d
}

func result(t *testing.T, d *appraisal.RunDetail, key string) appraisal.ResultView {
	t.Helper()
	for _, r := range d.Results {
		if r.SubjectKey == key {
			return r
		}
	}
	t.Fatalf("no result for %s", key)
	return appraisal.ResultView{}
}

// summary is "code=points(num/den/count)" for every indicator, and the categories.
func summary(r appraisal.ResultView) string {
	var parts []string
	for _, in := range r.Indicators {
		parts = append(parts, fmt.Sprintf("%s=%s(%d/%d/%d)", in.Code, in.Points.String(), in.Numerator, in.Denominator, in.Count))
	}
	for _, c := range r.Categories {
		parts = append(parts, fmt.Sprintf("[%s]=%s", c.Code, c.Score.String()))
	}
	return strings.Join(parts, " ")
}

// TestGoldenScores checks every indicator kind against hand-computed expectations:
// rates with rounding, step overruns, card deductions with an upheld appeal and a
// rule left out, bonus steps (capped and not), a manual review average, county-level
// manual entries, a card without a department, county aggregation, a tie.
func TestGoldenScores(t *testing.T) {
	t.Parallel()
	g := newGolden(t)
	d := g.score(t)
	if d.Status != appraisal.RunDraft || d.Kind != appraisal.KindFinal {
		t.Fatalf("October closed in November: want a final draft, got %s %s", d.Kind, d.Status)
	}
	// 林州 住建局, by hand:
	//   on_time 3/4 × 20 = 15; early 2/4 × 5 = 2.5; speed-up (5+5+0+10)/80 × 5 = 1.25
	//   online 2/6 × 5 = 1.666… → 1.67; overruns 2 → 5 − 2 = 3; notices 1/2 × 5 = 2.5; filings 1/1 → 5
	//   deemed 1 → 10 − 2 = 8; fee mismatches 1 case (2 lines) → 10 − 5 = 5
	//   review (90 + 85)/2 = 87.5 % × 10 = 8.75; inspection 80 % × 10 = 8; fault 1 → 10 − 5 = 5
	//   reminders 2 → −2; yellow 1 (one upheld on appeal, one deemed-acceptance card left out) → −5; red 1 → −10
	//   bonus: early 50 % → 1 + ⌊(50 − 10)/10⌋ = 5 steps → 5
	//   categories 18.75 + 12.17 + 13 + 21.75 − 17 + 5 = 53.67
	want := map[string]string{
		"410581.ZJJ": "on_time=15(3/4/3) early=2.5(2/4/2) speedup=1.25(20/80/4) online=1.67(2/6/2) overrun=3(2/3/2) notices=2.5(1/2/1) " +
			"filings=5(1/1/1) deemed=8(1/1/1) fees=5(1/1/1) review=8.75(17500/20000/2) inspection=8(8000/10000/1) fault=5(1/1/1) " +
			"reminder=-2(2/2/2) yellow=-5(1/2/1) red=-10(1/1/1) early_bonus=5(2/4/2) " +
			"[time]=18.75 [process]=12.17 [conduct]=13 [manual]=21.75 [cards]=-17 [bonus]=5",
		// SCJG: on time 3/3; early 1/3 → 1.67; speed-up 0/60; online 0/3; the rest has
		// nothing to count (ratios full marks, counts their base); bonus 33.3 % → 3 steps.
		"410581.SCJG": "on_time=20(3/3/3) early=1.67(1/3/1) speedup=0(0/60/3) online=0(0/3/0) overrun=5(0/0/0) notices=5(0/0/0) " +
			"filings=5(0/0/0) deemed=10(0/0/0) fees=10(0/0/0) review=10(0/0/0) inspection=10(0/0/0) fault=10(0/0/0) " +
			"reminder=0(0/0/0) yellow=0(0/0/0) red=0(0/0/0) early_bonus=3(1/3/1) " +
			"[time]=21.67 [process]=15 [conduct]=20 [manual]=30 [cards]=0 [bonus]=3",
		// The county as a whole: ZJJ + SCJG (+ the county-level inspection at 70 and the
		// yellow card without a department): on_time 6/7 → 17.14; early 3/7 → 2.14;
		// speed-up 20/140 → 0.71; online 2/9 → 1.11; inspection (80 + 70)/2 → 7.5;
		// yellow 2 → −10; bonus 42.9 % → 4 steps.
		"410581": "on_time=17.14(6/7/6) early=2.14(3/7/3) speedup=0.71(20/140/7) online=1.11(2/9/2) overrun=3(2/3/2) notices=2.5(1/2/1) " +
			"filings=5(1/1/1) deemed=8(1/1/1) fees=5(1/1/1) review=8.75(17500/20000/2) inspection=7.5(15000/20000/2) fault=5(1/1/1) " +
			"reminder=-2(2/2/2) yellow=-10(2/3/2) red=-10(1/1/1) early_bonus=4(3/7/3) " +
			"[time]=19.99 [process]=11.61 [conduct]=13 [manual]=21.25 [cards]=-22 [bonus]=4",
	}
	for key, w := range want {
		if got := summary(result(t, d, key)); got != w {
			t.Errorf("%s:\n got  %s\n want %s", key, got, w)
		}
	}
	scores := map[string]string{"410581.ZJJ": "53.67", "410581.SCJG": "89.67", "410581.JTYS": "100", "410581": "47.85",
		"410526": "100", "410500.FGW": "95", "410500.ZJJ": "100"}
	for key, w := range scores {
		if r := result(t, d, key); r.Score.String() != w || r.Computed.String() != w {
			t.Errorf("%s: score %s computed %s, want %s", key, r.Score, r.Computed, w)
		}
	}
	// Ranks: the eight counties without activity tie at 100 (rank 1, in code order),
	// 林州 is ninth; departments rank within their county; the city's among themselves.
	ranks := map[string]string{}
	for _, r := range d.Results {
		ranks[r.GroupKey] += fmt.Sprintf("%s:%d ", r.SubjectKey, r.Rank)
	}
	wantRanks := map[string]string{
		"county:410500":            "410502:1 410503:1 410505:1 410506:1 410522:1 410523:1 410526:1 410527:1 410581:9 ",
		"county_department:410581": "410581.JTYS:1 410581.SCJG:2 410581.ZJJ:3 ",
		"city_department:410500":   "410500.ZJJ:1 410500.FGW:2 ",
	}
	for g, w := range wantRanks {
		if ranks[g] != w {
			t.Errorf("ranking %s: got %q want %q", g, ranks[g], w)
		}
	}
	// The upheld appeal is on record in the raw figures.
	for _, in := range result(t, d, "410581.ZJJ").Indicators {
		if in.Code == "yellow" && (in.Raw["upheld_appeals"] != 1 || in.Raw["cancelled"] != 0) {
			t.Errorf("yellow raw: %v", in.Raw)
		}
		if in.Code == "fees" && in.Raw["fee_lines"] != 2 {
			t.Errorf("fee raw: %v", in.Raw)
		}
		if in.Code == "online" && (in.Rate == nil || in.Rate.String() != "33.33") {
			t.Errorf("online rate: %v", in.Rate)
		}
	}
	if len(d.Groups) != 3 {
		t.Errorf("groups: %+v", d.Groups)
	}
}

// TestReproducible: scoring the same period again over the same data gives
// byte-identical rows and the same hash.
func TestReproducible(t *testing.T) {
	t.Parallel()
	g := newGolden(t)
	d1 := g.score(t)
	rows1 := dumpRun(t, g.env, d1.ID)
	d2 := g.score(t) // the draft is scored again (a new generation, a later as-of instant)
	rows2 := dumpRun(t, g.env, d2.ID)
	if d1.ID != d2.ID || d2.Generation != d1.Generation+1 {
		t.Fatalf("rescore should reuse the run: %s/%d vs %s/%d", d1.ID, d1.Generation, d2.ID, d2.Generation)
	}
	if d1.ResultsHash == "" || d1.ResultsHash != d2.ResultsHash {
		t.Fatalf("hash changed: %s → %s", d1.ResultsHash, d2.ResultsHash)
	}
	if rows1 != rows2 {
		t.Fatalf("rows differ:\n%s\n---\n%s", rows1, rows2)
	}
	if !strings.Contains(rows1, "410581.ZJJ") || strings.Count(rows1, "\n") < 200 {
		t.Fatalf("dump too small:\n%s", rows1)
	}
}

// dumpRun renders every stored row of a run's results, as text, in a fixed order.
func dumpRun(t *testing.T, env *apitest.Env, runID uuid.UUID) string {
	t.Helper()
	conn := env.Facts().Conn
	var b strings.Builder
	for _, q := range []string{
		`SELECT r::text FROM appraisal_results r WHERE run_id = $1 ORDER BY subject_key`,
		`SELECT i::text FROM appraisal_result_indicators i WHERE run_id = $1 ORDER BY subject_key, indicator_code`,
	} {
		rows, err := conn.Query(context.Background(), q, runID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func scopeOf(city *tenant.Tenant, tree []*tenant.Tenant, user uuid.UUID) db.Scope {
	return db.Scope{Tenant: city.ID, Read: tenant.IDs(tree), User: user}
}
