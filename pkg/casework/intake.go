package casework

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/calendar"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/idcheck"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/projects"
	"sunshine/pkg/tenant"
)

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

// Intake registers an application (status submitted) and returns its detail. At a
// window the clerk must be authorised there; online applications come from the
// portal (actor kind public). A power that is not approved and filed is refused
// with 422 power_not_filed.
//
// It reads what it must check in one round trip shared with concurrent intakes,
// draws the tracking number only once the application is admitted, and writes the
// case, its fees, timeline and audit event as one statement committed together with
// concurrent intakes. Its steps are stored when it is accepted (the clock starts
// there); until then the case shows them as planned, with the same IDs (StepID).
func (s *Service) Intake(ctx context.Context, a actor.Actor, t *tenant.Tenant, in IntakeInput) (*Detail, error) {
	idNumber, err := in.validate()
	if err != nil {
		return nil, err
	}
	cal, err := s.calendars.For(ctx, t)
	if err != nil {
		return nil, err
	}
	scope := db.TenantScope(t.ID, a.UserID)
	ver, project, err := s.admit(ctx, scope, a, &in)
	if err != nil {
		return nil, err
	}
	c, err := newCase(t, ver, &in, idNumber, project, s.clock.Now())
	if err != nil {
		return nil, err
	}
	fees, err := chargeFees(ver, in.Fees, c)
	if err != nil {
		return nil, err
	}
	if err := derive(cal, c, nil, nil); err != nil {
		return nil, err
	}
	depts, err := s.store.departmentCodes(ctx, scope, t.ID)
	if err != nil {
		return nil, err
	}
	seq, err := s.store.drawTrackingNumber(ctx)
	if err != nil {
		return nil, err
	}
	c.TrackingNo = trackingNumber(t.Code, c.ReceivedAt, seq)
	evs := intakeEvents(a, c)
	auditSQL, auditArgs, err := audit.Statement(a, c.ReceivedAt, intakeAudit(c, ver.Code, idNumber))
	if err != nil {
		return nil, err
	}
	if err := s.store.writeIntake(ctx, scope, c, evs, fees, auditSQL, auditArgs); err != nil {
		return nil, err
	}
	if c.FeeMismatch {
		// Supervision cards the mismatch at once (the sweep would within a minute).
		s.notify(ctx, t, c.ID)
	}
	return s.detail(cal, t, c, ver.Flowchart.Edges, instantiate(ver.Flowchart, t.ID, c.ID, depts), nil, fees, evs), nil
}

// projectFacts are what intake read of the project an application is filed under.
type projectFacts struct {
	found  bool
	status string
}

// admit reads the facts of an application and applies their owners' rules: the power
// must be filed (catalogue), the window must take the item's department and the clerk
// be authorised there (servicecentre). It returns the version the case will run.
func (s *Service) admit(ctx context.Context, scope db.Scope, a actor.Actor, in *IntakeInput) (*catalogue.Version, projectFacts, error) {
	f, err := s.store.intakeFacts(ctx, scope, in.PowerID, in.WindowID, a.UserID, in.ProjectID)
	if err != nil {
		return nil, projectFacts{}, err
	}
	if !f.powerFound {
		return nil, projectFacts{}, apperr.Invalid("validation_failed").WithField("power_id", "casework.power_unknown")
	}
	versionID, err := f.power.InForceVersion()
	if err != nil {
		return nil, projectFacts{}, err
	}
	ver, err := s.store.version(ctx, scope, versionID)
	if err != nil {
		return nil, projectFacts{}, err
	}
	if in.WindowID != nil {
		if err := f.window.Check(a, ver.DepartmentID); err != nil {
			return nil, projectFacts{}, err
		}
	}
	return ver, projectFacts{found: f.projectFound, status: f.projectStatus}, nil
}

// newCase builds the case of an admitted application received at now: its materials
// matched to the item's list and, under an open major project, the item's
// green-channel limit (projects.CheckOpen).
func newCase(t *tenant.Tenant, ver *catalogue.Version, in *IntakeInput, idNumber string, project projectFacts, now time.Time) (*Case, error) {
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
		QueryCode: NewQueryCode(),
	}
	if in.ProjectID != nil {
		if err := projects.CheckOpen(project.found, project.status); err != nil {
			return nil, err
		}
		if ver.GreenLimit != nil {
			c.LimitDays, c.GreenChannel = *ver.GreenLimit, true
		}
	}
	return c, nil
}

// trackingNumber is a case's tracking number: the tenant's code, the day received
// (YYMMDD, Asia/Shanghai) and six digits of the tracking sequence.
func trackingNumber(tenantCode string, received time.Time, seq int64) string {
	day := calendar.DateOf(received).String()
	return fmt.Sprintf("%s%s%s%s%06d", tenantCode, day[2:4], day[5:7], day[8:10], seq%1000000)
}

// intakeEvents are the timeline entries of a new case: how it was received and a fee
// mismatch.
func intakeEvents(a actor.Actor, c *Case) []Event {
	evs := []Event{newEvent("submitted", "", true, apperr.Params{"channel": c.Channel, "channel_zh": channelNote(c.Channel), "channel_en": channelNoteEn(c.Channel)})}
	if c.FeeMismatch {
		evs = append(evs, newEvent("fee_mismatch", "", false, apperr.Params{"charged": yuan(c.FeeChargedFen), "expected": yuan(c.FeeExpectedFen)}))
	}
	for i := range evs {
		evs[i].ID, evs[i].TenantID, evs[i].CaseID, evs[i].At, evs[i].ActorName = uuid.Must(uuid.NewV7()), c.TenantID, c.ID, c.ReceivedAt, a.Name()
	}
	return evs
}

// intakeAudit is the audit event of a new case.
func intakeAudit(c *Case, powerCode, idNumber string) audit.Event {
	data := map[string]any{"tracking_no": c.TrackingNo, "channel": c.Channel, "power": powerCode}
	if c.FeeMismatch {
		data["fee_mismatch"] = map[string]any{"charged_fen": c.FeeChargedFen, "expected_fen": c.FeeExpectedFen}
	}
	return audit.Event{Action: "case.submit", ObjectType: "case", ObjectID: c.ID.String(),
		After: map[string]any{"status": c.Status, "power_id": c.PowerID, "applicant_id": idcheck.MaskResidentID(idNumber)}, Data: data}
}

// validate checks the application's own fields (before anything is read) and returns
// the applicant's normalised identifier.
func (in *IntakeInput) validate() (string, error) {
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
	return idNumber, v.Err()
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

// chargeFees checks what was charged against the item's fee schedule and records the
// totals and any mismatch on c.
func chargeFees(ver *catalogue.Version, in []FeeInput, c *Case) ([]Fee, error) {
	fees, expected, charged, mismatch, err := checkFees(ver, in, c)
	if err != nil {
		return nil, err
	}
	c.FeeExpectedFen, c.FeeChargedFen, c.FeeMismatch = expected, charged, mismatch
	return fees, nil
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
