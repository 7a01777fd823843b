package casework

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
)

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
		ms, v := checkMaterials(m.ver.Materials, materials)
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
		days := m.ver.ExtensionDays
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
