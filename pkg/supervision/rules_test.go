package supervision

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"sunshine/pkg/calendar"
	"sunshine/pkg/tenant"
)

var sh = calendar.Location()

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, sh) }

func clockDue(due string) CaseClock {
	d, _ := calendar.ParseDate(due)
	end := d.End()
	return CaseClock{ID: uuid.New(), TrackingNo: "T1", PowerName: "P", DepartmentID: uuid.New(), Status: "in_progress", DueDate: &d, DueAt: &end}
}

func mustEvaluate(t *testing.T, cal *calendar.Calendar, th Thresholds, c CaseClock, now time.Time) ([]Card, []Alarm) {
	t.Helper()
	cards, alarms, err := Evaluate(cal, th, c, now)
	if err != nil {
		t.Fatal(err)
	}
	return cards, alarms
}

func levels(cards []Card) string {
	var out []string
	for _, c := range cards {
		out = append(out, c.Rule)
	}
	return strings.Join(out, ",")
}

// TestLadderAcrossWeekendsAndHolidays: the reminder comes at the start of the last
// working day before the deadline, the yellow card when it passes, the red card when
// the finish-by date (3 working days later) passes — all counted in working days.
func TestLadderAcrossWeekendsAndHolidays(t *testing.T) {
	cal, err := calendar.National()
	if err != nil {
		t.Fatal(err)
	}
	th := DefaultThresholds
	cases := []struct {
		name   string
		due    string
		now    time.Time
		rules  string
		alarms int
	}{
		// Due Friday 2026-11-06: quiet on Thursday, reminder from Friday 00:00.
		{"before the reminder", "2026-11-06", at(2026, 11, 5, 23, 59), "", 2},
		{"reminder on the last day", "2026-11-06", at(2026, 11, 6, 0, 0), "case_reminder", 1},
		// Overdue from Saturday 00:00; finish-by is 3 working days later: Mon, Tue, Wed.
		{"yellow after the deadline", "2026-11-06", at(2026, 11, 7, 0, 0), "case_overdue", 1},
		{"still yellow on Wednesday", "2026-11-06", at(2026, 11, 11, 23, 59), "case_overdue", 1},
		{"red after the finish-by date", "2026-11-06", at(2026, 11, 12, 0, 0), "case_overdue,case_red", 0},
		// Due Wednesday 2026-09-30, before 国庆: yellow from 10-01, finish-by counts
		// 10-08, 10-09 and the make-up Saturday 10-10, so red only from 10-11.
		{"holiday finish-by still yellow", "2026-09-30", at(2026, 10, 10, 12, 0), "case_overdue", 1},
		{"holiday finish-by red", "2026-09-30", at(2026, 10, 11, 0, 0), "case_overdue,case_red", 0},
		// Due on the make-up Saturday 2026-10-10: the reminder comes that Saturday.
		{"reminder on a make-up Saturday", "2026-10-10", at(2026, 10, 10, 8, 0), "case_reminder", 1},
		// Due Monday 2026-02-23? That is 春节; deadlines are working days, so take Tuesday
		// 2026-02-24: the reminder is on the 24th itself, not during the holiday.
		{"no reminder during 春节", "2026-02-24", at(2026, 2, 20, 10, 0), "", 2},
	}
	for _, tc := range cases {
		c := clockDue(tc.due)
		cards, alarms := mustEvaluate(t, cal, th, c, tc.now)
		if got := levels(cards); got != tc.rules || len(alarms) != tc.alarms {
			t.Errorf("%s: cards %q alarms %d, want %q %d", tc.name, got, len(alarms), tc.rules, tc.alarms)
		}
	}
}

func TestPausedAndClosedCasesAreQuiet(t *testing.T) {
	cal, _ := calendar.National()
	c := clockDue("2026-11-06")
	c.Paused = true
	if cards, alarms := mustEvaluate(t, cal, DefaultThresholds, c, at(2026, 11, 20, 0, 0)); len(cards)+len(alarms) != 0 {
		t.Fatalf("a paused case: %v %v", cards, alarms)
	}
	c.Paused, c.Status = false, "approved"
	if cards, alarms := mustEvaluate(t, cal, DefaultThresholds, c, at(2026, 11, 20, 0, 0)); len(cards)+len(alarms) != 0 {
		t.Fatalf("a decided case: %v %v", cards, alarms)
	}
}

// TestStepOverrunsWhileTheCaseIsInTime: a single step overrunning its own limit is a
// card even though the case's deadline is far.
func TestStepOverrunsWhileTheCaseIsInTime(t *testing.T) {
	cal, _ := calendar.National()
	c := clockDue("2026-12-31")
	stepDue := at(2026, 11, 10, 0, 0)
	c.Steps = []StepClock{{ID: uuid.New(), Name: "规划审查", Round: 2, DueAt: &stepDue, Active: true}}
	cards, _ := mustEvaluate(t, cal, DefaultThresholds, c, at(2026, 11, 10, 0, 0))
	if levels(cards) != "step_overrun" || !strings.HasSuffix(cards[0].Key, ":r2") {
		t.Fatalf("%+v", cards)
	}
	_, alarms := mustEvaluate(t, cal, DefaultThresholds, c, at(2026, 11, 9, 12, 0))
	found := false
	for _, a := range alarms {
		found = found || (a.Rule == RuleStepOverrun && a.At.Equal(stepDue))
	}
	if !found {
		t.Fatalf("the step's instant must be armed: %+v", alarms)
	}
}

func TestThresholdsFromSettingsAndLongerReminder(t *testing.T) {
	th, err := ThresholdsFrom(nil, map[string]any{"reminder_working_days": float64(3), "red_card_after_working_days": float64(5)})
	if err != nil {
		t.Fatal(err)
	}
	if th.ReminderWorkingDays != 3 || th.RedAfterWorkingDays != 5 {
		t.Fatal(th)
	}
	cal, _ := calendar.National()
	// Due Monday 2026-11-09; three working days before its end starts Thursday 11-05.
	c := clockDue("2026-11-09")
	if cards, _ := mustEvaluate(t, cal, th, c, at(2026, 11, 4, 23, 0)); len(cards) != 0 {
		t.Fatal("too early")
	}
	if cards, _ := mustEvaluate(t, cal, th, c, at(2026, 11, 5, 0, 0)); levels(cards) != "case_reminder" {
		t.Fatal("reminder expected on Thursday")
	}
}

func TestDeemedAndFeeCardsAndDeterministicAlarms(t *testing.T) {
	cal, _ := calendar.National()
	c := clockDue("2026-11-06")
	c.DeemedAccepted, c.FeeMismatch = true, true
	cards, alarms := mustEvaluate(t, cal, DefaultThresholds, c, at(2026, 11, 2, 9, 0))
	if levels(cards) != "deemed_acceptance,fee_mismatch" {
		t.Fatal(levels(cards))
	}
	_, again := mustEvaluate(t, cal, DefaultThresholds, c, at(2026, 11, 2, 15, 0))
	if alarms[0].TaskID(c.ID) != again[0].TaskID(c.ID) {
		t.Fatal("the same clock must arm the same task IDs")
	}
}

// TestExtensionMovesTheLadder: once an extension moves the due date, the old deadline
// calls for nothing and the alarms follow the new one.
func TestExtensionMovesTheLadder(t *testing.T) {
	cal, _ := calendar.National()
	c := clockDue("2026-11-06")
	now := at(2026, 11, 9, 10, 0) // past the old deadline
	if cards, _ := mustEvaluate(t, cal, DefaultThresholds, c, now); levels(cards) != "case_overdue" {
		t.Fatalf("before the extension: %s", levels(cards))
	}
	// +10 working days: 11-09 … 11-20.
	ext := clockDue("2026-11-20")
	ext.ID = c.ID
	cards, alarms := mustEvaluate(t, cal, DefaultThresholds, ext, now)
	if len(cards) != 0 || len(alarms) != 2 || !alarms[1].At.Equal(calendar.NewDate(2026, 11, 20).End()) {
		t.Fatalf("after the extension: %v %+v", levels(cards), alarms)
	}
}

// TestAlarmsNeverRingEarly: Asynq releases a task once its whole second has begun, so
// an alarm is armed at its instant rounded up to the second (an early alarm would find
// nothing due and collide with its own task ID when re-arming); the payload carries
// the instant on the platform clock, and the wall time follows the clock skew.
func TestAlarmsNeverRingEarly(t *testing.T) {
	tn := &tenant.Tenant{ID: uuid.New(), Code: "410581"}
	processAt := func(opts []asynq.Option) time.Time {
		for _, o := range opts {
			if o.Type() == asynq.ProcessAtOpt {
				return o.Value().(time.Time)
			}
		}
		t.Fatal("no ProcessAt option")
		return time.Time{}
	}
	due := time.Date(2026, 10, 15, 23, 59, 59, 300_000_000, sh)
	task, opts := AlarmTask(tn, uuid.New(), due, 0)
	if got := processAt(opts); !got.Equal(time.Date(2026, 10, 16, 0, 0, 0, 0, sh)) {
		t.Fatalf("a fractional instant rounds up to the next second: %s", got)
	}
	var p CheckPayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil || !p.At.Equal(due) || p.TenantCode != "410581" {
		t.Fatalf("payload: %+v %v", p, err)
	}
	whole := time.Date(2026, 10, 16, 0, 0, 0, 0, sh)
	if _, opts := AlarmTask(tn, uuid.New(), whole, 0); !processAt(opts).Equal(whole) {
		t.Fatal("a whole-second instant is kept")
	}
	// Platform clock 48 h ahead of the wall clock (dev time travel): the wall instant is 48 h earlier.
	if _, opts := AlarmTask(tn, uuid.New(), whole, 48*time.Hour); !processAt(opts).Equal(whole.Add(-48 * time.Hour)) {
		t.Fatal("skew")
	}
}

// TestSupersessions: the deadline ladder only moves up, and only within one case.
func TestSupersessions(t *testing.T) {
	caseA, caseB := uuid.New(), uuid.New()
	t0 := at(2026, 10, 15, 0, 0)
	card := func(rule, status string, c uuid.UUID, created time.Time) CardRow {
		return CardRow{ID: uuid.New(), Rule: rule, Level: map[string]string{RuleCaseReminder: LevelReminder, RuleCaseOverdue: LevelYellow, RuleCaseRed: LevelRed}[rule],
			Status: status, CaseID: &c, CreatedAt: created}
	}
	remA := card(RuleCaseReminder, StatusActive, caseA, t0)
	yelA := card(RuleCaseOverdue, StatusActive, caseA, t0.Add(24*time.Hour))
	remB := card(RuleCaseReminder, StatusAppealed, caseB, t0)
	stepA := card(RuleStepOverrun, StatusActive, caseA, t0)
	stepA.Level = LevelYellow
	got := Supersessions([]CardRow{remA, yelA, remB, stepA})
	if len(got) != 1 || got[remA.ID].ID != yelA.ID {
		t.Fatalf("a yellow card supersedes its case's reminder only: %+v", got)
	}
	// Yellow and red issued together: the red card supersedes both lower rungs.
	redA := card(RuleCaseRed, StatusActive, caseA, yelA.CreatedAt)
	got = Supersessions([]CardRow{remA, yelA, redA})
	if len(got) != 2 || got[remA.ID].ID != redA.ID || got[yelA.ID].ID != redA.ID {
		t.Fatalf("red supersedes yellow and reminder: %+v", got)
	}
	// A cancelled yellow card supersedes nothing; a reminder issued after the yellow
	// card (the deadline was extended) stands; closed cards are left alone.
	cancelled := yelA
	cancelled.Status = StatusCancelled
	later := card(RuleCaseReminder, StatusActive, caseA, yelA.CreatedAt.Add(time.Hour))
	resolved := card(RuleCaseReminder, StatusResolved, caseA, t0)
	if got := Supersessions([]CardRow{remA, cancelled}); len(got) != 0 {
		t.Fatalf("a cancelled card supersedes nothing: %+v", got)
	}
	if got := Supersessions([]CardRow{yelA, later, resolved}); len(got) != 0 {
		t.Fatalf("a later reminder or a resolved card is not superseded: %+v", got)
	}
}
