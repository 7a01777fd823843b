package calendar

import (
	"bytes"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // the binary must count Shanghai days even on hosts without zoneinfo
)

// shanghai is the zone every business day is counted in, whatever the server's or the user's zone.
var shanghai = loadShanghai()

func loadShanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	// China has had no daylight saving time since 1991, so a fixed offset gives the same
	// dates for every instant this product deals with.
	return time.FixedZone("CST", 8*60*60)
}

// Location returns Asia/Shanghai, the zone in which working days and deadlines are counted.
// Storage and APIs stay in UTC; only day counting happens here.
func Location() *time.Location { return shanghai }

// Date is a civil date without a time or zone. Legal periods are counted in whole days, so
// mixing in instants invites off-by-one errors around midnight; convert with DateOf at the edge.
// The zero value means "no date". Date is comparable and can be a map key.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate builds a date, normalising overflow the way time.Date does (month 13 is January of
// the next year), so that callers can do arithmetic without checking month lengths.
func NewDate(year int, month time.Month, day int) Date {
	return dateOfTime(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the Asia/Shanghai date of an instant: an application received at
// 2026-09-30T17:30Z was received on 2026-10-01 for legal purposes.
func DateOf(t time.Time) Date { return dateOfTime(t.In(shanghai)) }

func dateOfTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses the ISO form "2006-01-02", the only form data files and APIs use.
func ParseDate(s string) (Date, error) {
	if len(s) != len(time.DateOnly) {
		return Date{}, fmt.Errorf("calendar: invalid date %q: want YYYY-MM-DD", s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: invalid date %q: want a real YYYY-MM-DD date", s)
	}
	return dateOfTime(t), nil
}

// String formats the date as YYYY-MM-DD; the zero Date prints as "0000-00-00".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date, which stands for "no date" (e.g. in JSON).
func (d Date) IsZero() bool { return d == Date{} }

// IsValid reports whether d names a real day; a Date built from a struct literal may not.
func (d Date) IsValid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 && NewDate(d.Year, d.Month, d.Day) == d
}

// time returns midnight of d in UTC; only used for day arithmetic, never as an instant.
func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// dayNumber counts days since 1970-01-01 (negative before it).
func (d Date) dayNumber() int64 { return d.time().Unix() / 86400 }

// AddDays returns the date n calendar days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// Weekday returns the day of the week, the basis of the weekend rule.
func (d Date) Weekday() time.Weekday { return d.time().Weekday() }

// Compare returns -1, 0 or +1, so that dates can be sorted with slices.SortFunc.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	default:
		return cmpInt(d.Day, o.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Equal reports whether d and o are the same day (the same as ==, offered for symmetry with time.Time).
func (d Date) Equal(o Date) bool { return d == o }

// Start returns the instant the day begins in Asia/Shanghai (00:00 CST).
func (d Date) Start() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, shanghai)
}

// End returns the instant the day ends in Asia/Shanghai, i.e. 00:00 of the next day: a
// deadline "on" a date is met by anything strictly before End.
func (d Date) End() time.Time { return d.AddDays(1).Start() }

// MarshalText formats the date as YYYY-MM-DD (empty for the zero Date), which also makes Date
// usable as a JSON map key.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if !d.IsValid() {
		return nil, fmt.Errorf("calendar: cannot marshal invalid date %s", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText parses YYYY-MM-DD; empty text gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date so that "no date" is explicit.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	b, err := d.MarshalText()
	if err != nil {
		return nil, err
	}
	return append(append([]byte{'"'}, b...), '"'), nil
}

// UnmarshalJSON accepts "YYYY-MM-DD", "" or null (the latter two give the zero Date).
func (d *Date) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errors.New("calendar: date must be a JSON string \"YYYY-MM-DD\"")
	}
	return d.UnmarshalText(b[1 : len(b)-1])
}

// Value stores a date in a SQL date column ("YYYY-MM-DD"); the zero date is NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a SQL date column (drivers hand over a time.Time at midnight UTC, or
// text).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = NewDate(v.Year(), v.Month(), v.Day())
		return nil
	case string:
		p, err := ParseDate(v)
		if err != nil {
			return err
		}
		*d = p
		return nil
	case []byte:
		return d.Scan(string(v))
	}
	return fmt.Errorf("calendar: cannot scan %T into a Date", src)
}
