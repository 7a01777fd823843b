package calendar

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// embedded holds the State Council holiday notices shipped with the binary, one file per year.
//
//go:embed data/*.yaml
var embedded embed.FS

// Errors wrapped by *DataError, so that tools (an operator's `sunshine calendar check`, tests)
// can tell what is wrong with a year file.
var (
	// ErrInvalidDate: a date is not a real YYYY-MM-DD date.
	ErrInvalidDate = errors.New("invalid date")
	// ErrOutsideYear: a date lies outside the year the file declares.
	ErrOutsideYear = errors.New("date outside the file's year")
	// ErrHolidayAndWorkday: a day is listed both as a holiday and as a make-up workday.
	ErrHolidayAndWorkday = errors.New("listed both as holiday and as workday")
	// ErrDuplicateDay: the same day is listed twice in the same list.
	ErrDuplicateDay = errors.New("listed twice")
	// ErrWorkdayNotWeekend: a make-up workday falls on Monday–Friday, which is a working day
	// anyway, so the entry is almost certainly a typo.
	ErrWorkdayNotWeekend = errors.New("make-up workday is not a Saturday or Sunday")
	// ErrBadRange: a holiday range ends before it starts.
	ErrBadRange = errors.New("holiday range ends before it starts")
	// ErrMissingName: a holiday or workday has no Chinese name, which explanations need.
	ErrMissingName = errors.New("missing name")
	// ErrBadYear: the year is missing, out of range, differs from the file name, or is
	// supplied by two files.
	ErrBadYear = errors.New("bad year")
	// ErrSyntax: the file is not valid YAML or has unknown keys.
	ErrSyntax = errors.New("syntax error")
)

// DataError reports an invalid year file, naming the file and, where there is one, the date, so
// that an operator can fix it without reading code.
type DataError struct {
	File   string // file name as given to the loader
	Date   string // offending date as written in the file; empty when the error is not about one date
	Err    error  // one of the Err* values above
	Detail string // extra context, e.g. the parser's message
}

// Error formats "calendar: <file>: <date>: <reason> (<detail>)".
func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString("calendar: ")
	b.WriteString(e.File)
	if e.Date != "" {
		b.WriteString(": ")
		b.WriteString(e.Date)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap lets errors.Is match the Err* values.
func (e *DataError) Unwrap() error { return e.Err }

// yearFile is the on-disk shape of data/YYYY.yaml; see data/2025.yaml for the documented format.
type yearFile struct {
	Year     int            `yaml:"year"`
	Source   string         `yaml:"source"`
	Holidays []holidayEntry `yaml:"holidays"`
	Workdays []workdayEntry `yaml:"workdays"`
}

type holidayEntry struct {
	Name   string `yaml:"name"`
	NameEN string `yaml:"name_en"`
	From   string `yaml:"from"`
	To     string `yaml:"to"`
}

type workdayEntry struct {
	Date   string `yaml:"date"`
	Name   string `yaml:"name"`
	NameEN string `yaml:"name_en"`
}

// yearData is one validated year.
type yearData struct {
	year int
	file string
	days map[Date]dayEntry
}

// parseYear decodes and validates one year file. Validation is strict because a wrong day here
// silently moves every legal deadline in the product.
func parseYear(file string, data []byte) (*yearData, error) {
	fail := func(date string, err error, detail string) error {
		return &DataError{File: file, Date: date, Err: err, Detail: detail}
	}

	var f yearFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail("", ErrSyntax, "empty file")
		}
		return nil, fail("", ErrSyntax, err.Error())
	}
	if f.Year < 1900 || f.Year > 9999 {
		return nil, fail("", ErrBadYear, "year must be set to a four-digit year")
	}
	if base := strings.TrimSuffix(strings.TrimSuffix(path.Base(file), ".yaml"), ".yml"); len(base) == 4 {
		if y, err := strconv.Atoi(base); err == nil && y != f.Year {
			return nil, fail("", ErrBadYear, fmt.Sprintf("file name says %d, content says %d", y, f.Year))
		}
	}

	parse := func(s string) (Date, error) {
		d, err := ParseDate(s)
		if err != nil {
			return Date{}, fail(s, ErrInvalidDate, "")
		}
		if d.Year != f.Year {
			return Date{}, fail(s, ErrOutsideYear, fmt.Sprintf("file is for %d", f.Year))
		}
		return d, nil
	}

	y := &yearData{year: f.Year, file: file, days: map[Date]dayEntry{}}
	for _, h := range f.Holidays {
		from, err := parse(h.From)
		if err != nil {
			return nil, err
		}
		to := from
		if h.To != "" {
			if to, err = parse(h.To); err != nil {
				return nil, err
			}
		}
		if to.Before(from) {
			return nil, fail(h.To, ErrBadRange, "from "+h.From)
		}
		if strings.TrimSpace(h.Name) == "" {
			return nil, fail(h.From, ErrMissingName, "holiday")
		}
		nameEN := h.NameEN
		if nameEN == "" {
			nameEN = h.Name
		}
		for d := from; !d.After(to); d = d.AddDays(1) {
			if _, dup := y.days[d]; dup {
				return nil, fail(d.String(), ErrDuplicateDay, "holidays")
			}
			y.days[d] = dayEntry{kind: KindHoliday, name: h.Name, nameEN: nameEN}
		}
	}
	for _, w := range f.Workdays {
		d, err := parse(w.Date)
		if err != nil {
			return nil, err
		}
		if prev, dup := y.days[d]; dup {
			if prev.kind == KindHoliday {
				return nil, fail(w.Date, ErrHolidayAndWorkday, "holiday "+prev.name)
			}
			return nil, fail(w.Date, ErrDuplicateDay, "workdays")
		}
		if !isWeekend(d) {
			return nil, fail(w.Date, ErrWorkdayNotWeekend, d.Weekday().String())
		}
		if strings.TrimSpace(w.Name) == "" {
			return nil, fail(w.Date, ErrMissingName, "workday")
		}
		nameEN := w.NameEN
		if nameEN == "" {
			nameEN = w.Name
		}
		y.days[d] = dayEntry{kind: KindMakeupWorkday, name: w.Name, nameEN: nameEN}
	}
	return y, nil
}

// loadFS reads every *.yaml / *.yml directly inside dir of fsys. Two files for one year are
// an error: an operator must not have to guess which one wins.
// display is the directory name used in errors, so that they name the file the operator edits.
func loadFS(fsys fs.FS, dir, display string) (map[int]*yearData, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("calendar: reading %s: %w", display, err)
	}
	years := map[int]*yearData{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		file := filepath.Join(display, name)
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("calendar: reading %s: %w", file, err)
		}
		y, err := parseYear(file, b)
		if err != nil {
			return nil, err
		}
		if prev, ok := years[y.year]; ok {
			return nil, &DataError{File: file, Err: ErrBadYear, Detail: fmt.Sprintf("year %d also in %s", y.year, prev.file)}
		}
		years[y.year] = y
	}
	return years, nil
}

func build(years map[int]*yearData) *Calendar {
	c := &Calendar{covered: map[int]bool{}, days: map[Date]dayEntry{}}
	for year, y := range years {
		c.covered[year] = true
		for d, e := range y.days {
			c.days[d] = e
		}
	}
	return c
}

var national = sync.OnceValues(func() (*Calendar, error) {
	years, err := loadFS(embedded, "data", "data")
	if err != nil {
		return nil, err
	}
	return build(years), nil
})

// National returns the calendar built from the holiday notices embedded in the binary. It is
// parsed once and shared: callers on hot paths (every deadline computation) need not cache it.
func National() (*Calendar, error) { return national() }

// LoadDir returns the national calendar extended by the year files in dir (non-recursive,
// *.yaml and *.yml). A file in dir replaces the embedded file of the same year as a whole, so
// that an operator can publish next year's notice, or correct one, without a release.
func LoadDir(dir string) (*Calendar, error) {
	years, err := loadFS(embedded, "data", "data")
	if err != nil {
		return nil, err
	}
	extra, err := loadFS(os.DirFS(dir), ".", dir)
	if err != nil {
		return nil, err
	}
	for year, y := range extra {
		years[year] = y
	}
	return build(years), nil
}

// Years lists the years with national data, ascending, e.g. for an admin page that warns
// before the next year's notice is missing.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.covered))
	for y := range c.covered {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}
