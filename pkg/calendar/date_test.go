package calendar_test

import (
	"encoding/json"
	"testing"
	"time"

	"sunshine/pkg/calendar"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	good := map[string]calendar.Date{
		"2026-10-01": {Year: 2026, Month: time.October, Day: 1},
		"2024-02-29": {Year: 2024, Month: time.February, Day: 29},
		"1949-12-31": {Year: 1949, Month: time.December, Day: 31},
	}
	for s, want := range good {
		got, err := calendar.ParseDate(s)
		if err != nil || got != want || got.String() != s || !got.IsValid() {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2026-1-01", "2026-10-1", "2025-02-29", "2026-13-01", "2026-00-10", "2026-10-32", "20261001", "2026/10/01", " 2026-10-01", "2026-10-01T00:00:00Z"} {
		if d, err := calendar.ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", s, d)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	t.Parallel()
	d := date(t, "2026-12-30")
	if got := d.AddDays(3); got != date(t, "2027-01-02") {
		t.Errorf("AddDays(3) = %s", got)
	}
	if got := date(t, "2024-03-01").AddDays(-1); got != date(t, "2024-02-29") {
		t.Errorf("AddDays(-1) = %s", got)
	}
	if wd := date(t, "2026-10-01").Weekday(); wd != time.Thursday {
		t.Errorf("2026-10-01 is a %s", wd)
	}
	a, b := date(t, "2026-09-30"), date(t, "2026-10-01")
	if !a.Before(b) || a.After(b) || !b.After(a) || a.Equal(b) || !a.Equal(date(t, "2026-09-30")) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("comparison is wrong")
	}
	if (calendar.Date{Year: 2026, Month: 2, Day: 29}).IsValid() || !(calendar.Date{}).IsZero() {
		t.Error("IsValid / IsZero wrong")
	}
	if got := calendar.NewDate(2026, 13, 1); got != date(t, "2027-01-01") {
		t.Errorf("NewDate normalises: %s", got)
	}
	if got := calendar.DateOf(instant(t, "2026-09-30T17:30:00Z")); got != b {
		t.Errorf("DateOf = %s, want Shanghai date 2026-10-01", got)
	}
	if got := b.Start().UTC(); !got.Equal(instant(t, "2026-09-30T16:00:00Z")) {
		t.Errorf("Start = %s", got)
	}
	if got := a.End(); !got.Equal(b.Start()) {
		t.Errorf("End = %s", got)
	}
	if calendar.Location().String() != "Asia/Shanghai" {
		t.Errorf("Location = %s; time/tzdata should always provide Asia/Shanghai", calendar.Location())
	}
}

func TestDateJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		D calendar.Date         `json:"d"`
		Z calendar.Date         `json:"z"`
		M map[calendar.Date]int `json:"m"`
	}
	in := doc{D: date(t, "2026-10-01"), M: map[calendar.Date]int{date(t, "2026-10-08"): 1}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"d":"2026-10-01","z":null,"m":{"2026-10-08":1}}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil || out.D != in.D || !out.Z.IsZero() || out.M[date(t, "2026-10-08")] != 1 {
		t.Errorf("Unmarshal = %+v, %v", out, err)
	}
	for _, bad := range []string{`{"d":"2026-02-30"}`, `{"d":20261001}`, `{"d":"2026-10-01T00:00:00Z"}`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
	if _, err := json.Marshal(calendar.Date{Year: 2026, Month: 2, Day: 30}); err == nil {
		t.Error("marshalling an invalid date must fail")
	}
}
