package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/casework"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/idcheck"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/projects"
	"sunshine/pkg/servicecentre"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// ProjectTenant is the county whose demo has the major project.
const ProjectTenant = "410581"

// caseHistoryWorkingDays is how far back the demo's casework starts.
const caseHistoryWorkingDays = 40

// applicationCategories are the categories people apply for (penalties, inspections
// and internal decisions are not applications).
var applicationCategories = map[string]bool{"行政许可": true, "行政确认": true, "行政给付": true, "行政奖励": true, "行政裁决": true, "其他行政权力": true}

// seedCases gives every demo county windows and a few dozen cases in every state,
// driven through casework.Service on a fake clock that walks from 40 working days
// ago to yesterday, so that timelines, steps, pauses and the audit trail are what
// real work leaves behind. A county that already has cases, or has no filed items,
// is skipped. Counties run concurrently; each has its own clock and a random source
// seeded by its code, so the demo is the same on every run.
func (s *Seeder) seedCases(ctx context.Context, all []*tenant.Tenant, hash string) error {
	if !s.Cases || s.Casework == nil {
		return nil
	}
	var city *tenant.Tenant
	for _, t := range all {
		if t.Code == CityCode {
			city = t
		}
	}
	if city == nil {
		return nil
	}
	var counties []*tenant.Tenant
	for _, t := range all {
		if t.ParentID != nil && *t.ParentID == city.ID && t.Active() {
			counties = append(counties, t)
		}
	}
	worlds := make([]*caseWorld, len(counties))
	errs := make([]error, len(counties))
	var wg sync.WaitGroup
	for i, t := range counties {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worlds[i], errs[i] = s.prepareCases(ctx, t, hash)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("demo cases of %s: %w", counties[i].Code, err)
		}
	}
	some := false
	for _, w := range worlds {
		some = some || w != nil
	}
	if !some {
		return nil
	}
	// The departments' demo staff were just granted their roles.
	if err := s.Enforcer.Reload(); err != nil {
		return err
	}
	for i, w := range worlds {
		if w == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.run(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("demo cases of %s: %w", counties[i].Code, err)
		}
	}
	return nil
}

// demoItem is a filed item the demo applies for.
type demoItem struct {
	ver  *catalogue.Version
	dept string // the item's department code
	// first are the tasks active right after acceptance.
	first      []catalogue.Step
	parallel   bool
	tasks      int
	firstCount bool // every first task counts toward the legal clock
	firstLimit int  // the shortest first task's limit
}

type staffKey struct{ dept, role string }

// caseWorld is one county's demo in the making.
type caseWorld struct {
	t      *tenant.Tenant
	svc    *casework.Service
	centre *servicecentre.Service
	proj   *projects.Service
	clock  *clock.Fake
	rng    *rand.Rand
	cal    *calendar.Calendar
	items  []*demoItem
	byCode map[string]*demoItem
	deptID map[string]uuid.UUID
	code   map[uuid.UUID]string
	dname  map[string]string
	staff  map[staffKey]actor.Actor
	admin  actor.Actor
	clerk  actor.Actor
	// days are the working days of the history, oldest first, ending yesterday (or
	// the last working day before today).
	days    []calendar.Date
	windows map[string]uuid.UUID // by department code ("" for the comprehensive window)
	cases   []*demoCase
	ops     []op
	certs   int
	project *uuid.UUID
}

// prepareCases loads what a county's demo needs and makes sure the staff who work
// its items exist. It returns nil when the county is to be skipped.
func (s *Seeder) prepareCases(ctx context.Context, t *tenant.Tenant, hash string) (*caseWorld, error) {
	w := &caseWorld{t: t, byCode: map[string]*demoItem{}, deptID: map[string]uuid.UUID{}, code: map[uuid.UUID]string{},
		dname: map[string]string{}, staff: map[staffKey]actor.Actor{}, windows: map[string]uuid.UUID{}}
	var have bool
	err := s.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var err error
		if have, err = casework.HasCases(tx, t.ID); err != nil || have {
			return err
		}
		depts, err := tenancy.ListDepartments(tx, []uuid.UUID{t.ID})
		if err != nil {
			return err
		}
		for _, d := range depts {
			w.deptID[d.Code], w.code[d.ID], w.dname[d.Code] = d.ID, d.Code, d.Name
		}
		ids, err := catalogue.ExercisablePowers(tx, t.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			v, err := catalogue.ExercisableVersion(tx, id)
			if err != nil {
				return err
			}
			if !applicationCategories[v.Category] || w.code[v.DepartmentID] == "" {
				continue
			}
			w.items = append(w.items, newDemoItem(v, w.code[v.DepartmentID]))
		}
		return nil
	})
	if err != nil || have || len(w.items) == 0 {
		return nil, err
	}
	for _, it := range w.items {
		w.byCode[it.ver.Code] = it
	}
	cal, err := s.Casework.Calendars().For(ctx, t)
	if err != nil {
		return nil, err
	}
	w.cal = cal
	today := calendar.DateOf(s.Clock.Now())
	for d := today.AddDays(-1); len(w.days) <= caseHistoryWorkingDays; d = d.AddDays(-1) {
		if cal.IsWorkingDay(d) {
			w.days = append(w.days, d)
		}
	}
	sort.Slice(w.days, func(i, j int) bool { return w.days[i].Before(w.days[j]) })
	h := fnv.New64a()
	h.Write([]byte(t.Code))
	w.rng = rand.New(rand.NewPCG(h.Sum64(), 2026))
	// Staff accounts are created "before" the history starts.
	w.clock = clock.NewFake(w.days[0].AddDays(-1).Start().Add(9 * time.Hour))
	w.svc = s.Casework.WithClock(w.clock)
	w.centre, w.proj = s.ServiceCentre.WithClock(w.clock), s.Projects.WithClock(w.clock)
	seeder := *s
	seeder.Clock = w.clock
	if w.admin, err = s.staffActor(ctx, t, "admin"); err != nil {
		return nil, err
	}
	if w.clerk, err = s.staffActor(ctx, t, "clerk"); err != nil {
		return nil, err
	}
	need := map[staffKey]bool{}
	for _, it := range w.items {
		need[staffKey{it.dept, authz.CaseHandler}] = true
		need[staffKey{it.dept, authz.DeptAdmin}] = true
		for _, st := range it.ver.Flowchart.Steps {
			if st.Kind == catalogue.KindTask && w.deptID[st.DepartmentCode] != uuid.Nil {
				need[staffKey{st.DepartmentCode, st.Role}] = true
			}
		}
	}
	keys := make([]staffKey, 0, len(need))
	for k := range need {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].dept+keys[i].role < keys[j].dept+keys[j].role })
	for _, k := range keys {
		acc := staffAccount(k, w.dname[k.dept])
		if _, err := seeder.ensureAccount(ctx, t, acc, hash); err != nil {
			return nil, fmt.Errorf("staff %s: %w", acc.Username, err)
		}
		if w.staff[k], err = s.staffActor(ctx, t, acc.Username); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// staffAccount is the demo account that works department dept's steps in role: the
// documented demo logins where they fit, otherwise "<dept>.<role>".
func staffAccount(k staffKey, deptName string) Account {
	for _, acc := range Accounts {
		if acc.Tenant == "county" && acc.Department == k.dept && len(acc.Roles) == 1 && acc.Roles[0].Role == k.role {
			return acc
		}
	}
	short := map[string]string{authz.CaseHandler: "handler", authz.DeptAdmin: "head", authz.WindowClerk: "clerk", authz.LegalReviewer: "legal"}[k.role]
	label := map[string]string{authz.CaseHandler: "承办人", authz.DeptAdmin: "负责人", authz.WindowClerk: "窗口受理员", authz.LegalReviewer: "法制审核员"}[k.role]
	if short == "" {
		short, label = strings.ReplaceAll(k.role, "_", "-"), k.role
	}
	return Account{Tenant: "county", Username: strings.ToLower(k.dept) + "." + short, DisplayName: deptName + label,
		Roles: []authz.Grant{{Role: k.role}}, Department: k.dept}
}

func newDemoItem(v *catalogue.Version, dept string) *demoItem {
	it := &demoItem{ver: v, dept: dept, firstCount: true, firstLimit: 1 << 30}
	fc := v.Flowchart
	seen := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		for _, n := range fc.Successors(id) {
			st, ok := fc.Step(n)
			if !ok || seen[n] {
				continue
			}
			seen[n] = true
			switch st.Kind {
			case catalogue.KindTask:
				it.first = append(it.first, st)
				it.firstCount = it.firstCount && st.Counts
				it.firstLimit = min(it.firstLimit, st.TimeLimit)
			case catalogue.KindSplit:
				walk(n)
			}
		}
	}
	walk(fc.Start().ID)
	for _, st := range fc.Steps {
		switch st.Kind {
		case catalogue.KindSplit:
			it.parallel = true
		case catalogue.KindTask:
			it.tasks++
		}
	}
	return it
}

// limit is the working days a case of the item gets.
func (it *demoItem) limit(green bool) int {
	if green && it.ver.GreenLimit != nil {
		return *it.ver.GreenLimit
	}
	return it.ver.PromisedLimit
}

// demoCase is one case of the demo and its latest state.
type demoCase struct {
	n       int
	item    *demoItem
	channel string
	window  *uuid.UUID
	project *uuid.UUID
	org     bool
	fee     string // "", "ok" or "mismatch"
	d       *casework.Detail
}

// op is one scheduled action on a case.
type op struct {
	at   time.Time
	seq  int
	c    *demoCase
	name string
	do   func(ctx context.Context, w *caseWorld, c *demoCase) error
}

// script schedules one case's actions by working day of the history.
type script struct {
	w     *caseWorld
	c     *demoCase
	start int
	day   int
	at    time.Time
}

// on moves the script to working day start+offset, at a morning hour.
func (sc *script) on(offset int) *script {
	sc.day = sc.start + offset
	if sc.day >= 0 && sc.day < len(sc.w.days) {
		// Never earlier than the case's previous action (the same day again).
		if morning := sc.w.days[sc.day].Start().Add(time.Duration(8*60+30+sc.w.rng.IntN(90)) * time.Minute); morning.After(sc.at) {
			sc.at = morning
		}
	}
	return sc
}

// then schedules an action later the same day. Actions falling after the history
// are dropped: the case stays as it is by then.
func (sc *script) then(name string, fn func(ctx context.Context, w *caseWorld, c *demoCase) error) *script {
	if sc.day < 0 || sc.day >= len(sc.w.days) {
		return sc
	}
	sc.at = sc.at.Add(time.Duration(20+sc.w.rng.IntN(70)) * time.Minute)
	sc.w.ops = append(sc.w.ops, op{at: sc.at, seq: len(sc.w.ops), c: sc.c, name: name, do: fn})
	return sc
}

func (w *caseWorld) newCase(it *demoItem, channel string) *demoCase {
	c := &demoCase{n: len(w.cases), item: it, channel: channel, org: w.rng.IntN(10) < 3}
	if channel == casework.ChannelWindow {
		id := w.windows[""]
		if wid, ok := w.windows[it.dept]; ok && w.rng.IntN(2) == 0 {
			id = wid
		}
		c.window = &id
		c.fee = "ok"
		if c.n%13 == 4 {
			c.fee = "mismatch"
		}
	}
	w.cases = append(w.cases, c)
	return c
}

// pick chooses an item satisfying ok (any item when none does).
func (w *caseWorld) pick(ok func(*demoItem) bool) *demoItem {
	var fit []*demoItem
	for _, it := range w.items {
		if ok == nil || ok(it) {
			fit = append(fit, it)
		}
	}
	if len(fit) == 0 {
		fit = w.items
	}
	return fit[w.rng.IntN(len(fit))]
}

func (w *caseWorld) script(c *demoCase, start int) *script {
	if start < 0 {
		start = 0
	}
	return &script{w: w, c: c, start: start}
}

// run opens the windows, plans every case and replays the plan in time order.
func (w *caseWorld) run(ctx context.Context) error {
	w.clock.Set(w.days[0].AddDays(-1).Start().Add(10 * time.Hour))
	if err := w.openWindows(ctx); err != nil {
		return err
	}
	if w.t.Code == ProjectTenant {
		if err := w.planProject(ctx); err != nil {
			return err
		}
	}
	w.plan()
	sort.SliceStable(w.ops, func(i, j int) bool {
		if !w.ops[i].at.Equal(w.ops[j].at) {
			return w.ops[i].at.Before(w.ops[j].at)
		}
		return w.ops[i].seq < w.ops[j].seq
	})
	for _, o := range w.ops {
		if o.c != nil && o.c.d == nil && o.name != "intake" {
			continue // its intake fell outside the history
		}
		w.clock.Set(o.at)
		if err := o.do(ctx, w, o.c); err != nil {
			return fmt.Errorf("case %d (%s) %s at %s: %w", o.c.n, o.c.item.ver.Name, o.name, o.at.In(calendar.Location()).Format("2006-01-02 15:04"), err)
		}
	}
	return nil
}

// openWindows opens the comprehensive window (综合窗口) and two department windows,
// all staffed by the demo clerk.
func (w *caseWorld) openWindows(ctx context.Context) error {
	existing, err := w.centre.Windows(ctx, db.TenantScope(w.t.ID, uuid.Nil), []uuid.UUID{w.t.ID}, nil)
	if err != nil {
		return err
	}
	byNumber := map[string]uuid.UUID{}
	for _, x := range existing {
		byNumber[x.Number] = x.ID
	}
	specs := []struct{ number, name, dept string }{
		{"A01", "综合受理窗口", "ZWFW"},
		{"B01", "工程建设项目审批窗口", "ZJJ"},
		{"B02", "不动产登记窗口", "ZRZY"},
	}
	for _, sp := range specs {
		if w.deptID[sp.dept] == uuid.Nil {
			continue
		}
		key := sp.dept
		if sp.number == "A01" {
			key = ""
		}
		if id, ok := byNumber[sp.number]; ok {
			w.windows[key] = id
			continue
		}
		win, err := w.centre.CreateWindow(ctx, w.admin, servicecentre.WindowInput{Number: sp.number, Name: sp.name, DepartmentID: w.deptID[sp.dept], Comprehensive: key == ""})
		if err != nil {
			return err
		}
		if _, err := w.centre.SetWindowStaff(ctx, w.admin, win.ID, []uuid.UUID{w.clerk.UserID}); err != nil {
			return err
		}
		w.windows[key] = win.ID
	}
	if _, ok := w.windows[""]; !ok {
		return fmt.Errorf("no comprehensive window (department ZWFW missing)")
	}
	return nil
}

// plan schedules the county's cases so that by now every state exists: delivered,
// decided, refused, awaiting correction, fresh and nearly deemed-accepted
// submissions, deemed acceptance, parallel steps at various points, overdue cases and
// steps, Art. 45 pauses (ongoing and ended), extensions, returns and a case awaiting
// its decision; some came in online and a few charged the wrong fee. Work that is
// not meant to be late is paced to finish within the case's limit.
func (w *caseWorld) plan() {
	last := len(w.days) - 1 // yesterday
	limitAtLeast := func(n int) func(*demoItem) bool { return func(it *demoItem) bool { return it.ver.PromisedLimit >= n } }
	// Delivered (four approved, one denied), one of them applied for online.
	for i := 0; i < 5; i++ {
		ch := casework.ChannelWindow
		if i == 2 {
			ch = casework.ChannelOnline
		}
		c := w.newCase(w.pick(nil), ch)
		span := c.item.limit(false) + 3
		w.runThrough(w.script(c, w.rng.IntN(max(1, last-span))), i != 4, true)
	}
	// Decided, not yet delivered.
	for i := 0; i < 3; i++ {
		c := w.newCase(w.pick(nil), casework.ChannelWindow)
		w.runThrough(w.script(c, last-max(c.item.limit(false)-1, 0)-w.rng.IntN(3)), i != 2, false)
	}
	// Refused.
	for i := 0; i < 2; i++ {
		c := w.newCase(w.pick(nil), casework.ChannelWindow)
		w.script(c, w.rng.IntN(last-1)).on(0).then("intake", intake(true)).on(1).then("refuse", refuse)
	}
	// Awaiting correction (补正), one online.
	for i := 0; i < 2; i++ {
		ch := casework.ChannelWindow
		if i == 1 {
			ch = casework.ChannelOnline
		}
		c := w.newCase(w.pick(twoRequired), ch)
		w.script(c, last-w.rng.IntN(3)).on(0).then("intake", intake(false)).then("request-correction", requestCorrection)
	}
	// Corrected, accepted and under way.
	{
		c := w.newCase(w.pick(func(it *demoItem) bool { return twoRequired(it) && it.ver.PromisedLimit >= 10 }), casework.ChannelWindow)
		sc := w.script(c, last-9).on(0).then("intake", intake(false)).then("request-correction", requestCorrection)
		sc.on(2).then("resubmit", resubmit).then("accept", accept)
		w.steps(sc, 2, 2)
	}
	// Fresh submissions (one online) and one a working day short of deemed acceptance.
	for i, start := range []int{last, last - 1, last - 4} {
		ch := casework.ChannelWindow
		if i == 1 {
			ch = casework.ChannelOnline
		}
		c := w.newCase(w.pick(nil), ch)
		w.script(c, start).on(0).then("intake", intake(true))
	}
	// Deemed accepted (Art. 32): nobody decided within 5 working days.
	{
		c := w.newCase(w.pick(limitAtLeast(10)), casework.ChannelOnline)
		sc := w.script(c, last-12).on(0).then("intake", intake(true))
		sc.on(6).then("deemed-acceptance", deem).on(7).then("step", step(0)).on(8).then("step", step(0))
	}
	// Under way at various points, with parallel branches part done.
	for i := 0; i < 4; i++ {
		ch := casework.ChannelWindow
		if i == 3 {
			ch = casework.ChannelOnline
		}
		c := w.newCase(w.pick(func(it *demoItem) bool { return it.parallel }), ch)
		sc := w.script(c, last-1-i).on(0).then("intake", intake(true)).then("accept", accept)
		for k := 0; k <= i; k++ {
			sc.on(w.pace(c, k+1)).then("step", step(k%2))
		}
	}
	// Overdue cases: accepted, then stuck on work that counts.
	for i := 0; i < 2; i++ {
		c := w.newCase(w.pick(func(it *demoItem) bool { return it.firstCount && it.ver.PromisedLimit > 0 }), casework.ChannelWindow)
		start := last - c.item.limit(false) - 2 - w.rng.IntN(4)
		w.script(c, start).on(0).then("intake", intake(true)).then("accept", accept)
	}
	// A step past its own due date while the case still has time.
	{
		c := w.newCase(w.pick(func(it *demoItem) bool { return it.ver.PromisedLimit >= it.firstLimit+5 && it.firstLimit > 0 }), casework.ChannelWindow)
		w.script(c, last-c.item.firstLimit-2).on(0).then("intake", intake(true)).then("accept", accept)
	}
	// Paused under Art. 45 now, and one paused and resumed earlier.
	{
		c := w.newCase(w.pick(limitAtLeast(8)), casework.ChannelWindow)
		sc := w.script(c, last-4).on(0).then("intake", intake(true)).then("accept", accept).then("step", step(0))
		sc.on(2).then("pause", pause(5))
		c = w.newCase(w.pick(limitAtLeast(15)), casework.ChannelWindow)
		sc = w.script(c, last-14).on(0).then("intake", intake(true)).then("accept", accept).then("step", step(0))
		sc.on(3).then("pause", pause(3)).on(6).then("resume", resume)
		w.steps(sc, 7, 2)
	}
	// Extended once (Art. 42): one in time thanks to it, one overdue even so.
	for i := 0; i < 2; i++ {
		c := w.newCase(w.pick(func(it *demoItem) bool {
			return it.firstCount && it.ver.ExtensionDays > 0 && it.ver.PromisedLimit > 1 && it.ver.PromisedLimit+it.ver.ExtensionDays < 25
		}), casework.ChannelWindow)
		l := c.item.limit(false)
		start := last - l - 2
		if i == 1 {
			start = last - l - c.item.ver.ExtensionDays - 3
		}
		w.script(c, start).on(0).then("intake", intake(true)).then("accept", accept).on(l-1).then("extend", extend)
	}
	// Awaiting the decision.
	{
		c := w.newCase(w.pick(nil), casework.ChannelWindow)
		l := max(c.item.limit(false), 1)
		sc := w.script(c, last-l+1).on(0).then("intake", intake(true)).then("accept", accept)
		w.steps(sc, 0, c.item.tasks)
		sc.on(l-1).then("finish", finish)
	}
	// Returned to an earlier step with a reason, then worked again.
	{
		c := w.newCase(w.pick(func(it *demoItem) bool { return it.tasks >= 3 && it.ver.PromisedLimit >= 8 }), casework.ChannelWindow)
		sc := w.script(c, last-5).on(0).then("intake", intake(true)).then("accept", accept).then("step", step(0))
		sc.on(1).then("step", step(0)).on(3).then("return", returnStep).on(4).then("step", step(0))
	}
}

// pace is the working day (from acceptance) on which a case's k-th task is done, so
// that all of them fit in its limit with a day to spare.
func (w *caseWorld) pace(c *demoCase, k int) int {
	l := c.item.limit(c.project != nil)
	return k * max(l-1, 0) / max(c.item.tasks, 1)
}

// steps schedules n paced task completions from day from (acceptance = day 0).
func (w *caseWorld) steps(sc *script, from, n int) {
	for k := 1; k <= n; k++ {
		sc.on(max(from, w.pace(sc.c, k))).then("step", step(0))
	}
}

// runThrough schedules a case from intake to decision (and delivery), its tasks
// paced within its limit.
func (w *caseWorld) runThrough(sc *script, approve, deliver bool) {
	sc.on(0).then("intake", intake(true)).then("accept", accept)
	w.steps(sc, 0, sc.c.item.tasks)
	l := sc.c.item.limit(sc.c.project != nil)
	sc.on(max(l-1, 0)).then("decide", decide(approve))
	if deliver {
		sc.on(max(l-1, 0)+1+w.rng.IntN(2)).then("deliver", deliverDecision)
	}
}

// planProject registers the major project (大项目直通车) and plans its cases on the
// green-channel limits: one delivered, one approved, one paused for expert review,
// one with its parallel approval under way, one just submitted.
func (w *caseWorld) planProject(ctx context.Context) error {
	var green []*demoItem
	for _, code := range []string{"XK-FGW-001", "XK-ZRZY-001", "XK-STHJ-002", "XK-ZJJ-001"} {
		if it := w.byCode[code]; it != nil && it.ver.GreenLimit != nil {
			green = append(green, it)
		}
	}
	if len(green) == 0 {
		for _, it := range w.items {
			if it.ver.GreenLimit != nil {
				green = append(green, it)
			}
		}
	}
	lead, ok := w.deptID["FGW"]
	if len(green) == 0 || !ok {
		return nil
	}
	head := w.staff[staffKey{"ZJJ", authz.DeptAdmin}]
	if head.UserID == uuid.Nil {
		return nil
	}
	investor, code := projectInvestor()
	name, wan := "安阳某新能源汽车零部件产业园项目", 350000.0
	w.clock.Set(w.days[0].Start().Add(8 * time.Hour))
	p, err := w.proj.CreateProject(ctx, head, projects.ProjectInput{Name: &name, InvestorName: &investor, InvestorCreditCode: &code, InvestmentWan: &wan, LeadDepartmentID: &lead})
	if err != nil {
		return err
	}
	w.project = &p.ID
	last := len(w.days) - 1
	for i := 0; i < 5; i++ {
		it := green[i%len(green)]
		if i == 4 {
			it = green[len(green)-1] // a second case of the last item (construction: 二期)
		}
		c := w.newCase(it, casework.ChannelWindow)
		c.window = ptr(w.windows[""])
		c.project, c.org = w.project, true
		switch i {
		case 0:
			w.runThrough(w.script(c, 1), true, true)
		case 1:
			w.runThrough(w.script(c, 3), true, false)
		case 2:
			w.script(c, last-8).on(0).then("intake", intake(true)).then("accept", accept).on(1).then("step", step(0)).on(3).then("pause", pause(10))
		case 3:
			sc := w.script(c, last-2).on(0).then("intake", intake(true)).then("accept", accept).then("step", step(0))
			sc.on(1).then("step", step(1))
		case 4:
			w.script(c, last).on(0).then("intake", intake(true))
		}
	}
	return nil
}

// projectInvestor is the major project's investor and its (valid, generated) unified
// social credit code; the project's cases are its applications.
func projectInvestor() (string, string) {
	return "安阳某新能源汽车零部件有限公司", idcheck.GenerateCreditCode(rand.New(rand.NewPCG(410581, 1)), "91410581")
}

func ptr[T any](v T) *T { return &v }

func twoRequired(it *demoItem) bool {
	n := 0
	for _, m := range it.ver.Materials {
		if m.Required {
			n++
		}
	}
	return n >= 2
}

// The actions. Each records the case's new state.

var surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
var givenChars = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰海燕宇浩然子涵欣怡晨阳梓萱")
var orgWords = []string{"宏达建设", "红旗渠建材", "太行食品", "安林物流", "中原新材料", "豫北环保科技", "林虑商贸", "华安置业", "殷都机械", "洹水农业"}

func (w *caseWorld) applicant(c *demoCase) casework.ApplicantInput {
	if c.project != nil {
		name, code := projectInvestor()
		return casework.ApplicantInput{Type: casework.ApplicantOrg, Name: name, CreditCode: code, Phone: "0372-6688001"}
	}
	phone := fmt.Sprintf("1%d%09d", 3+w.rng.IntN(7), w.rng.IntN(1_000_000_000))
	if c.org {
		name := strings.TrimSuffix(w.t.Name, "市")
		name = strings.TrimSuffix(name, "县") + orgWords[w.rng.IntN(len(orgWords))] + "有限公司"
		return casework.ApplicantInput{Type: casework.ApplicantOrg, Name: name, CreditCode: idcheck.GenerateCreditCode(w.rng, "91"+w.t.Code), Phone: phone}
	}
	male := w.rng.IntN(2) == 0
	name := string(surnames[w.rng.IntN(len(surnames))]) + string(givenChars[w.rng.IntN(len(givenChars))])
	if w.rng.IntN(3) > 0 {
		name += string(givenChars[w.rng.IntN(len(givenChars))])
	}
	birth := time.Date(1955+w.rng.IntN(45), time.Month(1+w.rng.IntN(12)), 1+w.rng.IntN(28), 0, 0, 0, 0, time.UTC)
	return casework.ApplicantInput{Type: casework.ApplicantPerson, Name: name, IDNumber: idcheck.GenerateResidentID(w.rng, w.t.Code, birth, male), Phone: phone}
}

func (w *caseWorld) materials(it *demoItem, complete bool) []casework.SubmittedMaterial {
	var out []casework.SubmittedMaterial
	missing := !complete
	for _, m := range it.ver.Materials {
		if m.Required && missing {
			missing = false // leave the first required material out
			continue
		}
		if !m.Required && w.rng.IntN(2) == 0 {
			continue
		}
		out = append(out, casework.SubmittedMaterial{Name: m.Name, Provided: true, Copies: max(1, m.Copies)})
	}
	return out
}

func (w *caseWorld) fees(c *demoCase) []casework.FeeInput {
	it := c.item.ver
	switch {
	case c.channel == casework.ChannelOnline:
		return nil
	case c.fee == "mismatch" && (it.Free || len(it.Fees) == 0):
		return []casework.FeeInput{{Item: "工本费", AmountFen: 2000}}
	case c.fee == "mismatch":
		return []casework.FeeInput{{Item: it.Fees[0].Item, AmountFen: it.Fees[0].AmountFen + 2000}}
	case !it.Free && len(it.Fees) > 0:
		return []casework.FeeInput{{Item: it.Fees[0].Item, AmountFen: it.Fees[0].AmountFen}}
	}
	return nil
}

func intake(complete bool) func(context.Context, *caseWorld, *demoCase) error {
	return func(ctx context.Context, w *caseWorld, c *demoCase) error {
		in := casework.IntakeInput{PowerID: c.item.ver.PowerID, WindowID: c.window, Channel: c.channel, Applicant: w.applicant(c),
			Materials: w.materials(c.item, complete), Fees: w.fees(c), ProjectID: c.project}
		a := w.clerk
		if c.channel == casework.ChannelOnline {
			a = actor.Actor{Kind: actor.KindPublic, TenantID: w.t.ID, TenantCode: w.t.Code, TenantPath: w.t.Path}
		}
		d, err := w.svc.Intake(ctx, a, w.t, in)
		c.d = d
		return err
	}
}

func (w *caseWorld) set(c *demoCase, d *casework.Detail, err error) error {
	if err == nil {
		c.d = d
	}
	return err
}

func accept(ctx context.Context, w *caseWorld, c *demoCase) error {
	d, err := w.svc.Accept(ctx, w.clerk, c.d.ID)
	return w.set(c, d, err)
}

var refusals = []string{"申请事项不属于本机关职权范围，请向有关行政机关申请", "申请人不具备申请资格：未取得相应的用地批准手续", "依法不需要取得行政许可，已告知申请人"}

func refuse(ctx context.Context, w *caseWorld, c *demoCase) error {
	d, err := w.svc.Refuse(ctx, w.clerk, c.d.ID, refusals[w.rng.IntN(len(refusals))])
	return w.set(c, d, err)
}

func requestCorrection(ctx context.Context, w *caseWorld, c *demoCase) error {
	items := []string{}
	for _, m := range c.d.MissingMaterials {
		items = append(items, m+"（原件及复印件各一份）")
	}
	items = append(items, "申请表需法定代表人签字并加盖公章")
	d, err := w.svc.RequestCorrection(ctx, w.clerk, c.d.ID, items)
	return w.set(c, d, err)
}

func resubmit(ctx context.Context, w *caseWorld, c *demoCase) error {
	d, err := w.svc.Resubmit(ctx, w.clerk, c.d.ID, w.materials(c.item, true))
	return w.set(c, d, err)
}

func deem(ctx context.Context, w *caseWorld, c *demoCase) error {
	if _, err := w.svc.ApplyDeemedAcceptanceIn(ctx, []*tenant.Tenant{w.t}); err != nil {
		return err
	}
	d, err := w.svc.Get(ctx, db.TenantScope(w.t.ID, uuid.Nil), c.d.ID)
	return w.set(c, d, err)
}

// worker is who works a step: the staff of its department and role (the system for
// a step whose department the county lacks).
func (w *caseWorld) worker(st *casework.Step) actor.Actor {
	if st.DepartmentID != nil {
		if a, ok := w.staff[staffKey{w.code[*st.DepartmentID], st.Role}]; ok {
			return a
		}
	}
	return actor.System(w.t.ID, w.t.Code)
}

var opinions = map[string][]string{
	authz.WindowClerk:   {"材料齐全，符合法定形式，已流转", "已核验原件，材料齐全"},
	authz.CaseHandler:   {"经审查，符合规定条件", "经现场核查，与申请材料一致", "审查通过，建议准予许可", "符合要求，同意"},
	authz.DeptAdmin:     {"同意", "同意承办意见", "拟准予许可"},
	authz.LegalReviewer: {"经法制审核，主体适格、程序合法", "合法性审查通过"},
}

func (w *caseWorld) opinion(role string) string {
	list := opinions[role]
	if len(list) == 0 {
		return "同意"
	}
	return list[w.rng.IntN(len(list))]
}

func activeTasks(d *casework.Detail) []*casework.Step {
	var out []*casework.Step
	for i := range d.Steps {
		if d.Steps[i].Kind == string(catalogue.KindTask) && d.Steps[i].Status == casework.StepActive {
			out = append(out, &d.Steps[i])
		}
	}
	return out
}

// step completes the k-th active task (the last one when fewer are active); nothing
// when the case is not under way.
func step(k int) func(context.Context, *caseWorld, *demoCase) error {
	return func(ctx context.Context, w *caseWorld, c *demoCase) error {
		act := activeTasks(c.d)
		if c.d.Status != casework.StatusInProgress || c.d.Paused || len(act) == 0 {
			return nil
		}
		st := act[min(k, len(act)-1)]
		d, err := w.svc.CompleteStep(ctx, w.worker(st), c.d.ID, st.ID.String(), w.opinion(st.Role))
		return w.set(c, d, err)
	}
}

// finish completes every remaining task.
func finish(ctx context.Context, w *caseWorld, c *demoCase) error {
	for i := 0; i < 50 && c.d.Status == casework.StatusInProgress && !c.d.Paused; i++ {
		if err := step(0)(ctx, w, c); err != nil {
			return err
		}
	}
	return nil
}

func (w *caseWorld) head(c *demoCase) actor.Actor {
	return w.staff[staffKey{c.item.dept, authz.DeptAdmin}]
}

var denials = []string{"经现场核查，申请人的经营场所不符合规定条件", "申请材料反映的情况与实际不符，不予许可", "项目不符合国土空间规划，不予许可"}

func decide(approve bool) func(context.Context, *caseWorld, *demoCase) error {
	return func(ctx context.Context, w *caseWorld, c *demoCase) error {
		if err := finish(ctx, w, c); err != nil {
			return err
		}
		if c.d.Status != casework.StatusPendingDecision {
			return nil
		}
		in := casework.DecideInput{Result: "deny", Reason: denials[w.rng.IntN(len(denials))]}
		if approve {
			w.certs++
			in = casework.DecideInput{Result: "approve", CertificateNo: fmt.Sprintf("%s%s%04d", w.t.Code, strings.ReplaceAll(calendar.DateOf(w.clock.Now()).String(), "-", ""), w.certs)}
		}
		d, err := w.svc.Decide(ctx, w.head(c), c.d.ID, in)
		return w.set(c, d, err)
	}
}

func deliverDecision(ctx context.Context, w *caseWorld, c *demoCase) error {
	if c.d.Status != casework.StatusApproved && c.d.Status != casework.StatusDenied {
		return nil
	}
	d, err := w.svc.Deliver(ctx, w.clerk, c.d.ID)
	return w.set(c, d, err)
}

// pauseReasons are the Art. 45 activity each department typically pauses for.
var pauseReasons = map[string]string{"ZJJ": "inspection", "ZRZY": "hearing", "STHJ": "expert_review", "SCJG": "testing", "WJW": "appraisal", "FGW": "expert_review", "MZJ": "inspection"}

var pauseNotices = map[string]string{"inspection": "现场检验", "hearing": "听证", "expert_review": "专家评审", "testing": "检测", "appraisal": "鉴定"}

func pause(days int) func(context.Context, *caseWorld, *demoCase) error {
	return func(ctx context.Context, w *caseWorld, c *demoCase) error {
		if (c.d.Status != casework.StatusInProgress && c.d.Status != casework.StatusPendingDecision) || c.d.Paused {
			return nil
		}
		reason := pauseReasons[c.item.dept]
		if reason == "" {
			reason = "expert_review"
		}
		notice := fmt.Sprintf("《暂停计时告知书》（%s〔%d〕%d号）：因依法需要%s，所需时间不计入办理时限，预计 %d 个工作日。",
			strings.TrimSuffix(w.t.Name, "市"), calendar.DateOf(w.clock.Now()).Year, 10+c.n, pauseNotices[reason], days)
		d, err := w.svc.Pause(ctx, w.staff[staffKey{c.item.dept, authz.CaseHandler}], c.d.ID, casework.PauseInput{ReasonType: reason, Notice: notice, ExpectedWorkingDays: days})
		return w.set(c, d, err)
	}
}

func resume(ctx context.Context, w *caseWorld, c *demoCase) error {
	if !c.d.Paused {
		return nil
	}
	d, err := w.svc.Resume(ctx, w.staff[staffKey{c.item.dept, authz.CaseHandler}], c.d.ID)
	return w.set(c, d, err)
}

func extend(ctx context.Context, w *caseWorld, c *demoCase) error {
	if c.d.Status != casework.StatusInProgress && c.d.Status != casework.StatusPendingDecision {
		return nil
	}
	d, err := w.svc.Extend(ctx, w.head(c), c.d.ID, "需组织现场勘验并征求相关部门意见，经本机关负责人批准延长办理期限")
	return w.set(c, d, err)
}

// returnStep sends the first active task back to the nearest completed task before
// it, with a reason.
func returnStep(ctx context.Context, w *caseWorld, c *demoCase) error {
	act := activeTasks(c.d)
	if c.d.Status != casework.StatusInProgress || c.d.Paused || len(act) == 0 {
		return nil
	}
	from := act[0]
	fc := c.item.ver.Flowchart
	status := map[string]string{}
	for _, st := range c.d.Steps {
		status[st.Node] = st.Status
	}
	to := ""
	queue := fc.Predecessors(from.Node)
	for seen := map[string]bool{}; len(queue) > 0 && to == ""; queue = queue[1:] {
		n := queue[0]
		if seen[n] {
			continue
		}
		seen[n] = true
		st, _ := fc.Step(n)
		if st.Kind == catalogue.KindTask && status[n] == casework.StepDone {
			to = n
			continue
		}
		queue = append(queue, fc.Predecessors(n)...)
	}
	if to == "" {
		return nil
	}
	d, err := w.svc.ReturnStep(ctx, w.worker(from), c.d.ID, from.ID.String(), to, "材料与现场情况不符，请补充核查后重新提出意见")
	return w.set(c, d, err)
}
