package casework

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/idcheck"
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
	db        *db.DB
	tenants   *tenant.Registry
	calendars *Calendars
	enforcer  *authz.Enforcer
	clock     clock.Clock
	hooks     []Hook
	// intakes commits concurrent intakes together (see pipeline.Committer): at a busy
	// service centre most of an intake's database cost is its transaction's, not its
	// rows'.
	intakes *pipeline.Committer
	// intakeReads groups the checks before concurrent intakes into one round trip.
	intakeReads *pipeline.Committer
	// pageReads groups concurrent case page reads into one round trip.
	pageReads *pipeline.Committer
	inserts   *pipeline.Inserter

	cacheMu  *sync.Mutex
	versions map[uuid.UUID]*catalogue.Version
	depts    map[uuid.UUID]deptCodes
}

// Config sizes the service's committers (intake writes, intake checks, case pages):
// workers each (a pool connection while sending) and the most requests one pipeline
// carries. Zero values take the defaults (config database.committer_workers and
// database.committer_group).
type Config struct {
	CommitWorkers int
	CommitGroup   int
}

// The default committer sizes.
const (
	DefaultCommitWorkers = 2
	DefaultCommitGroup   = 32
)

// NewService builds the casework service.
func NewService(d *db.DB, tenants *tenant.Registry, cals *Calendars, enforcer *authz.Enforcer, c clock.Clock, cfg Config) *Service {
	if cfg.CommitWorkers <= 0 {
		cfg.CommitWorkers = DefaultCommitWorkers
	}
	if cfg.CommitGroup <= 0 {
		cfg.CommitGroup = DefaultCommitGroup
	}
	pc := pipeline.Config{Workers: cfg.CommitWorkers, MaxGroup: cfg.CommitGroup}
	return &Service{db: d, tenants: tenants, calendars: cals, enforcer: enforcer, clock: c,
		intakes: pipeline.New(d, pc), intakeReads: pipeline.New(d, pc), pageReads: pipeline.New(d, pc), inserts: pipeline.NewInserter(d),
		cacheMu: &sync.Mutex{}, versions: map[uuid.UUID]*catalogue.Version{}, depts: map[uuid.UUID]deptCodes{}}
}

// Close stops the committers (after the requests already handed over).
func (s *Service) Close() {
	s.intakes.Close()
	s.intakeReads.Close()
	s.pageReads.Close()
}

// IntakeCommits reports how intakes were committed (groups, intakes, groups retried
// one by one).
func (s *Service) IntakeCommits() pipeline.CommitStats { return s.intakes.Stats() }

// AddHook registers a listener for clock changes.
func (s *Service) AddHook(h Hook) { s.hooks = append(s.hooks, h) }

// Calendars exposes the tenant calendars.
func (s *Service) Calendars() *Calendars { return s.calendars }

func (s *Service) notify(ctx context.Context, t *tenant.Tenant, ids ...uuid.UUID) {
	for _, h := range s.hooks {
		for _, id := range ids {
			if err := h.CaseChanged(ctx, t, id); err != nil {
				logging.From(ctx).Warn("case clock hook failed; the sweep will catch up", "case", id, "error", err)
			}
		}
	}
}

// ApplicantInput identifies the applicant.
type ApplicantInput struct {
	Type       string `json:"type"`
	Name       string `json:"name"`
	IDNumber   string `json:"id_number"`
	CreditCode string `json:"credit_code"`
	Phone      string `json:"phone"`
}

// FeeInput is a fee charged at intake.
type FeeInput struct {
	Item      string `json:"item"`
	AmountFen int64  `json:"amount_fen"`
}

// IntakeInput is an application as the window or the portal takes it.
type IntakeInput struct {
	PowerID   uuid.UUID           `json:"power_id"`
	WindowID  *uuid.UUID          `json:"window_id"`
	Channel   string              `json:"channel"`
	Applicant ApplicantInput      `json:"applicant"`
	Materials []SubmittedMaterial `json:"materials"`
	Fees      []FeeInput          `json:"fees"`
	ProjectID *uuid.UUID          `json:"project_id"`
}

var phoneRE = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)

// validateApplicant checks the applicant, with check digits for ID numbers and
// credit codes, and returns the normalised identifier.
func validateApplicant(v *apperr.Fields, in *ApplicantInput) string {
	in.Name, in.Phone = strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
	if v.Required("applicant.name", in.Name) && len([]rune(in.Name)) > 200 {
		v.Add("applicant.name", "too_long", apperr.Params{"max": 200})
	}
	if in.Phone != "" && !phoneRE.MatchString(in.Phone) {
		v.Add("applicant.phone", "identity.phone_format")
	}
	switch in.Type {
	case ApplicantPerson:
		id := idcheck.NormalizeResidentID(in.IDNumber)
		if v.Required("applicant.id_number", id) {
			if err := idcheck.ResidentID(id); err != nil {
				v.Add("applicant.id_number", "casework.id_number_invalid", idReason(err))
			}
		}
		return id
	case ApplicantOrg:
		code := idcheck.NormalizeCreditCode(in.CreditCode)
		if v.Required("applicant.credit_code", code) {
			if err := idcheck.CreditCode(code); err != nil {
				v.Add("applicant.credit_code", "casework.credit_code_invalid", idReason(err))
			}
		}
		return code
	default:
		v.Add("applicant.type", "not_allowed_value", apperr.Params{"allowed": "person, org"})
		return ""
	}
}

func reasonCode(err error) string {
	if e, ok := err.(interface{ Code() string }); ok {
		return e.Code()
	}
	return "invalid"
}

// Intake registers an application (status submitted) and returns its detail. At a
// window the clerk must be authorised there; online applications come from the
// portal (actor kind public). A power that is not approved and filed is refused
// with 422 power_not_filed.
func (s *Service) Intake(ctx context.Context, a actor.Actor, t *tenant.Tenant, in IntakeInput) (*Detail, error) {
	var v apperr.Fields
	if in.PowerID == uuid.Nil {
		v.Add("power_id", "required")
	}
	idNumber := validateApplicant(&v, &in.Applicant)
	switch in.Channel {
	case ChannelWindow:
		if in.WindowID == nil {
			v.Add("window_id", "required")
		}
	case ChannelOnline:
		if in.WindowID != nil {
			v.Add("window_id", "casework.online_no_window")
		}
	default:
		v.Add("channel", "not_allowed_value", apperr.Params{"allowed": "window, online"})
	}
	if len(in.Fees) > MaxFeeLines {
		v.Add("fees", "casework.too_many_fees", apperr.Params{"max": MaxFeeLines})
	}
	for i, f := range in.Fees {
		if strings.TrimSpace(f.Item) == "" {
			v.Add(fmt.Sprintf("fees[%d].item", i), "required")
		} else if len([]rune(f.Item)) > 200 {
			v.Add(fmt.Sprintf("fees[%d].item", i), "too_long", apperr.Params{"max": 200})
		}
		if f.AmountFen < 0 || f.AmountFen > MaxFeeFen {
			v.Add(fmt.Sprintf("fees[%d].amount_fen", i), "out_of_range", apperr.Params{"min": 0, "max": MaxFeeFen})
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	cal, err := s.calendars.For(ctx, t)
	if err != nil {
		return nil, err
	}
	scope := db.TenantScope(t.ID, a.UserID)
	// One round trip reads what intake must check: the power's in-force version, a
	// tracking number, the window and its staff, the project.
	var (
		versionID               *uuid.UUID
		powerCode, powerName    string
		powerFound              bool
		seq                     int64
		winFound, winActive     bool
		winComprehensive, staff bool
		winDept                 uuid.UUID
		projectStatus           string
		projectFound            bool
	)
	var winActiveN, winComprehensiveN *bool
	var winDeptN *uuid.UUID
	var projectStatusN *string
	rb := &pgx.Batch{}
	rb.Queue(`SELECT p.in_force_version_id, p.code, p.name, nextval('case_tracking_seq'),
			w.active, w.comprehensive, w.department_id,
			EXISTS (SELECT 1 FROM window_staff ws WHERE ws.window_id = w.id AND ws.user_id = $3),
			pr.status
		FROM powers p
		LEFT JOIN windows w ON w.id = $2
		LEFT JOIN projects pr ON pr.id = $4 AND pr.tenant_id = p.tenant_id
		WHERE p.id = $1 AND p.tenant_id = $5`, in.PowerID, in.WindowID, a.UserID, in.ProjectID, t.ID)
	err = s.intakeReads.Query(ctx, scope, rb, func(br pgx.BatchResults) error {
		err := br.QueryRow().Scan(&versionID, &powerCode, &powerName, &seq, &winActiveN, &winComprehensiveN, &winDeptN, &staff, &projectStatusN)
		powerFound = err == nil
		if err != nil && !db.NoRows(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if winActiveN != nil {
		winFound, winActive, winComprehensive, winDept = true, *winActiveN, *winComprehensiveN, *winDeptN
	}
	if projectStatusN != nil {
		projectFound, projectStatus = true, *projectStatusN
	}
	if !powerFound {
		return nil, apperr.Invalid("validation_failed").WithField("power_id", "casework.power_unknown")
	}
	if versionID == nil {
		return nil, apperr.Invalid("power_not_filed", apperr.Params{"code": powerCode, "name": powerName})
	}
	ver, err := s.version(ctx, scope, *versionID)
	if err != nil {
		return nil, err
	}
	if in.WindowID != nil {
		switch {
		case !winFound:
			return nil, apperr.Invalid("validation_failed").WithField("window_id", "casework.window_unknown")
		case !winActive:
			return nil, apperr.Invalid("validation_failed").WithField("window_id", "casework.window_inactive")
		case !winComprehensive && winDept != ver.DepartmentID:
			return nil, apperr.Invalid("validation_failed").WithField("window_id", "casework.window_wrong_department")
		case a.Kind == actor.KindUser && !staff:
			return nil, apperr.Forbidden("casework.not_window_staff")
		}
	}
	materials, mv := checkMaterials(ver.Materials, in.Materials)
	if err := mv.Err(); err != nil {
		return nil, err
	}
	c := &Case{
		ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, PowerID: ver.PowerID, VersionID: ver.ID, PowerName: ver.Name,
		DepartmentID: ver.DepartmentID, WindowID: in.WindowID, Channel: in.Channel, ProjectID: in.ProjectID,
		ApplicantType: in.Applicant.Type, ApplicantName: in.Applicant.Name, ApplicantIDNumber: idNumber,
		ApplicantIDLast4: idcheck.Last4(idNumber), ApplicantPhone: in.Applicant.Phone, Materials: materials,
		Status: StatusSubmitted, ReceivedAt: now, LimitDays: ver.PromisedLimit, CreatedAt: now, UpdatedAt: now,
	}
	if in.ProjectID != nil {
		if !projectFound {
			return nil, apperr.Invalid("validation_failed").WithField("project_id", "casework.project_unknown")
		}
		if projectStatus != "active" {
			return nil, apperr.Invalid("validation_failed").WithField("project_id", "casework.project_closed")
		}
		if ver.GreenLimit != nil {
			c.LimitDays, c.GreenChannel = *ver.GreenLimit, true
		}
	}
	day := calendar.DateOf(now).String()
	c.QueryCode = NewQueryCode()
	c.TrackingNo = fmt.Sprintf("%s%s%s%s%06d", t.Code, day[2:4], day[5:7], day[8:10], seq%1000000)
	fees, expected, charged, mismatch, err := checkFees(ver, in.Fees, c)
	if err != nil {
		return nil, err
	}
	c.FeeExpectedFen, c.FeeChargedFen, c.FeeMismatch = expected, charged, mismatch
	derive(cal, c, nil, nil)
	depts, err := s.departmentCodes(ctx, scope)
	if err != nil {
		return nil, err
	}
	steps := instantiate(ver.Flowchart, t.ID, c.ID, depts)
	evs := []Event{newEvent("submitted", "", true, apperr.Params{"channel": in.Channel, "channel_zh": channelNote(in.Channel), "channel_en": channelNoteEn(in.Channel)})}
	if mismatch {
		evs = append(evs, newEvent("fee_mismatch", "", false, apperr.Params{"charged": yuan(charged), "expected": yuan(expected)}))
	}
	for i := range evs {
		evs[i].ID, evs[i].TenantID, evs[i].CaseID, evs[i].At, evs[i].ActorName = uuid.Must(uuid.NewV7()), t.ID, c.ID, now, a.Name()
	}
	data := map[string]any{"tracking_no": c.TrackingNo, "channel": c.Channel, "power": ver.Code}
	if mismatch {
		data["fee_mismatch"] = map[string]any{"charged_fen": charged, "expected_fen": expected}
	}
	// One round trip writes it all, atomically: the case, fees, timeline and audit
	// event. Its steps are stored when it is accepted (the clock starts there); until
	// then the case shows them as planned, with the same IDs (StepID).
	auditSQL, auditArgs, err := audit.Statement(a, now, audit.Event{Action: "case.submit", ObjectType: "case", ObjectID: c.ID.String(),
		After: map[string]any{"status": c.Status, "power_id": c.PowerID, "applicant_id": idcheck.MaskResidentID(idNumber)}, Data: data})
	if err != nil {
		return nil, err
	}
	values := []any{c, &evs}
	if len(fees) > 0 {
		values = append(values, &fees)
	}
	wb := &pgx.Batch{}
	if err := s.inserts.QueueInsertsThen(wb, auditSQL, auditArgs, values...); err != nil {
		return nil, err
	}
	if err := s.intakes.Exec(ctx, scope, wb); err != nil {
		return nil, db.Classify(err)
	}
	if mismatch {
		// Supervision cards the mismatch at once (the sweep would within a minute).
		s.notify(ctx, t, c.ID)
	}
	return s.detail(cal, t, c, ver.Flowchart.Edges, steps, nil, fees, evs), nil
}

// version returns a filed version, cached: a filed version's content never changes.
func (s *Service) version(ctx context.Context, scope db.Scope, id uuid.UUID) (*catalogue.Version, error) {
	s.cacheMu.Lock()
	v, ok := s.versions[id]
	s.cacheMu.Unlock()
	if ok {
		return v, nil
	}
	var ver catalogue.Version
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error { return tx.Where("id = ?", id).First(&ver).Error })
	if err != nil {
		return nil, db.Classify(err)
	}
	s.cacheMu.Lock()
	if len(s.versions) > 2000 {
		s.versions = map[uuid.UUID]*catalogue.Version{}
	}
	s.versions[id] = &ver
	s.cacheMu.Unlock()
	return &ver, nil
}

// departmentCodes maps the department codes of scope's tenant to IDs.
func (s *Service) departmentCodes(ctx context.Context, scope db.Scope) (map[string]uuid.UUID, error) {
	return s.departmentCodesOf(ctx, scope, scope.Tenant)
}

// departmentCodesOf maps a tenant's department codes to IDs, read within scope
// (cached for 30 s: departments are added rarely and never renumbered).
func (s *Service) departmentCodesOf(ctx context.Context, scope db.Scope, tenantID uuid.UUID) (map[string]uuid.UUID, error) {
	s.cacheMu.Lock()
	e, ok := s.depts[tenantID]
	s.cacheMu.Unlock()
	if ok && time.Since(e.at) < 30*time.Second {
		return e.codes, nil
	}
	var codes map[string]uuid.UUID
	err := s.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var err error
		codes, err = departmentCodes(tx, tenantID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.cacheMu.Lock()
	s.depts[tenantID] = deptCodes{codes: codes, at: time.Now()}
	s.cacheMu.Unlock()
	return codes, nil
}

type deptCodes struct {
	codes map[string]uuid.UUID
	at    time.Time
}

func channelNote(ch string) string {
	if ch == ChannelOnline {
		return "网上申请"
	}
	return "窗口受理"
}

func channelNoteEn(ch string) string {
	if ch == ChannelOnline {
		return "Online application"
	}
	return "Taken at the window"
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// checkMaterials matches the submitted materials to the item's list: unknown names are
// field errors; the result lists every material of the item with what was provided.
func checkMaterials(list []catalogue.Material, in []SubmittedMaterial) ([]SubmittedMaterial, *apperr.Fields) {
	var v apperr.Fields
	provided := map[string]SubmittedMaterial{}
	known := map[string]bool{}
	for _, m := range list {
		known[m.Name] = true
	}
	for i, m := range in {
		name := strings.TrimSpace(m.Name)
		if !known[name] {
			v.Add(fmt.Sprintf("materials[%d].name", i), "casework.material_unknown", apperr.Params{"name": name})
			continue
		}
		provided[name] = m
	}
	out := make([]SubmittedMaterial, 0, len(list))
	for _, m := range list {
		p, ok := provided[m.Name]
		out = append(out, SubmittedMaterial{Name: m.Name, Required: m.Required, Provided: ok && p.Provided, Copies: p.Copies})
	}
	return out, &v
}

// missingMaterials lists required materials not provided.
func missingMaterials(ms []SubmittedMaterial) []string {
	var out []string
	for _, m := range ms {
		if m.Required && !m.Provided {
			out = append(out, m.Name)
		}
	}
	return out
}

// Bounds of the fees charged at intake: a line is at most 100 million yuan (the
// catalogue's bound of a schedule line), and a case has at most 50 lines, so that a
// total never comes near int64's range.
const (
	MaxFeeFen   = 100_000_000_00
	MaxFeeLines = 50
)

// addFen adds two non-negative amounts, failing instead of wrapping around.
func addFen(a, b int64) (int64, bool) {
	if a < 0 || b < 0 || a > math.MaxInt64-b {
		return 0, false
	}
	return a + b, true
}

// checkFees compares what was charged with the item's fee schedule: a free item
// charges nothing, and every charged line must match a schedule line's amount. The
// totals are summed with overflow checks (the lines were bounded before; this is the
// backstop that makes a negative total impossible).
func checkFees(ver *catalogue.Version, in []FeeInput, c *Case) ([]Fee, int64, int64, bool, error) {
	schedule := map[string]int64{}
	var expected int64
	var ok bool
	for _, f := range ver.Fees {
		schedule[f.Item] = f.AmountFen
		if !ver.Free {
			if expected, ok = addFen(expected, f.AmountFen); !ok {
				return nil, 0, 0, false, apperr.Invalid("validation_failed").WithField("fees", "casework.fee_total_out_of_range")
			}
		}
	}
	var charged int64
	mismatch := false
	fees := make([]Fee, 0, len(in))
	for _, f := range in {
		fee := Fee{ID: uuid.Must(uuid.NewV7()), TenantID: c.TenantID, CaseID: c.ID, Item: strings.TrimSpace(f.Item), AmountFen: f.AmountFen}
		if exp, ok := schedule[fee.Item]; ok && !ver.Free {
			e := exp
			fee.ExpectedFen = &e
			fee.Mismatch = exp != f.AmountFen
		} else {
			fee.Mismatch = f.AmountFen != 0
		}
		mismatch = mismatch || fee.Mismatch
		if charged, ok = addFen(charged, f.AmountFen); !ok {
			return nil, 0, 0, false, apperr.Invalid("validation_failed").WithField("fees", "casework.fee_total_out_of_range")
		}
		fees = append(fees, fee)
	}
	return fees, expected, charged, mismatch, nil
}

func departmentCodes(tx *gorm.DB, tenantID uuid.UUID) (map[string]uuid.UUID, error) {
	var rows []struct {
		ID   uuid.UUID
		Code string
	}
	if err := tx.Table("departments").Select("id, code").Where("tenant_id = ?", tenantID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]uuid.UUID, len(rows))
	for _, r := range rows {
		out[r.Code] = r.ID
	}
	return out, nil
}

// checkWindow: the window exists, is active, serves the item's department (or every
// department) and the clerk is authorised there.
func (s *Service) checkWindow(tx *gorm.DB, a actor.Actor, windowID, departmentID uuid.UUID) error {
	var w Window
	if err := tx.Where("id = ?", windowID).First(&w).Error; err != nil {
		return apperr.Invalid("validation_failed").WithField("window_id", "casework.window_unknown")
	}
	if !w.Active {
		return apperr.Invalid("validation_failed").WithField("window_id", "casework.window_inactive")
	}
	if !w.Comprehensive && w.DepartmentID != departmentID {
		return apperr.Invalid("validation_failed").WithField("window_id", "casework.window_wrong_department")
	}
	if a.Kind != actor.KindUser {
		return nil
	}
	var n int64
	if err := tx.Table("window_staff").Where("window_id = ? AND user_id = ?", windowID, a.UserID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return apperr.Forbidden("casework.not_window_staff")
	}
	return nil
}

// checkClerk: the acting clerk may decide on acceptance of c — at its window, or for an
// online case at any window serving its department.
func (s *Service) checkClerk(tx *gorm.DB, a actor.Actor, c *Case) error {
	if a.Kind != actor.KindUser {
		return nil
	}
	if c.WindowID != nil {
		return s.checkWindow(tx, a, *c.WindowID, c.DepartmentID)
	}
	var n int64
	err := tx.Table("window_staff ws").Joins("JOIN windows w ON w.id = ws.window_id").
		Where("ws.user_id = ? AND w.active AND (w.comprehensive OR w.department_id = ?)", a.UserID, c.DepartmentID).Count(&n).Error
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.Forbidden("casework.not_window_staff")
	}
	return nil
}

// mut is one mutation in progress: the locked case and everything derived from it.
type mut struct {
	tx     *gorm.DB
	a      actor.Actor
	t      *tenant.Tenant
	now    time.Time
	c      *Case
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
	depts, err := s.departmentCodes(ctx, db.TenantScope(t.ID, a.UserID))
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	err = s.db.Tx(ctx, db.TenantScope(t.ID, a.UserID), func(tx *gorm.DB) error {
		m := &mut{tx: tx, a: a, t: t, now: now, data: map[string]any{}}
		var c Case
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, t.ID).First(&c).Error; err != nil {
			return db.Classify(err)
		}
		m.c, m.before = &c, c.Status
		if err := tx.Where("case_id = ?", id).Order("seq").Find(&m.steps).Error; err != nil {
			return err
		}
		planned := len(m.steps) == 0
		if err := tx.Where("case_id = ?", id).Order("started_at").Find(&m.pauses).Error; err != nil {
			return err
		}
		var fc catalogue.Flowchart
		if err := tx.Table("power_versions").Select("flowchart").Where("id = ?", c.VersionID).Row().Scan(jsonScanner{&fc}); err != nil {
			return err
		}
		if planned {
			// Not accepted yet: the steps exist only as planned (see Intake).
			m.steps = instantiate(fc, t.ID, c.ID, depts)
		}
		m.eng = newEngine(fc, m.steps)
		if err := fn(m); err != nil {
			return err
		}
		s.evalClock(m)
		was := m.deadlines()
		ptrs := make([]*Step, len(m.steps))
		for i := range m.steps {
			ptrs[i] = &m.steps[i]
		}
		derive(cal, m.c, ptrs, m.pauses)
		if m.onlyIfMoved && m.deadlines() == was {
			return errSkip
		}
		if err := tx.Select("*").Omit("created_at").Updates(m.c).Error; err != nil {
			return db.Classify(err)
		}
		switch {
		case planned && m.eng.started():
			// Acceptance: the steps are stored now, with their clocks.
			if err := tx.Create(&m.steps).Error; err != nil {
				return db.Classify(err)
			}
		case !planned:
			for i := range m.steps {
				if err := tx.Select("*").Updates(&m.steps[i]).Error; err != nil {
					return db.Classify(err)
				}
			}
		}
		for _, p := range m.pauses {
			if err := tx.Save(p).Error; err != nil {
				return db.Classify(err)
			}
		}
		if err := s.writeEvents(tx, m.c, a, now, m.events); err != nil {
			return err
		}
		after := map[string]any{"status": m.c.Status}
		if m.c.DueAt != nil {
			after["due_at"] = m.c.DueAt.Format(time.RFC3339)
		}
		return audit.Record(tx, a, now, audit.Event{Action: "case." + action, ObjectType: "case", ObjectID: id.String(),
			Before: map[string]any{"status": m.before}, After: after, Data: m.data})
	})
	if err != nil {
		return nil, err
	}
	s.notify(ctx, t, id)
	return s.Get(ctx, db.TenantScope(t.ID, a.UserID), id)
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

func (s *Service) writeEvents(tx *gorm.DB, c *Case, a actor.Actor, now time.Time, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	for i := range evs {
		evs[i].ID = uuid.Must(uuid.NewV7())
		evs[i].TenantID, evs[i].CaseID, evs[i].At = c.TenantID, c.ID, now
		if evs[i].ActorName == "" {
			evs[i].ActorName = a.Name()
		}
	}
	return tx.Create(&evs).Error
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

// reasonLabels are the Chinese reasons an identity number is rejected.
var reasonLabels = map[string]string{
	"length": "位数不对", "charset": "含有不允许的字符", "birth_date": "出生日期不存在",
	"check_digit": "校验码不符", "invalid": "格式不正确",
}

func idReason(err error) apperr.Params {
	code := reasonCode(err)
	zh := reasonLabels[code]
	if zh == "" {
		zh = code
	}
	return apperr.Params{"reason": code, "reason_zh": zh}
}

// Accept starts the clock: the case and its first steps get their due dates from the
// item's promised limit (or its green-channel limit for a major project).
func (s *Service) Accept(ctx context.Context, a actor.Actor, id uuid.UUID) (*Detail, error) {
	return s.mutate(ctx, a, id, "accept", func(m *mut) error {
		if m.c.Status != StatusSubmitted {
			return illegal(m.c, "accept")
		}
		if err := s.checkClerk(m.tx, a, m.c); err != nil {
			return err
		}
		if missing := missingMaterials(m.c.Materials); len(missing) > 0 {
			return apperr.Conflict("casework.materials_missing", apperr.Params{"materials": strings.Join(missing, "、"), "extra": map[string]any{"missing": missing}})
		}
		s.accept(m, m.now, a.Name(), false)
		return nil
	})
}

func (s *Service) accept(m *mut, at time.Time, by string, deemed bool) {
	m.c.Status = StatusInProgress
	m.c.AcceptedAt, m.c.AcceptedByName, m.c.DeemedAccepted = &at, by, deemed
	m.c.AcceptanceDueAt = nil
	m.eng.start(at)
	if m.eng.finished() {
		m.c.Status = StatusPendingDecision
	}
	if deemed {
		m.event("deemed_accepted", "", true, nil)
		m.data["deemed"] = true
	} else {
		m.event("accepted", "", true, nil)
	}
	for _, st := range m.eng.active() {
		m.event("step_started", st.Name, true, nil)
	}
}

// RequestCorrection tells the applicant, in one notice, everything to supplement
// (补正). The acceptance clock stops until the materials come back.
func (s *Service) RequestCorrection(ctx context.Context, a actor.Actor, id uuid.UUID, items []string) (*Detail, error) {
	var v apperr.Fields
	clean := make([]string, 0, len(items))
	for i, it := range items {
		if v.Required(fmt.Sprintf("items[%d]", i), it) {
			clean = append(clean, strings.TrimSpace(it))
		}
	}
	if len(items) == 0 {
		v.Add("items", "required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.mutate(ctx, a, id, "request_correction", func(m *mut) error {
		if m.c.Status != StatusSubmitted {
			return illegal(m.c, "request-correction")
		}
		if err := s.checkClerk(m.tx, a, m.c); err != nil {
			return err
		}
		m.c.Status, m.c.CorrectionItems, m.c.CorrectionAt, m.c.AcceptanceDueAt = StatusCorrectionRequested, clean, &m.now, nil
		m.event("correction_requested", "", true, apperr.Params{"items": strings.Join(clean, "；")})
		m.data["items"] = clean
		return nil
	})
}

// Resubmit records the supplemented materials: the application returns to acceptance
// with a fresh 5-working-day acceptance deadline.
func (s *Service) Resubmit(ctx context.Context, a actor.Actor, id uuid.UUID, materials []SubmittedMaterial) (*Detail, error) {
	return s.mutate(ctx, a, id, "resubmit", func(m *mut) error {
		if m.c.Status != StatusCorrectionRequested {
			return illegal(m.c, "resubmit")
		}
		if err := s.checkClerk(m.tx, a, m.c); err != nil {
			return err
		}
		var list []catalogue.Material
		if err := m.tx.Table("power_versions").Select("materials").Where("id = ?", m.c.VersionID).Row().Scan(jsonScanner{&list}); err != nil {
			return err
		}
		ms, v := checkMaterials(list, materials)
		if err := v.Err(); err != nil {
			return err
		}
		m.c.Materials, m.c.Status, m.c.ReceivedAt = ms, StatusSubmitted, m.now
		m.event("resubmitted", "", true, nil)
		return nil
	})
}

// Refuse refuses the application; the reason is required and shown to the applicant.
func (s *Service) Refuse(ctx context.Context, a actor.Actor, id uuid.UUID, reason string) (*Detail, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.Invalid("validation_failed").WithField("reason", "required")
	}
	return s.mutate(ctx, a, id, "refuse", func(m *mut) error {
		if m.c.Status != StatusSubmitted {
			return illegal(m.c, "refuse")
		}
		if err := s.checkClerk(m.tx, a, m.c); err != nil {
			return err
		}
		m.c.Status, m.c.RefusedReason, m.c.AcceptanceDueAt = StatusRefused, reason, nil
		m.event("refused", "", true, apperr.Params{"reason": reason})
		m.data["reason"] = reason
		return nil
	})
}

// stepFor finds a step of the case by its row ID or its flowchart node.
func (m *mut) stepFor(ref string) (*Step, error) {
	for i := range m.steps {
		if m.steps[i].ID.String() == ref || m.steps[i].Node == ref {
			return m.eng.steps[m.steps[i].Node], nil
		}
	}
	return nil, apperr.NotFound("casework.step_not_found")
}

// checkHandler: the user works in the step's department and holds the step's role.
func (s *Service) checkHandler(a actor.Actor, st *Step) error {
	if a.Kind != actor.KindUser {
		return nil
	}
	if st.DepartmentID == nil || a.DepartmentID != *st.DepartmentID {
		return apperr.Forbidden("casework.not_your_step")
	}
	if st.Role != "" {
		held := false
		for _, g := range s.enforcer.GrantsOf(a.UserID) {
			held = held || (g.Role == st.Role && strings.TrimSuffix(g.Domain, "*") == a.TenantPath)
		}
		if !held {
			return apperr.Forbidden("casework.not_your_step")
		}
	}
	return nil
}

// CompleteStep finishes an active task with an opinion and moves the flowchart on;
// when the end is reached the case awaits its decision. Two handlers racing on one
// task cannot both win: the case is locked and the second finds it done (409).
func (s *Service) CompleteStep(ctx context.Context, a actor.Actor, id uuid.UUID, stepRef, opinion string) (*Detail, error) {
	opinion = strings.TrimSpace(opinion)
	if opinion == "" {
		return nil, apperr.Invalid("validation_failed").WithField("opinion", "required")
	}
	return s.mutate(ctx, a, id, "step_complete", func(m *mut) error {
		if m.c.Status != StatusInProgress {
			return illegal(m.c, "complete a step")
		}
		if m.c.Paused {
			return apperr.Conflict("casework.paused")
		}
		st, err := m.stepFor(stepRef)
		if err != nil {
			return err
		}
		if err := s.checkHandler(a, st); err != nil {
			return err
		}
		if err := m.eng.complete(st, m.now, a.UserID, a.Name(), opinion); err != nil {
			return err
		}
		m.event("step_done", st.Name, true, apperr.Params{"opinion": opinion})
		m.data["step"], m.data["node"] = st.Name, st.Node
		for _, next := range m.eng.active() {
			if next.ActivatedAt != nil && next.ActivatedAt.Equal(m.now) && next.Node != st.Node {
				m.event("step_started", next.Name, true, nil)
			}
		}
		if m.eng.finished() {
			m.c.Status = StatusPendingDecision
			m.event("pending_decision", "", true, nil)
		}
		return nil
	})
}

// ReturnStep sends an active task back to an earlier one with a reason; the earlier
// task is active again with a fresh due date, and its reminders follow.
func (s *Service) ReturnStep(ctx context.Context, a actor.Actor, id uuid.UUID, stepRef, toRef, reason string) (*Detail, error) {
	reason = strings.TrimSpace(reason)
	var v apperr.Fields
	v.Required("to_step", toRef)
	v.Required("reason", reason)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.mutate(ctx, a, id, "step_return", func(m *mut) error {
		if m.c.Status != StatusInProgress {
			return illegal(m.c, "return a step")
		}
		if m.c.Paused {
			return apperr.Conflict("casework.paused")
		}
		from, err := m.stepFor(stepRef)
		if err != nil {
			return err
		}
		if err := s.checkHandler(a, from); err != nil {
			return err
		}
		to, err := m.stepFor(toRef)
		if err != nil {
			return apperr.Invalid("validation_failed").WithField("to_step", "casework.return_target")
		}
		if err := m.eng.returnTo(from, to, m.now); err != nil {
			return err
		}
		m.event("step_returned", from.Name, true, apperr.Params{"to": to.Name, "reason": reason})
		m.data["from"], m.data["to"], m.data["reason"] = from.Node, to.Node, reason
		return nil
	})
}

// PauseInput starts an Art. 45 pause.
type PauseInput struct {
	ReasonType          string `json:"reason_type"`
	Notice              string `json:"notice"`
	ExpectedWorkingDays int    `json:"expected_working_days"`
}

// Pause stops the clock for an Art. 45 activity (hearing, testing, expert review …),
// with the written notice to the applicant. Every due date moves by the paused
// working days when it ends.
func (s *Service) Pause(ctx context.Context, a actor.Actor, id uuid.UUID, in PauseInput) (*Detail, error) {
	var v apperr.Fields
	ok := false
	for _, r := range PauseReasons {
		ok = ok || r == in.ReasonType
	}
	if !ok {
		v.Add("reason_type", "not_allowed_value", apperr.Params{"allowed": strings.Join(PauseReasons, ", ")})
	}
	v.Required("notice", in.Notice)
	if in.ExpectedWorkingDays < 1 || in.ExpectedWorkingDays > 250 {
		v.Add("expected_working_days", "out_of_range", apperr.Params{"min": 1, "max": 250})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.mutate(ctx, a, id, "pause", func(m *mut) error {
		if m.c.Status != StatusInProgress && m.c.Status != StatusPendingDecision {
			return illegal(m.c, "pause")
		}
		if m.c.Paused {
			return apperr.Conflict("casework.already_paused")
		}
		if err := s.checkCaseDepartment(a, m); err != nil {
			return err
		}
		for _, p := range m.pauses {
			if p.Kind == PauseUncounted && p.EndedAt == nil {
				now := m.now
				p.EndedAt = &now
			}
		}
		m.pauses = append(m.pauses, &Pause{ID: uuid.Must(uuid.NewV7()), TenantID: m.c.TenantID, CaseID: m.c.ID, Kind: PauseArt45,
			ReasonType: in.ReasonType, Notice: strings.TrimSpace(in.Notice), ExpectedWorkingDays: in.ExpectedWorkingDays,
			StartedAt: m.now, StartedByName: a.Name()})
		m.c.Paused, m.c.ClockStoppedAt = true, &m.now
		m.event("paused", "", true, apperr.Params{"reason_type": in.ReasonType, "reason_zh": pauseLabel(in.ReasonType), "reason_en": strings.ReplaceAll(in.ReasonType, "_", " "), "days": in.ExpectedWorkingDays})
		m.data["reason_type"], m.data["expected_working_days"] = in.ReasonType, in.ExpectedWorkingDays
		return nil
	})
}

// Resume ends the Art. 45 pause; the case's and the active steps' due dates move by
// the working days it lasted.
func (s *Service) Resume(ctx context.Context, a actor.Actor, id uuid.UUID) (*Detail, error) {
	return s.mutate(ctx, a, id, "resume", func(m *mut) error {
		if !m.c.Paused {
			return apperr.Conflict("casework.not_paused", apperr.Params{"extra": map[string]any{"status": m.c.Status}})
		}
		if err := s.checkCaseDepartment(a, m); err != nil {
			return err
		}
		for _, p := range m.pauses {
			if p.Kind == PauseArt45 && p.EndedAt == nil {
				now := m.now
				p.EndedAt, p.EndedByName = &now, a.Name()
			}
		}
		m.c.Paused, m.c.ClockStoppedAt = false, nil
		m.event("resumed", "", true, nil)
		return nil
	})
}

// checkCaseDepartment: pauses, extensions and decisions belong to the department
// that owns the item.
func (s *Service) checkCaseDepartment(a actor.Actor, m *mut) error {
	if a.Kind == actor.KindUser && a.DepartmentID != m.c.DepartmentID {
		return apperr.Forbidden("casework.not_your_department")
	}
	return nil
}

// Extend grants the one extension (Art. 42: +10 working days unless the item sets its
// own), approved by the department head with a reason.
func (s *Service) Extend(ctx context.Context, a actor.Actor, id uuid.UUID, reason string) (*Detail, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.Invalid("validation_failed").WithField("reason", "required")
	}
	return s.mutate(ctx, a, id, "extend", func(m *mut) error {
		if m.c.Status != StatusInProgress && m.c.Status != StatusPendingDecision {
			return illegal(m.c, "extend")
		}
		if m.c.ExtensionDays > 0 {
			return apperr.Conflict("casework.already_extended")
		}
		if err := s.checkCaseDepartment(a, m); err != nil {
			return err
		}
		var days int
		if err := m.tx.Table("power_versions").Select("extension_days").Where("id = ?", m.c.VersionID).Row().Scan(&days); err != nil {
			return err
		}
		if days <= 0 {
			return apperr.Conflict("casework.no_extension")
		}
		m.c.ExtensionDays, m.c.ExtensionReason = days, reason
		m.event("extended", "", true, apperr.Params{"days": days, "reason": reason})
		m.data["days"], m.data["reason"] = days, reason
		return nil
	})
}

// DecideInput is the decision.
type DecideInput struct {
	Result        string `json:"result"`
	Reason        string `json:"reason"`
	CertificateNo string `json:"certificate_no"`
}

// Decide approves (with a certificate number) or denies (with a reason) a case whose
// steps are done; delivery falls due 10 working days later.
func (s *Service) Decide(ctx context.Context, a actor.Actor, id uuid.UUID, in DecideInput) (*Detail, error) {
	var v apperr.Fields
	switch in.Result {
	case "approve":
		v.Required("certificate_no", in.CertificateNo)
	case "deny":
		v.Required("reason", in.Reason)
	default:
		v.Add("result", "not_allowed_value", apperr.Params{"allowed": "approve, deny"})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.mutate(ctx, a, id, "decide", func(m *mut) error {
		if m.c.Status != StatusPendingDecision {
			return illegal(m.c, "decide")
		}
		if m.c.Paused {
			return apperr.Conflict("casework.paused")
		}
		if err := s.checkCaseDepartment(a, m); err != nil {
			return err
		}
		m.c.Decision, m.c.DecisionReason, m.c.CertificateNo, m.c.DecidedAt = in.Result, strings.TrimSpace(in.Reason), strings.TrimSpace(in.CertificateNo), &m.now
		if in.Result == "approve" {
			m.c.Status = StatusApproved
			m.event("approved", "", true, apperr.Params{"certificate_no": m.c.CertificateNo})
		} else {
			m.c.Status = StatusDenied
			m.event("denied", "", true, apperr.Params{"reason": m.c.DecisionReason})
		}
		m.data["result"] = in.Result
		return nil
	})
}

// Deliver records the delivery (送达) of the decision.
func (s *Service) Deliver(ctx context.Context, a actor.Actor, id uuid.UUID) (*Detail, error) {
	return s.mutate(ctx, a, id, "deliver", func(m *mut) error {
		if m.c.Status != StatusApproved && m.c.Status != StatusDenied {
			return illegal(m.c, "deliver")
		}
		m.c.Status, m.c.DeliveredAt = StatusDelivered, &m.now
		m.event("delivered", "", true, nil)
		return nil
	})
}

func pauseLabel(reason string) string {
	labels := map[string]string{"hearing": "听证", "tendering": "招标", "auction": "拍卖", "inspection": "检验", "testing": "检测",
		"quarantine": "检疫", "appraisal": "鉴定", "expert_review": "专家评审"}
	if l, ok := labels[reason]; ok {
		return l
	}
	return reason
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
	apperr.Register("casework.window_unknown", "窗口不存在", "No such window")
	apperr.Register("casework.window_inactive", "窗口已停用", "The window is closed")
	apperr.Register("casework.window_wrong_department", "该窗口不受理此部门的事项", "This window does not serve this department's items")
	apperr.Register("casework.not_window_staff", "您未获授权在该窗口受理", "You are not authorised at this window")
	apperr.Register("casework.material_unknown", "该事项没有名为「{name}」的申请材料", "The item lists no material named \"{name}\"")
	apperr.Register("casework.materials_missing", "必要材料不全：{materials}，请先一次性告知补正", "Required materials missing: {materials}; request a correction first")
	apperr.Register("casework.project_unknown", "重大项目不存在", "No such major project")
	apperr.Register("casework.project_closed", "重大项目已办结", "The major project is completed")
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
