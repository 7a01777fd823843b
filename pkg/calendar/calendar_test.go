package calendar_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/pkg/calendar"
)

// cst is an independent UTC+8 zone, so that expectations do not reuse the code under test.
var cst = time.FixedZone("CST", 8*60*60)

func date(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func instant(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// add is AddWorkingDays for periods that must be countable.
func add(t testing.TB, c *calendar.Calendar, from time.Time, n int) calendar.Deadline {
	t.Helper()
	d, err := c.AddWorkingDays(from, n)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func national(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.National()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// endOf is the expected Due of a deadline on day s: 00:00 of the next day in UTC+8.
func endOf(t testing.TB, s string) time.Time {
	d := date(t, s)
	return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, cst).UTC()
}

// special is every day of domain-facts §6 written out one by one (not derived from the YAML), with
// the weekday in the comment so that a reviewer can check the table against the notices.
var special = []struct {
	date string
	kind calendar.DayKind
	name string
}{
	// 2025 (国办发明电〔2024〕12号)
	{"2025-01-01", calendar.KindHoliday, "元旦"},            // Wed
	{"2025-01-26", calendar.KindMakeupWorkday, "春节调休上班"},  // Sun
	{"2025-01-28", calendar.KindHoliday, "春节"},            // Tue
	{"2025-01-29", calendar.KindHoliday, "春节"},            // Wed
	{"2025-01-30", calendar.KindHoliday, "春节"},            // Thu
	{"2025-01-31", calendar.KindHoliday, "春节"},            // Fri
	{"2025-02-01", calendar.KindHoliday, "春节"},            // Sat
	{"2025-02-02", calendar.KindHoliday, "春节"},            // Sun
	{"2025-02-03", calendar.KindHoliday, "春节"},            // Mon
	{"2025-02-04", calendar.KindHoliday, "春节"},            // Tue
	{"2025-02-08", calendar.KindMakeupWorkday, "春节调休上班"},  // Sat
	{"2025-04-04", calendar.KindHoliday, "清明节"},           // Fri
	{"2025-04-05", calendar.KindHoliday, "清明节"},           // Sat
	{"2025-04-06", calendar.KindHoliday, "清明节"},           // Sun
	{"2025-04-27", calendar.KindMakeupWorkday, "劳动节调休上班"}, // Sun
	{"2025-05-01", calendar.KindHoliday, "劳动节"},           // Thu
	{"2025-05-02", calendar.KindHoliday, "劳动节"},           // Fri
	{"2025-05-03", calendar.KindHoliday, "劳动节"},           // Sat
	{"2025-05-04", calendar.KindHoliday, "劳动节"},           // Sun
	{"2025-05-05", calendar.KindHoliday, "劳动节"},           // Mon
	{"2025-05-31", calendar.KindHoliday, "端午节"},           // Sat
	{"2025-06-01", calendar.KindHoliday, "端午节"},           // Sun
	{"2025-06-02", calendar.KindHoliday, "端午节"},           // Mon
	{"2025-09-28", calendar.KindMakeupWorkday, "国庆节调休上班"}, // Sun
	{"2025-10-01", calendar.KindHoliday, "国庆节、中秋节"},       // Wed
	{"2025-10-02", calendar.KindHoliday, "国庆节、中秋节"},       // Thu
	{"2025-10-03", calendar.KindHoliday, "国庆节、中秋节"},       // Fri
	{"2025-10-04", calendar.KindHoliday, "国庆节、中秋节"},       // Sat
	{"2025-10-05", calendar.KindHoliday, "国庆节、中秋节"},       // Sun
	{"2025-10-06", calendar.KindHoliday, "国庆节、中秋节"},       // Mon
	{"2025-10-07", calendar.KindHoliday, "国庆节、中秋节"},       // Tue
	{"2025-10-08", calendar.KindHoliday, "国庆节、中秋节"},       // Wed
	{"2025-10-11", calendar.KindMakeupWorkday, "国庆节调休上班"}, // Sat

	// 2026 (notice of 2025-11-04)
	{"2026-01-01", calendar.KindHoliday, "元旦"},            // Thu
	{"2026-01-02", calendar.KindHoliday, "元旦"},            // Fri
	{"2026-01-03", calendar.KindHoliday, "元旦"},            // Sat
	{"2026-01-04", calendar.KindMakeupWorkday, "元旦调休上班"},  // Sun
	{"2026-02-14", calendar.KindMakeupWorkday, "春节调休上班"},  // Sat
	{"2026-02-15", calendar.KindHoliday, "春节"},            // Sun
	{"2026-02-16", calendar.KindHoliday, "春节"},            // Mon
	{"2026-02-17", calendar.KindHoliday, "春节"},            // Tue
	{"2026-02-18", calendar.KindHoliday, "春节"},            // Wed
	{"2026-02-19", calendar.KindHoliday, "春节"},            // Thu
	{"2026-02-20", calendar.KindHoliday, "春节"},            // Fri
	{"2026-02-21", calendar.KindHoliday, "春节"},            // Sat
	{"2026-02-22", calendar.KindHoliday, "春节"},            // Sun
	{"2026-02-23", calendar.KindHoliday, "春节"},            // Mon
	{"2026-02-28", calendar.KindMakeupWorkday, "春节调休上班"},  // Sat
	{"2026-04-04", calendar.KindHoliday, "清明节"},           // Sat
	{"2026-04-05", calendar.KindHoliday, "清明节"},           // Sun
	{"2026-04-06", calendar.KindHoliday, "清明节"},           // Mon
	{"2026-05-01", calendar.KindHoliday, "劳动节"},           // Fri
	{"2026-05-02", calendar.KindHoliday, "劳动节"},           // Sat
	{"2026-05-03", calendar.KindHoliday, "劳动节"},           // Sun
	{"2026-05-04", calendar.KindHoliday, "劳动节"},           // Mon
	{"2026-05-05", calendar.KindHoliday, "劳动节"},           // Tue
	{"2026-05-09", calendar.KindMakeupWorkday, "劳动节调休上班"}, // Sat
	{"2026-06-19", calendar.KindHoliday, "端午节"},           // Fri
	{"2026-06-20", calendar.KindHoliday, "端午节"},           // Sat
	{"2026-06-21", calendar.KindHoliday, "端午节"},           // Sun
	{"2026-09-20", calendar.KindMakeupWorkday, "国庆节调休上班"}, // Sun
	{"2026-09-25", calendar.KindHoliday, "中秋节"},           // Fri
	{"2026-09-26", calendar.KindHoliday, "中秋节"},           // Sat
	{"2026-09-27", calendar.KindHoliday, "中秋节"},           // Sun
	{"2026-10-01", calendar.KindHoliday, "国庆节"},           // Thu
	{"2026-10-02", calendar.KindHoliday, "国庆节"},           // Fri
	{"2026-10-03", calendar.KindHoliday, "国庆节"},           // Sat
	{"2026-10-04", calendar.KindHoliday, "国庆节"},           // Sun
	{"2026-10-05", calendar.KindHoliday, "国庆节"},           // Mon
	{"2026-10-06", calendar.KindHoliday, "国庆节"},           // Tue
	{"2026-10-07", calendar.KindHoliday, "国庆节"},           // Wed
	{"2026-10-10", calendar.KindMakeupWorkday, "国庆节调休上班"}, // Sat
}

func TestNationalSpecialDays(t *testing.T) {
	t.Parallel()
	c := national(t)
	for _, tt := range special {
		t.Run(tt.date, func(t *testing.T) {
			t.Parallel()
			d := date(t, tt.date)
			kind, name := c.Kind(d)
			if kind != tt.kind || name != tt.name {
				t.Errorf("Kind(%s) = %q %q, want %q %q", d, kind, name, tt.kind, tt.name)
			}
			wd := d.Weekday()
			weekend := wd == time.Saturday || wd == time.Sunday
			switch tt.kind {
			case calendar.KindMakeupWorkday:
				if !weekend {
					t.Errorf("make-up workday %s is a %s; the table is wrong", d, wd)
				}
				if !c.IsWorkingDay(d) {
					t.Errorf("make-up %s %s must be a working day", wd, d)
				}
			case calendar.KindHoliday:
				if c.IsWorkingDay(d) {
					t.Errorf("holiday %s (%s) must not be a working day", d, wd)
				}
			}
		})
	}
}

// TestNationalNothingElse proves the data holds no day beyond the table: every other day of 2025
// and 2026 follows the plain weekend rule.
func TestNationalNothingElse(t *testing.T) {
	t.Parallel()
	c := national(t)
	listed := map[calendar.Date]bool{}
	for _, tt := range special {
		listed[date(t, tt.date)] = true
	}
	holidays, makeups := map[int]int{}, map[int]int{}
	for d := date(t, "2025-01-01"); d.Year < 2027; d = d.AddDays(1) {
		kind, _ := c.Kind(d)
		switch kind {
		case calendar.KindHoliday:
			holidays[d.Year]++
		case calendar.KindMakeupWorkday:
			makeups[d.Year]++
		}
		if listed[d] {
			continue
		}
		wd := d.Weekday()
		want := calendar.KindWorkday
		if wd == time.Saturday || wd == time.Sunday {
			want = calendar.KindWeekend
		}
		if kind != want {
			t.Errorf("%s (%s): kind %q, want %q", d, wd, kind, want)
		}
		if c.IsWorkingDay(d) != (want == calendar.KindWorkday) {
			t.Errorf("%s (%s): IsWorkingDay = %v", d, wd, c.IsWorkingDay(d))
		}
	}
	// 2025: 1+8+3+5+3+8 holidays, 5 make-up days; 2026: 3+9+3+5+3+3+7 holidays, 6 make-up days.
	if holidays[2025] != 28 || makeups[2025] != 5 || holidays[2026] != 33 || makeups[2026] != 6 {
		t.Errorf("holidays %v, make-up days %v", holidays, makeups)
	}
	if !c.Covers(2025) || !c.Covers(2026) || c.Covers(2024) || c.Covers(2027) {
		t.Errorf("Covers: years %v", c.Years())
	}
}

func TestNationalIsSharedAndConcurrent(t *testing.T) {
	t.Parallel()
	first := national(t)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			c, err := calendar.National()
			if err != nil || c != first {
				t.Errorf("National() = %p, %v; want the cached %p", c, err, first)
				return
			}
			if _, err := c.AddWorkingDays(instant(t, "2026-09-30T02:00:00Z"), 20); err != nil {
				t.Error(err)
			}
			if _, err := c.WithLocal([]calendar.LocalDay{{Date: date(t, "2026-10-08"), Kind: calendar.LocalHoliday}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if !first.IsWorkingDay(date(t, "2026-10-08")) {
		t.Error("WithLocal mutated the shared national calendar")
	}
}

// TestAddWorkingDays: every expected date was counted by hand from the table above. Working day 1
// is the first working day after the Shanghai date of `from`; weekends are skipped unless they are
// make-up days; holidays are skipped even on weekdays.
func TestAddWorkingDays(t *testing.T) {
	t.Parallel()
	c := national(t)
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		// 国庆 2026: 09-30 Wed. 10-01…10-07 holiday; 10-08 Thu=1, 10-09 Fri=2, 10-10 Sat make-up=3,
		// 10-11 Sun skip, 10-12…16=4…8, 10-19…23=9…13, 10-26…30=14…18, 10-31/11-01 weekend,
		// 11-02 Mon=19, 11-03 Tue=20.
		{"national day 2026 +20", "2026-09-30T10:00:00+08:00", 20, "2026-11-03"},
		// 春节 2026: 02-13 Fri. 02-14 Sat make-up=1, 02-15…02-23 holiday, 02-24…02-27 = 2…5.
		{"spring festival 2026 +5", "2026-02-13T10:00:00+08:00", 5, "2026-02-27"},
		// then 02-28 Sat is a make-up day = 6; 03-01 Sun skip; 03-02 Mon = 7.
		{"spring festival 2026 +6 ends on make-up Saturday", "2026-02-13T10:00:00+08:00", 6, "2026-02-28"},
		{"spring festival 2026 +7", "2026-02-13T10:00:00+08:00", 7, "2026-03-02"},
		// 国庆 2025: 09-26 Fri. 09-27 Sat skip, 09-28 Sun make-up=1, 09-29 Mon=2, 09-30 Tue=3.
		{"national day 2025 +3", "2025-09-26T10:00:00+08:00", 3, "2025-09-30"},
		// 10-01…10-08 holiday, 10-09 Thu=4, 10-10 Fri=5, 10-11 Sat make-up=6, 10-12 Sun skip, 10-13 Mon=7.
		{"national day 2025 +5", "2025-09-26T10:00:00+08:00", 5, "2025-10-10"},
		{"national day 2025 +6 ends on make-up Saturday", "2025-09-26T10:00:00+08:00", 6, "2025-10-11"},
		{"national day 2025 +7", "2025-09-26T10:00:00+08:00", 7, "2025-10-13"},
		// 春节 2025: 01-24 Fri. 01-25 Sat skip, 01-26 Sun make-up=1, 01-27 Mon=2, 01-28…02-04
		// holiday, 02-05…02-07 = 3…5, 02-08 Sat make-up=6, 02-09 Sun skip, 02-10 Mon=7.
		{"spring festival 2025 +5", "2025-01-24T10:00:00+08:00", 5, "2025-02-07"},
		{"spring festival 2025 +7", "2025-01-24T10:00:00+08:00", 7, "2025-02-10"},
		// 元旦 2026: 2025-12-31 Wed; 01-01…01-03 holiday; 01-04 Sun make-up = 1.
		{"new year 2026 across the year boundary", "2025-12-31T10:00:00+08:00", 1, "2026-01-04"},
		// 劳动节 2026: 04-30 Thu; 05-01…05-05 holiday; 05-06…05-08 = 1…3; 05-09 Sat make-up = 4.
		{"labour day 2026 +4", "2026-04-30T10:00:00+08:00", 4, "2026-05-09"},

		{"n = 0 is the end of the start date", "2026-09-30T10:00:00+08:00", 0, "2026-09-30"},
		{"n = 0 on a holiday", "2026-10-03T10:00:00+08:00", 0, "2026-10-03"},
		{"n = 1 from a Friday", "2026-03-06T16:00:00+08:00", 1, "2026-03-09"},
		{"accepted on a Saturday", "2026-03-07T10:00:00+08:00", 1, "2026-03-09"},
		{"accepted on a Sunday", "2026-03-08T10:00:00+08:00", 1, "2026-03-09"},
		{"accepted on a weekday", "2026-03-09T10:00:00+08:00", 1, "2026-03-10"},
		{"accepted on a holiday 2026", "2026-10-03T10:00:00+08:00", 1, "2026-10-08"},
		{"accepted on a holiday 2025", "2025-10-01T10:00:00+08:00", 1, "2025-10-09"},
		// 10-10 Sat make-up; 10-11 Sun skip; 10-12 Mon = 1.
		{"accepted on a make-up Saturday", "2026-10-10T10:00:00+08:00", 1, "2026-10-12"},
		// 02-14 Sat make-up; 02-15…02-23 holiday; 02-24 Tue = 1.
		{"accepted on a make-up Saturday before 春节", "2026-02-14T10:00:00+08:00", 1, "2026-02-24"},

		// Midnight: the Shanghai date decides, not the UTC date.
		{"17:30Z is already 10-01 in Shanghai", "2026-09-30T17:30:00Z", 0, "2026-10-01"},
		{"15:59:59Z is still 09-30 in Shanghai", "2026-09-30T15:59:59Z", 0, "2026-09-30"},
		{"16:00Z is 00:00 of 10-01 in Shanghai", "2026-09-30T16:00:00Z", 0, "2026-10-01"},
		{"Thursday 23:30 Shanghai counts from Friday", "2026-03-05T15:30:00Z", 1, "2026-03-06"},
		{"Friday 00:30 Shanghai counts from Monday", "2026-03-05T16:30:00Z", 1, "2026-03-09"},
		{"an instant in another zone", "2026-03-05T11:30:00-05:00", 1, "2026-03-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := add(t, c, instant(t, tt.from), tt.n)
			if got.Date != date(t, tt.want) {
				t.Errorf("Date = %s, want %s\n%s", got.Date, tt.want, got.Explanation.Text("zh-CN"))
			}
			if want := endOf(t, tt.want); !got.Due.Equal(want) || got.Due.Location() != time.UTC {
				t.Errorf("Due = %s, want %s in UTC", got.Due, want)
			}
			ex := got.Explanation
			if len(ex.Counted) != tt.n || ex.WorkingDays != tt.n || ex.Deadline() != got.Date {
				t.Errorf("explanation counted %d of %d, deadline %s", len(ex.Counted), ex.WorkingDays, ex.Deadline())
			}
			if ex.From != calendar.DateOf(instant(t, tt.from)) {
				t.Errorf("From = %s", ex.From)
			}
			if len(ex.Uncovered) != 0 {
				t.Errorf("Uncovered = %v, want none", ex.Uncovered)
			}
		})
	}
}

// TestAddWorkingDaysOutOfRange: periods and dates the calendar cannot count are
// errors (issue 12: a county's red-card threshold of 1e12 stalled the sweep, and one of
// 2^63 or more panicked), never a panic or a stall.
func TestAddWorkingDaysOutOfRange(t *testing.T) {
	t.Parallel()
	c := national(t)
	from := instant(t, "2026-03-06T10:00:00+08:00")
	huge := uint64(1) << 63
	for _, n := range []int{-1, math.MinInt, calendar.MaxWorkingDays + 1, 1e12, int(int64(huge - 1)), int(int64(huge))} {
		start := time.Now()
		if _, err := c.AddWorkingDays(from, n); !errors.Is(err, calendar.ErrOutOfRange) {
			t.Errorf("AddWorkingDays(%d): err = %v, want ErrOutOfRange", n, err)
		}
		if _, err := c.SubWorkingDays(calendar.DateOf(from), n); !errors.Is(err, calendar.ErrOutOfRange) {
			t.Errorf("SubWorkingDays(%d): err = %v, want ErrOutOfRange", n, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("n = %d took %v", n, d)
		}
	}
	// The largest period is counted, quickly.
	start := time.Now()
	if d, err := c.AddWorkingDays(from, calendar.MaxWorkingDays); err != nil || len(d.Explanation.Counted) != calendar.MaxWorkingDays {
		t.Fatalf("MaxWorkingDays: %v", err)
	}
	t.Logf("%d working days counted in %v", calendar.MaxWorkingDays, time.Since(start))
	// Counting past the end of time, or from before its start, is an error too.
	end := calendar.MaxDate.Start()
	if _, err := c.AddWorkingDays(end, 5); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("past MaxDate: err = %v", err)
	}
	if _, err := c.AddWorkingDays(time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), 0); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("from year 12000: err = %v", err)
	}
	if _, err := c.SubWorkingDays(calendar.MinDate.AddDays(2), 5); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("before MinDate: err = %v", err)
	}
	if _, err := c.SubWorkingDays(calendar.Date{Year: 2026, Month: 2, Day: 30}, 1); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("invalid date: err = %v", err)
	}
	// Between the ends of time the count is arithmetic, not a walk of 3.6 million days.
	start = time.Now()
	if n := c.WorkingDaysBetween(calendar.MinDate.Start(), calendar.MaxDate.Start()); n < 2_000_000 || n > 2_200_000 {
		t.Errorf("working days over all time: %d", n)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("WorkingDaysBetween over all time took %v", d)
	}
}

func TestExplanation(t *testing.T) {
	t.Parallel()
	c := national(t)
	got := add(t, c, instant(t, "2026-09-30T10:00:00+08:00"), 20)
	ex := got.Explanation

	var holidays, weekends []string
	for _, s := range ex.Skipped {
		switch {
		case s.Kind == calendar.KindHoliday && s.Reason == "国庆节" && s.ReasonEN == "National Day":
			holidays = append(holidays, s.Date.String())
		case s.Kind == calendar.KindWeekend && s.Reason == "周末" && s.ReasonEN == "weekend":
			weekends = append(weekends, s.Date.String())
		default:
			t.Errorf("unexpected skipped day %+v", s)
		}
	}
	if len(holidays) != 7 || holidays[0] != "2026-10-01" || holidays[6] != "2026-10-07" {
		t.Errorf("holidays skipped %v", holidays)
	}
	if want := "2026-10-11 2026-10-17 2026-10-18 2026-10-24 2026-10-25 2026-10-31 2026-11-01"; strings.Join(weekends, " ") != want {
		t.Errorf("weekends skipped %v, want %s", weekends, want)
	}
	if len(ex.Worked) != 1 || ex.Worked[0].Date != date(t, "2026-10-10") || ex.Worked[0].Kind != calendar.KindMakeupWorkday {
		t.Errorf("Worked = %+v", ex.Worked)
	}

	zh := "自 2026-09-30 次日起计算 20 个工作日，跳过 国庆节（10-01…10-07）、周末（10-11、10-17…10-18、10-24…10-25、10-31…11-01），" +
		"国庆节调休上班（10-10）计入，截止 2026-11-03 24:00（北京时间）。"
	if s := ex.Text("zh-CN"); s != zh {
		t.Errorf("Text(zh-CN) =\n%s\nwant\n%s", s, zh)
	}
	en := "Counting 20 working days from the day after 2026-09-30; skipped National Day (10-01–10-07), " +
		"weekend (10-11, 10-17–10-18, 10-24–10-25, 10-31–11-01); counted National Day make-up workday (10-10); " +
		"due by the end of 2026-11-03 (24:00 Asia/Shanghai)."
	if s := ex.Text("en"); s != en {
		t.Errorf("Text(en) =\n%s\nwant\n%s", s, en)
	}

	zero := add(t, c, instant(t, "2026-09-30T10:00:00+08:00"), 0).Explanation
	if s := zero.Text("zh-CN"); s != "期限为 0 个工作日，即 2026-09-30 当日，截止 2026-09-30 24:00（北京时间）。" {
		t.Errorf("n = 0: %s", s)
	}
	if s := zero.Text("en-US"); s != "Period of 0 working days: due by the end of 2026-09-30 (24:00 Asia/Shanghai)." {
		t.Errorf("n = 0: %s", s)
	}
}

func TestUncoveredYears(t *testing.T) {
	t.Parallel()
	c := national(t)
	// 2026-12-30 Wed: 12-31 Thu = 1, 2027-01-01 Fri = 2 (no data: only weekends apply),
	// 01-02/01-03 weekend, 01-04…01-06 = 3…5.
	got := add(t, c, instant(t, "2026-12-30T10:00:00+08:00"), 5)
	if got.Date != date(t, "2027-01-06") {
		t.Errorf("Date = %s", got.Date)
	}
	if u := got.Explanation.Uncovered; len(u) != 1 || u[0] != 2027 {
		t.Errorf("Uncovered = %v, want [2027]", u)
	}
	if s := got.Explanation.Text("zh-CN"); !strings.Contains(s, "注意：2027 年无节假日数据") {
		t.Errorf("zh text does not warn: %s", s)
	}
	if s := got.Explanation.Text("en"); !strings.Contains(s, "Warning: no holiday data for 2027") {
		t.Errorf("en text does not warn: %s", s)
	}
	// A count that stays inside 2026 but starts in an uncovered year only reports the years it touched.
	got = add(t, c, instant(t, "2024-12-31T10:00:00+08:00"), 1)
	if got.Date != date(t, "2025-01-02") || len(got.Explanation.Uncovered) != 0 {
		t.Errorf("from 2024-12-31: %s, uncovered %v", got.Date, got.Explanation.Uncovered)
	}
	got = add(t, c, instant(t, "2024-12-30T10:00:00+08:00"), 2)
	if u := got.Explanation.Uncovered; len(u) != 1 || u[0] != 2024 {
		t.Errorf("from 2024-12-30: uncovered %v, want [2024]", u)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	t.Parallel()
	c := national(t)
	tests := []struct {
		name string
		a, b string
		want int
	}{
		// (09-30, 10-09]: 10-01…10-07 holiday, 10-08 Thu, 10-09 Fri.
		{"pause over 国庆 2026", "2026-09-30T10:00:00+08:00", "2026-10-09T10:00:00+08:00", 2},
		// (09-30, 10-10]: adds the make-up Saturday.
		{"pause ending on a make-up day", "2026-09-30T10:00:00+08:00", "2026-10-10T18:00:00+08:00", 3},
		// (2025-01-24, 02-10]: 01-26, 01-27, 02-05, 02-06, 02-07, 02-08, 02-10.
		{"pause over 春节 2025", "2025-01-24T10:00:00+08:00", "2025-02-10T10:00:00+08:00", 7},
		// (2026-02-13, 02-24]: 02-14 make-up, 02-24.
		{"pause over 春节 2026", "2026-02-13T09:00:00+08:00", "2026-02-24T09:00:00+08:00", 2},
		{"pause entirely inside a holiday", "2026-10-02T10:00:00+08:00", "2026-10-06T10:00:00+08:00", 0},
		{"same day", "2026-03-09T09:00:00+08:00", "2026-03-09T17:00:00+08:00", 0},
		{"b before a", "2026-03-10T09:00:00+08:00", "2026-03-09T09:00:00+08:00", 0},
		// 2026-03-05T15:30Z is Thu 23:30, 16:30Z is Fri 00:30 in Shanghai: one working day.
		{"an hour across Shanghai midnight", "2026-03-05T15:30:00Z", "2026-03-05T16:30:00Z", 1},
		{"an hour across UTC midnight only", "2026-03-05T23:30:00Z", "2026-03-06T00:30:00Z", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := c.WorkingDaysBetween(instant(t, tt.a), instant(t, tt.b)); got != tt.want {
				t.Errorf("WorkingDaysBetween = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWorkingDaysRemaining(t *testing.T) {
	t.Parallel()
	c := national(t)
	due := add(t, c, instant(t, "2026-09-30T10:00:00+08:00"), 20).Due // end of Tue 2026-11-03
	tests := []struct {
		now  string
		want int
	}{
		{"2026-09-30T10:00:00+08:00", 20},
		{"2026-10-30T10:00:00+08:00", 2}, // Fri: 11-02, 11-03 left
		{"2026-10-31T10:00:00+08:00", 2}, // Sat
		{"2026-11-03T08:00:00+08:00", 0}, // the last day
		{"2026-11-03T23:59:59+08:00", 0},
		{"2026-11-04T00:00:00+08:00", -1}, // overdue since midnight
		{"2026-11-09T10:00:00+08:00", -4}, // 11-04…11-06, 11-09
	}
	for _, tt := range tests {
		if got := c.WorkingDaysRemaining(instant(t, tt.now), due); got != tt.want {
			t.Errorf("WorkingDaysRemaining(%s) = %d, want %d", tt.now, got, tt.want)
		}
	}
}

func TestLocalDays(t *testing.T) {
	t.Parallel()
	nat := national(t)
	c, err := nat.WithLocal([]calendar.LocalDay{
		{Date: date(t, "2026-03-09"), Kind: calendar.LocalHoliday, Name: "县庆日", NameEN: "County Day"},
		{Date: date(t, "2026-10-05"), Kind: calendar.LocalWorkday, Name: "防汛值守"}, // a national holiday worked locally
		{Date: date(t, "2026-10-10"), Kind: calendar.LocalHoliday},               // a national make-up day given off locally
		{Date: date(t, "2026-03-14"), Kind: calendar.LocalWorkday},               // an ordinary Saturday worked locally
	})
	if err != nil {
		t.Fatal(err)
	}
	kindTests := []struct {
		date string
		kind calendar.DayKind
		name string
		work bool
	}{
		{"2026-03-09", calendar.KindLocalHoliday, "县庆日", false},
		{"2026-10-05", calendar.KindLocalWorkday, "防汛值守", true},
		{"2026-10-10", calendar.KindLocalHoliday, "本地节假日", false},
		{"2026-03-14", calendar.KindLocalWorkday, "本地工作日", true},
		{"2026-10-04", calendar.KindHoliday, "国庆节", false}, // untouched national day
	}
	for _, tt := range kindTests {
		kind, name := c.Kind(date(t, tt.date))
		if kind != tt.kind || name != tt.name || c.IsWorkingDay(date(t, tt.date)) != tt.work {
			t.Errorf("%s: %q %q working=%v, want %q %q %v", tt.date, kind, name, c.IsWorkingDay(date(t, tt.date)), tt.kind, tt.name, tt.work)
		}
	}
	// 03-06 Fri: 03-09 is the county holiday, so working day 1 is 03-10 (nationally 03-09).
	if got := add(t, c, instant(t, "2026-03-06T10:00:00+08:00"), 1).Date; got != date(t, "2026-03-10") {
		t.Errorf("local holiday: %s", got)
	}
	if got := add(t, nat, instant(t, "2026-03-06T10:00:00+08:00"), 1).Date; got != date(t, "2026-03-09") {
		t.Errorf("national calendar changed: %s", got)
	}
	// 09-30: 10-05 is worked locally, so it is working day 1.
	d := add(t, c, instant(t, "2026-09-30T10:00:00+08:00"), 1)
	if d.Date != date(t, "2026-10-05") || len(d.Explanation.Worked) != 1 || d.Explanation.Worked[0].Kind != calendar.KindLocalWorkday {
		t.Errorf("local workday: %s %+v", d.Date, d.Explanation.Worked)
	}
	if s := d.Explanation.Text("en"); !strings.Contains(s, "counted local working day (防汛值守) (10-05)") {
		t.Errorf("en text: %s", s)
	}
	// (10-05, 10-12]: 10-08, 10-09, 10-12; the make-up 10-10 is off locally.
	if got := c.WorkingDaysBetween(instant(t, "2026-10-05T10:00:00+08:00"), instant(t, "2026-10-12T10:00:00+08:00")); got != 3 {
		t.Errorf("WorkingDaysBetween with local days = %d, want 3", got)
	}
	if !c.Covers(2026) || c.Covers(2027) {
		t.Error("local days must not change coverage")
	}

	bad := []struct {
		name  string
		local []calendar.LocalDay
	}{
		{"zero date", []calendar.LocalDay{{Kind: calendar.LocalHoliday}}},
		{"invalid date", []calendar.LocalDay{{Date: calendar.Date{Year: 2026, Month: 2, Day: 30}, Kind: calendar.LocalHoliday}}},
		{"unknown kind", []calendar.LocalDay{{Date: date(t, "2026-03-09"), Kind: "half_day"}}},
		{"listed twice", []calendar.LocalDay{
			{Date: date(t, "2026-03-09"), Kind: calendar.LocalHoliday},
			{Date: date(t, "2026-03-09"), Kind: calendar.LocalWorkday},
		}},
	}
	for _, tt := range bad {
		if _, err := nat.WithLocal(tt.local); err == nil {
			t.Errorf("%s: want an error", tt.name)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Unquoted YAML dates (which YAML would type as timestamps) are accepted too.
	writeFile(t, dir, "2027.yaml", `
year: 2027
holidays:
  - {name: 元旦, name_en: New Year's Day, from: 2027-01-01}
workdays:
  - {date: 2027-01-09, name: 测试调休上班}
`)
	// Replaces the embedded 2026 file as a whole: only one holiday left.
	writeFile(t, dir, "2026.yml", `
year: 2026
holidays:
  - {name: 国庆节, from: "2026-10-01", to: "2026-10-02"}
`)
	writeFile(t, dir, "README.txt", "ignored")
	c, err := calendar.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); len(got) != 3 || got[0] != 2025 || got[2] != 2027 {
		t.Errorf("Years = %v", got)
	}
	if kind, name := c.Kind(date(t, "2027-01-01")); kind != calendar.KindHoliday || name != "元旦" {
		t.Errorf("2027-01-01: %q %q", kind, name)
	}
	if !c.IsWorkingDay(date(t, "2027-01-09")) {
		t.Error("2027-01-09 make-up Saturday must be working")
	}
	if !c.IsWorkingDay(date(t, "2026-10-05")) || c.IsWorkingDay(date(t, "2026-10-02")) {
		t.Error("2026 file in dir must replace the embedded one")
	}
	if got := c.Info(date(t, "2026-10-02")).NameEN; got != "国庆节" {
		t.Errorf("name_en falls back to name, got %q", got)
	}
	if kind, _ := c.Kind(date(t, "2025-10-01")); kind != calendar.KindHoliday {
		t.Error("embedded 2025 must stay")
	}
	if got := add(t, c, instant(t, "2026-12-30T10:00:00+08:00"), 5); len(got.Explanation.Uncovered) != 0 || got.Date != date(t, "2027-01-07") {
		// 12-31 = 1, 01-01 holiday, 01-04…01-07 = 2…5.
		t.Errorf("with 2027 data: %s uncovered %v", got.Date, got.Explanation.Uncovered)
	}

	if _, err := calendar.LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing directory: want an error")
	}
}

func TestLoadDirInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		content string
		err     error
		date    string
	}{
		{"bad date", "2027.yaml", "year: 2027\nholidays:\n  - {name: 元旦, from: \"2027-02-30\"}\n", calendar.ErrInvalidDate, "2027-02-30"},
		{"bad date format", "2027.yaml", "year: 2027\nworkdays:\n  - {name: x, date: \"2027/01/09\"}\n", calendar.ErrInvalidDate, "2027/01/09"},
		{"date outside the year", "2027.yaml", "year: 2027\nholidays:\n  - {name: 元旦, from: \"2026-12-31\", to: \"2027-01-01\"}\n", calendar.ErrOutsideYear, "2026-12-31"},
		{"range end outside the year", "2027.yaml", "year: 2027\nholidays:\n  - {name: 元旦, from: \"2027-12-31\", to: \"2028-01-01\"}\n", calendar.ErrOutsideYear, "2028-01-01"},
		{"holiday and workday", "2027.yaml", "year: 2027\nholidays:\n  - {name: 春节, from: \"2027-02-06\", to: \"2027-02-12\"}\nworkdays:\n  - {name: 春节调休上班, date: \"2027-02-07\"}\n", calendar.ErrHolidayAndWorkday, "2027-02-07"},
		{"overlapping holidays", "2027.yaml", "year: 2027\nholidays:\n  - {name: a, from: \"2027-05-01\", to: \"2027-05-03\"}\n  - {name: b, from: \"2027-05-03\"}\n", calendar.ErrDuplicateDay, "2027-05-03"},
		{"duplicate workday", "2027.yaml", "year: 2027\nworkdays:\n  - {name: a, date: \"2027-01-09\"}\n  - {name: a, date: \"2027-01-09\"}\n", calendar.ErrDuplicateDay, "2027-01-09"},
		{"workday on a Monday", "2027.yaml", "year: 2027\nworkdays:\n  - {name: a, date: \"2027-01-11\"}\n", calendar.ErrWorkdayNotWeekend, "2027-01-11"},
		{"range backwards", "2027.yaml", "year: 2027\nholidays:\n  - {name: a, from: \"2027-05-03\", to: \"2027-05-01\"}\n", calendar.ErrBadRange, "2027-05-01"},
		{"missing name", "2027.yaml", "year: 2027\nholidays:\n  - {from: \"2027-05-03\"}\n", calendar.ErrMissingName, "2027-05-03"},
		{"year differs from file name", "2028.yaml", "year: 2027\n", calendar.ErrBadYear, ""},
		{"missing year", "extra.yaml", "holidays: []\n", calendar.ErrBadYear, ""},
		{"unknown key", "2027.yaml", "year: 2027\nholiday:\n  - {name: a, from: \"2027-05-03\"}\n", calendar.ErrSyntax, ""},
		{"not YAML", "2027.yaml", "year: [2027\n", calendar.ErrSyntax, ""},
		{"empty", "2027.yaml", "", calendar.ErrSyntax, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, dir, tt.file, tt.content)
			_, err := calendar.LoadDir(dir)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			var de *calendar.DataError
			if !errors.As(err, &de) || de.Date != tt.date || !strings.Contains(err.Error(), filepath.Join(dir, tt.file)) || !strings.Contains(err.Error(), tt.date) {
				t.Errorf("error %q must name the file %s and the date %q", err, tt.file, tt.date)
			}
		})
	}

	t.Run("two files for one year", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFile(t, dir, "2027.yaml", "year: 2027\n")
		writeFile(t, dir, "extra.yaml", "year: 2027\n")
		if _, err := calendar.LoadDir(dir); !errors.Is(err, calendar.ErrBadYear) {
			t.Errorf("err = %v, want ErrBadYear", err)
		}
	})
}

// FuzzAddWorkingDays checks the invariants that every caller relies on. Any start
// instant and any period may come in (settings, requests, stored rows): it never
// panics or stalls, and out-of-range input is ErrOutOfRange. For periods it counts,
// the inverse properties hold: WorkingDaysBetween(from, deadline) == n, and from a
// working day SubWorkingDays(deadline, n) gives the start back. The committed corpus
// (testdata/fuzz/FuzzAddWorkingDays) holds the boundaries: 2^63, 1e12, negatives, the
// ends of time.
func FuzzAddWorkingDays(f *testing.F) {
	c, err := calendar.National()
	if err != nil {
		f.Fatal(err)
	}
	lo := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
	for _, s := range []string{"2026-09-30T17:30:00Z", "2026-02-13T02:00:00Z", "2025-01-24T15:59:59Z", "2025-12-31T16:00:00Z"} {
		ts, _ := time.Parse(time.RFC3339, s)
		for _, n := range []int64{0, 1, 5, 20, 45} {
			f.Add(ts.Unix(), n, true)
		}
	}
	f.Add(lo, int64(1e12), false)
	f.Add(hi, int64(math.MaxInt64), false)
	f.Add(int64(math.MinInt64), int64(math.MinInt64), false)
	f.Add(calendar.MaxDate.Start().Unix(), int64(3), false)
	f.Fuzz(func(t *testing.T, sec, n64 int64, near bool) {
		if near {
			// Mostly around the covered years, where holidays make the counting interesting.
			if sec < 0 {
				sec = -(sec + 1)
			}
			sec = lo + sec%(hi-lo)
			n64 %= 401
		}
		from := time.Unix(sec, 0)
		n := int(n64)
		start := time.Now()
		d, err := c.AddWorkingDays(from, n)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("AddWorkingDays(%s, %d) took %v", from, n, took)
		}
		if n < 0 || n > calendar.MaxWorkingDays {
			if !errors.Is(err, calendar.ErrOutOfRange) {
				t.Fatalf("n = %d: err = %v, want ErrOutOfRange", n, err)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, calendar.ErrOutOfRange) {
				t.Fatalf("err = %v, want ErrOutOfRange", err)
			}
			if f := calendar.DateOf(from); !f.Before(calendar.MinDate) && f.AddDays(2*n+10).Before(calendar.MaxDate) {
				t.Fatalf("%d working days from %s are countable: %v", n, f, err)
			}
			return
		}

		if s := d.Due.In(cst); s.Hour() != 0 || s.Minute() != 0 || s.Second() != 0 || s.Nanosecond() != 0 {
			t.Fatalf("Due %s is not 00:00 in Shanghai", s)
		}
		if d.Due.Location() != time.UTC {
			t.Fatalf("Due %s not in UTC", d.Due)
		}
		if _, err := d.Due.MarshalJSON(); err != nil {
			t.Fatalf("Due %s does not marshal: %v", d.Due, err)
		}
		last := d.Due.Add(-time.Nanosecond)
		if calendar.DateOf(last) != d.Date {
			t.Fatalf("Due %s does not end Date %s", d.Due, d.Date)
		}
		if n > 0 && !c.IsWorkingDay(d.Date) {
			t.Fatalf("deadline %s is not a working day", d.Date)
		}
		if n == 0 && d.Date != calendar.DateOf(from) {
			t.Fatalf("n = 0: Date %s, want %s", d.Date, calendar.DateOf(from))
		}
		if got := c.WorkingDaysBetween(from, last); got != n {
			t.Fatalf("WorkingDaysBetween(from, Due-1ns) = %d, want %d", got, n)
		}
		if got := c.WorkingDaysRemaining(from, d.Due); got != n {
			t.Fatalf("WorkingDaysRemaining(from, Due) = %d, want %d", got, n)
		}
		back, err := c.SubWorkingDays(d.Date, n)
		switch f := calendar.DateOf(from); {
		case err != nil && (c.IsWorkingDay(f) || f.AddDays(-15).After(calendar.MinDate)):
			t.Fatalf("SubWorkingDays(%s, %d): %v", d.Date, n, err)
		case err != nil:
			// From a day off right after MinDate, counting back may leave the range.
		case c.IsWorkingDay(f) && back != f:
			t.Fatalf("SubWorkingDays(%s, %d) = %s, want the working-day start %s", d.Date, n, back, f)
		default:
			if got := c.WorkingDaysBetween(back.Start(), d.Date.Start()); got != n {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", back, d.Date, got, n)
			}
		}
		ex := d.Explanation
		if len(ex.Counted) != n || ex.Deadline() != d.Date {
			t.Fatalf("explanation: %d counted, deadline %s", len(ex.Counted), ex.Deadline())
		}
		// Counted and skipped days together are exactly the days after From up to Date.
		if total := len(ex.Counted) + len(ex.Skipped); d.Date != ex.From.AddDays(total) {
			t.Fatalf("counted %d + skipped %d days does not reach %s from %s", len(ex.Counted), len(ex.Skipped), d.Date, ex.From)
		}
	})
}

// FuzzWorkingDaysBetween checks the arithmetic count of long spans against walking
// the days one by one, across holidays, make-up days and local days.
func FuzzWorkingDaysBetween(f *testing.F) {
	nat, err := calendar.National()
	if err != nil {
		f.Fatal(err)
	}
	local, err := nat.WithLocal([]calendar.LocalDay{
		{Date: calendar.NewDate(2026, 3, 9), Kind: calendar.LocalHoliday},
		{Date: calendar.NewDate(2026, 3, 7), Kind: calendar.LocalWorkday},
		{Date: calendar.NewDate(2024, 12, 25), Kind: calendar.LocalHoliday},
	})
	if err != nil {
		f.Fatal(err)
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	f.Add(int64(0), uint16(500), false)
	f.Add(int64(86400*2000), uint16(1500), true)
	f.Add(int64(-86400*5), uint16(401), true)
	f.Add(int64(86400*1800), uint16(60000), false)
	f.Fuzz(func(t *testing.T, offset int64, span uint16, withLocal bool) {
		c := nat
		if withLocal {
			c = local
		}
		offset %= 86400 * 365 * 12
		a := time.Unix(base+offset, 0)
		b := a.Add(time.Duration(span) * 24 * time.Hour)
		want := 0
		for d := calendar.DateOf(a).AddDays(1); !d.After(calendar.DateOf(b)); d = d.AddDays(1) {
			if c.IsWorkingDay(d) {
				want++
			}
		}
		if got := c.WorkingDaysBetween(a, b); got != want {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", calendar.DateOf(a), calendar.DateOf(b), got, want)
		}
		if got := c.WorkingDaysBetween(b, a); got != 0 {
			t.Fatalf("backwards: %d", got)
		}
	})
}
