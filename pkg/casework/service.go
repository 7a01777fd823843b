// Package casework is what county service centres do all day (办件): an application
// is taken at one window (一门受理) or online, accepted, corrected (补正) or refused;
// the legal clock starts at acceptance and counts Chinese working days; the filed
// flowchart of the power drives the steps, parallel branches run at the same time
// and join before the decision (并联审批); Art. 45 pauses and one extension move the
// clock; the decision is delivered (送达); fees are checked; cases filed under a major
// project (pkg/projects) run on green-channel limits.
//
// Every mutation goes through one shape: lock the case (SELECT … FOR UPDATE), apply
// the change, derive the deadlines again, write the timeline and the audit event,
// commit. Deadlines are always derived from their anchors (acceptance, activation)
// plus working days, so a calendar change recomputes them exactly.
//
// The service decides; the store (store*.go) is the package's one place of SQL, GORM
// and pgx. The rules casework applies to others' rows are their owners': a power must
// be filed (catalogue.Power.InForceVersion), a window must take the item and the clerk
// be authorised there (servicecentre.WindowFacts.Check), a project must be open
// (projects.CheckOpen). The windows and their volume live in pkg/servicecentre, major
// projects in pkg/projects, tenant calendars in pkg/calendar/tenantcal; casework serves
// them what they read of cases (WindowDays, the projects.Cases methods).
package casework

import (
	"context"

	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/calendar/tenantcal"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/db/pipeline"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/tenant"
)

// Hook hears about every committed change of a case's clock (supervision schedules
// its reminders from it). It runs after the commit; a failure is logged, and the
// supervision sweep re-derives anything missed from PostgreSQL.
type Hook interface {
	CaseChanged(ctx context.Context, t *tenant.Tenant, caseID uuid.UUID) error
}

// Service runs casework.
type Service struct {
	store     *store
	tenants   *tenant.Registry
	calendars *tenantcal.Calendars
	enforcer  *authz.Enforcer
	clock     clock.Clock
	hooks     []Hook
}

// Config sizes the service's committers (intake writes, intake checks, tracking
// numbers, case pages): workers each (a pool connection while sending) and the most
// requests one pipeline carries. Zero values take the defaults (config
// database.committer_workers and database.committer_group).
type Config struct {
	CommitWorkers int
	CommitGroup   int
	// hooks let the package's tests hold the committers' workers.
	hooks pipeline.Hooks
}

// The default committer sizes.
const (
	DefaultCommitWorkers = 2
	DefaultCommitGroup   = 32
)

// NewService builds the casework service.
func NewService(d *db.DB, tenants *tenant.Registry, cals *tenantcal.Calendars, enforcer *authz.Enforcer, c clock.Clock, cfg Config) *Service {
	if cfg.CommitWorkers <= 0 {
		cfg.CommitWorkers = DefaultCommitWorkers
	}
	if cfg.CommitGroup <= 0 {
		cfg.CommitGroup = DefaultCommitGroup
	}
	return &Service{store: newStore(d, cfg), tenants: tenants, calendars: cals, enforcer: enforcer, clock: c}
}

// Close stops the committers (after the requests already handed over).
func (s *Service) Close() { s.store.close() }

// IntakeCommits reports how intakes were committed (groups, intakes, groups retried
// one by one).
func (s *Service) IntakeCommits() pipeline.CommitStats { return s.store.intakes.Stats() }

// AddHook registers a listener for clock changes.
func (s *Service) AddHook(h Hook) { s.hooks = append(s.hooks, h) }

// Calendars exposes the tenant calendars.
func (s *Service) Calendars() *tenantcal.Calendars { return s.calendars }

// WithClock returns a copy of the service that tells the time by c and has no hooks:
// the demo replays weeks of casework on a fake clock, and supervision's sweep derives
// the reminders of what it leaves behind.
func (s *Service) WithClock(c clock.Clock) *Service {
	cp := *s
	cp.clock, cp.hooks = c, nil
	return &cp
}

func (s *Service) notify(ctx context.Context, t *tenant.Tenant, ids ...uuid.UUID) {
	for _, h := range s.hooks {
		for _, id := range ids {
			if err := h.CaseChanged(ctx, t, id); err != nil {
				logging.From(ctx).Warn("case clock hook failed; the sweep will catch up", "case", id, "error", err)
			}
		}
	}
}

// tenantCalendar is the working calendar of a tenant by ID (national days plus its
// local ones).
func (s *Service) tenantCalendar(ctx context.Context, id uuid.UUID) (*calendar.Calendar, error) {
	t, err := s.tenants.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.calendars.For(ctx, t)
}

func init() {
	// Timeline notes (case_event.<kind>), rendered in the reader's language.
	for kind, m := range map[string][2]string{
		"submitted":            {"{channel_zh}", "{channel_en}"},
		"fee_mismatch":         {"收费 {charged} 元，收费标准 {expected} 元", "Charged {charged} yuan; the standard is {expected} yuan"},
		"deemed_accepted":      {"逾期未作出受理决定，自收到申请材料之日起视为受理", "No acceptance decision in time: accepted by law from the day the materials were received"},
		"correction_requested": {"请补正：{items}", "Please supply: {items}"},
		"resubmitted":          {"申请人已补正材料", "The applicant supplied the missing materials"},
		"refused":              {"{reason}", "{reason}"},
		"step_done":            {"{opinion}", "{opinion}"},
		"pending_decision":     {"各环节办理完毕，待作出决定", "All steps are done; awaiting the decision"},
		"step_returned":        {"退回至「{to}」：{reason}", "Returned to “{to}”: {reason}"},
		"paused":               {"{reason_zh}，暂停计时（预计 {days} 个工作日）", "Clock paused for {reason_en} (about {days} working days)"},
		"resumed":              {"恢复计时", "Clock resumed"},
		"extended":             {"经批准延长 {days} 个工作日：{reason}", "Extended by {days} working days with approval: {reason}"},
		"approved":             {"准予许可，证书编号 {certificate_no}", "Approved; certificate no. {certificate_no}"},
		"denied":               {"不予许可：{reason}", "Denied: {reason}"},
		"delivered":            {"决定已送达", "The decision was delivered"},
	} {
		apperr.Register("case_event."+kind, m[0], m[1])
	}
	apperr.Register("casework.too_many_fees", "收费项目不能超过 {max} 项", "At most {max} fee lines")
	apperr.Register("casework.fee_total_out_of_range", "收费合计超出允许范围", "The fee total is out of range")
	apperr.Register("casework.id_number_invalid", "身份证号码无效（{reason_zh}）", "Invalid resident ID number ({reason})")
	apperr.Register("casework.credit_code_invalid", "统一社会信用代码无效（{reason_zh}）", "Invalid unified social credit code ({reason})")
	apperr.Register("casework.online_no_window", "网上申请不指定窗口", "Online applications have no window")
	apperr.Register("casework.power_unknown", "事项不存在", "No such power item")
	apperr.Register("casework.material_unknown", "该事项没有名为「{name}」的申请材料", "The item lists no material named \"{name}\"")
	apperr.Register("casework.materials_missing", "必要材料不全：{materials}，请先一次性告知补正", "Required materials missing: {materials}; request a correction first")
	apperr.Register("casework.illegal_transition", "办件当前状态为「{status_zh}」，不能{action_zh}", "The case is {status}; cannot {action}")
	apperr.Register("casework.step_not_found", "环节不存在", "No such step")
	apperr.Register("casework.step_not_active", "环节「{step}」不在办理中（可能已被他人办结）", "Step \"{step}\" is not active (someone may have completed it)")
	apperr.Register("casework.not_your_step", "该环节不由您所在部门或岗位办理", "This step belongs to another department or post")
	apperr.Register("casework.not_your_department", "只有事项所属部门可以执行此操作", "Only the item's department may do this")
	apperr.Register("casework.return_target", "只能退回到已办结的前序环节", "A step can be returned only to an earlier, completed step")
	apperr.Register("casework.paused", "办件暂停计时中，请先恢复", "The case is paused; resume it first")
	apperr.Register("casework.already_paused", "办件已在暂停中", "The case is already paused")
	apperr.Register("casework.not_paused", "办件未暂停", "The case is not paused")
	apperr.Register("casework.already_extended", "办件已延期过一次", "The case has already been extended once")
	apperr.Register("casework.no_extension", "该事项不允许延期", "This item allows no extension")
}
