// Package appraisal is the leading group's appraisal (绩效考核): schemes of indicators
// grouped in weighted categories, versioned so that a period is always scored under
// the version in force at its start; scoring runs — daily provisional ones while a
// period is open, a final one when it closes in the tenant calendar's sense, and
// on-demand ones — that compute, set-based, a reproducible score per subject (the
// departments inside each county, the counties across the city, the city's own
// departments) and keep every raw figure; the leading group's adjustments, the
// counties' objections and their answers, approval and publication, and revisions of
// published results.
//
// Indicators are registered definitions (registry.go), each a pair of SQL statements
// over the read ports of the capability that records the facts (views owned by
// casework, supervision and the catalogue: migration 00020). Nothing in the scoring
// code knows an indicator by name. Scores are fixed-point hundredths; ranks break
// ties by subject code; a rerun over the same data gives byte-identical rows. See
// docs/adr/0009-appraisal-indicator-registry.md.
//
// Isolation is the database's: the city owns every appraisal row; a county reads the
// rows about its own subjects, and everyone reads published results. Scoring reads
// across tenants through the city's read scope, never around row-level security.
package appraisal

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/files"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/tenant"
	"sunshine/pkg/workflow"
)

// Calendars gives a tenant's effective working-day calendar (casework's Calendars).
type Calendars interface {
	For(ctx context.Context, t *tenant.Tenant) (*calendar.Calendar, error)
}

// File kinds registered with the file store.
const (
	// FileEvidence: evidence of an adjustment or a manual score (uploaded by the
	// leading group's office).
	FileEvidence = "appraisal.evidence"
	// FileObjection: evidence attached to a county's objection.
	FileObjection = "appraisal.objection"
)

// Service is appraisal.
type Service struct {
	db       *db.DB
	tenants  *tenant.Registry
	cals     Calendars
	queue    *queue.Client
	enforcer *authz.Enforcer
	clock    clock.Clock
	files    *files.Store
	reg      *Registry
	log      *slog.Logger
}

// Config builds a Service.
type Config struct {
	DB        *db.DB
	Tenants   *tenant.Registry
	Calendars Calendars
	// Queue may be nil: runs are then scored in the request.
	Queue    *queue.Client
	Enforcer *authz.Enforcer
	Clock    clock.Clock
	// Files may be nil: evidence is then refused.
	Files    *files.Store
	Registry *Registry
	Log      *slog.Logger
}

// NewService builds the appraisal service and registers its file kinds.
func NewService(c Config) *Service {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Registry == nil {
		c.Registry = DefaultRegistry()
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Files != nil {
		c.Files.Register(FileEvidence, files.Policy{Types: files.Documents, UploadPerm: authz.AppraisalManage})
		c.Files.Register(FileObjection, files.Policy{Types: files.Documents, UploadPerm: authz.AppraisalObject})
	}
	return &Service{db: c.DB, tenants: c.Tenants, cals: c.Calendars, queue: c.Queue, enforcer: c.Enforcer, clock: c.Clock,
		files: c.Files, reg: c.Registry, log: c.Log}
}

// Registry is the service's indicator registry.
func (s *Service) Registry() *Registry { return s.reg }

// The state machines.
var (
	schemeMachine = workflow.New("appraisal.scheme", "考核方案", "appraisal scheme").
			State("draft", "草稿", "draft").
			State("active", "施行中", "active").
			State("retired", "已停用", "retired").
			Action("edit", "修改", "edit", []string{"draft", "active"}, "").
			Action("activate", "启用", "activate", []string{"draft", "active"}, "active").
			Action("retire", "停用", "retire", []string{"active"}, "retired")

	runMachine = workflow.New("appraisal.run", "考核结果", "appraisal run").
			State("scoring", "计分中", "scoring").
			State("failed", "计分失败", "failed").
			State("provisional", "实时预评", "provisional").
			State("draft", "初评待审", "draft").
			State("objection", "公示征求意见", "open for objections").
			State("approved", "已审定", "approved").
			State("published", "已公布", "published").
			State("superseded", "已被更正", "superseded").
			Action("score", "计分", "score", []string{"scoring"}, "").
			Action("fail", "计分失败", "fail", []string{"scoring"}, "failed").
			Action("rescore", "重新计分", "score again", []string{"provisional", "draft", "failed"}, "scoring").
			Action("adjust", "调整分数", "adjust a score", []string{"draft", "objection"}, "").
			Action("open_objections", "公示征求意见", "open for objections", []string{"draft"}, "objection").
			Action("object", "提出异议", "object", []string{"objection"}, "").
			Action("answer", "答复异议", "answer an objection", []string{"objection"}, "").
			Action("approve", "审定", "approve", []string{"objection"}, "approved").
			Action("publish", "公布", "publish", []string{"approved"}, "published").
			Action("revise", "更正", "revise", []string{"published"}, "").
			Action("supersede", "被更正", "be superseded", []string{"published"}, "superseded")

	objectionMachine = workflow.New("appraisal.objection", "异议", "objection").
				State("open", "待答复", "open").
				State("answered", "已答复", "answered").
				State("withdrawn", "已撤回", "withdrawn").
				Action("answer", "答复", "answer", []string{"open"}, "answered").
				Action("withdraw", "撤回", "withdraw", []string{"open"}, "withdrawn")

	reviewMachine = workflow.New("appraisal.review", "案卷评查", "case file review").
			State("pending", "待评查", "pending").
			State("scored", "已评分", "scored").
			Action("score", "评分", "score", []string{"pending", "scored"}, "scored")

	faultMachine = workflow.New("appraisal.fault", "过错责任追究记录", "fault record").
			State("active", "有效", "active").
			State("revoked", "已撤销", "revoked").
			Action("revoke", "撤销", "revoke", []string{"active"}, "revoked")
)

// Machines lists the package's state machines (documentation and tests).
func Machines() []*workflow.Machine {
	return []*workflow.Machine{schemeMachine, runMachine, objectionMachine, reviewMachine, faultMachine}
}

// city returns the city of the actor's tenant tree when the actor acts at city level;
// management acts (schemes, runs, adjustments, sign-off, manual scores) are the city's.
func (s *Service) cityOf(ctx context.Context, a actor.Actor) (*tenant.Tenant, error) {
	t, err := s.tenants.ByID(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	if t.Level != tenant.LevelCity {
		return nil, apperr.Forbidden("appraisal.city_only")
	}
	return t, nil
}

// rootOf returns the city above (or equal to) t.
func (s *Service) rootOf(ctx context.Context, t *tenant.Tenant) (*tenant.Tenant, error) {
	for t.ParentID != nil {
		p, err := s.tenants.ByID(ctx, *t.ParentID)
		if err != nil {
			return nil, err
		}
		t = p
	}
	return t, nil
}

// cityScope writes as the city and reads the whole city tree (scoring, sign-off).
func (s *Service) cityScope(ctx context.Context, city *tenant.Tenant, user uuid.UUID) (db.Scope, []*tenant.Tenant, error) {
	tree, err := s.tenants.Subtree(ctx, city)
	if err != nil {
		return db.Scope{}, nil, err
	}
	return db.Scope{Tenant: city.ID, Read: tenant.IDs(tree), User: user}, tree, nil
}

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

func init() {
	apperr.Register("appraisal.city_only", "只有市级领导小组可以执行此操作", "Only the city's leading group can do this")
	apperr.Register("appraisal.bad_period", "考核周期「{period}」格式不正确（应为 2026-11、2026-Q4 或 2026）", "The period {period} is not valid (write 2026-11, 2026-Q4 or 2026)")
	apperr.Register("appraisal.period_kind_mismatch", "该方案按{want_zh}考核，周期「{period}」不符", "This scheme is scored by {want}; {period} is not such a period")
	apperr.Register("appraisal.period_not_started", "考核周期 {period} 尚未开始", "The period {period} has not started")
	apperr.Register("appraisal.no_version_in_force", "周期 {period} 开始时该方案没有生效的版本", "No version of the scheme was in force when {period} began")
	apperr.Register("appraisal.scheme_not_active", "考核方案未启用", "The scheme is not active")
	apperr.Register("appraisal.unknown_indicator", "未登记的考核指标：{definition}", "Unknown indicator: {definition}")
	apperr.Register("appraisal.unknown_category", "未定义的指标类别：{category}", "Undefined category: {category}")
	apperr.Register("appraisal.weights_mismatch", "权重合计 {sum} 与应得分 {total} 不一致", "The weights add up to {sum}, not {total}")
	apperr.Register("appraisal.no_subjects", "至少选择一类考核对象", "Choose at least one kind of subject")
	apperr.Register("appraisal.bad_code", "编码须为小写字母开头的字母、数字或下划线（最多 32 位）", "must be lower-case letters, digits or underscores, starting with a letter (at most 32)")
	apperr.Register("appraisal.duplicate_code", "编码重复", "is used twice")
	apperr.Register("appraisal.too_many", "不能超过 {max} 项", "must have at most {max} entries")
	apperr.Register("appraisal.checklist_not_100", "评查表各项分值合计须为 100（现为 {sum}）", "The checklist's points must add up to 100 (they add up to {sum})")
	apperr.Register("appraisal.rule_not_applicable", "该指标只能使用以下计分规则：{allowed_zh}", "This indicator can only use these rules: {allowed}")
	apperr.Register("appraisal.rule_field_not_applicable", "该字段不适用于「{rule_zh}」规则", "does not apply to a {rule} rule")
	apperr.Register("appraisal.min_above_max", "下限不能高于上限", "must not be above the maximum")
	apperr.Register("appraisal.effective_not_period_start", "生效日期须为考核周期的第一天", "must be the first day of a period")
	apperr.Register("appraisal.effective_rewrites_results", "生效日期 {date} 起的周期已有审定或公布的结果，不能改变其适用的方案版本", "Periods from {date} already have approved or published results; their scheme version cannot change")
	apperr.Register("appraisal.run_locked", "周期 {period} 的结果已审定或公布，不能重新计分；请使用更正", "The results of {period} are approved or published and cannot be scored again; revise them instead")
	apperr.Register("appraisal.run_published", "已公布的考核结果不能修改；请发起更正", "Published results cannot change; start a revision")
	apperr.Register("appraisal.objection_window_closed", "异议期已于 {deadline} 截止", "The objection window closed at {deadline}")
	apperr.Register("appraisal.objection_window_open", "异议期至 {deadline} 截止；提前审定须注明理由", "Objections are open until {deadline}; approving earlier needs a reason")
	apperr.Register("appraisal.objections_open", "还有 {count} 条异议未答复", "{count} objections are still unanswered")
	apperr.Register("appraisal.not_your_subject", "只能对本地区的考核结果提出异议", "You can only object to your own region's results")
	apperr.Register("appraisal.unknown_subject", "考核对象 {subject} 不在该结果中", "Subject {subject} is not in these results")
	apperr.Register("appraisal.unknown_scheme_indicator", "该方案没有指标 {indicator}", "The scheme has no indicator {indicator}")
	apperr.Register("appraisal.reason_required", "请填写理由", "A reason is required")
	apperr.Register("appraisal.no_cases_to_sample", "该部门在此周期没有可抽查的办结案件", "The department has no closed cases to sample in this period")
	apperr.Register("appraisal.checklist_mismatch", "评分须逐项对应评查表（{count} 项）", "Score every line of the checklist ({count} lines)")
	apperr.Register("appraisal.unknown_department", "部门 {department} 不存在", "Department {department} does not exist")
	apperr.Register("appraisal.files_not_configured", "文件存储未配置，不能上传证明材料", "The file store is not configured; evidence cannot be attached")
}

// WithClock returns a copy of the service on another clock that scores in the
// caller's goroutine (no queue): the demo replays weeks of appraisal on a fake clock.
func (s *Service) WithClock(c clock.Clock) *Service {
	cp := *s
	cp.clock, cp.queue = c, nil
	return &cp
}

// ruleZh names the rule types in Chinese (messages).
var ruleZh = map[string]string{RuleRatio: "按比例计分", RulePerCount: "按件计分", RuleSteps: "阶梯加分"}

func rulesZh(rules []string) string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = ruleZh[r]
	}
	return strings.Join(out, "、")
}
