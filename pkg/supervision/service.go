package supervision

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/calendar/tenantcal"
	"sunshine/pkg/casework"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/tenant"
)

// Task types.
const (
	// TypeCheck re-evaluates one case at an alarm's instant.
	TypeCheck = "supervision:check"
	// TypeSweep derives, from PostgreSQL, every card that is due and missing.
	TypeSweep = "supervision:sweep"
)

// CheckPayload is the payload of TypeCheck.
type CheckPayload struct {
	queue.Scope
	CaseID uuid.UUID `json:"case_id"`
	// At is the alarm's instant on the platform clock (absent in alarms armed before
	// it was added).
	At time.Time `json:"at,omitzero"`
}

// AlarmTask is the Asynq task and options that arm a case's alarm for instant at. skew is the
// platform clock minus the wall clock (non-zero in dev mode after time travel).
//
// Asynq keeps a scheduled task's instant in whole seconds and releases it once that
// second has begun, i.e. up to a second early. An alarm released early finds nothing
// due and, re-arming, collides with its own task ID, so the card would wait for the
// sweep. The instant is therefore rounded up to the next whole second.
func AlarmTask(t *tenant.Tenant, caseID uuid.UUID, at time.Time, skew time.Duration) (*asynq.Task, []asynq.Option) {
	p := CheckPayload{Scope: queue.Scope{TenantID: t.ID, TenantCode: t.Code}, CaseID: caseID, At: at}
	wall := at.Add(-skew)
	if r := wall.Truncate(time.Second); !r.Equal(wall) {
		wall = r.Add(time.Second)
	}
	return asynq.NewTask(TypeCheck, queue.Payload(p)), []asynq.Option{asynq.ProcessAt(wall), asynq.MaxRetry(10), asynq.Retention(time.Hour)}
}

// earlyWait bounds how long a handler waits for an alarm that rang before its instant
// (clocks of different machines differ a little); beyond it, it evaluates at once.
const earlyWait = 2 * time.Second

// Service runs the supervision rules and the supervisors' actions.
type Service struct {
	db       *db.DB
	tenants  *tenant.Registry
	cals     *tenantcal.Calendars
	queue    *queue.Client
	enforcer *authz.Enforcer
	clock    clock.Clock
	bus      *Bus
	notifier *Notifier
	log      *slog.Logger
}

// NewService builds the supervision service. q and bus may be nil (then no alarms
// are armed and nothing is broadcast; the sweep still derives every card).
func NewService(d *db.DB, tenants *tenant.Registry, cals *tenantcal.Calendars, q *queue.Client, enforcer *authz.Enforcer, c clock.Clock, bus *Bus, n *Notifier, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: d, tenants: tenants, cals: cals, queue: q, enforcer: enforcer, clock: c, bus: bus, notifier: n, log: log}
}

// CaseChanged implements casework.Hook: evaluate the case now and re-arm its alarms.
func (s *Service) CaseChanged(ctx context.Context, t *tenant.Tenant, caseID uuid.UUID) error {
	_, err := s.EvaluateCase(ctx, t, caseID)
	return err
}

// HandleCheck is the TypeCheck handler: the alarm rang; PostgreSQL decides.
func (s *Service) HandleCheck(ctx context.Context, task *asynq.Task) error {
	var p CheckPayload
	if err := queue.Decode(task, &p); err != nil {
		return err
	}
	t, err := s.tenants.ByID(ctx, p.TenantID)
	if err != nil {
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	}
	if d := p.At.Sub(s.clock.Now()); !p.At.IsZero() && d > 0 && d <= earlyWait {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err = s.EvaluateCase(ctx, t, p.CaseID)
	return err
}

func (s *Service) thresholds(ctx context.Context, t *tenant.Tenant) (Thresholds, *calendar.Calendar, error) {
	eff, err := s.tenants.Effective(ctx, t)
	if err != nil {
		return Thresholds{}, nil, err
	}
	cal, err := s.cals.For(ctx, t)
	if err != nil {
		return Thresholds{}, nil, err
	}
	th, err := ThresholdsFrom(t, eff)
	if err != nil {
		return Thresholds{}, nil, err
	}
	return th, cal, nil
}

// change is what one evaluation did, for the broadcast and the alarm clock after
// commit.
type change struct {
	created []CardRow
	updated []CardRow
	enqueue []alarmRow
	cancel  []alarmRow
	tenant  *tenant.Tenant
}

// EvaluateCase applies the rules to one case at the current time: creates the cards
// that are due (each at most once), resolves the cards whose work has finished, and
// re-arms the case's alarms. It returns the cards created.
func (s *Service) EvaluateCase(ctx context.Context, t *tenant.Tenant, caseID uuid.UUID) ([]CardRow, error) {
	th, cal, err := s.thresholds(ctx, t)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	ch := &change{tenant: t}
	// Cards, their audit events and notifications are derived from the case: a crash
	// that loses this commit loses it whole, and the next sweep makes it again. So it
	// does not wait for the disk (the alarm bench was bound by commit flushes).
	// Its reads plan for the case at hand: supervision_cards grows by thousands a
	// minute in a burst, and a generic plan cached while it was small scanned a
	// tenant's whole department index per alarm (first for the dedupe-key lookup, then,
	// on another host, for the cards of the case).
	scope := db.TenantScope(t.ID, uuid.Nil)
	scope.Derived, scope.CustomPlans = true, true
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		*ch = change{tenant: t}
		c, steps, err := casework.ReadClock(tx, t.ID, caseID)
		if err != nil || c == nil {
			return err
		}
		clockIn := CaseClock{ID: c.ID, TenantID: c.TenantID, TrackingNo: c.TrackingNo, PowerName: c.PowerName, DepartmentID: c.DepartmentID,
			Status: c.Status, Paused: c.Paused, DueDate: c.DueDate, DueAt: c.DueAt, DeemedAccepted: c.DeemedAccepted, FeeMismatch: c.FeeMismatch}
		// The case's cards (a handful), read once for the yellow card's finish-by date
		// and for resolution.
		var cards []CardRow
		if err := tx.Where("tenant_id = ? AND case_id = ?", t.ID, caseID).Find(&cards).Error; err != nil {
			return err
		}
		var open []CardRow
		for _, cd := range cards {
			if cd.DedupeKey == "case:"+caseID.String()+":yellow" {
				clockIn.YellowFinishBy = cd.FinishBy
			}
			if cd.Status == StatusActive || cd.Status == StatusAppealed {
				open = append(open, cd)
			}
		}
		active := map[uuid.UUID]int{}
		for _, st := range steps {
			clockIn.Steps = append(clockIn.Steps, StepClock{ID: st.ID, Name: st.Name, DepartmentID: st.DepartmentID, Round: st.Rounds, DueAt: st.DueAt, Active: true})
			active[st.ID] = st.Rounds
		}
		due, alarms, err := Evaluate(cal, th, clockIn, now)
		if err != nil {
			return fmt.Errorf("supervision: case %s of %s: %w", caseID, t.Code, err)
		}
		for _, cd := range due {
			row, ok, err := s.insertCard(tx, t, cd, now)
			if err != nil {
				return err
			}
			if ok {
				ch.created = append(ch.created, row)
			}
		}
		resolved, err := s.resolve(tx, t, open, casework.Open(c.Status), active, now)
		if err != nil {
			return err
		}
		ch.updated = append(ch.updated, resolved...)
		// The ladder moves up: the cards just issued (and any issued before) supersede
		// the open lower rungs, in this transaction.
		done := map[uuid.UUID]bool{}
		for _, r := range resolved {
			done[r.ID] = true
		}
		ladder := make([]CardRow, 0, len(cards)+len(ch.created))
		for _, cd := range cards {
			if !done[cd.ID] {
				ladder = append(ladder, cd)
			}
		}
		ladder = append(ladder, ch.created...)
		superseded, err := s.supersede(tx, t, ladder, now)
		if err != nil {
			return err
		}
		ch.updated = append(ch.updated, superseded...)
		return s.rearm(tx, t, caseID, alarms, now, ch)
	})
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, ch)
	return ch.created, nil
}

// insertCard creates a card unless its key exists; a created card is audited and its
// people notified, in the same transaction.
func (s *Service) insertCard(tx *gorm.DB, t *tenant.Tenant, cd Card, now time.Time) (CardRow, bool, error) {
	row := CardRow{ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, DedupeKey: cd.Key, Level: cd.Level, Rule: cd.Rule, CaseID: cd.CaseID,
		StepID: cd.StepID, ObjectRef: cd.ObjectRef, DepartmentID: cd.DepartmentID, Title: cd.Title, Reason: cd.Reason,
		DeadlineAt: cd.DeadlineAt, FinishBy: cd.FinishBy, Status: StatusActive, CreatedAt: now}
	res := tx.Exec(`INSERT INTO supervision_cards (id, tenant_id, dedupe_key, level, rule, case_id, step_id, object_ref, department_id,
			title, reason, deadline_at, finish_by, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?) ON CONFLICT (tenant_id, dedupe_key) DO NOTHING`,
		row.ID, row.TenantID, row.DedupeKey, row.Level, row.Rule, row.CaseID, row.StepID, row.ObjectRef, row.DepartmentID,
		row.Title, row.Reason, row.DeadlineAt, row.FinishBy, row.CreatedAt)
	if res.Error != nil {
		return row, false, db.Classify(res.Error)
	}
	if res.RowsAffected == 0 {
		return row, false, nil
	}
	a := actor.System(t.ID, t.Code)
	data := map[string]any{"level": row.Level, "rule": row.Rule, "title": row.Title}
	if row.CaseID != nil {
		data["case_id"] = row.CaseID.String()
	}
	if err := audit.Record(tx, a, now, audit.Event{Action: "supervision.card", ObjectType: "card", ObjectID: row.ID.String(), After: data}); err != nil {
		return row, false, err
	}
	if s.notifier != nil {
		if err := s.notifier.CardCreated(tx, t, row, now); err != nil {
			return row, false, err
		}
	}
	return row, true, nil
}

// resolve records resolution for cards whose work has finished: a case's cards once it
// leaves its open states, a step's card once that round of the step is no longer
// active.
// open are the case's active and appealed cards as read at the start of the
// evaluation (a card created by it is never finished by it).
func (s *Service) resolve(tx *gorm.DB, t *tenant.Tenant, open []CardRow, caseOpen bool, active map[uuid.UUID]int, now time.Time) ([]CardRow, error) {
	var done []CardRow
	for _, cd := range open {
		finished := !caseOpen
		if cd.StepID != nil && !finished {
			round, ok := active[*cd.StepID]
			finished = !ok || fmt.Sprintf("step:%s:r%d", cd.StepID, round) != cd.DedupeKey
		}
		if !finished {
			continue
		}
		reason := "办件已办结或已终止，监察卡随之办结"
		if cd.StepID != nil && caseOpen {
			reason = "该环节本轮已完成，监察卡随之办结"
		}
		if err := tx.Model(&CardRow{}).Where("id = ?", cd.ID).Updates(map[string]any{"status": StatusResolved, "resolved_at": now,
			"resolution": ResolutionFinished, "resolve_reason": reason}).Error; err != nil {
			return nil, db.Classify(err)
		}
		if err := audit.Record(tx, actor.System(t.ID, t.Code), now, audit.Event{Action: "supervision.resolve", ObjectType: "card", ObjectID: cd.ID.String(),
			Before: map[string]any{"status": cd.Status}, After: map[string]any{"status": StatusResolved, "resolution": ResolutionFinished}}); err != nil {
			return nil, err
		}
		cd.Status, cd.ResolvedAt, cd.Resolution, cd.ResolveReason = StatusResolved, &now, ResolutionFinished, reason
		done = append(done, cd)
	}
	return done, nil
}

// supersede resolves the open cards of a case that a higher rung of its deadline
// ladder supersedes (Supersessions), each with its reason and the superseding card,
// audited as the system in the caller's transaction.
func (s *Service) supersede(tx *gorm.DB, t *tenant.Tenant, cards []CardRow, now time.Time) ([]CardRow, error) {
	sup := Supersessions(cards)
	var done []CardRow
	for _, cd := range cards {
		by, ok := sup[cd.ID]
		if !ok {
			continue
		}
		reason := "已升级为黄牌（超期未办结），本提醒随之办结"
		if by.Level == LevelRed {
			reason = "已升级为红牌（黄牌限办日期已过仍未办结），本卡随之办结"
		}
		res := tx.Model(&CardRow{}).Where("id = ? AND status IN ('active', 'appealed')", cd.ID).Updates(map[string]any{"status": StatusResolved,
			"resolved_at": now, "resolution": ResolutionSuperseded, "resolve_reason": reason, "superseded_by": by.ID})
		if res.Error != nil {
			return nil, db.Classify(res.Error)
		}
		if res.RowsAffected == 0 {
			continue
		}
		if err := audit.Record(tx, actor.System(t.ID, t.Code), now, audit.Event{Action: "supervision.supersede", ObjectType: "card", ObjectID: cd.ID.String(),
			Before: map[string]any{"status": cd.Status, "level": cd.Level},
			After:  map[string]any{"status": StatusResolved, "resolution": ResolutionSuperseded, "superseded_by": by.ID.String(), "by_level": by.Level}}); err != nil {
			return nil, err
		}
		byID := by.ID
		cd.Status, cd.ResolvedAt, cd.Resolution, cd.ResolveReason, cd.SupersededBy = StatusResolved, &now, ResolutionSuperseded, reason, &byID
		done = append(done, cd)
	}
	return done, nil
}

// rearm makes the case's armed alarms exactly the wanted ones: rows for alarms no longer
// wanted (or already past) are removed and their tasks cancelled after commit; new ones
// are recorded and enqueued after commit.
func (s *Service) rearm(tx *gorm.DB, t *tenant.Tenant, caseID uuid.UUID, alarms []Alarm, now time.Time, ch *change) error {
	var have []alarmRow
	if err := tx.Where("tenant_id = ? AND case_id = ?", t.ID, caseID).Find(&have).Error; err != nil {
		return err
	}
	want := map[string]Alarm{}
	for _, a := range alarms {
		if a.At.After(now) {
			want[a.TaskID(caseID)] = a
		}
	}
	q := queue.QueueName(s.queue != nil && s.queue.PerTenant(), t.Code, queue.Critical)
	kept := map[string]bool{}
	for _, h := range have {
		if _, ok := want[h.TaskID]; ok {
			kept[h.TaskID] = true
			continue
		}
		if err := tx.Exec(`DELETE FROM supervision_alarms WHERE tenant_id = ? AND case_id = ? AND task_id = ?`, t.ID, caseID, h.TaskID).Error; err != nil {
			return err
		}
		if h.FireAt.After(now) {
			ch.cancel = append(ch.cancel, h)
		}
	}
	for id, a := range want {
		if kept[id] {
			continue
		}
		row := alarmRow{TenantID: t.ID, CaseID: caseID, TaskID: id, Queue: q, FireAt: a.At}
		if err := tx.Create(&row).Error; err != nil {
			return db.Classify(err)
		}
		ch.enqueue = append(ch.enqueue, row)
	}
	return nil
}

// afterCommit talks to Redis: alarms, and the live stream. Failures only delay things
// until the sweep.
func (s *Service) afterCommit(ctx context.Context, ch *change) {
	if s.queue != nil {
		// Alarms are computed on the platform clock; Asynq runs on the wall clock.
		// They differ in dev mode after time travel (and under a fake clock in tests).
		skew := s.clock.Now().Sub(time.Now())
		for _, a := range ch.cancel {
			if err := s.queue.CancelIn(a.Queue, a.TaskID); err != nil {
				s.log.Warn("supervision: cancel alarm", "task", a.TaskID, "error", err)
			}
		}
		for _, a := range ch.enqueue {
			task, opts := AlarmTask(ch.tenant, a.CaseID, a.FireAt, skew)
			err := s.queue.EnqueueIn(ctx, task, a.Queue, append(opts, asynq.TaskID(a.TaskID))...)
			if err != nil {
				s.log.Warn("supervision: arm alarm", "task", a.TaskID, "error", err)
			}
		}
	}
	if s.bus != nil {
		for _, c := range ch.created {
			s.bus.Publish(ctx, Event{Type: "card.created", TenantID: ch.tenant.ID, TenantCode: ch.tenant.Code, Card: c})
		}
		for _, c := range ch.updated {
			s.bus.Publish(ctx, Event{Type: "card.updated", TenantID: ch.tenant.ID, TenantCode: ch.tenant.Code, Card: c})
		}
	}
}

// sweepLockKey serialises sweeps across replicas.
const sweepLockKey = 0x5375705377 // "SupSw"

// SweepReport says what a sweep did.
type SweepReport struct {
	Cases     int  `json:"cases"`
	Cards     int  `json:"cards"`
	Filings   int  `json:"filings"`
	Escalated int  `json:"escalated"`
	Skipped   bool `json:"skipped"`
	// Failed counts the objects (cases, filings, notices, tenants' thresholds) whose
	// processing failed; FailedTenants names their tenants. Each failure is logged
	// and the sweep goes on with everything else.
	Failed        int      `json:"failed"`
	FailedTenants []string `json:"failed_tenants,omitempty"`
}

// fail records one tenant's failure in the report and the log.
func (s *Service) fail(ctx context.Context, rep *SweepReport, t *tenant.Tenant, what string, err error) {
	code := "?"
	if t != nil {
		code = t.Code
	}
	rep.Failed++
	if !slices.Contains(rep.FailedTenants, code) {
		rep.FailedTenants = append(rep.FailedTenants, code)
	}
	if ctx.Err() == nil {
		s.log.Error("supervision sweep: one tenant's work failed; the others go on", "tenant", code, "what", what, "error", err)
	}
}

// Sweep derives from PostgreSQL everything that is due and has no card yet (or whose
// cards should be resolved), across every tenant, one replica at a time. It is the
// safety net under the alarms: with Redis wiped, a sweep restores every card.
//
// One tenant's failure — bad stored settings, an error, even a panic while processing
// one of its cases — is logged and counted in the report, and never stops the other
// tenants' work. Only what all tenants share (the lock, the tenant list, the candidate
// queries) fails the sweep as a whole.
func (s *Service) Sweep(ctx context.Context) (SweepReport, error) {
	var rep SweepReport
	sqlDB, err := s.db.Gorm(ctx).DB()
	if err != nil {
		return rep, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return rep, err
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, sweepLockKey).Scan(&got); err != nil {
		return rep, err
	}
	if !got {
		rep.Skipped = true
		return rep, nil
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, sweepLockKey)

	tenants, err := s.tenants.All(ctx)
	if err != nil {
		return rep, err
	}
	cands, err := s.candidates(ctx, tenants, func(t *tenant.Tenant, err error) { s.fail(ctx, &rep, t, "thresholds", err) })
	if err != nil {
		return rep, err
	}
	byID := map[uuid.UUID]*tenant.Tenant{}
	for _, t := range tenants {
		byID[t.ID] = t
	}
	for _, c := range cands {
		t := byID[c.TenantID]
		if t == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		var created []CardRow
		err := queue.Isolate(func() (err error) {
			created, err = s.EvaluateCase(ctx, t, c.ID)
			return err
		})
		if err != nil {
			s.fail(ctx, &rep, t, "case "+c.ID.String(), err)
			continue
		}
		rep.Cases++
		rep.Cards += len(created)
	}
	n, err := s.sweepFilings(ctx, tenants, &rep)
	rep.Filings = n
	if err != nil {
		return rep, err
	}
	rep.Escalated, err = s.escalateNotices(ctx, tenants, &rep)
	return rep, err
}

type candidate struct {
	ID       uuid.UUID `gorm:"type:uuid"`
	TenantID uuid.UUID `gorm:"type:uuid"`
}

// candidateQuery is one of the sweep's index-driven queries.
type candidateQuery struct {
	name string
	sql  string
	args []any
}

// candidateQueries builds the sweep's queries: open cases whose reminder or deadline
// has come, active steps past their limit, deemed acceptances and fee mismatches, all
// lacking their card; and open cards whose work has finished.
// A tenant whose thresholds cannot be read (onFail hears why) is left out of the
// first query; its other candidates still come, and fail one by one.
func (s *Service) candidateQueries(ctx context.Context, tenants []*tenant.Tenant, onFail func(*tenant.Tenant, error)) ([]candidateQuery, error) {
	now := s.clock.Now()
	// Per tenant, the latest due date whose reminder instant has come; the latest of
	// them bounds the index range scan, the per-tenant one filters.
	var cutoffs []string
	var args []any
	var latest calendar.Date
	for _, t := range tenants {
		th, cal, err := s.thresholds(ctx, t)
		if err != nil {
			if onFail != nil {
				onFail(t, err)
			}
			continue
		}
		cut := calendar.DateOf(now)
		for d := cut; d.Before(cut.AddDays(40)); d = d.AddDays(1) {
			at, err := reminderAt(cal, d, th)
			if err != nil || at.After(now) {
				break
			}
			cut = d
		}
		cutoffs = append(cutoffs, "(?::uuid, ?::date)")
		args = append(args, t.ID, cut.String())
		if cut.After(latest) {
			latest = cut
		}
	}
	if len(cutoffs) == 0 {
		return nil, nil
	}
	return []candidateQuery{
		{"cases due (reminder, yellow, red)", `SELECT c.id, c.tenant_id FROM ` + casework.CaseClockView + ` c JOIN (VALUES ` + strings.Join(cutoffs, ",") + `) v(tenant_id, cutoff) ON v.tenant_id = c.tenant_id
			WHERE c.status IN ('in_progress', 'pending_decision') AND NOT c.paused AND c.due_date <= ?::date AND c.due_date <= v.cutoff
			  AND (
			    (c.due_at > ? AND NOT EXISTS (SELECT 1 FROM supervision_cards k WHERE k.tenant_id = c.tenant_id AND k.dedupe_key = 'case:' || c.id || ':reminder:' || c.due_date))
			 OR (c.due_at <= ? AND NOT EXISTS (SELECT 1 FROM supervision_cards k WHERE k.tenant_id = c.tenant_id AND k.dedupe_key = 'case:' || c.id || ':yellow'))
			 OR (c.due_at <= ? AND NOT EXISTS (SELECT 1 FROM supervision_cards k WHERE k.tenant_id = c.tenant_id AND k.dedupe_key = 'case:' || c.id || ':red')
			                   AND EXISTS (SELECT 1 FROM supervision_cards k WHERE k.tenant_id = c.tenant_id AND k.dedupe_key = 'case:' || c.id || ':yellow' AND k.finish_by <= ?)))`,
			append(append(args, latest.String()), now, now, now, now)},
		{"steps past their limit", `SELECT DISTINCT st.case_id AS id, st.tenant_id FROM ` + casework.StepClockView + ` st JOIN ` + casework.CaseClockView + ` c ON c.id = st.case_id
			WHERE st.status = 'active' AND st.due_at <= ? AND NOT c.paused AND c.status = 'in_progress'
			  AND NOT EXISTS (SELECT 1 FROM supervision_cards k WHERE k.tenant_id = st.tenant_id AND k.dedupe_key = 'step:' || st.id || ':r' || st.rounds)`,
			[]any{now}},
		{"deemed acceptances and fee mismatches", `SELECT c.id, c.tenant_id FROM ` + casework.CaseClockView + ` c WHERE c.deemed_accepted
			  AND NOT EXISTS (SELECT 1 FROM supervision_cards k WHERE k.tenant_id = c.tenant_id AND k.dedupe_key = 'case:' || c.id || ':deemed')
			UNION SELECT c.id, c.tenant_id FROM ` + casework.CaseClockView + ` c WHERE c.fee_mismatch
			  AND NOT EXISTS (SELECT 1 FROM supervision_cards k WHERE k.tenant_id = c.tenant_id AND k.dedupe_key = 'case:' || c.id || ':fee')`, nil},
		{"open cards whose work finished", `SELECT DISTINCT k.case_id AS id, k.tenant_id FROM supervision_cards k JOIN ` + casework.CaseClockView + ` c ON c.id = k.case_id
			LEFT JOIN ` + casework.StepClockView + ` st ON st.id = k.step_id
			WHERE k.status IN ('active', 'appealed') AND (
			      c.status NOT IN ('submitted', 'in_progress', 'pending_decision')
			   OR (k.step_id IS NOT NULL AND (st.status <> 'active' OR k.dedupe_key <> 'step:' || st.id || ':r' || st.rounds))
			   OR (k.rule IN ('case_reminder', 'case_overdue') AND EXISTS (SELECT 1 FROM supervision_cards h
			         WHERE h.tenant_id = k.tenant_id AND h.case_id = k.case_id AND h.status <> 'cancelled' AND h.created_at >= k.created_at
			           AND (h.rule = 'case_red' OR (k.rule = 'case_reminder' AND h.rule = 'case_overdue')))))`, nil},
	}, nil
}

// candidates finds the cases that may need a card or a resolution now.
func (s *Service) candidates(ctx context.Context, tenants []*tenant.Tenant, onFail func(*tenant.Tenant, error)) ([]candidate, error) {
	qs, err := s.candidateQueries(ctx, tenants, onFail)
	if err != nil {
		return nil, err
	}
	seen := map[uuid.UUID]bool{}
	var out []candidate
	err = s.db.Tx(ctx, db.ReadOnlyScope(tenant.IDs(tenants)), func(tx *gorm.DB) error {
		for _, q := range qs {
			var rows []candidate
			if err := tx.Raw(q.sql, q.args...).Scan(&rows).Error; err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			for _, r := range rows {
				if !seen[r.ID] {
					seen[r.ID] = true
					out = append(out, r)
				}
			}
		}
		return nil
	})
	return out, err
}

// ExplainSweep returns the query plans (EXPLAIN ANALYZE) of the sweep's queries, to
// show that they walk indexes rather than scan tables.
func (s *Service) ExplainSweep(ctx context.Context) (map[string]string, error) {
	tenants, err := s.tenants.All(ctx)
	if err != nil {
		return nil, err
	}
	qs, err := s.candidateQueries(ctx, tenants, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	err = s.db.Tx(ctx, db.ReadOnlyScope(tenant.IDs(tenants)), func(tx *gorm.DB) error {
		for _, q := range qs {
			var lines []string
			if err := tx.Raw("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+q.sql, q.args...).Scan(&lines).Error; err != nil {
				return err
			}
			out[q.name] = strings.Join(lines, "\n")
		}
		return nil
	})
	return out, err
}

// sweepFilings cards catalogue filings that are overdue at the city (clause [6]: file
// within 5 working days of publication).
func (s *Service) sweepFilings(ctx context.Context, tenants []*tenant.Tenant, rep *SweepReport) (int, error) {
	now := s.clock.Now()
	var rows []struct {
		ID           uuid.UUID `gorm:"type:uuid"`
		TenantID     uuid.UUID `gorm:"type:uuid"`
		Code         string
		Name         string
		DepartmentID uuid.UUID `gorm:"type:uuid"`
		DueAt        time.Time
	}
	err := s.db.Tx(ctx, db.ReadOnlyScope(tenant.IDs(tenants)), func(tx *gorm.DB) error {
		return tx.Raw(`SELECT f.id, f.tenant_id, f.code, f.name, f.department_id, f.due_at FROM `+catalogue.FilingsView+` f
			WHERE f.status = 'pending' AND f.due_at <= ?
			  AND NOT EXISTS (SELECT 1 FROM supervision_cards k WHERE k.tenant_id = f.tenant_id AND k.dedupe_key = 'filing:' || f.id)`, now).Scan(&rows).Error
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range rows {
		t, err := s.tenants.ByID(ctx, f.TenantID)
		if err != nil {
			continue
		}
		dept, due := f.DepartmentID, f.DueAt
		cd := Card{Key: "filing:" + f.ID.String(), Level: LevelYellow, Rule: RuleFilingOverdue, ObjectRef: "filing:" + f.ID.String(), DepartmentID: &dept,
			Title: "职权目录逾期未备案：" + f.Name + "（" + f.Code + "）", Reason: fmt.Sprintf("公布后应于 5 个工作日内报市备案，已于 %s 逾期", calendar.DateOf(due.Add(-time.Second))), DeadlineAt: &due}
		ch := &change{tenant: t}
		err = queue.Isolate(func() error {
			return s.db.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
				ch.created = nil
				row, ok, err := s.insertCard(tx, t, cd, now)
				if ok {
					ch.created = append(ch.created, row)
				}
				return err
			})
		})
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			s.fail(ctx, rep, t, "filing "+f.ID.String(), err)
			continue
		}
		s.afterCommit(ctx, ch)
		n += len(ch.created)
	}
	return n, nil
}

// Register wires the task handlers and the periodic sweep.
func (s *Service) Register(r *queue.Registry) {
	r.Handle(TypeCheck, s.HandleCheck)
	r.Handle(TypeSweep, func(ctx context.Context, _ *asynq.Task) error {
		rep, err := s.Sweep(ctx)
		if err == nil && (rep.Cards > 0 || rep.Filings > 0 || rep.Escalated > 0 || rep.Failed > 0) {
			s.log.Info("supervision sweep", "cases", rep.Cases, "cards", rep.Cards, "filings", rep.Filings, "escalated", rep.Escalated,
				"failed", rep.Failed, "failed_tenants", rep.FailedTenants)
		}
		return err
	})
	r.Every(queue.Periodic{Cron: "@every 1m", Type: TypeSweep, Queue: queue.Critical, Unique: 50 * time.Second})
}
