package appraisal

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/files"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/tenant"
)

// TypeScore is the task that scores one run for one generation.
const TypeScore = "appraisal:score"

// TypeTick is the periodic task that keeps every active scheme's runs current: daily
// provisional scoring of open periods, final scoring of periods that closed.
const TypeTick = "appraisal:tick"

// ScorePayload is TypeScore's payload.
type ScorePayload struct {
	queue.Scope
	RunID      uuid.UUID `json:"run_id"`
	Generation int       `json:"generation"`
}

// TaskID is the deterministic task ID of a scoring request: one per scheme version,
// period, kind, revision and generation, so a doubled enqueue is one task.
func TaskID(r *Run) string {
	return fmt.Sprintf("appraisal:%s:%s:%s:r%d:g%d", r.VersionID, r.Period, r.Kind, r.Revision, r.Generation)
}

// RunRequest is POST /runs.
type RunRequest struct {
	SchemeID uuid.UUID `json:"scheme_id"`
	Period   string    `json:"period"`
}

// periodContext is what requesting a run needs to know about its period.
type periodContext struct {
	period  Period
	version *Version
	body    *Body
	closes  time.Time
	kind    string
}

// resolvePeriod checks a period against a scheme at now.
func (s *Service) resolvePeriod(ctx context.Context, tx *gorm.DB, city *tenant.Tenant, sc *Scheme, label string, now time.Time) (*periodContext, error) {
	p, err := ParsePeriod(label)
	if err != nil {
		return nil, err
	}
	if p.Kind != sc.PeriodKind {
		return nil, apperr.Invalid("appraisal.period_kind_mismatch", apperr.Params{"period": p.Label, "want": sc.PeriodKind, "want_zh": kindLabel(sc.PeriodKind)}).
			WithField("period", "appraisal.period_kind_mismatch", apperr.Params{"period": p.Label, "want": sc.PeriodKind, "want_zh": kindLabel(sc.PeriodKind)})
	}
	if p.Start.After(calendar.DateOf(now)) {
		return nil, apperr.Invalid("appraisal.period_not_started", apperr.Params{"period": p.Label}).
			WithField("period", "appraisal.period_not_started", apperr.Params{"period": p.Label})
	}
	v, err := versionInForce(tx, sc.ID, p.Start)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, apperr.Invalid("appraisal.no_version_in_force", apperr.Params{"period": p.Label}).
			WithField("period", "appraisal.no_version_in_force", apperr.Params{"period": p.Label})
	}
	body, err := v.Decode()
	if err != nil {
		return nil, err
	}
	cal, err := s.runCalendar(ctx, city)
	if err != nil {
		return nil, err
	}
	pc := &periodContext{period: p, version: v, body: body, closes: p.ClosesAt(cal, body.GraceWorkingDays), kind: KindProvisional}
	if !now.Before(pc.closes) {
		pc.kind = KindFinal
	}
	return pc, nil
}

func kindLabel(k string) string {
	switch k {
	case PeriodMonth:
		return "月"
	case PeriodQuarter:
		return "季度"
	}
	return "年度"
}

// RequestRun scores a period on demand: the provisional run while the period is open,
// the final one once it has closed (created, or scored again while still a draft).
// The run is returned at once in status scoring; the task scores it.
func (s *Service) RequestRun(ctx context.Context, a actor.Actor, in RunRequest) (*Run, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if in.SchemeID == uuid.Nil {
		return nil, apperr.Invalid("validation_failed").WithField("scheme_id", "required")
	}
	if strings.TrimSpace(in.Period) == "" {
		return nil, apperr.Invalid("validation_failed").WithField("period", "required")
	}
	run, err := s.ensureRun(ctx, a, city, in.SchemeID, in.Period, true)
	if err != nil {
		return nil, err
	}
	if err := s.dispatch(ctx, city, run); err != nil {
		return nil, err
	}
	return s.runByID(ctx, city, run.ID)
}

// ensureRun makes the run of (scheme, period) wait for scoring: it creates it, or asks
// for a new generation. force re-scores a run already scored today (on demand);
// without it (the daily tick) a provisional run scored today, or any final run already
// scored, is left as it is. It returns the run, or nil when nothing is to be done.
func (s *Service) ensureRun(ctx context.Context, a actor.Actor, city *tenant.Tenant, schemeID uuid.UUID, label string, force bool) (*Run, error) {
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	var out *Run
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		out = nil
		now := s.now()
		var sc Scheme
		if err := tx.Clauses(forUpdate).Where("id = ? AND tenant_id = ?", schemeID, city.ID).First(&sc).Error; err != nil {
			if apperr.IsKind(db.Classify(err), apperr.KindNotFound) && force {
				return apperr.Invalid("validation_failed").WithField("scheme_id", "appraisal.unknown_scheme")
			}
			return db.Classify(err)
		}
		if sc.Status != SchemeActive {
			return apperr.Invalid("appraisal.scheme_not_active").WithField("scheme_id", "appraisal.scheme_not_active")
		}
		pc, err := s.resolvePeriod(ctx, tx, city, &sc, label, now)
		if err != nil {
			return err
		}
		var run Run
		res := tx.Clauses(forUpdate).Where("scheme_id = ? AND period = ? AND kind = ?", sc.ID, pc.period.Label, pc.kind).
			Order("revision DESC").Limit(1).Find(&run)
		if res.Error != nil {
			return db.Classify(res.Error)
		}
		if res.RowsAffected == 0 {
			run = Run{ID: newID(), TenantID: city.ID, SchemeID: sc.ID, VersionID: pc.version.ID, VersionNumber: pc.version.Number,
				Period: pc.period.Label, PeriodKind: pc.period.Kind, PeriodStart: pc.period.Start, PeriodEnd: pc.period.End, Kind: pc.kind,
				Status: RunScoring, Generation: 1, AsOf: now, RequestedByName: a.Name(), CreatedAt: now, UpdatedAt: now,
				Definitions: []byte("{}"), Audience: uuidArray{}}
			run.TaskID = TaskID(&run)
			if err := tx.Create(&run).Error; err != nil {
				return db.Classify(err)
			}
			out = &run
			return audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.request", ObjectType: "appraisal_run", ObjectID: run.ID.String(),
				After: map[string]any{"scheme_id": sc.ID, "period": run.Period, "kind": run.Kind, "version": run.VersionNumber, "status": run.Status}})
		}
		switch run.Status {
		case RunScoring:
			out = &run // already waiting: the same task
			return nil
		case RunApproved, RunPublished, RunSuperseded, RunObjection:
			if !force {
				return nil
			}
			if run.Status != RunObjection {
				return apperr.Conflict("appraisal.run_locked", apperr.Params{"period": run.Period})
			}
		}
		if !force {
			if run.Kind == KindFinal && run.Status != RunFailed {
				return nil
			}
			if run.Kind == KindProvisional && calendar.DateOf(run.AsOf) == calendar.DateOf(now) && run.VersionID == pc.version.ID && run.Status != RunFailed {
				return nil
			}
		}
		next, err := runMachine.Next("rescore", run.Status)
		if err != nil {
			return err
		}
		before := map[string]any{"status": run.Status, "generation": run.Generation, "as_of": run.AsOf}
		run.Status, run.Generation, run.AsOf, run.VersionID, run.VersionNumber = next, run.Generation+1, now, pc.version.ID, pc.version.Number
		run.TaskID = TaskID(&run)
		if err := tx.Model(&run).Updates(map[string]any{"status": run.Status, "generation": run.Generation, "as_of": now,
			"version_id": run.VersionID, "version_number": run.VersionNumber, "task_id": run.TaskID, "requested_by_name": a.Name()}).Error; err != nil {
			return db.Classify(err)
		}
		out = &run
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.rescore", ObjectType: "appraisal_run", ObjectID: run.ID.String(),
			Before: before, After: map[string]any{"status": run.Status, "generation": run.Generation, "as_of": now}})
	})
	return out, err
}

// dispatch hands a run waiting for scoring to the queue (or, without one, scores it
// here and now).
func (s *Service) dispatch(ctx context.Context, city *tenant.Tenant, run *Run) error {
	if run == nil || run.Status != RunScoring {
		return nil
	}
	if s.queue == nil {
		return s.ScoreRun(ctx, run.ID, run.Generation)
	}
	t := asynq.NewTask(TypeScore, queue.Payload(ScorePayload{Scope: queue.Scope{TenantID: city.ID, TenantCode: city.Code}, RunID: run.ID, Generation: run.Generation}))
	return s.queue.Enqueue(ctx, t, city.Code, queue.Low, asynq.TaskID(run.TaskID), asynq.MaxRetry(5), asynq.Retention(24*time.Hour),
		asynq.Timeout(10*time.Minute))
}

// HandleScore is TypeScore's handler.
func (s *Service) HandleScore(ctx context.Context, t *asynq.Task) error {
	var p ScorePayload
	if err := queue.Decode(t, &p); err != nil {
		return err
	}
	err := s.ScoreRun(ctx, p.RunID, p.Generation)
	if err != nil && apperr.IsKind(err, apperr.KindNotFound) {
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	}
	if err != nil {
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, ok := asynq.GetMaxRetry(ctx)
		if ok && retried >= maxRetry {
			if ferr := s.FailRun(ctx, p.RunID, p.Generation, err); ferr != nil {
				s.log.Error("appraisal: recording a failed run", "run", p.RunID, "error", ferr)
			}
		}
	}
	return err
}

// FailRun records that scoring a run's generation failed for good (the last retry of
// its task): the run shows the error and may be scored again.
func (s *Service) FailRun(ctx context.Context, runID uuid.UUID, generation int, cause error) error {
	var run Run
	all, err := s.tenants.All(ctx)
	if err != nil {
		return err
	}
	var cities []uuid.UUID
	for _, t := range all {
		if t.Level == tenant.LevelCity {
			cities = append(cities, t.ID)
		}
	}
	if err := s.db.Tx(ctx, db.ReadOnlyScope(cities), func(tx *gorm.DB) error { return tx.Where("id = ?", runID).First(&run).Error }); err != nil {
		return db.Classify(err)
	}
	city, err := s.tenants.ByID(ctx, run.TenantID)
	if err != nil {
		return err
	}
	a := actor.System(city.ID, city.Code)
	msg := truncate(cause.Error(), 500)
	return s.db.Tx(ctx, db.TenantScope(city.ID, uuid.Nil), func(tx *gorm.DB) error {
		r, err := lockRun(tx, city.ID, runID)
		if err != nil {
			return err
		}
		if r.Status != RunScoring || r.Generation != generation {
			return nil
		}
		next, err := runMachine.Next("fail", r.Status)
		if err != nil {
			return err
		}
		if err := tx.Model(r).Updates(map[string]any{"status": next, "error": msg}).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, s.now(), audit.Event{Action: "appraisal_run.fail", ObjectType: "appraisal_run", ObjectID: r.ID.String(),
			Before: map[string]any{"status": r.Status}, After: map[string]any{"status": next}, Data: map[string]any{"error": msg, "generation": generation}})
	})
}

// Tick keeps every active scheme current, for every city: it scores open periods
// provisionally once a day, creates and scores the final run of each period that has
// closed (its last working day plus the scheme's grace working days), and re-sends
// runs still waiting for scoring (Redis may have lost their task).
func (s *Service) Tick(ctx context.Context) error {
	all, err := s.tenants.All(ctx)
	if err != nil {
		return err
	}
	for _, city := range all {
		if city.Level != tenant.LevelCity || !city.Active() {
			continue
		}
		if err := s.tickCity(ctx, city); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) tickCity(ctx context.Context, city *tenant.Tenant) error {
	a := actor.System(city.ID, city.Code)
	scope, _, err := s.cityScope(ctx, city, uuid.Nil)
	if err != nil {
		return err
	}
	var schemes []Scheme
	var waiting []Run
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id = ? AND status = ?", city.ID, SchemeActive).Order("created_at, id").Find(&schemes).Error; err != nil {
			return err
		}
		return tx.Where("tenant_id = ? AND status = ?", city.ID, RunScoring).Find(&waiting).Error
	})
	if err != nil {
		return db.Classify(err)
	}
	for i := range waiting {
		if err := s.dispatch(ctx, city, &waiting[i]); err != nil {
			return err
		}
	}
	today := calendar.DateOf(s.now())
	for _, sc := range schemes {
		cur := PeriodOf(sc.PeriodKind, today)
		// The current period and the one before it (still open during its grace days,
		// or closed and waiting for its final run).
		for _, p := range []Period{cur.Previous(), cur} {
			run, err := s.ensureRun(ctx, a, city, sc.ID, p.Label, false)
			if err != nil {
				if apperr.IsKind(err, apperr.KindInvalid) {
					continue // no version in force then: nothing to score
				}
				return err
			}
			if err := s.dispatch(ctx, city, run); err != nil {
				return err
			}
		}
	}
	return nil
}

// Register registers the handlers and the periodic tick.
func (s *Service) Register(r *queue.Registry, every time.Duration) {
	r.Handle(TypeScore, s.HandleScore)
	r.Handle(TypeTick, func(ctx context.Context, _ *asynq.Task) error { return s.Tick(ctx) })
	if every <= 0 {
		every = time.Hour
	}
	r.Every(queue.Periodic{Cron: "@every " + every.String(), Type: TypeTick, Queue: queue.Low, Unique: every / 2})
}

// lockRun reads and locks a run of the city.
func lockRun(tx *gorm.DB, city uuid.UUID, id uuid.UUID) (*Run, error) {
	var run Run
	if err := tx.Clauses(forUpdate).Where("id = ? AND tenant_id = ?", id, city).First(&run).Error; err != nil {
		return nil, db.Classify(err)
	}
	return &run, nil
}

// AdjustInput is POST /runs/{id}/adjustments.
type AdjustInput struct {
	Subject         string      `json:"subject"`
	Indicator       string      `json:"indicator"`
	Points          *Points     `json:"points"`
	Reason          string      `json:"reason"`
	EvidenceFileIDs []uuid.UUID `json:"evidence_file_ids"`
}

func checkReason(field, reason string) error {
	if r := strings.TrimSpace(reason); r == "" {
		return apperr.Invalid("appraisal.reason_required").WithField(field, "required")
	} else if utf8.RuneCountInString(r) > 2000 {
		return apperr.Invalid("validation_failed").WithField(field, "too_long", apperr.Params{"max": 2000})
	}
	return nil
}

// Adjust sets one indicator of one subject to new points, with a reason (and
// evidence). The computed value stays beside it; category scores, totals and ranks
// follow. A published run is never adjusted: it is revised.
func (s *Service) Adjust(ctx context.Context, a actor.Actor, runID uuid.UUID, in AdjustInput) (*Adjustment, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := checkReason("reason", in.Reason); err != nil {
		return nil, err
	}
	if in.Points == nil {
		return nil, apperr.Invalid("validation_failed").WithField("points", "required")
	}
	if *in.Points < -100000 || *in.Points > 100000 {
		return nil, apperr.Invalid("validation_failed").WithField("points", "out_of_range", apperr.Params{"min": -1000, "max": 1000})
	}
	if len(in.EvidenceFileIDs) > 0 && s.files == nil {
		return nil, apperr.New(apperr.KindUnavailable, "appraisal.files_not_configured")
	}
	if len(in.EvidenceFileIDs) > 20 {
		return nil, apperr.Invalid("validation_failed").WithField("evidence_file_ids", "appraisal.too_many", apperr.Params{"max": 20})
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	var adj *Adjustment
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		run, err := lockRun(tx, city.ID, runID)
		if err != nil {
			return err
		}
		if run.Status == RunPublished || run.Status == RunSuperseded {
			return apperr.Conflict("appraisal.run_published")
		}
		if err := runMachine.Check("adjust", run.Status); err != nil {
			return err
		}
		body, err := runBody(tx, run)
		if err != nil {
			return err
		}
		sc, err := loadScored(tx, run.ID)
		if err != nil {
			return err
		}
		var res *Result
		for i := range sc.results {
			if sc.results[i].SubjectKey == in.Subject {
				res = &sc.results[i]
			}
		}
		if res == nil {
			return apperr.Invalid("appraisal.unknown_subject", apperr.Params{"subject": truncate(in.Subject, 40)}).
				WithField("subject", "appraisal.unknown_subject", apperr.Params{"subject": truncate(in.Subject, 40)})
		}
		inds := sc.indicators[res.SubjectKey]
		var ind *ResultIndicator
		for i := range inds {
			if inds[i].IndicatorCode == in.Indicator {
				ind = &inds[i]
			}
		}
		if ind == nil {
			return apperr.Invalid("appraisal.unknown_scheme_indicator", apperr.Params{"indicator": truncate(in.Indicator, 40)}).
				WithField("indicator", "appraisal.unknown_scheme_indicator", apperr.Params{"indicator": truncate(in.Indicator, 40)})
		}
		adj = &Adjustment{ID: newID(), TenantID: city.ID, RunID: run.ID, ResultID: res.ID, SubjectKey: res.SubjectKey, SubjectTenantID: res.SubjectTenantID,
			IndicatorCode: ind.IndicatorCode, BeforeCents: ind.PointsCents, AfterCents: int64(*in.Points), Reason: strings.TrimSpace(in.Reason),
			CreatedByName: a.Name(), CreatedAt: now}
		if a.UserID != uuid.Nil {
			u := a.UserID
			adj.CreatedBy = &u
		}
		if err := tx.Create(adj).Error; err != nil {
			return db.Classify(err)
		}
		if _, err := files.Attach(tx, now, FileEvidence, adj.ID, in.EvidenceFileIDs, "evidence_file_ids"); err != nil {
			return err
		}
		ind.PointsCents, ind.Adjusted = adj.AfterCents, adj.AfterCents != ind.ComputedCents
		if err := tx.Model(&ResultIndicator{}).Where("id = ?", ind.ID).Updates(map[string]any{"points_cents": ind.PointsCents, "adjusted": ind.Adjusted}).Error; err != nil {
			return db.Classify(err)
		}
		if err := s.rewriteTotals(tx, sc, body); err != nil {
			return err
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.adjust", ObjectType: "appraisal_run", ObjectID: run.ID.String(),
			Before: map[string]any{"subject": res.SubjectKey, "indicator": ind.IndicatorCode, "points": Points(adj.BeforeCents).String(), "computed": Points(ind.ComputedCents).String()},
			After:  map[string]any{"subject": res.SubjectKey, "indicator": ind.IndicatorCode, "points": Points(adj.AfterCents).String()},
			Data:   map[string]any{"reason": adj.Reason, "adjustment_id": adj.ID, "evidence": len(in.EvidenceFileIDs)}})
	})
	if err != nil {
		return nil, err
	}
	return adj, nil
}

// rewriteTotals recomputes a run's totals and ranks after a change and writes the
// results that changed.
func (s *Service) rewriteTotals(tx *gorm.DB, sc *scored, body *Body) error {
	before := map[uuid.UUID]Result{}
	for _, r := range sc.results {
		before[r.ID] = r
	}
	sc.total(body)
	for _, r := range sc.results {
		b := before[r.ID]
		if b.ScoreCents == r.ScoreCents && b.ComputedCents == r.ComputedCents && b.Rank == r.Rank && b.Adjusted == r.Adjusted &&
			string(b.Categories) == string(r.Categories) {
			continue
		}
		if err := tx.Model(&Result{}).Where("id = ?", r.ID).Updates(map[string]any{"score_cents": r.ScoreCents, "computed_cents": r.ComputedCents,
			"rank": r.Rank, "group_size": r.GroupSize, "adjusted": r.Adjusted, "categories": r.Categories}).Error; err != nil {
			return db.Classify(err)
		}
	}
	return nil
}

func runBody(tx *gorm.DB, run *Run) (*Body, error) {
	var ver Version
	if err := tx.Where("id = ?", run.VersionID).First(&ver).Error; err != nil {
		return nil, db.Classify(err)
	}
	return ver.Decode()
}

// OpenObjections releases a draft for objections: each county may object to its own
// results until the end of the scheme's objection working days.
func (s *Service) OpenObjections(ctx context.Context, a actor.Actor, runID uuid.UUID) (*Run, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	cal, err := s.runCalendar(ctx, city)
	if err != nil {
		return nil, err
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		run, err := lockRun(tx, city.ID, runID)
		if err != nil {
			return err
		}
		next, err := runMachine.Next("open_objections", run.Status)
		if err != nil {
			return err
		}
		body, err := runBody(tx, run)
		if err != nil {
			return err
		}
		deadline := addWorkingDaysEnd(cal, now, body.ObjectionWorkingDays)
		if err := tx.Model(run).Updates(map[string]any{"status": next, "objection_deadline": deadline, "objections_opened_at": now}).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.open_objections", ObjectType: "appraisal_run", ObjectID: run.ID.String(),
			Before: map[string]any{"status": run.Status}, After: map[string]any{"status": next, "objection_deadline": deadline}})
	})
	if err != nil {
		return nil, err
	}
	return s.runByID(ctx, city, runID)
}

// ApproveInput is POST /runs/{id}/approve.
type ApproveInput struct {
	// CloseWindow approves before the objection deadline (every objection filed must
	// still be answered); Note then says why.
	CloseWindow bool   `json:"close_window"`
	Note        string `json:"note"`
}

// Approve signs the results off once every objection is answered and the window has
// closed (or is closed early, with a reason).
func (s *Service) Approve(ctx context.Context, a actor.Actor, runID uuid.UUID, in ApproveInput) (*Run, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		return nil, apperr.Invalid("validation_failed").WithField("note", "too_long", apperr.Params{"max": 2000})
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		run, err := lockRun(tx, city.ID, runID)
		if err != nil {
			return err
		}
		next, err := runMachine.Next("approve", run.Status)
		if err != nil {
			return err
		}
		var open int64
		if err := tx.Model(&Objection{}).Where("run_id = ? AND status = 'open'", run.ID).Count(&open).Error; err != nil {
			return db.Classify(err)
		}
		if open > 0 {
			return apperr.Conflict("appraisal.objections_open", apperr.Params{"count": open})
		}
		early := run.ObjectionDeadline != nil && now.Before(*run.ObjectionDeadline)
		if early && !in.CloseWindow {
			return apperr.Conflict("appraisal.objection_window_open", apperr.Params{"deadline": deadlineText(*run.ObjectionDeadline)})
		}
		if early {
			if err := checkReason("note", in.Note); err != nil {
				return err
			}
		}
		if err := tx.Model(run).Updates(map[string]any{"status": next, "approved_at": now, "approved_by_name": a.Name(), "approval_note": strings.TrimSpace(in.Note)}).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.approve", ObjectType: "appraisal_run", ObjectID: run.ID.String(),
			Before: map[string]any{"status": run.Status}, After: map[string]any{"status": next},
			Data: map[string]any{"closed_window_early": early, "note": strings.TrimSpace(in.Note), "results_hash": run.ResultsHash}})
	})
	if err != nil {
		return nil, err
	}
	return s.runByID(ctx, city, runID)
}

// Publish publishes approved results: they become public and immutable. Publishing a
// revision supersedes the result it corrects (which stays readable, marked).
func (s *Service) Publish(ctx context.Context, a actor.Actor, runID uuid.UUID) (*Run, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		run, err := lockRun(tx, city.ID, runID)
		if err != nil {
			return err
		}
		next, err := runMachine.Next("publish", run.Status)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE appraisal_results SET published = true WHERE run_id = ?`, run.ID).Error; err != nil {
			return db.Classify(err)
		}
		if err := tx.Exec(`UPDATE appraisal_result_indicators SET published = true WHERE run_id = ?`, run.ID).Error; err != nil {
			return db.Classify(err)
		}
		if err := tx.Model(run).Updates(map[string]any{"status": next, "published_at": now, "published_by_name": a.Name()}).Error; err != nil {
			return db.Classify(err)
		}
		if err := audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.publish", ObjectType: "appraisal_run", ObjectID: run.ID.String(),
			Before: map[string]any{"status": run.Status}, After: map[string]any{"status": next, "revision": run.Revision},
			Data: map[string]any{"results_hash": run.ResultsHash, "period": run.Period}}); err != nil {
			return err
		}
		if run.RevisionOf == nil {
			return nil
		}
		prev, err := lockRun(tx, city.ID, *run.RevisionOf)
		if err != nil {
			return err
		}
		pnext, err := runMachine.Next("supersede", prev.Status)
		if err != nil {
			return err
		}
		if err := tx.Model(prev).Updates(map[string]any{"status": pnext, "superseded_at": now}).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.supersede", ObjectType: "appraisal_run", ObjectID: prev.ID.String(),
			Before: map[string]any{"status": prev.Status}, After: map[string]any{"status": pnext, "by": run.ID}})
	})
	if err != nil {
		return nil, err
	}
	return s.runByID(ctx, city, runID)
}

// Revise starts the correction of a published result: a new revision of the period's
// final run, scored again from the data as it stands (the adjustments carried over),
// then reviewed, approved and published like the first — announced as a revision,
// with its reason, while the corrected result stays readable.
func (s *Service) Revise(ctx context.Context, a actor.Actor, runID uuid.UUID, reason string) (*Run, error) {
	city, err := s.cityOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := checkReason("reason", reason); err != nil {
		return nil, err
	}
	scope, _, err := s.cityScope(ctx, city, a.UserID)
	if err != nil {
		return nil, err
	}
	var rev Run
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		now := s.now()
		run, err := lockRun(tx, city.ID, runID)
		if err != nil {
			return err
		}
		if err := runMachine.Check("revise", run.Status); err != nil {
			return err
		}
		var later int64
		if err := tx.Model(&Run{}).Where("scheme_id = ? AND period = ? AND kind = ? AND revision > ?", run.SchemeID, run.Period, KindFinal, run.Revision).
			Count(&later).Error; err != nil {
			return db.Classify(err)
		}
		if later > 0 {
			return apperr.Conflict("appraisal.revision_open", apperr.Params{"period": run.Period})
		}
		rev = Run{ID: newID(), TenantID: city.ID, SchemeID: run.SchemeID, VersionID: run.VersionID, VersionNumber: run.VersionNumber,
			Period: run.Period, PeriodKind: run.PeriodKind, PeriodStart: run.PeriodStart, PeriodEnd: run.PeriodEnd, Kind: KindFinal,
			Revision: run.Revision + 1, RevisionOf: &run.ID, RevisionReason: strings.TrimSpace(reason), Status: RunScoring, Generation: 1, AsOf: now,
			RequestedByName: a.Name(), CreatedAt: now, UpdatedAt: now, Definitions: []byte("{}"), Audience: uuidArray{}}
		rev.TaskID = TaskID(&rev)
		if err := tx.Create(&rev).Error; err != nil {
			return db.Classify(err)
		}
		var adjs []Adjustment
		if err := tx.Where("run_id = ?", run.ID).Order("created_at, id").Find(&adjs).Error; err != nil {
			return db.Classify(err)
		}
		for _, ad := range adjs {
			ad.ID, ad.RunID, ad.ResultID = newID(), rev.ID, uuid.NewSHA1(rev.ID, []byte("result:"+ad.SubjectKey))
			if err := tx.Create(&ad).Error; err != nil {
				return db.Classify(err)
			}
		}
		return audit.Record(tx, a, now, audit.Event{Action: "appraisal_run.revise", ObjectType: "appraisal_run", ObjectID: rev.ID.String(),
			After: map[string]any{"revision_of": run.ID, "revision": rev.Revision, "period": rev.Period, "status": rev.Status},
			Data:  map[string]any{"reason": rev.RevisionReason, "adjustments_carried": len(adjs)}})
	})
	if err != nil {
		return nil, err
	}
	if err := s.dispatch(ctx, city, &rev); err != nil {
		return nil, err
	}
	return s.runByID(ctx, city, rev.ID)
}

// runByID reads a run in the city's scope.
func (s *Service) runByID(ctx context.Context, city *tenant.Tenant, id uuid.UUID) (*Run, error) {
	scope, _, err := s.cityScope(ctx, city, uuid.Nil)
	if err != nil {
		return nil, err
	}
	var run Run
	err = s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		return tx.Where("id = ?", id).First(&run).Error
	})
	return &run, db.Classify(err)
}

func init() {
	apperr.Register("appraisal.revision_open", "周期 {period} 已有更正在进行", "A revision of {period} is already under way")
	apperr.Register("appraisal.unknown_scheme", "考核方案不存在", "No such scheme")
}
