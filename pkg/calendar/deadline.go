package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Deadline is the result of counting working days: the last day of the period, the instant it
// expires, and an explanation a clerk or applicant can check by hand.
type Deadline struct {
	// Date is the last day of the period (the n-th working day; the start date when n == 0).
	Date Date `json:"date"`
	// Due is the end of Date, 00:00 of the next day in Asia/Shanghai, in UTC. The period is met
	// by anything strictly before Due.
	Due         time.Time   `json:"due"`
	Explanation Explanation `json:"explanation"`
}

// Explanation records how a deadline was counted, so that it can be shown and audited.
type Explanation struct {
	From        Date         `json:"from"`         // Shanghai date of the start instant; counting starts the day after
	WorkingDays int          `json:"working_days"` // n
	Counted     []Date       `json:"counted,omitempty"`
	Skipped     []SkippedDay `json:"skipped,omitempty"`
	// Worked lists counted days that are not ordinary weekdays (调休上班, local working days),
	// because those are the ones people question.
	Worked []WorkedDay `json:"worked,omitempty"`
	// Uncovered lists years the count passed through without national holiday data; only
	// weekends (and local days) were applied there, so the deadline may be too early.
	Uncovered []int `json:"uncovered,omitempty"`
}

// SkippedDay is a day between From and the deadline that did not count.
type SkippedDay struct {
	Date     Date    `json:"date"`
	Kind     DayKind `json:"kind"`
	Reason   string  `json:"reason"`    // e.g. "周末", "春节", "国庆节"
	ReasonEN string  `json:"reason_en"` // e.g. "weekend", "Spring Festival"
}

// WorkedDay is a weekend or holiday-season day that counted because it is a make-up or local
// working day.
type WorkedDay struct {
	Date     Date    `json:"date"`
	Kind     DayKind `json:"kind"`
	Reason   string  `json:"reason"`    // e.g. "国庆节调休上班"
	ReasonEN string  `json:"reason_en"` // e.g. "National Day make-up workday"
}

// MaxWorkingDays bounds every period counted here: about forty years of working days,
// far beyond any legal period (the longest are a few hundred days), and small enough
// that counting it costs well under a millisecond. Periods come from configuration
// and requests; a larger one is an error, never a stall.
const MaxWorkingDays = 10000

// MinDate and MaxDate bound the dates counted from and to: every result fits
// YYYY-MM-DD and a JSON timestamp, and every day in between starts at 00:00 UTC+8
// (Shanghai kept daylight saving time until 1991, and local mean time before 1901).
var (
	MinDate = Date{Year: 1992, Month: time.January, Day: 1}
	MaxDate = Date{Year: 9999, Month: time.December, Day: 30}
)

// ErrOutOfRange is returned (wrapped) for a negative or too large period, or a
// count that would leave [MinDate, MaxDate].
var ErrOutOfRange = errors.New("calendar: out of range")

func inRange(d Date) bool { return !d.Before(MinDate) && !d.After(MaxDate) }

// AddWorkingDays computes the deadline n working days after from. The binding rule: take the
// Asia/Shanghai date of from; working day 1 is the first working day strictly after that date
// (the day of receipt never counts); the deadline is the n-th working day and ends at 00:00 of
// the following Shanghai day. n == 0 means the end of from's own date.
//
// n must be in [0, MaxWorkingDays] and the count must stay within [MinDate, MaxDate];
// anything else is an error wrapping ErrOutOfRange (it never panics). Cost is linear in n.
func (c *Calendar) AddWorkingDays(from time.Time, n int) (Deadline, error) {
	if n < 0 || n > MaxWorkingDays {
		return Deadline{}, fmt.Errorf("%w: %d working days (want 0 to %d)", ErrOutOfRange, n, MaxWorkingDays)
	}
	start := DateOf(from)
	if !inRange(start) {
		return Deadline{}, fmt.Errorf("%w: start date %s", ErrOutOfRange, start)
	}
	ex := Explanation{From: start, WorkingDays: n}
	d := start
	for count := 0; count < n; {
		d = d.AddDays(1)
		if !inRange(d) {
			return Deadline{}, fmt.Errorf("%w: %d working days after %s pass %s", ErrOutOfRange, n, start, MaxDate)
		}
		if !c.covered[d.Year] && !slices.Contains(ex.Uncovered, d.Year) {
			ex.Uncovered = append(ex.Uncovered, d.Year)
		}
		info := c.Info(d)
		if info.Kind.Working() {
			count++
			ex.Counted = append(ex.Counted, d)
			if info.Kind != KindWorkday {
				ex.Worked = append(ex.Worked, WorkedDay{Date: d, Kind: info.Kind, Reason: info.Name, ReasonEN: info.NameEN})
			}
			continue
		}
		s := SkippedDay{Date: d, Kind: info.Kind, Reason: info.Name, ReasonEN: info.NameEN}
		if info.Kind == KindWeekend {
			s.Reason, s.ReasonEN = "周末", "weekend"
		}
		ex.Skipped = append(ex.Skipped, s)
	}
	return Deadline{Date: d, Due: d.End().UTC(), Explanation: ex}, nil
}

// SubWorkingDays returns the n-th working day strictly before d (d itself when n == 0):
// for a working day d, AddWorkingDays(SubWorkingDays(d, n).Start(), n).Date == d. The
// same bounds as AddWorkingDays apply.
func (c *Calendar) SubWorkingDays(d Date, n int) (Date, error) {
	if n < 0 || n > MaxWorkingDays {
		return Date{}, fmt.Errorf("%w: %d working days (want 0 to %d)", ErrOutOfRange, n, MaxWorkingDays)
	}
	if !d.IsValid() || !inRange(d) {
		return Date{}, fmt.Errorf("%w: date %s", ErrOutOfRange, d)
	}
	out := d
	for count := 0; count < n; {
		out = out.AddDays(-1)
		if !inRange(out) {
			return Date{}, fmt.Errorf("%w: %d working days before %s pass %s", ErrOutOfRange, n, d, MinDate)
		}
		if c.IsWorkingDay(out) {
			count++
		}
	}
	return out, nil
}

// WorkingDaysBetween counts the working days d with date(a) < d <= date(b) (Shanghai dates), and
// 0 when b is not on a later date than a. A clock pause from a to b (hearing, expert review,
// 补正) moves every due date by this many working days. Its cost does not grow with the
// distance between a and b beyond a year (weekdays are counted by arithmetic, then the
// calendar's exceptions applied), so no pair of instants can stall it.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	return c.workingDaysIn(DateOf(a), DateOf(b))
}

// directSpan is the span up to which days are walked one by one (cheaper than going
// through every exception of the calendar).
const directSpan = 400

// workingDaysIn counts working days in (from, to].
func (c *Calendar) workingDaysIn(from, to Date) int {
	if !to.After(from) {
		return 0
	}
	fn, tn := from.dayNumber(), to.dayNumber()
	if tn-fn <= directSpan {
		n := 0
		for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
			if c.IsWorkingDay(d) {
				n++
			}
		}
		return n
	}
	n := weekdaysThrough(tn) - weekdaysThrough(fn)
	for d, e := range c.days {
		if !d.After(from) || d.After(to) {
			continue
		}
		switch base := !isWeekend(d); {
		case e.kind.Working() && !base:
			n++
		case !e.kind.Working() && base:
			n--
		}
	}
	return int(n)
}

// weekdaysThrough counts the Mondays to Fridays among the days numbered up to x (from
// a fixed origin; only differences are meaningful).
func weekdaysThrough(x int64) int64 {
	k := x + 3 // day 0, 1970-01-01, is a Thursday: k ≡ 0 (mod 7) on Mondays
	q := k / 7
	if k%7 < 0 {
		q--
	}
	r := k - 7*q
	return 5*q + min(r+1, 5)
}

// WorkingDaysRemaining is the countdown shown next to a case: the working days from now's date
// to the last day before due (due is an exclusive instant such as Deadline.Due). It is 0 on the
// last day itself and negative once overdue (-1 on the first working day after the last day).
// Being a count of working days it is also 0 on a weekend right after the last day, so use
// now.Before(due) — not the sign — to decide whether something is overdue.
func (c *Calendar) WorkingDaysRemaining(now, due time.Time) int {
	today, last := DateOf(now), DateOf(due.Add(-time.Nanosecond))
	if !today.After(last) {
		return c.workingDaysIn(today, last)
	}
	return -c.workingDaysIn(last, today)
}

// Deadline returns the last day of the period: the last counted day, or From when n == 0.
func (e Explanation) Deadline() Date {
	if len(e.Counted) > 0 {
		return e.Counted[len(e.Counted)-1]
	}
	return e.From
}

// Text renders the explanation as one paragraph for the console or a notice, in Chinese
// (default) or English (lang starting with "en").
func (e Explanation) Text(lang string) string {
	en := strings.HasPrefix(strings.ToLower(strings.TrimSpace(lang)), "en")
	fd := func(d Date) string { // short dates when the year is obvious
		if d.Year == e.From.Year {
			return fmt.Sprintf("%02d-%02d", int(d.Month), d.Day)
		}
		return d.String()
	}
	rangeSep := "…"
	if en {
		rangeSep = "–"
	}

	type group struct {
		label string
		dates []Date
	}
	var skipped, worked []*group
	add := func(groups []*group, label string, d Date) []*group {
		for _, g := range groups {
			if g.label == label {
				g.dates = append(g.dates, d)
				return groups
			}
		}
		return append(groups, &group{label: label, dates: []Date{d}})
	}
	for _, s := range e.Skipped {
		label := s.Reason
		if en {
			label = s.ReasonEN
		}
		skipped = add(skipped, label, s.Date)
	}
	for _, w := range e.Worked {
		label := w.Reason
		if en {
			label = w.ReasonEN
		}
		worked = add(worked, label, w.Date)
	}
	// render joins consecutive dates into ranges: "10-01…10-07、10-11".
	render := func(g *group, open, sep, close string) string {
		var parts []string
		for i := 0; i < len(g.dates); {
			j := i
			for j+1 < len(g.dates) && g.dates[j+1] == g.dates[j].AddDays(1) {
				j++
			}
			if i == j {
				parts = append(parts, fd(g.dates[i]))
			} else {
				parts = append(parts, fd(g.dates[i])+rangeSep+fd(g.dates[j]))
			}
			i = j + 1
		}
		return g.label + open + strings.Join(parts, sep) + close
	}
	years := make([]string, len(e.Uncovered))
	for i, y := range e.Uncovered {
		years[i] = strconv.Itoa(y)
	}
	last := e.Deadline()

	var b strings.Builder
	if en {
		if e.WorkingDays == 0 {
			fmt.Fprintf(&b, "Period of 0 working days: due by the end of %s", e.From)
		} else {
			fmt.Fprintf(&b, "Counting %d working days from the day after %s", e.WorkingDays, e.From)
		}
		if len(skipped) > 0 {
			parts := make([]string, len(skipped))
			for i, g := range skipped {
				parts[i] = render(g, " (", ", ", ")")
			}
			b.WriteString("; skipped " + strings.Join(parts, ", "))
		}
		if len(worked) > 0 {
			parts := make([]string, len(worked))
			for i, g := range worked {
				parts[i] = render(g, " (", ", ", ")")
			}
			b.WriteString("; counted " + strings.Join(parts, ", "))
		}
		if e.WorkingDays > 0 {
			fmt.Fprintf(&b, "; due by the end of %s", last)
		}
		b.WriteString(" (24:00 Asia/Shanghai).")
		if len(years) > 0 {
			fmt.Fprintf(&b, " Warning: no holiday data for %s; only weekends were skipped there.", strings.Join(years, ", "))
		}
		return b.String()
	}

	if e.WorkingDays == 0 {
		fmt.Fprintf(&b, "期限为 0 个工作日，即 %s 当日", e.From)
	} else {
		fmt.Fprintf(&b, "自 %s 次日起计算 %d 个工作日", e.From, e.WorkingDays)
	}
	if len(skipped) > 0 {
		parts := make([]string, len(skipped))
		for i, g := range skipped {
			parts[i] = render(g, "（", "、", "）")
		}
		b.WriteString("，跳过 " + strings.Join(parts, "、"))
	}
	if len(worked) > 0 {
		parts := make([]string, len(worked))
		for i, g := range worked {
			parts[i] = render(g, "（", "、", "）")
		}
		b.WriteString("，" + strings.Join(parts, "、") + "计入")
	}
	fmt.Fprintf(&b, "，截止 %s 24:00（北京时间）。", last)
	if len(years) > 0 {
		fmt.Fprintf(&b, "注意：%s 年无节假日数据，仅扣除了周末。", strings.Join(years, "、"))
	}
	return b.String()
}
