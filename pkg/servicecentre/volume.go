package servicecentre

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"

	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// SettingLowVolume is the tenant setting (inherited from the city unless a county
// sets its own) below which a window's average of accepted cases per working day
// flags it as low-volume (clause [7]).
const SettingLowVolume = "window_low_volume_threshold"

// DefaultVolumeWorkingDays is the default period of the volume report.
const DefaultVolumeWorkingDays = 20

// MaxVolumeDays bounds the period of one report.
const MaxVolumeDays = 366

// VolumeDay is one day of a window's volume. Every working day of the period is
// listed; a non-working day only when something happened on it.
type VolumeDay struct {
	Date     calendar.Date `json:"date"`
	Working  bool          `json:"working"`
	Accepted int           `json:"accepted"`
	Decided  int           `json:"decided"`
}

// WindowVolume is one window's volume over the period.
type WindowVolume struct {
	WindowID      uuid.UUID   `json:"window_id"`
	TenantCode    string      `json:"tenant_code"`
	Number        string      `json:"number"`
	Name          string      `json:"name"`
	DepartmentID  uuid.UUID   `json:"department_id"`
	Comprehensive bool        `json:"comprehensive"`
	Active        bool        `json:"active"`
	WorkingDays   int         `json:"working_days"`
	Days          []VolumeDay `json:"days"`
	AcceptedTotal int         `json:"accepted_total"`
	DecidedTotal  int         `json:"decided_total"`
	// AverageAccepted is accepted cases per working day of the period (2 decimals).
	AverageAccepted float64 `json:"average_accepted"`
	// Threshold is the tenant's effective window_low_volume_threshold (null: none set).
	Threshold *float64 `json:"threshold"`
	// LowVolume: an active window whose average is below the threshold.
	LowVolume bool `json:"low_volume"`
}

// VolumeReport is the window volume of tenants over a period (Asia/Shanghai dates,
// both ends included).
type VolumeReport struct {
	From  calendar.Date  `json:"from"`
	To    calendar.Date  `json:"to"`
	Items []WindowVolume `json:"items"`
}

// DefaultVolumePeriod is the last DefaultVolumeWorkingDays working days of t's
// calendar up to today (today included when it is a working day).
func (s *Service) DefaultVolumePeriod(ctx context.Context, t *tenant.Tenant) (calendar.Date, calendar.Date, error) {
	cal, err := s.calendars.For(ctx, t)
	if err != nil {
		return calendar.Date{}, calendar.Date{}, err
	}
	to := calendar.DateOf(s.clock.Now())
	return WorkingDaysBack(cal, to, DefaultVolumeWorkingDays), to, nil
}

// WorkingDaysBack is the earliest date of the n working days ending at to (to
// counted when it is a working day).
func WorkingDaysBack(cal *calendar.Calendar, to calendar.Date, n int) calendar.Date {
	from := to
	for d, seen := to, 0; seen < n && to.Compare(d) < 2*MaxVolumeDays; d = d.AddDays(-1) {
		if cal.IsWorkingDay(d) {
			seen++
			from = d
		}
	}
	return from
}

// Volume counts, per window of tenants (in scope), the cases accepted at it and the
// cases decided that it took in, per day of [from, to] — one aggregate query grouped
// by window and Shanghai day. Each tenant's working days come from its own calendar
// and its threshold from its effective settings.
func (s *Service) Volume(ctx context.Context, scope db.Scope, tenants []*tenant.Tenant, from, to calendar.Date) (*VolumeReport, error) {
	if to.Before(from) {
		return nil, apperr.BadRequest("bad_query", apperr.Params{"param": "from", "reason": "must not be after to"})
	}
	if from.AddDays(MaxVolumeDays).Before(to) || from.AddDays(MaxVolumeDays) == to {
		return nil, apperr.BadRequest("bad_query", apperr.Params{"param": "to", "reason": "the period is at most 366 days"})
	}
	ids := tenant.IDs(tenants)
	ws, err := s.Windows(ctx, scope, ids, nil)
	if err != nil {
		return nil, err
	}
	rows, err := s.cases.WindowDays(ctx, scope, ids, from.Start(), to.End())
	if err != nil {
		return nil, err
	}
	type key struct {
		w uuid.UUID
		d calendar.Date
	}
	counts := map[key][2]int{}
	for _, r := range rows {
		counts[key{r.WindowID, r.Day}] = [2]int{r.Accepted, r.Decided}
	}
	type tenantInfo struct {
		code      string
		working   map[calendar.Date]bool
		nWorking  int
		threshold *float64
	}
	infos := map[uuid.UUID]*tenantInfo{}
	for _, t := range tenants {
		cal, err := s.calendars.For(ctx, t)
		if err != nil {
			return nil, err
		}
		settings, err := s.tenants.Effective(ctx, t)
		if err != nil {
			return nil, err
		}
		ti := &tenantInfo{code: t.Code, working: map[calendar.Date]bool{}, threshold: number(settings[SettingLowVolume])}
		for d := from; !d.After(to); d = d.AddDays(1) {
			if cal.IsWorkingDay(d) {
				ti.working[d] = true
				ti.nWorking++
			}
		}
		infos[t.ID] = ti
	}
	rep := &VolumeReport{From: from, To: to, Items: make([]WindowVolume, 0, len(ws))}
	for _, w := range ws {
		ti := infos[w.TenantID]
		if ti == nil {
			continue
		}
		wv := WindowVolume{WindowID: w.ID, TenantCode: ti.code, Number: w.Number, Name: w.Name, DepartmentID: w.DepartmentID,
			Comprehensive: w.Comprehensive, Active: w.Active, WorkingDays: ti.nWorking, Threshold: ti.threshold, Days: []VolumeDay{}}
		for d := from; !d.After(to); d = d.AddDays(1) {
			c, ok := counts[key{w.ID, d}]
			if !ti.working[d] && !ok {
				continue
			}
			wv.Days = append(wv.Days, VolumeDay{Date: d, Working: ti.working[d], Accepted: c[0], Decided: c[1]})
			wv.AcceptedTotal += c[0]
			wv.DecidedTotal += c[1]
		}
		if ti.nWorking > 0 {
			avg := float64(wv.AcceptedTotal) / float64(ti.nWorking)
			wv.AverageAccepted = math.Round(avg*100) / 100
			wv.LowVolume = w.Active && ti.threshold != nil && avg < *ti.threshold
		}
		rep.Items = append(rep.Items, wv)
	}
	sort.SliceStable(rep.Items, func(i, j int) bool { return rep.Items[i].TenantCode < rep.Items[j].TenantCode })
	return rep, nil
}

// number reads a numeric setting (JSON numbers decode as float64; a string is
// accepted too). Anything else is no setting.
func number(v any) *float64 {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case json.Number:
		g, err := x.Float64()
		if err != nil {
			return nil
		}
		f = g
	case string:
		g, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return nil
		}
		f = g
	default:
		return nil
	}
	return &f
}
