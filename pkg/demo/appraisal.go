package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/appraisal"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/casework"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/supervision"
	"sunshine/pkg/tenant"
)

// The demo's appraisal (考核): the city's scheme modelled on domain facts §5, a history
// of finished cases over the last two full months in every county (each county
// working better or worse, differently each month, so that the rankings differ and
// move), the supervision cards their clocks called for at the time, the leading
// group's manual scores, and the runs: the month before last scored, objected to,
// answered, approved and published; last month scored and open for objections (one
// county has objected); the current month provisional.

// DemoSchemeName names the demo scheme (the seeder is idempotent on it).
const DemoSchemeName = "安阳市政务服务效能电子监察考核方案"

func pts(s string) *appraisal.Points {
	v, err := appraisal.ParsePoints(s)
	if err != nil {
		panic(s)
	}
	return &v
}

// DemoSchemeBody is domain facts §5's municipal scheme, with the indicators the
// platform records: disclosure 10, process conformity 14, time limits 14, lawful fees
// 8, service attitude 10, inspection 14, legal liability 10, lawful acceptance 10,
// case-file quality 10 (satisfaction and integrity join when ratings and complaints
// register their indicators); yellow card −5, red card −10; +1 when early completions
// reach 10 % of decisions and +1 per further 10 %.
func DemoSchemeBody() *appraisal.Body {
	ratio := func(max string) appraisal.Rule { return appraisal.Rule{Type: appraisal.RuleRatio, MaxPoints: pts(max)} }
	per := func(base, item string) appraisal.Rule {
		r := appraisal.Rule{Type: appraisal.RulePerCount, BasePoints: pts(base), PerItem: pts(item)}
		if base != "0" {
			r.MinPoints = pts("0")
		}
		return r
	}
	ind := func(code, name, cat, def string, r appraisal.Rule) appraisal.Indicator {
		return appraisal.Indicator{Code: code, Name: name, Category: cat, Definition: def, Rule: r}
	}
	cards := map[string][]string{"exclude_rules": {"deemed_acceptance", "fee_mismatch", "step_overrun"}}
	yellow := ind("yellow_cards", "黄牌扣分", "supervision", "card.yellow", per("0", "-5"))
	yellow.Params = cards
	red := ind("red_cards", "红牌扣分", "supervision", "card.red", per("0", "-10"))
	return &appraisal.Body{
		Subjects:         appraisal.Subjects{CountyDepartments: true, Counties: true, CityDepartments: true},
		DepartmentFilter: appraisal.DepartmentsWithItems, TotalPoints: 10000, WeightsMustSum: true,
		ObjectionWorkingDays: 3, GraceWorkingDays: 2,
		Categories: []appraisal.Category{
			{Code: "disclosure", Name: "信息公开", NameEn: "Disclosure", Kind: appraisal.CategoryScore, Weight: 1000},
			{Code: "process", Name: "流程规范", NameEn: "Process conformity", Kind: appraisal.CategoryScore, Weight: 1400},
			{Code: "timeliness", Name: "时限执行", NameEn: "Time-limit compliance", Kind: appraisal.CategoryScore, Weight: 1400},
			{Code: "fees", Name: "依法收费", NameEn: "Lawful fees", Kind: appraisal.CategoryScore, Weight: 800},
			{Code: "attitude", Name: "服务作风", NameEn: "Service attitude", Kind: appraisal.CategoryScore, Weight: 1000},
			{Code: "inspection", Name: "实地检查", NameEn: "Inspection", Kind: appraisal.CategoryScore, Weight: 1400},
			{Code: "liability", Name: "法律责任", NameEn: "Legal liability", Kind: appraisal.CategoryScore, Weight: 1000},
			{Code: "acceptance", Name: "依法受理", NameEn: "Lawful acceptance", Kind: appraisal.CategoryScore, Weight: 1000},
			{Code: "quality", Name: "案卷质量", NameEn: "Case-file quality", Kind: appraisal.CategoryScore, Weight: 1000},
			{Code: "supervision", Name: "电子监察扣分", NameEn: "E-supervision deductions", Kind: appraisal.CategoryDeduction, Weight: 4000},
			{Code: "bonus", Name: "提前办结加分", NameEn: "Early-completion bonus", Kind: appraisal.CategoryBonus, Weight: 500},
		},
		Indicators: []appraisal.Indicator{
			ind("filings", "目录按时备案率", "disclosure", "filing.on_time", ratio("10")),
			ind("online", "网上办理率", "process", "case.online", ratio("6")),
			ind("step_overruns", "环节超时", "process", "case.step_overrun", per("8", "-1")),
			ind("on_time", "按时办结率", "timeliness", "case.on_time", ratio("10")),
			ind("early", "提前办结率", "timeliness", "case.early", ratio("2")),
			ind("speedup", "提速率", "timeliness", "case.speedup", ratio("2")),
			ind("fee_mismatches", "收费不符", "fees", "case.fee_mismatch", per("8", "-4")),
			ind("notices", "督办按时回复率", "attitude", "notice.on_time", ratio("10")),
			ind("inspection", "实地检查得分", "inspection", "manual.inspection", ratio("14")),
			ind("faults", "过错责任追究", "liability", "manual.fault", per("10", "-5")),
			ind("deemed", "视为受理", "acceptance", "case.deemed", per("10", "-5")),
			ind("file_review", "案卷评查得分", "quality", "manual.file_review", ratio("10")),
			yellow, red,
			ind("early_bonus", "提前办结加分", "bonus", "case.early", appraisal.Rule{Type: appraisal.RuleSteps, ThresholdPercent: pts("10"),
				StepPercent: pts("10"), PointsPerStep: pts("1"), MaxPoints: pts("5")}),
		},
	}
}

// seedAppraisal builds the demo's appraisal once (skipped when the scheme exists).
func (s *Seeder) seedAppraisal(ctx context.Context, all []*tenant.Tenant) error {
	if s.Appraisal == nil || !s.Cases || s.Casework == nil {
		return nil
	}
	var city *tenant.Tenant
	var counties []*tenant.Tenant
	for _, t := range all {
		if t.Code == CityCode {
			city = t
		}
	}
	if city == nil {
		return nil
	}
	for _, t := range all {
		if t.ParentID != nil && *t.ParentID == city.ID && t.Active() {
			counties = append(counties, t)
		}
	}
	scope := db.Scope{Tenant: city.ID, Read: tenant.IDs(all)}
	existing, err := s.Appraisal.Schemes(ctx, scope)
	if err != nil {
		return err
	}
	for _, sc := range existing {
		if sc.Name == DemoSchemeName {
			return nil
		}
	}
	leader, err := s.staffActor(ctx, city, "leader")
	if err != nil {
		return err
	}
	cal, err := s.Casework.Calendars().For(ctx, city)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	cur := appraisal.PeriodOf(appraisal.PeriodMonth, calendar.DateOf(now))
	body := DemoSchemeBody()
	// The last two full months that have closed.
	m1 := cur.Previous()
	if now.Before(m1.ClosesAt(cal, body.GraceWorkingDays)) {
		m1 = m1.Previous()
	}
	m2 := m1.Previous()

	fake := clock.NewFake(m2.Start.AddDays(-3).Start().Add(10 * time.Hour))
	svc := s.Appraisal.WithClock(fake)
	sc, err := svc.CreateScheme(ctx, leader, appraisal.SchemeInput{Name: DemoSchemeName, PeriodKind: appraisal.PeriodMonth, Body: body,
		Note: "依据《行政审批电子监察考核办法》设置；群众满意度、廉洁指标待好差评、投诉模块接入后增补"})
	if err != nil {
		return fmt.Errorf("demo scheme: %w", err)
	}
	fake.Advance(time.Hour)
	eff := m2.Start
	if _, err := svc.ActivateScheme(ctx, leader, sc.ID, &eff); err != nil {
		return fmt.Errorf("demo scheme: %w", err)
	}

	// The history: every county's extra finished cases of both months, replayed on
	// their own clocks, counties side by side.
	worlds := make([]*historyWorld, len(counties))
	errs := make([]error, len(counties))
	var wg sync.WaitGroup
	for i, t := range counties {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worlds[i], errs[i] = s.appraisalHistory(ctx, t, i, []appraisal.Period{m2, m1}, now)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("demo appraisal history of %s: %w", counties[i].Code, err)
		}
	}

	// The leading group's manual scores of each month, entered before it closes.
	for _, m := range []appraisal.Period{m2, m1} {
		fake.Set(m.CloseDay(cal, body.GraceWorkingDays).Start().Add(15 * time.Hour))
		if err := s.manualScores(ctx, svc, leader, sc.ID, m, counties, worlds); err != nil {
			return fmt.Errorf("demo manual scores of %s: %w", m.Label, err)
		}
	}

	// The month before last: scored, released, objected to, answered, adjusted,
	// approved and published.
	fake.Set(m2.ClosesAt(cal, body.GraceWorkingDays).Add(9*time.Hour + 30*time.Minute))
	run2, err := svc.RequestRun(ctx, leader, appraisal.RunRequest{SchemeID: sc.ID, Period: m2.Label})
	if err != nil {
		return fmt.Errorf("demo run %s: %w", m2.Label, err)
	}
	fake.Advance(time.Hour)
	run2, err = svc.OpenObjections(ctx, leader, run2.ID)
	if err != nil {
		return err
	}
	objector := counties[0]
	objectorActor, err := s.staffActor(ctx, objector, "supervisor")
	if err != nil {
		return err
	}
	fake.Advance(2 * time.Hour)
	obj, err := svc.Object(ctx, objectorActor, run2.ID, appraisal.ObjectInput{Subject: objector.Code, Indicator: "inspection",
		Text: "实地检查当日因系统升级暂停服务已提前报备，扣分有误，请予复核。"})
	if err != nil {
		return fmt.Errorf("demo objection: %w", err)
	}
	fake.Advance(24 * time.Hour)
	if _, err := svc.Answer(ctx, leader, run2.ID, obj.ID, appraisal.AnswerInput{Decision: "upheld",
		Answer: "经核实，系统升级已按规定报备，予以采纳，实地检查得分按满分计。"}); err != nil {
		return err
	}
	if _, err := svc.Adjust(ctx, leader, run2.ID, appraisal.AdjustInput{Subject: objector.Code, Indicator: "inspection", Points: pts("14"),
		Reason: "采纳异议：系统升级已报备，实地检查按满分计"}); err != nil {
		return fmt.Errorf("demo adjustment: %w", err)
	}
	fake.Set(run2.ObjectionDeadline.Add(time.Hour))
	if _, err := svc.Approve(ctx, leader, run2.ID, appraisal.ApproveInput{Note: "领导小组会议审定"}); err != nil {
		return err
	}
	fake.Advance(time.Hour)
	if _, err := svc.Publish(ctx, leader, run2.ID); err != nil {
		return err
	}

	// Last month: scored and open for objections; one county has objected.
	t1 := m1.ClosesAt(cal, body.GraceWorkingDays).Add(9*time.Hour + 30*time.Minute)
	if latest := now.Add(-3 * time.Hour); t1.After(latest) {
		t1 = latest
	}
	fake.Set(t1)
	run1, err := svc.RequestRun(ctx, leader, appraisal.RunRequest{SchemeID: sc.ID, Period: m1.Label})
	if err != nil {
		return fmt.Errorf("demo run %s: %w", m1.Label, err)
	}
	fake.Advance(time.Hour)
	if _, err := svc.OpenObjections(ctx, leader, run1.ID); err != nil {
		return err
	}
	objector = counties[len(counties)-1]
	if objectorActor, err = s.staffActor(ctx, objector, "supervisor"); err != nil {
		return err
	}
	fake.Advance(time.Hour)
	if _, err := svc.Object(ctx, objectorActor, run1.ID, appraisal.ObjectInput{Subject: objector.Code, Indicator: "red_cards",
		Text: "其中一张红牌所涉办件已依法暂停计时（专家评审），不应计为超期，请复核。"}); err != nil {
		return fmt.Errorf("demo objection: %w", err)
	}

	// The current month (and last month while it has not closed): provisional.
	live := s.Appraisal.WithClock(s.Clock)
	for p := cur; !p.Start.After(cur.Start) && p.Start.After(m1.Start); p = p.Previous() {
		if _, err := live.RequestRun(ctx, leader, appraisal.RunRequest{SchemeID: sc.ID, Period: p.Label}); err != nil {
			return fmt.Errorf("demo run %s: %w", p.Label, err)
		}
	}
	return nil
}

// historyWorld is one county's appraisal history: its world for replaying cases and
// what the manual scores need (late cases, departments with decisions).
type historyWorld struct {
	*caseWorld
	late    map[string][]uuid.UUID // by period: cases decided late
	decided map[string]map[string]int
}

// profile is how well a county works in a month: the shares of late, early and online
// cases. It is drawn from the county's code and the month, so rankings differ between
// counties and move between months, the same on every run.
type profile struct {
	late, early, online float64
}

func profileOf(code, period string) profile {
	h := fnv.New64a()
	h.Write([]byte(code + "/" + period))
	r := rand.New(rand.NewPCG(h.Sum64(), 14))
	return profile{late: 0.05 + 0.4*r.Float64(), early: 0.15 + 0.5*r.Float64(), online: 0.1 + 0.6*r.Float64()}
}

// casesPerMonth is how many extra finished cases each county gets per month.
const casesPerMonth = 10

// appraisalHistory replays a county's extra cases of the given months (index orders
// the counties: the first always has a red card, for the demonstration).
func (s *Seeder) appraisalHistory(ctx context.Context, t *tenant.Tenant, index int, months []appraisal.Period, now time.Time) (*historyWorld, error) {
	w := &caseWorld{t: t, byCode: map[string]*demoItem{}, deptID: map[string]uuid.UUID{}, code: map[uuid.UUID]string{},
		dname: map[string]string{}, staff: map[staffKey]actor.Actor{}, windows: map[string]uuid.UUID{}}
	hw := &historyWorld{caseWorld: w, late: map[string][]uuid.UUID{}, decided: map[string]map[string]int{}}
	err := s.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var depts []struct {
			ID   uuid.UUID `gorm:"type:uuid"`
			Code string
			Name string
		}
		if err := tx.Table("tenancy_departments").Select("id, code, name").Where("tenant_id = ?", t.ID).Scan(&depts).Error; err != nil {
			return err
		}
		for _, d := range depts {
			w.deptID[d.Code], w.code[d.ID], w.dname[d.Code] = d.ID, d.Code, d.Name
		}
		var ids []uuid.UUID
		if err := tx.Table("catalogue_powers").Where("tenant_id = ? AND in_force_version_id IS NOT NULL", t.ID).Order("code").Pluck("id", &ids).Error; err != nil {
			return err
		}
		for _, id := range ids {
			v, err := catalogue.ExercisableVersion(tx, id)
			if err != nil {
				return err
			}
			// Items that fit in a month, with few steps.
			if !applicationCategories[v.Category] || w.code[v.DepartmentID] == "" || v.PromisedLimit < 3 || v.PromisedLimit > 12 {
				continue
			}
			w.items = append(w.items, newDemoItem(v, w.code[v.DepartmentID]))
		}
		return nil
	})
	if err != nil || len(w.items) == 0 {
		return hw, err
	}
	cal, err := s.Casework.Calendars().For(ctx, t)
	if err != nil {
		return nil, err
	}
	w.cal = cal
	today := calendar.DateOf(now)
	for d := months[0].Start; d.Before(months[len(months)-1].End) && d.Before(today); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			w.days = append(w.days, d)
		}
	}
	if len(w.days) == 0 {
		return hw, nil
	}
	h := fnv.New64a()
	h.Write([]byte("appraisal/" + t.Code))
	w.rng = rand.New(rand.NewPCG(h.Sum64(), 2026))
	w.clock = clock.NewFake(w.days[0].Start().Add(8 * time.Hour))
	w.svc = s.Casework.WithClock(w.clock)
	sup := supervision.NewService(s.DB, s.Tenants, s.Casework.Calendars(), nil, s.Enforcer, w.clock, nil, nil, slog.Default())
	if w.admin, err = s.staffActor(ctx, t, "admin"); err != nil {
		return nil, err
	}
	if w.clerk, err = s.staffActor(ctx, t, "clerk"); err != nil {
		return nil, err
	}
	// The staff who work the items (created with the demo's cases).
	var usable []*demoItem
	for _, it := range w.items {
		ok := true
		keys := []staffKey{{it.dept, authz.CaseHandler}, {it.dept, authz.DeptAdmin}}
		for _, st := range it.ver.Flowchart.Steps {
			if st.Kind == catalogue.KindTask && w.deptID[st.DepartmentCode] != uuid.Nil {
				keys = append(keys, staffKey{st.DepartmentCode, st.Role})
			}
		}
		for _, k := range keys {
			if _, have := w.staff[k]; have {
				continue
			}
			a, err := s.staffActor(ctx, t, staffAccount(k, w.dname[k.dept]).Username)
			if err != nil {
				ok = false
				break
			}
			w.staff[k] = a
		}
		if ok {
			usable = append(usable, it)
		}
	}
	w.items = usable
	if len(w.items) == 0 {
		return hw, nil
	}
	existing, err := s.ServiceCentre.Windows(ctx, db.TenantScope(t.ID, uuid.Nil), []uuid.UUID{t.ID}, nil)
	if err != nil {
		return nil, err
	}
	for _, x := range existing {
		switch {
		case x.Comprehensive:
			w.windows[""] = x.ID
		case w.code[x.DepartmentID] != "":
			w.windows[w.code[x.DepartmentID]] = x.ID
		}
	}
	if _, ok := w.windows[""]; !ok {
		return hw, nil
	}
	evaluate := func(ctx context.Context, w *caseWorld, c *demoCase) error {
		if c.d == nil {
			return nil
		}
		_, err := sup.EvaluateCase(ctx, w.t, c.d.ID)
		return err
	}
	dayIndex := map[calendar.Date]int{}
	for i, d := range w.days {
		dayIndex[d] = i
	}
	type outcome struct {
		c      *demoCase
		period string
		kind   string
	}
	var planned []outcome
	for mi, m := range months {
		var first, last = -1, -1
		for d := m.Start; d.Before(m.End); d = d.AddDays(1) {
			if i, ok := dayIndex[d]; ok {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first < 0 {
			continue
		}
		pr := profileOf(t.Code, m.Label)
		for i := 0; i < casesPerMonth; i++ {
			it := w.pick(nil)
			ch := casework.ChannelWindow
			if w.rng.Float64() < pr.online {
				ch = casework.ChannelOnline
			}
			c := w.newCase(it, ch)
			l := it.limit(false)
			kind := "on_time"
			switch r := w.rng.Float64(); {
			case r < pr.late || (index == 0 && mi == len(months)-1 && i == 0):
				kind = "late"
			case r < pr.late+pr.early:
				kind = "early"
			}
			decideDay := l
			switch kind {
			case "late":
				decideDay = l + 1 + w.rng.IntN(5) // a red card once 3 working days past due
			case "early":
				decideDay = max(1, l/2)
			}
			// The decision falls inside the month (and before today).
			span := last - first - decideDay
			if span < 0 {
				continue
			}
			start := first + w.rng.IntN(span+1)
			sc := w.script(c, start).on(0).then("intake", intake(true)).then("accept", accept)
			tasks := max(it.tasks, 1)
			for k := 1; k < tasks; k++ {
				sc.on(k*decideDay/tasks).then("step", step(0))
			}
			if kind != "early" {
				sc.on(l).then("supervise", evaluate) // the reminder on the last working day
			}
			if kind == "late" {
				sc.on(l+1).then("supervise", evaluate) // overdue: a yellow card
				if decideDay >= l+4 {
					sc.on(l+4).then("supervise", evaluate) // still not done: a red card
				}
			}
			sc.on(decideDay).then("decide", decide(w.rng.IntN(8) > 0)).then("supervise", evaluate)
			planned = append(planned, outcome{c: c, period: m.Label, kind: kind})
		}
	}
	sort.SliceStable(w.ops, func(i, j int) bool {
		if !w.ops[i].at.Equal(w.ops[j].at) {
			return w.ops[i].at.Before(w.ops[j].at)
		}
		return w.ops[i].seq < w.ops[j].seq
	})
	for _, o := range w.ops {
		if o.c != nil && o.c.d == nil && o.name != "intake" {
			continue
		}
		if !o.at.Before(now) {
			continue
		}
		w.clock.Set(o.at)
		if err := o.do(ctx, w, o.c); err != nil {
			return nil, fmt.Errorf("history case %d (%s) %s at %s: %w", o.c.n, o.c.item.ver.Name, o.name, o.at.In(calendar.Location()).Format("2006-01-02 15:04"), err)
		}
	}
	for _, p := range planned {
		if p.c.d == nil || p.c.d.DecidedAt == nil {
			continue
		}
		if hw.decided[p.period] == nil {
			hw.decided[p.period] = map[string]int{}
		}
		hw.decided[p.period][p.c.item.dept]++
		if p.kind == "late" {
			hw.late[p.period] = append(hw.late[p.period], p.c.d.ID)
		}
	}
	return hw, nil
}

// manualScores enters a month's manual scores: an on-site inspection of every county,
// a review of two sampled case files of the department that decided most, and a fault
// record for a late case in some counties.
func (s *Seeder) manualScores(ctx context.Context, svc *appraisal.Service, leader actor.Actor, scheme uuid.UUID, m appraisal.Period,
	counties []*tenant.Tenant, worlds []*historyWorld) error {
	day := m.End.AddDays(-5)
	for i, t := range counties {
		h := fnv.New64a()
		h.Write([]byte("inspection/" + t.Code + "/" + m.Label))
		r := rand.New(rand.NewPCG(h.Sum64(), 7))
		score := appraisal.Points(7000 + 100*r.IntN(29))
		if _, err := svc.CreateInspection(ctx, leader, appraisal.InspectionInput{Tenant: t.Code, OccurredOn: day, Title: t.Name + "政务服务中心实地检查",
			Score: &score, Note: "检查窗口规范化建设、一次告知、收费公示等情况"}); err != nil {
			return err
		}
		w := worlds[i]
		if w == nil {
			continue
		}
		best, most := "", 0
		for dept, n := range w.decided[m.Label] {
			if n > most || (n == most && dept < best) {
				best, most = dept, n
			}
		}
		if best != "" {
			reviews, err := svc.Sample(ctx, leader, appraisal.SampleInput{SchemeID: scheme, Period: m.Label, Tenant: t.Code, Department: best, Size: 2})
			if err != nil && !isConflict(err) {
				return err
			}
			for _, rv := range reviews {
				var lines []appraisal.ChecklistScore
				if err := jsonUnmarshal(rv.Checklist, &lines); err != nil {
					return err
				}
				scores := make([]appraisal.Points, len(lines))
				for k, ln := range lines {
					off := appraisal.Points(100 * r.IntN(4))
					scores[k] = max(ln.MaxPoints-off, 0)
				}
				if _, err := svc.ScoreReview(ctx, leader, rv.ID, appraisal.ScoreReviewInput{Scores: scores, Note: "抽查评查"}); err != nil {
					return err
				}
			}
		}
		if late := w.late[m.Label]; len(late) > 0 && r.IntN(3) == 0 {
			caseID := late[0]
			var dept string
			if err := s.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
				return tx.Raw(`SELECT d.code FROM casework_case_clock c JOIN tenancy_departments d ON d.id = c.department_id WHERE c.id = ?`, caseID).Row().Scan(&dept)
			}); err != nil {
				return err
			}
			if _, err := svc.CreateFault(ctx, leader, appraisal.FaultInput{Tenant: t.Code, Department: dept, Person: "承办人", CaseID: &caseID, OccurredOn: day,
				Description: "办件超过承诺时限办结，且未按规定告知申请人，依规追究过错责任"}); err != nil {
				return err
			}
		}
	}
	return nil
}

func isConflict(err error) bool { return apperr.IsKind(err, apperr.KindConflict) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
