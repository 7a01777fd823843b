package appraisal

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"sunshine/pkg/apperr"
	"sunshine/pkg/calendar"
)

// Period kinds.
const (
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
	PeriodYear    = "year"
)

// Period is one appraisal period: a month ("2026-11"), a quarter ("2026-Q4") or a
// year ("2026"), as Asia/Shanghai days [Start, End).
type Period struct {
	Label string
	Kind  string
	Start calendar.Date
	End   calendar.Date // exclusive
}

var periodRe = regexp.MustCompile(`^([0-9]{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$`)

// ParsePeriod reads a period label. Years before 2000 or after 2200 are refused (no
// data can exist for them, and the arithmetic stays far from overflow).
func ParsePeriod(s string) (Period, error) {
	m := periodRe.FindStringSubmatch(s)
	if m == nil {
		return Period{}, errBadPeriod(s)
	}
	year, _ := strconv.Atoi(m[1])
	if year < 2000 || year > 2200 {
		return Period{}, errBadPeriod(s)
	}
	switch {
	case m[2] != "":
		mon, _ := strconv.Atoi(m[2])
		start := calendar.NewDate(year, time.Month(mon), 1)
		return Period{Label: s, Kind: PeriodMonth, Start: start, End: calendar.NewDate(year, time.Month(mon)+1, 1)}, nil
	case m[3] != "":
		q, _ := strconv.Atoi(m[3])
		start := calendar.NewDate(year, time.Month(3*(q-1)+1), 1)
		return Period{Label: s, Kind: PeriodQuarter, Start: start, End: calendar.NewDate(year, time.Month(3*q+1), 1)}, nil
	default:
		return Period{Label: s, Kind: PeriodYear, Start: calendar.NewDate(year, 1, 1), End: calendar.NewDate(year+1, 1, 1)}, nil
	}
}

func errBadPeriod(s string) *apperr.Error {
	return apperr.Invalid("appraisal.bad_period", apperr.Params{"period": truncate(s, 40)}).WithField("period", "appraisal.bad_period")
}

// PeriodOf is the period of kind that contains day d.
func PeriodOf(kind string, d calendar.Date) Period {
	var label string
	switch kind {
	case PeriodMonth:
		label = fmt.Sprintf("%04d-%02d", d.Year, int(d.Month))
	case PeriodQuarter:
		label = fmt.Sprintf("%04d-Q%d", d.Year, (int(d.Month)-1)/3+1)
	default:
		label = fmt.Sprintf("%04d", d.Year)
	}
	p, err := ParsePeriod(label)
	if err != nil {
		panic(err) // a label we formatted ourselves always parses
	}
	return p
}

// Previous is the period of the same kind just before p.
func (p Period) Previous() Period { return PeriodOf(p.Kind, p.Start.AddDays(-1)) }

// Next is the period of the same kind just after p.
func (p Period) Next() Period { return PeriodOf(p.Kind, p.End) }

// From is the instant the period starts; To the instant it ends.
func (p Period) From() time.Time { return p.Start.Start() }
func (p Period) To() time.Time   { return p.End.Start() }

// LastWorkingDay is the period's last working day in cal (its last day when the period
// has none, which no real calendar produces).
func (p Period) LastWorkingDay(cal *calendar.Calendar) calendar.Date {
	for d := p.End.AddDays(-1); !d.Before(p.Start); d = d.AddDays(-1) {
		if cal.IsWorkingDay(d) {
			return d
		}
	}
	return p.End.AddDays(-1)
}

// CloseDay is the working day on which the period closes for late data: its last
// working day plus grace working days.
func (p Period) CloseDay(cal *calendar.Calendar, grace int) calendar.Date {
	d := p.LastWorkingDay(cal)
	for n := 0; n < grace; {
		d = d.AddDays(1)
		if cal.IsWorkingDay(d) {
			n++
		}
	}
	return d
}

// ClosesAt is the instant the period closes (the end of its close day): from then on
// it is scored finally.
func (p Period) ClosesAt(cal *calendar.Calendar, grace int) time.Time {
	return p.CloseDay(cal, grace).End()
}

// addWorkingDaysEnd is the end of the n-th working day after the day of t (n ≥ 1), or
// the end of t's own day when n is 0.
func addWorkingDaysEnd(cal *calendar.Calendar, t time.Time, n int) time.Time {
	d := calendar.DateOf(t)
	for k := 0; k < n; {
		d = d.AddDays(1)
		if cal.IsWorkingDay(d) {
			k++
		}
	}
	return d.End()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
