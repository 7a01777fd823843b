// Package supervision is the e-supervision system (电子监察): rules that turn the
// clocks of running cases into warnings while the work is under way (事中监督) — a
// reminder one working day before the promised deadline, a yellow card when a case
// passes its due date unfinished (with a finish-by date), a red card when it is still
// unfinished then, a card when a single step overruns its own limit, and cards for
// deemed acceptance, fee mismatches and catalogue filings overdue at the city.
// Supervisors appeal-decide or cancel cards, send supervision notices (督办单) that
// escalate from county to city when unanswered, and watch live dashboards.
//
// PostgreSQL is the truth; Redis (Asynq) is only the alarm clock. Every clock change
// arms alarms at the exact instants under deterministic task IDs; a handler re-reads
// PostgreSQL before acting; a periodic sweep derives anything due that has no card
// yet, so wiping Redis loses nothing; a unique key per rule and object means no card
// is ever created twice.
package supervision

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/calendar"
	"sunshine/pkg/tenant"
)

// Levels of the escalation ladder.
const (
	LevelReminder = "reminder"
	LevelYellow   = "yellow"
	LevelRed      = "red"
)

// Rules.
const (
	RuleCaseReminder   = "case_reminder"
	RuleCaseOverdue    = "case_overdue"
	RuleCaseRed        = "case_red"
	RuleStepOverrun    = "step_overrun"
	RuleDeemed         = "deemed_acceptance"
	RuleFeeMismatch    = "fee_mismatch"
	RuleFilingOverdue  = "filing_overdue"
	RuleNoticeUnanswer = "notice_unanswered"
)

// Thresholds are a tenant's supervision settings (defaults from the city).
type Thresholds struct {
	// ReminderWorkingDays: a reminder this many working days before the deadline
	// (1: at the start of the last working day).
	ReminderWorkingDays int
	// RedAfterWorkingDays: the finish-by date of a yellow card, after which a red card.
	RedAfterWorkingDays int
}

// DefaultThresholds are domain facts §5's ladder.
var DefaultThresholds = Thresholds{ReminderWorkingDays: 1, RedAfterWorkingDays: 3}

// ThresholdsFrom reads a tenant's effective settings. A stored value outside the
// settings schema (written around the API) is an error for that tenant only: the
// thresholds feed working-day arithmetic on every case action and in the sweep.
func ThresholdsFrom(t *tenant.Tenant, settings map[string]any) (Thresholds, error) {
	th := DefaultThresholds
	var err error
	if th.ReminderWorkingDays, err = tenant.WorkingDays(settings, t, tenant.SettingReminderWorkingDays, DefaultThresholds.ReminderWorkingDays); err != nil {
		return Thresholds{}, err
	}
	if th.RedAfterWorkingDays, err = tenant.WorkingDays(settings, t, tenant.SettingRedAfterWorkingDays, DefaultThresholds.RedAfterWorkingDays); err != nil {
		return Thresholds{}, err
	}
	return th, nil
}

// rung places a rule on a case's deadline ladder: a reminder before the deadline, a
// yellow card when it passes, a red card when the yellow card's finish-by date
// passes. Other rules (deemed acceptance, fees, steps, notices) are not on it: 0.
func rung(rule string) int {
	switch rule {
	case RuleCaseReminder:
		return 1
	case RuleCaseOverdue:
		return 2
	case RuleCaseRed:
		return 3
	}
	return 0
}

// Supersessions finds the open cards of one case that a higher rung of its deadline
// ladder supersedes: an open reminder once a yellow or red card was issued at or after
// it, an open yellow card once a red one was. A cancelled card supersedes nothing (it
// was withdrawn), and a reminder issued after the yellow card (the deadline was
// extended) stands. It returns, for each superseded card, the card superseding it (the
// highest rung, the earliest of that rung).
func Supersessions(cards []CardRow) map[uuid.UUID]CardRow {
	out := map[uuid.UUID]CardRow{}
	for _, low := range cards {
		r := rung(low.Rule)
		if r == 0 || (low.Status != StatusActive && low.Status != StatusAppealed) {
			continue
		}
		var by *CardRow
		for i := range cards {
			h := &cards[i]
			hr := rung(h.Rule)
			if hr <= r || h.Status == StatusCancelled || h.CreatedAt.Before(low.CreatedAt) ||
				h.CaseID == nil || low.CaseID == nil || *h.CaseID != *low.CaseID {
				continue
			}
			if by == nil || hr > rung(by.Rule) || (hr == rung(by.Rule) && h.CreatedAt.Before(by.CreatedAt)) {
				by = h
			}
		}
		if by != nil {
			out[low.ID] = *by
		}
	}
	return out
}

// CaseClock is what the rules need to know of a case.
type CaseClock struct {
	ID             uuid.UUID
	TenantID       uuid.UUID
	TrackingNo     string
	PowerName      string
	DepartmentID   uuid.UUID
	Status         string
	Paused         bool
	DueDate        *calendar.Date
	DueAt          *time.Time
	DeemedAccepted bool
	FeeMismatch    bool
	// YellowFinishBy is the finish-by instant of the case's yellow card, if it has one.
	YellowFinishBy *time.Time
	Steps          []StepClock
}

// StepClock is an active step.
type StepClock struct {
	ID           uuid.UUID
	Name         string
	DepartmentID *uuid.UUID
	Round        int
	DueAt        *time.Time
	Active       bool
}

// Open reports whether the case still runs its handling clock.
func (c CaseClock) Open() bool {
	return c.Status == "in_progress" || c.Status == "pending_decision"
}

// Card is a card a rule calls for.
type Card struct {
	Key          string
	Level        string
	Rule         string
	CaseID       *uuid.UUID
	StepID       *uuid.UUID
	ObjectRef    string
	DepartmentID *uuid.UUID
	Title        string
	Reason       string
	DeadlineAt   *time.Time
	FinishBy     *time.Time
}

// Alarm is an instant at which a rule may fire for a case.
type Alarm struct {
	At   time.Time
	Rule string
	Ref  string // step ID for step rules
}

// TaskID is the deterministic Asynq task ID of an alarm: the same clock always arms
// the same IDs, so re-arming is idempotent.
func (a Alarm) TaskID(caseID uuid.UUID) string {
	return fmt.Sprintf("sup:%s:%s:%s:%d", caseID, a.Rule, a.Ref, a.At.Unix())
}

// reminderAt is the start of the working day ReminderWorkingDays before the deadline
// ends (for 1: the start of the deadline's own last working day).
func reminderAt(cal *calendar.Calendar, due calendar.Date, th Thresholds) (time.Time, error) {
	d, err := cal.SubWorkingDays(due, max(th.ReminderWorkingDays-1, 0))
	if err != nil {
		return time.Time{}, err
	}
	return d.Start(), nil
}

// FinishBy is the finish-by instant of a yellow card for a deadline that ended at due.
func FinishBy(cal *calendar.Calendar, due time.Time, th Thresholds) (time.Time, error) {
	d, err := cal.AddWorkingDays(due.Add(-time.Nanosecond), th.RedAfterWorkingDays)
	if err != nil {
		return time.Time{}, err
	}
	return d.Due, nil
}

// Evaluate returns the cards the case calls for at now, and the future instants at
// which it may call for more (the alarms to arm). It is pure: the same clock and the
// same now give the same answer, which is what makes stale alarms harmless. A clock
// the calendar cannot count (a threshold or date out of range) is an error.
func Evaluate(cal *calendar.Calendar, th Thresholds, c CaseClock, now time.Time) ([]Card, []Alarm, error) {
	var cards []Card
	var alarms []Alarm
	id := c.ID
	dept := c.DepartmentID
	label := c.PowerName + "（" + c.TrackingNo + "）"
	if c.DeemedAccepted {
		cards = append(cards, Card{Key: "case:" + id.String() + ":deemed", Level: LevelYellow, Rule: RuleDeemed, CaseID: &id, DepartmentID: &dept,
			Title: "逾期未作受理决定：" + label, Reason: "申请材料收到后 5 个工作日内未作出受理决定，依法自收到之日起视为受理（行政许可法第三十二条）"})
	}
	if c.FeeMismatch {
		cards = append(cards, Card{Key: "case:" + id.String() + ":fee", Level: LevelYellow, Rule: RuleFeeMismatch, CaseID: &id, DepartmentID: &dept,
			Title: "收费与收费标准不符：" + label, Reason: "实收费用与该事项备案的收费标准不一致"})
	}
	if !c.Open() || c.Paused || c.DueAt == nil || c.DueDate == nil {
		return cards, nil, nil
	}
	due := *c.DueAt
	remind, err := reminderAt(cal, *c.DueDate, th)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case !now.Before(due):
		finish, err := FinishBy(cal, due, th)
		if err != nil {
			return nil, nil, err
		}
		cards = append(cards, Card{Key: "case:" + id.String() + ":yellow", Level: LevelYellow, Rule: RuleCaseOverdue, CaseID: &id, DepartmentID: &dept,
			Title: "超期未办结：" + label, Reason: fmt.Sprintf("承诺时限已于 %s 届满仍未办结，限 %s 前办结", c.DueDate, calendar.DateOf(finish.Add(-time.Second))),
			DeadlineAt: &due, FinishBy: &finish})
		fb := finish
		if c.YellowFinishBy != nil {
			fb = *c.YellowFinishBy
		}
		if !now.Before(fb) {
			cards = append(cards, Card{Key: "case:" + id.String() + ":red", Level: LevelRed, Rule: RuleCaseRed, CaseID: &id, DepartmentID: &dept,
				Title: "黄牌后仍未办结：" + label, Reason: fmt.Sprintf("黄牌限办日期 %s 已过仍未办结，责令整改并追究责任", calendar.DateOf(fb.Add(-time.Second))),
				DeadlineAt: &due, FinishBy: &fb})
		} else {
			alarms = append(alarms, Alarm{At: fb, Rule: RuleCaseRed})
		}
	case !now.Before(remind):
		cards = append(cards, Card{Key: "case:" + id.String() + ":reminder:" + c.DueDate.String(), Level: LevelReminder, Rule: RuleCaseReminder, CaseID: &id, DepartmentID: &dept,
			Title: "即将到期：" + label, Reason: fmt.Sprintf("承诺时限 %s 届满，请抓紧办理", c.DueDate), DeadlineAt: &due})
		alarms = append(alarms, Alarm{At: due, Rule: RuleCaseOverdue})
	default:
		alarms = append(alarms, Alarm{At: remind, Rule: RuleCaseReminder}, Alarm{At: due, Rule: RuleCaseOverdue})
	}
	for _, s := range c.Steps {
		if !s.Active || s.DueAt == nil {
			continue
		}
		sid := s.ID
		if !now.Before(*s.DueAt) {
			d := *s.DueAt
			cards = append(cards, Card{Key: fmt.Sprintf("step:%s:r%d", s.ID, s.Round), Level: LevelYellow, Rule: RuleStepOverrun, CaseID: &id, StepID: &sid,
				DepartmentID: s.DepartmentID, Title: "环节超时：" + s.Name + " · " + label,
				Reason: fmt.Sprintf("「%s」环节已超过本环节时限（%s 届满），即使办件总时限未到亦须纠正", s.Name, calendar.DateOf(d.Add(-time.Second))), DeadlineAt: &d})
		} else {
			alarms = append(alarms, Alarm{At: *s.DueAt, Rule: RuleStepOverrun, Ref: s.ID.String()})
		}
	}
	return cards, alarms, nil
}
