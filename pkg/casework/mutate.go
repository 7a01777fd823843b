package casework

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenant"
)

// mut is one mutation in progress: the locked case and everything derived from it.
type mut struct {
	tx     txn
	a      actor.Actor
	t      *tenant.Tenant
	now    time.Time
	c      *Case
	ver    *catalogue.Version
	steps  []Step
	eng    *engine
	pauses []*Pause
	events []Event
	data   map[string]any
	before string
	// onlyIfMoved makes the mutation write nothing unless a deadline moved (recompute).
	onlyIfMoved bool
}

// deadlines snapshots every derived instant, to tell whether a recompute moved any.
func (m *mut) deadlines() string {
	var b strings.Builder
	for _, t := range []*time.Time{m.c.DueAt, m.c.AcceptanceDueAt, m.c.DeliveryDueAt} {
		if t != nil {
			b.WriteString(t.UTC().Format(time.RFC3339))
		}
		b.WriteByte('|')
	}
	for i := range m.steps {
		if m.steps[i].DueAt != nil {
			b.WriteString(m.steps[i].DueAt.UTC().Format(time.RFC3339))
		}
		b.WriteByte('|')
	}
	return b.String()
}

// mutate locks the case, runs fn, derives the clock again, checks the clock-stop
// rule, saves, writes the timeline and the audit event — all in one transaction.
func (s *Service) mutate(ctx context.Context, a actor.Actor, id uuid.UUID, action string, fn func(m *mut) error) (*Detail, error) {
	t, err := s.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendars.For(ctx, t)
	if err != nil {
		return nil, err
	}
	scope := db.TenantScope(t.ID, a.UserID)
	depts, err := s.store.departmentCodes(ctx, scope, t.ID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	err = s.store.inTx(ctx, scope, func(tx txn) error {
		l, err := tx.lockCase(s.store, t.ID, id)
		if err != nil {
			return err
		}
		m := &mut{tx: tx, a: a, t: t, now: now, data: map[string]any{}, c: l.c, ver: l.ver, before: l.c.Status, steps: l.steps, pauses: l.pauses}
		planned := len(m.steps) == 0
		if planned {
			// Not accepted yet: the steps exist only as planned (see Intake).
			m.steps = instantiate(m.ver.Flowchart, t.ID, m.c.ID, depts)
		}
		m.eng = newEngine(m.ver.Flowchart, m.steps)
		if err := fn(m); err != nil {
			return err
		}
		s.evalClock(m)
		was := m.deadlines()
		ptrs := make([]*Step, len(m.steps))
		for i := range m.steps {
			ptrs[i] = &m.steps[i]
		}
		if err := derive(cal, m.c, ptrs, m.pauses); err != nil {
			return err
		}
		if m.onlyIfMoved && m.deadlines() == was {
			return errSkip
		}
		w := stepsUpdate
		if planned {
			w = stepsKeep
			if m.eng.started() {
				w = stepsInsert // acceptance: the steps are stored now, with their clocks
			}
		}
		after := map[string]any{"status": m.c.Status}
		if m.c.DueAt != nil {
			after["due_at"] = m.c.DueAt.Format(time.RFC3339)
		}
		return tx.saveCase(m.c, m.steps, w, m.pauses, m.timeline(), a, now, audit.Event{Action: "case." + action, ObjectType: "case",
			ObjectID: id.String(), Before: map[string]any{"status": m.before}, After: after, Data: m.data})
	})
	if err != nil {
		return nil, err
	}
	s.notify(ctx, t, id)
	return s.Get(ctx, scope, id)
}

// timeline completes the mutation's new timeline entries (IDs, the case, when, who).
func (m *mut) timeline() []Event {
	for i := range m.events {
		e := &m.events[i]
		e.ID = uuid.Must(uuid.NewV7())
		e.TenantID, e.CaseID, e.At = m.c.TenantID, m.c.ID, m.now
		if e.ActorName == "" {
			e.ActorName = m.a.Name()
		}
	}
	return m.events
}

// evalClock applies the clock-stop rule for uncounted steps: while work is under way
// and none of it counts toward the legal clock, the case's clock stands still.
func (s *Service) evalClock(m *mut) {
	if m.c.Paused {
		return
	}
	should := m.c.Status == StatusInProgress && m.eng.onlyUncounted()
	var ongoing *Pause
	for _, p := range m.pauses {
		if p.Kind == PauseUncounted && p.EndedAt == nil {
			ongoing = p
		}
	}
	switch {
	case should && ongoing == nil:
		m.pauses = append(m.pauses, &Pause{ID: uuid.Must(uuid.NewV7()), TenantID: m.c.TenantID, CaseID: m.c.ID, Kind: PauseUncounted, StartedAt: m.now})
		m.c.ClockStoppedAt = &m.now
	case !should && ongoing != nil:
		now := m.now
		ongoing.EndedAt = &now
		m.c.ClockStoppedAt = nil
	}
}

// event adds a timeline entry; its note is rendered from the "case_event.<kind>"
// template (stored in Chinese, localized on read from params).
func (m *mut) event(kind, step string, public bool, params apperr.Params) {
	m.events = append(m.events, newEvent(kind, step, public, params))
}

func newEvent(kind, step string, public bool, params apperr.Params) Event {
	e := Event{Kind: kind, StepName: step, Public: public}
	if apperr.Registered("case_event." + kind) {
		if params == nil {
			params = apperr.Params{} // a fixed text: still rendered per language
		}
		e.Params = EventParams(params)
		e.Localize("zh-CN")
	}
	return e
}

// checkClerk: the acting clerk may decide on acceptance of c — at its window (the one
// window rule intake applies too, servicecentre.WindowFacts.Check), or for an online
// case at any window serving its department.
func (s *Service) checkClerk(tx txn, a actor.Actor, c *Case) error {
	if a.Kind != actor.KindUser {
		return nil
	}
	if c.WindowID != nil {
		f, err := tx.windowFacts(*c.WindowID, a.UserID)
		if err != nil {
			return err
		}
		return f.Check(a, c.DepartmentID)
	}
	ok, err := tx.servesDepartment(a.UserID, c.DepartmentID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Forbidden("casework.not_window_staff")
	}
	return nil
}

func illegal(c *Case, action string) error {
	return apperr.Conflict("casework.illegal_transition", apperr.Params{
		"action": action, "action_zh": actionLabels[action], "status": c.Status, "status_zh": StatusLabels[c.Status],
		"extra": map[string]any{"status": c.Status, "action": action},
	})
}

// StatusLabels are the Chinese names of a case's statuses (messages and exports).
var StatusLabels = map[string]string{
	StatusSubmitted: "已登记待受理", StatusCorrectionRequested: "待补正", StatusRefused: "不予受理",
	StatusInProgress: "办理中", StatusPendingDecision: "待决定", StatusApproved: "准予许可",
	StatusDenied: "不予许可", StatusDelivered: "已送达",
}

// actionLabels name the actions in the Chinese message of an illegal transition.
var actionLabels = map[string]string{
	"accept": "受理", "request-correction": "要求补正", "resubmit": "登记补正材料", "refuse": "不予受理",
	"complete a step": "办结环节", "return a step": "退回环节", "pause": "暂停计时", "extend": "延长期限",
	"decide": "作出决定", "deliver": "送达",
}
