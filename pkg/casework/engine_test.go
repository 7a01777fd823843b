package casework

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/calendar"
	"sunshine/pkg/catalogue"
)

func parallel() catalogue.Flowchart {
	task := func(id string, limit int, counts bool) catalogue.Step {
		return catalogue.Step{ID: id, Name: id, Kind: catalogue.KindTask, Role: "case_handler", DepartmentCode: "D", TimeLimit: limit, Counts: counts}
	}
	return catalogue.Flowchart{
		Steps: []catalogue.Step{{ID: "start", Kind: catalogue.KindStart}, task("a", 2, true), {ID: "split", Kind: catalogue.KindSplit},
			task("b", 3, true), task("c", 5, false), {ID: "join", Kind: catalogue.KindJoin}, task("d", 1, true), {ID: "end", Kind: catalogue.KindEnd}},
		Edges: []catalogue.Edge{{From: "start", To: "a"}, {From: "a", To: "split"}, {From: "split", To: "b"}, {From: "split", To: "c"},
			{From: "b", To: "join"}, {From: "c", To: "join"}, {From: "join", To: "d"}, {From: "d", To: "end"}},
	}
}

func newTestEngine() *engine {
	fc := parallel()
	return newEngine(fc, instantiate(fc, uuid.New(), uuid.New(), map[string]uuid.UUID{"D": uuid.New()}))
}

func status(e *engine) map[string]string {
	m := map[string]string{}
	for n, s := range e.steps {
		m[n] = s.Status
	}
	return m
}

func TestEngineRunsParallelBranchesAndJoins(t *testing.T) {
	e := newTestEngine()
	now := time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC)
	e.start(now)
	if st := status(e); st["a"] != StepActive || st["b"] != StepPending {
		t.Fatalf("after start: %v", st)
	}
	by := uuid.New()
	if err := e.complete(e.steps["a"], now, by, "x", "ok"); err != nil {
		t.Fatal(err)
	}
	if st := status(e); st["b"] != StepActive || st["c"] != StepActive || st["split"] != StepDone || st["join"] != StepPending {
		t.Fatalf("after a: %v", st)
	}
	if e.onlyUncounted() {
		t.Fatal("b counts; the clock runs")
	}
	_ = e.complete(e.steps["b"], now, by, "x", "ok")
	if !e.onlyUncounted() {
		t.Fatal("only the uncounted c is active: the clock stops")
	}
	if st := status(e); st["join"] != StepPending || st["d"] != StepPending {
		t.Fatalf("the join must wait for c: %v", st)
	}
	_ = e.complete(e.steps["c"], now, by, "x", "ok")
	if st := status(e); st["join"] != StepDone || st["d"] != StepActive {
		t.Fatalf("after c: %v", st)
	}
	if err := e.complete(e.steps["c"], now, by, "x", "again"); err == nil {
		t.Fatal("completing a done step must fail")
	}
	_ = e.complete(e.steps["d"], now, by, "x", "ok")
	if !e.finished() {
		t.Fatal("end not reached")
	}
}

func TestEngineReturnBehindTheSplitStopsEveryBranch(t *testing.T) {
	e := newTestEngine()
	now := time.Now()
	by := uuid.New()
	e.start(now)
	_ = e.complete(e.steps["a"], now, by, "x", "ok")
	_ = e.complete(e.steps["c"], now, by, "x", "ok")
	// b is active and c is done; return b to a. The case is back at a, so neither
	// branch may stay active or done: both wait for a to pass again.
	if err := e.returnTo(e.steps["b"], e.steps["a"], now); err != nil {
		t.Fatal(err)
	}
	st := status(e)
	if st["a"] != StepActive || st["b"] != StepPending || st["split"] != StepPending || st["c"] != StepPending {
		t.Fatalf("after return: %v", st)
	}
	if act := e.active(); len(act) != 1 || act[0].Node != "a" {
		t.Fatalf("only a may be active after the return: %v", act)
	}
	if e.steps["a"].Rounds != 2 {
		t.Fatalf("a is on its second round: %d", e.steps["a"].Rounds)
	}
	// Returning to a step that is not before it, or not done, is refused.
	if err := e.returnTo(e.steps["a"], e.steps["d"], now); err == nil {
		t.Fatal("return forward must fail")
	}
	// Redo a: both branches run again (c included: the parallel approval restarts).
	_ = e.complete(e.steps["a"], now, by, "x", "ok")
	if st := status(e); st["b"] != StepActive || st["c"] != StepActive {
		t.Fatalf("after redoing a: %v", st)
	}
}

// TestDeriveArithmetic is the table of clock arithmetic: acceptance, pauses (the
// days they cover move every due date), the extension, the uncounted stretch, and the
// 5-day acceptance rule, across the 2026 National Day holiday.
func TestDeriveArithmetic(t *testing.T) {
	cal, err := calendar.National()
	if err != nil {
		t.Fatal(err)
	}
	sh := calendar.Location()
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, sh) }
	accepted := at(2026, 9, 28, 10) // Monday before 国庆
	cases := []struct {
		name     string
		limit    int
		ext      int
		pauses   [][2]time.Time
		wantDue  string
		wantStop int
	}{
		// 09-29 (1), 09-30 (2), 10-01…07 holiday, 10-08 (3), 10-09 (4), 10-10 Sat make-up (5), 10-12 (6), 10-13 (7).
		{"plain across 国庆", 7, 0, nil, "2026-10-13", 0},
		{"zero limit ends the same day", 0, 0, nil, "2026-09-28", 0},
		{"extension +10", 7, 10, nil, "2026-10-27", 0},
		// A pause from Tue 09-29 to Thu 10-08 covers 09-30 and 10-08: two working days.
		{"pause over the holiday", 7, 0, [][2]time.Time{{at(2026, 9, 29, 9), at(2026, 10, 8, 16)}}, "2026-10-15", 2},
		// Paused and resumed on the same day: nothing moves.
		{"same-day pause", 7, 0, [][2]time.Time{{at(2026, 9, 29, 9), at(2026, 9, 29, 16)}}, "2026-10-13", 0},
		// Two pauses and the extension add up.
		{"two pauses and extension", 7, 10, [][2]time.Time{{at(2026, 9, 28, 11), at(2026, 9, 29, 11)}, {at(2026, 10, 12, 9), at(2026, 10, 14, 9)}}, "2026-10-30", 3},
	}
	for _, tc := range cases {
		c := &Case{Status: StatusInProgress, ReceivedAt: accepted, AcceptedAt: &accepted, LimitDays: tc.limit, ExtensionDays: tc.ext}
		var ps []*Pause
		for _, p := range tc.pauses {
			end := p[1]
			ps = append(ps, &Pause{Kind: PauseArt45, StartedAt: p[0], EndedAt: &end})
		}
		derive(cal, c, nil, ps)
		if c.DueDate.String() != tc.wantDue || c.StoppedDays != tc.wantStop {
			t.Errorf("%s: due %s stopped %d, want %s %d", tc.name, c.DueDate, c.StoppedDays, tc.wantDue, tc.wantStop)
		}
		if !c.DueAt.Equal(c.DueDate.End()) {
			t.Errorf("%s: due instant %s is not the end of %s", tc.name, c.DueAt, c.DueDate)
		}
	}
	// The acceptance deadline: 5 working days after receipt (Friday 09-25 is a holiday
	// in 2026: 中秋 09-25…27).
	recv := at(2026, 9, 24, 15)
	c := &Case{Status: StatusSubmitted, ReceivedAt: recv}
	derive(cal, c, nil, nil)
	// 09-28 (1), 09-29 (2), 09-30 (3), 10-08 (4), 10-09 (5).
	if got := calendar.DateOf(c.AcceptanceDueAt.Add(-time.Second)).String(); got != "2026-10-09" {
		t.Fatalf("acceptance deadline %s, want 2026-10-09", got)
	}
	// Correction: the resubmission restarts the acceptance deadline from its own day
	// (Friday 10-09 → 10-10 make-up Saturday, 10-12 … 10-15: five working days).
	resub := at(2026, 10, 9, 16)
	c = &Case{Status: StatusSubmitted, ReceivedAt: resub}
	derive(cal, c, nil, nil)
	if got := calendar.DateOf(c.AcceptanceDueAt.Add(-time.Second)).String(); got != "2026-10-15" {
		t.Fatalf("acceptance deadline after a correction %s, want 2026-10-15", got)
	}
	// Delivery: 10 working days after the decision.
	dec := at(2026, 10, 9, 10)
	c = &Case{Status: StatusApproved, ReceivedAt: recv, DecidedAt: &dec}
	derive(cal, c, nil, nil)
	// 10-10 (1, make-up Saturday), 10-12…16 (2…6), 10-19…22 (7…10).
	if got := calendar.DateOf(c.DeliveryDueAt.Add(-time.Second)).String(); got != "2026-10-22" {
		t.Fatalf("delivery deadline %s, want 2026-10-22", got)
	}
}

func TestStepDueMovesOnlyWithPausesWhileActive(t *testing.T) {
	cal, _ := calendar.National()
	sh := calendar.Location()
	act := time.Date(2026, 11, 2, 10, 0, 0, 0, sh) // Monday
	done := time.Date(2026, 11, 9, 10, 0, 0, 0, sh)
	s1 := &Step{Kind: "task", TimeLimit: 3, ActivatedAt: &act}
	s2 := &Step{Kind: "task", TimeLimit: 3, ActivatedAt: &act, CompletedAt: &done}
	pStart, pEnd := time.Date(2026, 11, 10, 9, 0, 0, 0, sh), time.Date(2026, 11, 12, 9, 0, 0, 0, sh)
	c := &Case{Status: StatusInProgress, ReceivedAt: act, AcceptedAt: &act, LimitDays: 10}
	derive(cal, c, []*Step{s1, s2}, []*Pause{{Kind: PauseArt45, StartedAt: pStart, EndedAt: &pEnd}})
	if s1.StoppedDays != 2 || s1.DueDate.String() != "2026-11-09" {
		t.Fatalf("active step: stopped %d due %s", s1.StoppedDays, s1.DueDate)
	}
	if s2.StoppedDays != 0 || s2.DueDate.String() != "2026-11-05" {
		t.Fatalf("a step finished before the pause keeps its due: stopped %d due %s", s2.StoppedDays, s2.DueDate)
	}
}

// TestEngineReturnWithinABranchLeavesTheOthers returns inside one branch of a
// parallel approval: the other branch is not downstream of the target and keeps going.
func TestEngineReturnWithinABranchLeavesTheOthers(t *testing.T) {
	task := func(id string) catalogue.Step {
		return catalogue.Step{ID: id, Name: id, Kind: catalogue.KindTask, Role: "case_handler", DepartmentCode: "D", TimeLimit: 2, Counts: true}
	}
	fc := catalogue.Flowchart{
		Steps: []catalogue.Step{{ID: "start", Kind: catalogue.KindStart}, {ID: "split", Kind: catalogue.KindSplit},
			task("b1"), task("b2"), task("c"), {ID: "join", Kind: catalogue.KindJoin}, {ID: "end", Kind: catalogue.KindEnd}},
		Edges: []catalogue.Edge{{From: "start", To: "split"}, {From: "split", To: "b1"}, {From: "b1", To: "b2"}, {From: "split", To: "c"},
			{From: "b2", To: "join"}, {From: "c", To: "join"}, {From: "join", To: "end"}},
	}
	e := newEngine(fc, instantiate(fc, uuid.New(), uuid.New(), map[string]uuid.UUID{"D": uuid.New()}))
	now := time.Now()
	by := uuid.New()
	e.start(now)
	_ = e.complete(e.steps["b1"], now, by, "x", "ok")
	if err := e.returnTo(e.steps["b2"], e.steps["b1"], now); err != nil {
		t.Fatal(err)
	}
	if st := status(e); st["b1"] != StepActive || st["b2"] != StepPending || st["c"] != StepActive || st["split"] != StepDone {
		t.Fatalf("after a return within branch b: %v", st)
	}
	if e.steps["c"].Rounds != 1 {
		t.Fatalf("c must not restart: round %d", e.steps["c"].Rounds)
	}
}
