package casework

import (
	"fmt"
	"sync"
	"time"

	"sunshine/pkg/apperr"
	"sunshine/pkg/calendar"
)

// AcceptanceWorkingDays is Art. 32's limit for telling the applicant what to correct:
// undecided by then, the application counts as accepted on the day it arrived.
const AcceptanceWorkingDays = 5

// DeliveryWorkingDays is Art. 44's limit for issuing the decision.
const DeliveryWorkingDays = 10

// derive recomputes every derived clock field of a case from its anchors with cal:
// the working days of ended pauses, the days the case's and each step's clocks
// stood still, and the due dates. It is the single place deadlines come from, so a
// calendar change recomputes them exactly. An ongoing stop is not counted yet (the
// case is flagged stopped instead, and the due moves when the stop ends). A period
// the calendar cannot count (beyond calendar.MaxWorkingDays or the end of time) is
// a 422, never a stall or a panic.
func derive(cal *calendar.Calendar, c *Case, steps []*Step, pauses []*Pause) error {
	stopped := 0
	for _, p := range pauses {
		if p.EndedAt != nil {
			p.WorkingDays = cal.WorkingDaysBetween(p.StartedAt, *p.EndedAt)
			stopped += p.WorkingDays
		}
	}
	c.StoppedDays = stopped
	add := func(from time.Time, n int) (calendar.Deadline, error) {
		d, err := cal.AddWorkingDays(from, n)
		if err != nil {
			return d, apperr.Wrap(err, apperr.KindInvalid, "casework.deadline_out_of_range",
				apperr.Params{"days": n, "from": calendar.DateOf(from).String(), "max": calendar.MaxWorkingDays})
		}
		return d, nil
	}
	if c.Status == StatusSubmitted {
		d, err := add(c.ReceivedAt, AcceptanceWorkingDays)
		if err != nil {
			return err
		}
		c.AcceptanceDueAt = &d.Due
	}
	if c.AcceptedAt != nil {
		d, err := add(*c.AcceptedAt, c.LimitDays+c.ExtensionDays+c.StoppedDays)
		if err != nil {
			return err
		}
		c.DueDate, c.DueAt = &d.Date, &d.Due
	}
	if c.DecidedAt != nil {
		d, err := add(*c.DecidedAt, DeliveryWorkingDays)
		if err != nil {
			return err
		}
		c.DeliveryDueAt = &d.Due
	}
	for _, s := range steps {
		if s.Kind != "task" || s.ActivatedAt == nil {
			continue
		}
		// A step's own clock stands still only during Art. 45 pauses that fell while
		// it was active (work cannot start or finish during such a pause).
		sd := 0
		for _, p := range pauses {
			if p.Kind != PauseArt45 || p.EndedAt == nil || p.StartedAt.Before(*s.ActivatedAt) {
				continue
			}
			if s.CompletedAt != nil && p.EndedAt.After(*s.CompletedAt) {
				continue
			}
			sd += p.WorkingDays
		}
		s.StoppedDays = sd
		d, err := add(*s.ActivatedAt, s.TimeLimit+sd)
		if err != nil {
			return err
		}
		s.DueDate, s.DueAt = &d.Date, &d.Due
	}
	return nil
}

// Explanation says how a case's deadline was computed, for clerks and supervisors.
type Explanation struct {
	From          calendar.Date         `json:"from"`
	LimitDays     int                   `json:"limit_days"`
	GreenChannel  bool                  `json:"green_channel"`
	ExtensionDays int                   `json:"extension_days"`
	StoppedDays   int                   `json:"stopped_days"`
	WorkingDays   int                   `json:"working_days"`
	DueDate       calendar.Date         `json:"due_date"`
	DueAt         time.Time             `json:"due_at"`
	Skipped       []calendar.SkippedDay `json:"skipped"`
	Worked        []calendar.WorkedDay  `json:"worked"`
	Uncovered     []int                 `json:"uncovered_years"`
	Text          string                `json:"text"`
	TextEN        string                `json:"text_en"`
}

// explain builds the explanation of the case's current deadline (nil before acceptance).
func explain(cal *calendar.Calendar, c *Case) *Explanation {
	if c.AcceptedAt == nil {
		return nil
	}
	// The explanation depends only on the calendar and these; case pages ask for the
	// same few thousand combinations all day, so they are computed once. A calendar
	// that changes is a new *Calendar: its explanations are new keys.
	key := explainKey{cal: cal, from: calendar.DateOf(*c.AcceptedAt), limit: c.LimitDays, ext: c.ExtensionDays,
		stopped: c.StoppedDays, green: c.GreenChannel, deemed: c.DeemedAccepted}
	explainMu.Lock()
	e, ok := explained[key]
	explainMu.Unlock()
	if ok {
		return e
	}
	e = explainNew(cal, c)
	explainMu.Lock()
	if len(explained) >= 4096 {
		clear(explained)
	}
	explained[key] = e
	explainMu.Unlock()
	return e
}

type explainKey struct {
	cal                 *calendar.Calendar
	from                calendar.Date
	limit, ext, stopped int
	green, deemed       bool
}

var (
	explainMu sync.Mutex
	explained = map[explainKey]*Explanation{}
)

// explainNew computes the explanation of c's deadline (shared: never changed after).
func explainNew(cal *calendar.Calendar, c *Case) *Explanation {
	total := c.LimitDays + c.ExtensionDays + c.StoppedDays
	d, err := cal.AddWorkingDays(*c.AcceptedAt, total)
	if err != nil {
		// derive refused this period when it was set; a stored one that cannot be
		// counted has no explanation rather than a made-up one.
		return nil
	}
	zh := fmt.Sprintf("时限 %d 个工作日", c.LimitDays)
	en := fmt.Sprintf("limit %d working days", c.LimitDays)
	if c.GreenChannel {
		zh += "（大项目绿色通道）"
		en += " (major-project green channel)"
	}
	if c.ExtensionDays > 0 {
		zh += fmt.Sprintf(" + 延期 %d 个工作日", c.ExtensionDays)
		en += fmt.Sprintf(" + extension %d", c.ExtensionDays)
	}
	if c.StoppedDays > 0 {
		zh += fmt.Sprintf(" + 不计时 %d 个工作日（听证、检测、专家评审等）", c.StoppedDays)
		en += fmt.Sprintf(" + %d working days not counted (hearings, testing, expert review…)", c.StoppedDays)
	}
	if c.DeemedAccepted {
		zh += "；逾期未作受理决定，自收到材料之日起视为受理"
		en += "; no acceptance decision within 5 working days, so accepted from the day the materials arrived"
	}
	return &Explanation{
		From: d.Explanation.From, LimitDays: c.LimitDays, GreenChannel: c.GreenChannel, ExtensionDays: c.ExtensionDays,
		StoppedDays: c.StoppedDays, WorkingDays: total, DueDate: d.Date, DueAt: d.Due,
		Skipped: d.Explanation.Skipped, Worked: d.Explanation.Worked, Uncovered: d.Explanation.Uncovered,
		Text:   zh + "。" + d.Explanation.Text("zh-CN"),
		TextEN: en + ". " + d.Explanation.Text("en"),
	}
}

func init() {
	apperr.Register("casework.deadline_out_of_range", "无法计算期限：自 {from} 起 {days} 个工作日超出可计算范围（至多 {max} 个工作日）",
		"The deadline cannot be computed: {days} working days from {from} is out of range (at most {max} working days)")
}
