// Package calendar counts working days (工作日) the way Chinese administrative law does: weekends
// and the statutory holidays of the State Council notices are skipped, make-up workdays (调休上班)
// count, and a tenant may layer local holidays or extra working days on top.
//
// Holiday data is one YAML file per year (data/YYYY.yaml, embedded; more can be loaded with
// LoadDir), so a new year is a data change only. Years without data are still computed with the
// weekend rule, but every result lists them in Explanation.Uncovered so that the UI can warn
// instead of silently pretending.
//
// All days are Asia/Shanghai days, whatever zone the instants come in.
package calendar

import (
	"fmt"
	"maps"
	"time"
)

// DayKind classifies a day for working-day counting. The string values are stable: they are
// stored and sent to the console.
type DayKind string

// Day kinds. A national holiday that falls on a weekend is KindHoliday, so that explanations
// name the festival.
const (
	KindWorkday       DayKind = "workday"        // ordinary Monday–Friday
	KindWeekend       DayKind = "weekend"        // ordinary Saturday or Sunday
	KindHoliday       DayKind = "holiday"        // statutory holiday of the State Council notice
	KindMakeupWorkday DayKind = "makeup_workday" // 调休上班: a weekend day that is worked
	KindLocalHoliday  DayKind = "local_holiday"  // a tenant's own day off, e.g. a county holiday
	KindLocalWorkday  DayKind = "local_workday"  // a tenant's own extra working day
)

// Working reports whether days of this kind count toward a period.
func (k DayKind) Working() bool {
	switch k {
	case KindWorkday, KindMakeupWorkday, KindLocalWorkday:
		return true
	}
	return false
}

// LocalKind is what a tenant may declare about a day: only "day off" or "working day", because
// tenants think in those terms, not in the national kinds.
type LocalKind string

// Local kinds accepted in LocalDay.Kind.
const (
	LocalHoliday LocalKind = "holiday"
	LocalWorkday LocalKind = "workday"
)

// LocalDay is a tenant-local exception (a county's local holiday, or an extra working day). It
// overrides whatever the national calendar says about that date.
type LocalDay struct {
	Date   Date      `json:"date"`
	Kind   LocalKind `json:"kind"`
	Name   string    `json:"name"`
	NameEN string    `json:"name_en,omitempty"` // optional; Name is used when empty
}

type dayEntry struct {
	kind   DayKind
	name   string
	nameEN string
}

// DayInfo is everything the calendar knows about one day; names are empty for ordinary days.
type DayInfo struct {
	Date   Date    `json:"date"`
	Kind   DayKind `json:"kind"`
	Name   string  `json:"name,omitempty"`
	NameEN string  `json:"name_en,omitempty"`
}

// Calendar answers "is this a working day?". It is immutable after construction, so one value
// can be shared by all goroutines and tenants; WithLocal derives a new one instead of mutating.
type Calendar struct {
	covered map[int]bool      // years with national holiday data
	days    map[Date]dayEntry // exceptions to the weekend rule, national and local
}

// WithLocal returns a new calendar with a tenant's local days on top of c; a local day wins over
// the national data for its date. c itself is unchanged. Invalid dates, unknown kinds and a date
// listed twice are errors, because a silently ignored local holiday would shift deadlines.
func (c *Calendar) WithLocal(local []LocalDay) (*Calendar, error) {
	n := &Calendar{covered: c.covered, days: maps.Clone(c.days)}
	if n.days == nil {
		n.days = map[Date]dayEntry{}
	}
	seen := make(map[Date]bool, len(local))
	for _, l := range local {
		if !l.Date.IsValid() {
			return nil, fmt.Errorf("calendar: local day %s: invalid date", l.Date)
		}
		if seen[l.Date] {
			return nil, fmt.Errorf("calendar: local day %s: listed twice", l.Date)
		}
		seen[l.Date] = true
		var e dayEntry
		var zh, en string
		switch l.Kind {
		case LocalHoliday:
			e.kind, zh, en = KindLocalHoliday, "本地节假日", "local holiday"
		case LocalWorkday:
			e.kind, zh, en = KindLocalWorkday, "本地工作日", "local working day"
		default:
			return nil, fmt.Errorf("calendar: local day %s: kind %q, want %q or %q", l.Date, l.Kind, LocalHoliday, LocalWorkday)
		}
		e.name, e.nameEN = l.Name, l.NameEN
		if e.name == "" {
			e.name = zh
		}
		if e.nameEN == "" {
			e.nameEN = en
			if l.Name != "" {
				e.nameEN = en + " (" + l.Name + ")"
			}
		}
		n.days[l.Date] = e
	}
	return n, nil
}

// Covers reports whether national holiday data exists for year. Outside covered years only the
// weekend rule (and local days) apply, which is usually wrong around festivals.
func (c *Calendar) Covers(year int) bool { return c.covered[year] }

// Info describes d: its kind and, for holidays and special working days, its names.
func (c *Calendar) Info(d Date) DayInfo {
	if e, ok := c.days[d]; ok {
		return DayInfo{Date: d, Kind: e.kind, Name: e.name, NameEN: e.nameEN}
	}
	if isWeekend(d) {
		return DayInfo{Date: d, Kind: KindWeekend}
	}
	return DayInfo{Date: d, Kind: KindWorkday}
}

// Kind returns the kind of d and, for holidays and special working days, the Chinese name
// (e.g. "春节", "国庆节调休上班"); the name is empty for ordinary workdays and weekends.
func (c *Calendar) Kind(d Date) (DayKind, string) {
	i := c.Info(d)
	return i.Kind, i.Name
}

// IsWorkingDay reports whether d counts toward a period of working days.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if e, ok := c.days[d]; ok {
		return e.kind.Working()
	}
	return !isWeekend(d)
}

func isWeekend(d Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
