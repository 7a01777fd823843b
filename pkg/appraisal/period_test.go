package appraisal

import (
	"testing"
	"time"

	"sunshine/pkg/calendar"
)

func national(t *testing.T) *calendar.Calendar {
	t.Helper()
	c, err := calendar.National()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct{ in, kind, start, end string }{
		{"2026-11", PeriodMonth, "2026-11-01", "2026-12-01"},
		{"2026-12", PeriodMonth, "2026-12-01", "2027-01-01"},
		{"2026-Q4", PeriodQuarter, "2026-10-01", "2027-01-01"},
		{"2026-Q1", PeriodQuarter, "2026-01-01", "2026-04-01"},
		{"2026", PeriodYear, "2026-01-01", "2027-01-01"},
	} {
		p, err := ParsePeriod(tc.in)
		if err != nil || p.Kind != tc.kind || p.Start.String() != tc.start || p.End.String() != tc.end {
			t.Errorf("%s: %+v %v", tc.in, p, err)
		}
	}
	for _, bad := range []string{"", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-11", "2026-1", "2026/11", "1999", "2201", "2026-11 ", "２０２６", "2026-q4"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if p := PeriodOf(PeriodQuarter, calendar.NewDate(2026, 12, 5)); p.Label != "2026-Q4" || p.Previous().Label != "2026-Q3" || p.Next().Label != "2027-Q1" {
		t.Errorf("quarter arithmetic: %+v", p)
	}
	if p := PeriodOf(PeriodMonth, calendar.NewDate(2026, 1, 31)); p.Previous().Label != "2025-12" {
		t.Errorf("month arithmetic: %+v", p.Previous())
	}
}

// TestPeriodCloses is the clock test: a period closes at the end of its last working
// day plus the grace working days, in the tenant calendar (holidays and make-up days).
func TestPeriodCloses(t *testing.T) {
	cal := national(t)
	sh := calendar.Location()
	for _, tc := range []struct {
		period  string
		grace   int
		lastDay string
		closes  string
	}{
		// September 2026 ends on a Wednesday; 10-01..10-07 is the National Day holiday,
		// so two grace days are Thursday 10-08 and Friday 10-09.
		{"2026-09", 2, "2026-09-30", "2026-10-10 00:00"},
		// February 2026's last day, Saturday the 28th, is a make-up working day.
		{"2026-02", 1, "2026-02-28", "2026-03-03 00:00"},
		{"2026-02", 0, "2026-02-28", "2026-03-01 00:00"},
		// October 2026 ends on a Saturday (not worked): the 30th is the last working day.
		{"2026-10", 2, "2026-10-30", "2026-11-04 00:00"},
		// The third quarter's last working day is Wednesday 09-30; one grace day is 10-08.
		{"2026-Q3", 1, "2026-09-30", "2026-10-09 00:00"},
		// 2025 ends on a Wednesday; New Year 2026 is 01-01..01-03 and Sunday 01-04 is a
		// make-up working day: three grace days are 01-04, 01-05, 01-06.
		{"2025", 3, "2025-12-31", "2026-01-07 00:00"},
	} {
		p, err := ParsePeriod(tc.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.LastWorkingDay(cal).String(); got != tc.lastDay {
			t.Errorf("%s: last working day %s, want %s", tc.period, got, tc.lastDay)
		}
		want, _ := time.ParseInLocation("2006-01-02 15:04", tc.closes, sh)
		if got := p.ClosesAt(cal, tc.grace); !got.Equal(want) {
			t.Errorf("%s + %d: closes %s, want %s", tc.period, tc.grace, got.In(sh), want)
		}
		// One instant before, the period is still open.
		if got := p.ClosesAt(cal, tc.grace); !got.Add(-time.Nanosecond).Before(want) {
			t.Errorf("%s: not open just before", tc.period)
		}
	}
	// A local holiday moves the close.
	local, err := cal.WithLocal([]calendar.LocalDay{{Date: calendar.NewDate(2026, 11, 2), Kind: calendar.LocalHoliday, Name: "县庆"}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ParsePeriod("2026-10")
	if got := p.CloseDay(local, 2).String(); got != "2026-11-04" {
		t.Errorf("with a local holiday on 11-02: close day %s, want 2026-11-04", got)
	}
}

func TestPoints(t *testing.T) {
	for in, want := range map[string]string{"14": "14", "2.5": "2.5", "-0.25": "-0.25", "0.10": "0.1", "100.00": "100", "0": "0"} {
		p, err := ParsePoints(in)
		if err != nil || p.String() != want {
			t.Errorf("%s: %s %v", in, p, err)
		}
	}
	for _, bad := range []string{"1.234", "1e3", "\"1\"", "", "-", ".5", "5.", "1000001", "0x10", "NaN"} {
		if _, err := ParsePoints(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if Points(-5).Fixed2() != "-0.05" || Points(8725).Fixed2() != "87.25" {
		t.Errorf("Fixed2: %s %s", Points(-5).Fixed2(), Points(8725).Fixed2())
	}
	for _, tc := range []struct{ a, b, c, want int64 }{{500, 2, 6, 167}, {500, 1, 6, 83}, {-500, 1, 6, -83}, {2000, 6, 7, 1714}, {1, 1, 2, 1}} {
		if got := mulDivRound(tc.a, tc.b, tc.c); got != tc.want {
			t.Errorf("%d×%d/%d = %d, want %d", tc.a, tc.b, tc.c, got, tc.want)
		}
	}
}

func TestRules(t *testing.T) {
	pp := func(v Points) *Points { return &v }
	steps := Rule{Type: RuleSteps, ThresholdPercent: pp(1000), StepPercent: pp(1000), PointsPerStep: pp(100), MaxPoints: pp(500)}
	for _, tc := range []struct {
		num, den int64
		want     Points
	}{{0, 10, 0}, {9, 100, 0}, {10, 100, 100}, {19, 100, 100}, {20, 100, 200}, {45, 100, 400}, {90, 100, 500}, {1, 0, 0}} {
		if got := steps.Points(tc.num, tc.den, 0); got != tc.want {
			t.Errorf("steps %d/%d = %s, want %s", tc.num, tc.den, got, tc.want)
		}
	}
	per := Rule{Type: RulePerCount, BasePoints: pp(1000), PerItem: pp(-300), MinPoints: pp(0)}
	if per.Points(0, 0, 2) != 400 || per.Points(0, 0, 5) != 0 || per.Points(0, 0, 0) != 1000 {
		t.Errorf("per_count: %s %s", per.Points(0, 0, 2), per.Points(0, 0, 5))
	}
	r := Rule{Type: RuleRatio, MaxPoints: pp(1000), EmptyPoints: pp(0)}
	if r.Points(0, 0, 0) != 0 || r.Points(1, 3, 0) != 333 || r.Points(2, 3, 0) != 667 {
		t.Errorf("ratio: %s %s", r.Points(1, 3, 0), r.Points(2, 3, 0))
	}
}

// TestRegistryRefusesBadDefinitions: a definition is checked when registered.
func TestRegistryRefusesBadDefinitions(t *testing.T) {
	reg := DefaultRegistry()
	if len(reg.All()) != 15 {
		t.Fatalf("built-ins: %d", len(reg.All()))
	}
	for name, d := range map[string]Definition{
		"bad code":    {Code: "Case", Name: Label{"a", "b"}, Source: "x", Measure: MeasureRate, Compute: "x", Items: "y"},
		"duplicate":   {Code: "case.on_time", Name: Label{"a", "b"}, Source: "x", Measure: MeasureRate, Compute: "x", Items: "y"},
		"measure":     {Code: "x.y", Name: Label{"a", "b"}, Source: "x", Measure: "sum", Compute: "x", Items: "y"},
		"unused para": {Code: "x.z", Name: Label{"a", "b"}, Source: "x", Measure: MeasureCount, Compute: "x", Items: "y", Params: []ParamSpec{{Name: "p"}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered", name)
				}
			}()
			reg.Register(d)
		}()
	}
}

// TestValidate covers the scheme body's rules.
func TestValidate(t *testing.T) {
	reg := DefaultRegistry()
	pp := func(v Points) *Points { return &v }
	base := func() *Body {
		b := &Body{Subjects: Subjects{Counties: true}, TotalPoints: 10000, WeightsMustSum: true, ObjectionWorkingDays: 3, GraceWorkingDays: 2,
			Categories: []Category{{Code: "a", Name: "A", Kind: CategoryScore, Weight: 6000}, {Code: "b", Name: "B", Kind: CategoryScore, Weight: 4000}},
			Indicators: []Indicator{
				{Code: "x", Category: "a", Definition: "case.on_time", Rule: Rule{Type: RuleRatio, MaxPoints: pp(6000)}},
				{Code: "y", Category: "b", Definition: "card.red", Rule: Rule{Type: RulePerCount, BasePoints: pp(4000), PerItem: pp(-1000), MinPoints: pp(0)}},
			}}
		b.Normalise()
		return b
	}
	if err := base().Validate(reg); err != nil {
		t.Fatalf("valid body refused: %v", err)
	}
	for name, tc := range map[string]struct {
		mut  func(*Body)
		code string
	}{
		"unknown indicator": {func(b *Body) { b.Indicators[0].Definition = "ratings.stars" }, "appraisal.unknown_indicator"},
		"weights":           {func(b *Body) { b.Categories[1].Weight = 3000 }, "appraisal.weights_mismatch"},
		"indicator weights": {func(b *Body) { b.Indicators[0].Rule.MaxPoints = pp(5000) }, "appraisal.weights_mismatch"},
		"rule kind":         {func(b *Body) { b.Indicators[1].Rule = Rule{Type: RuleRatio, MaxPoints: pp(4000)} }, "validation_failed"},
		"param":             {func(b *Body) { b.Indicators[1].Params = map[string][]string{"exclude_rules": {"nope"}} }, "validation_failed"},
		"category":          {func(b *Body) { b.Indicators[0].Category = "zz" }, "validation_failed"},
		"no subjects":       {func(b *Body) { b.Subjects = Subjects{} }, "validation_failed"},
		"dup code":          {func(b *Body) { b.Indicators[1].Code = "x" }, "validation_failed"},
	} {
		b := base()
		tc.mut(b)
		err := b.Validate(reg)
		if err == nil || !containsCode(err, tc.code) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Without weights_must_sum the sums are free.
	b := base()
	b.WeightsMustSum = false
	b.Categories[1].Weight = 100
	if err := b.Validate(reg); err != nil {
		t.Errorf("free weights refused: %v", err)
	}
}

func containsCode(err error, code string) bool {
	return err != nil && len(err.Error()) >= len(code) && err.Error()[:len(code)] == code
}
