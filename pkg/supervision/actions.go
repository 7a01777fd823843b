package supervision

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/authz"
	"sunshine/pkg/calendar"
	"sunshine/pkg/casework"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// cardIn finds a card within the tenants the caller may read.
func (s *Service) cardIn(ctx context.Context, read []uuid.UUID, id uuid.UUID) (*CardRow, *tenant.Tenant, error) {
	var c CardRow
	err := s.db.Tx(ctx, db.ReadOnlyScope(read), func(tx *gorm.DB) error {
		return tx.Where("id = ?", id).First(&c).Error
	})
	if err != nil {
		return nil, nil, db.Classify(err)
	}
	t, err := s.tenants.ByID(ctx, c.TenantID)
	if err != nil {
		return nil, nil, err
	}
	return &c, t, nil
}

// supervises reports whether the actor is a supervisor of the right level for t: a
// supervisor of t itself, or of a city covering t.
func (s *Service) supervises(a actor.Actor, t *tenant.Tenant) bool {
	return a.Kind == actor.KindUser && s.enforcer.Allowed(a.UserID, t.Path, authz.SupervisionAct)
}

// updateCard changes a card inside the card's tenant, marking the transaction as a
// supervisor's when it decides (the database's guard checks that mark).
func (s *Service) updateCard(ctx context.Context, a actor.Actor, t *tenant.Tenant, id uuid.UUID, asSupervisor bool, action string, fn func(c *CardRow) (map[string]any, error)) (*CardRow, error) {
	now := s.clock.Now()
	var out CardRow
	err := s.db.Tx(ctx, db.TenantScope(t.ID, a.UserID), func(tx *gorm.DB) error {
		if asSupervisor {
			if err := tx.Exec(`SELECT set_config('app.supervisor', 'on', true)`).Error; err != nil {
				return err
			}
		}
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, t.ID).First(&out).Error; err != nil {
			return db.Classify(err)
		}
		before := out.Status
		updates, err := fn(&out)
		if err != nil {
			return err
		}
		if err := tx.Model(&CardRow{}).Where("id = ?", id).Updates(updates).Error; err != nil {
			return db.Classify(err)
		}
		if err := tx.Where("id = ?", id).First(&out).Error; err != nil {
			return err
		}
		// A supervisor of the city acting on a county's card: the act is recorded in the
		// county's chain, attributed to the supervisor.
		ta := a
		ta.TenantID, ta.TenantCode, ta.TenantPath = t.ID, t.Code, t.Path
		return audit.Record(tx, ta, now, audit.Event{Action: "supervision." + action, ObjectType: "card", ObjectID: id.String(),
			Before: map[string]any{"status": before}, After: map[string]any{"status": out.Status}, Data: updates})
	})
	if err != nil {
		return nil, err
	}
	if s.bus != nil {
		s.bus.Publish(ctx, Event{Type: "card.updated", TenantID: t.ID, TenantCode: t.Code, Card: out})
	}
	return &out, nil
}

func required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return apperr.Invalid("validation_failed").WithField(field, "required")
	}
	return nil
}

// Appeal is the supervised department's objection to a card, with a reason.
func (s *Service) Appeal(ctx context.Context, id uuid.UUID, reason string) (*CardRow, error) {
	if err := required("reason", reason); err != nil {
		return nil, err
	}
	caller, read, err := readable(ctx)
	if err != nil {
		return nil, err
	}
	a := caller.Actor
	c, t, err := s.cardIn(ctx, read, id)
	if err != nil {
		return nil, err
	}
	if t.ID != a.TenantID || c.DepartmentID == nil || *c.DepartmentID != a.DepartmentID {
		return nil, apperr.Forbidden("supervision.not_your_card")
	}
	return s.updateCard(ctx, a, t, id, false, "appeal", func(c *CardRow) (map[string]any, error) {
		if err := cardMachine.Check(ActionAppeal, c.Status); err != nil {
			return nil, err
		}
		return map[string]any{"status": StatusAppealed, "appeal_reason": strings.TrimSpace(reason), "appealed_at": s.clock.Now(), "appealed_by": a.Name()}, nil
	})
}

// DecideAppeal: a supervisor of the right level accepts the appeal (the card is
// cancelled) or rejects it (the card stands), with a reason.
func (s *Service) DecideAppeal(ctx context.Context, id uuid.UUID, accept bool, reason string) (*CardRow, error) {
	if err := required("reason", reason); err != nil {
		return nil, err
	}
	caller, read, err := readable(ctx)
	if err != nil {
		return nil, err
	}
	a := caller.Actor
	_, t, err := s.cardIn(ctx, read, id)
	if err != nil {
		return nil, err
	}
	if !s.supervises(a, t) {
		return nil, apperr.Forbidden("supervision.not_supervisor")
	}
	return s.updateCard(ctx, a, t, id, true, "decide_appeal", func(c *CardRow) (map[string]any, error) {
		if err := cardMachine.Check(ActionDecideAppeal, c.Status); err != nil {
			return nil, err
		}
		now := s.clock.Now()
		u := map[string]any{"decision_reason": strings.TrimSpace(reason), "decided_at": now, "decided_by": a.Name()}
		if accept {
			u["decision"], u["status"], u["cancel_reason"], u["cancelled_at"], u["cancelled_by"] = "accepted", StatusCancelled, strings.TrimSpace(reason), now, a.Name()
		} else {
			u["decision"], u["status"] = "rejected", StatusActive
		}
		return u, nil
	})
}

// Cancel withdraws a card (a supervisor's decision, with a reason).
func (s *Service) Cancel(ctx context.Context, id uuid.UUID, reason string) (*CardRow, error) {
	if err := required("reason", reason); err != nil {
		return nil, err
	}
	caller, read, err := readable(ctx)
	if err != nil {
		return nil, err
	}
	a := caller.Actor
	_, t, err := s.cardIn(ctx, read, id)
	if err != nil {
		return nil, err
	}
	if !s.supervises(a, t) {
		return nil, apperr.Forbidden("supervision.not_supervisor")
	}
	return s.updateCard(ctx, a, t, id, true, "cancel", func(c *CardRow) (map[string]any, error) {
		if err := cardMachine.Check(ActionCancel, c.Status); err != nil {
			return nil, err
		}
		return map[string]any{"status": StatusCancelled, "cancel_reason": strings.TrimSpace(reason), "cancelled_at": s.clock.Now(), "cancelled_by": a.Name()}, nil
	})
}

// DefaultNoticeReplyWorkingDays is a notice's reply limit when neither the supervisor
// nor the tenant's setting notice_reply_working_days says otherwise.
const DefaultNoticeReplyWorkingDays = 3

// NoticeInput is a supervision notice to send.
type NoticeInput struct {
	CaseID           *uuid.UUID `json:"case_id"`
	CardID           *uuid.UUID `json:"card_id"`
	DepartmentID     uuid.UUID  `json:"department_id"`
	Text             string     `json:"text"`
	ReplyWorkingDays int        `json:"reply_working_days"`
}

// SendNotice sends a notice about a case or card to a department of its tenant. A city
// supervisor may send to any county's departments: the notice is written into the
// county (after this check), and recorded in both chains.
func (s *Service) SendNotice(ctx context.Context, in NoticeInput) (*Notice, error) {
	caller, read, err := readable(ctx)
	if err != nil {
		return nil, err
	}
	a := caller.Actor
	var v apperr.Fields
	if (in.CaseID == nil) == (in.CardID == nil) {
		v.Add("case_id", "supervision.case_or_card")
	}
	if in.DepartmentID == uuid.Nil {
		v.Add("department_id", "required")
	}
	if v.Required("text", in.Text) && len([]rune(in.Text)) > 2000 {
		v.Add("text", "too_long", apperr.Params{"max": 2000})
	}
	if in.ReplyWorkingDays != 0 && (in.ReplyWorkingDays < 1 || in.ReplyWorkingDays > 30) {
		v.Add("reply_working_days", "out_of_range", apperr.Params{"min": 1, "max": 30})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Find the object's tenant within what the supervisor may read.
	var tenantID uuid.UUID
	var deptName string
	err = s.db.Tx(ctx, db.ReadOnlyScope(read), func(tx *gorm.DB) error {
		if in.CardID != nil {
			var ids []uuid.UUID
			if err := tx.Model(&CardRow{}).Where("id = ?", *in.CardID).Pluck("tenant_id", &ids).Error; err != nil {
				return err
			}
			if len(ids) == 0 {
				return apperr.NotFound("not_found")
			}
			tenantID = ids[0]
		} else {
			id, ok, err := casework.CaseTenant(tx, *in.CaseID)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.NotFound("not_found")
			}
			tenantID = id
		}
		dept, ok, err := tenancy.DepartmentOf(tx, tenantID, in.DepartmentID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid("validation_failed").WithField("department_id", "supervision.department_elsewhere")
		}
		deptName = dept.Name
		if in.CardID != nil && in.CaseID == nil {
			// A notice about a case's card is about that case too.
			var cases []uuid.UUID
			if err := tx.Table("supervision_cards").Where("id = ? AND case_id IS NOT NULL", *in.CardID).Pluck("case_id", &cases).Error; err != nil {
				return err
			}
			if len(cases) == 1 {
				in.CaseID = &cases[0]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t, err := s.tenants.ByID(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if !s.supervises(a, t) {
		return nil, apperr.Forbidden("supervision.not_supervisor")
	}
	cal, err := s.cals.For(ctx, t)
	if err != nil {
		return nil, err
	}
	if in.ReplyWorkingDays == 0 {
		// The receiving tenant's default (notice_reply_working_days, inherited from the city).
		eff, err := s.tenants.Effective(ctx, t)
		if err != nil {
			return nil, err
		}
		if in.ReplyWorkingDays, err = tenant.WorkingDays(eff, t, tenant.SettingNoticeReplyDays, DefaultNoticeReplyWorkingDays); err != nil {
			return nil, err
		}
	}
	now := s.clock.Now()
	reply, err := cal.AddWorkingDays(now, in.ReplyWorkingDays)
	if err != nil {
		return nil, err
	}
	n := &Notice{ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, SenderTenantID: a.TenantID, SenderName: a.Name(), CaseID: in.CaseID, CardID: in.CardID,
		DepartmentID: in.DepartmentID, Text: strings.TrimSpace(in.Text), ReplyDueAt: reply.Due,
		Status: NoticeSent, CreatedAt: now, DepartmentName: deptName}
	if a.Kind == actor.KindUser {
		n.SenderUserID = &a.UserID
	}
	err = s.db.Tx(ctx, db.TenantScope(t.ID, a.UserID), func(tx *gorm.DB) error {
		if err := tx.Create(n).Error; err != nil {
			return db.Classify(err)
		}
		ta := a
		ta.TenantID, ta.TenantCode, ta.TenantPath = t.ID, t.Code, t.Path
		if err := audit.Record(tx, ta, now, audit.Event{Action: "supervision.notice", ObjectType: "notice", ObjectID: n.ID.String(),
			After: map[string]any{"department_id": n.DepartmentID, "reply_due_at": n.ReplyDueAt, "from": a.TenantCode}}); err != nil {
			return err
		}
		if s.notifier != nil {
			who, err := s.notifier.recipients(tx, t, &n.DepartmentID, "")
			if err != nil {
				return err
			}
			dept := map[uuid.UUID][]uuid.UUID{t.ID: who[t.ID]}
			if err := s.notifier.deliver(tx, t, dept, "notice", "督办单："+firstLine(n.Text), n.Text, "/supervision/notices/"+n.ID.String(), "notice:"+n.ID.String(), now); err != nil {
				return err
			}
		}
		if a.TenantID != t.ID {
			// The sender's own chain records that it sent a notice below.
			if err := db.SetScope(tx, db.TenantScope(a.TenantID, a.UserID)); err != nil {
				return err
			}
			return audit.Record(tx, a, now, audit.Event{Action: "supervision.notice_sent", ObjectType: "notice", ObjectID: n.ID.String(),
				After: map[string]any{"to_tenant": t.Code, "department_id": n.DepartmentID}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n.AllowedActions = noticeActions(ctx, n)
	return n, nil
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\n。"); i > 0 && i < 60 {
		return s[:i]
	}
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// ReplyNotice records the department's reply.
func (s *Service) ReplyNotice(ctx context.Context, id uuid.UUID, text string) (*Notice, error) {
	if err := required("text", text); err != nil {
		return nil, err
	}
	caller, err := actor.CallerOf(ctx)
	if err != nil {
		return nil, err
	}
	a := caller.Actor
	now := s.clock.Now()
	var n Notice
	err = s.db.Tx(ctx, caller.WriteScope(), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND tenant_id = ?", id, a.TenantID).First(&n).Error; err != nil {
			return db.Classify(err)
		}
		if n.DepartmentID != a.DepartmentID {
			return apperr.Forbidden("supervision.not_your_notice")
		}
		if !noticeMachine.Can(ActionReply, n.Status) {
			return apperr.Conflict("supervision.notice_replied", apperr.Params{"extra": map[string]any{"status": n.Status}})
		}
		before := n.Status
		if err := tx.Model(&n).Updates(map[string]any{"status": NoticeReplied, "reply_text": strings.TrimSpace(text), "replied_at": now, "replied_by": a.Name()}).Error; err != nil {
			return db.Classify(err)
		}
		if err := audit.Record(tx, a, now, audit.Event{Action: "supervision.notice_reply", ObjectType: "notice", ObjectID: id.String(),
			Before: map[string]any{"status": before}, After: map[string]any{"status": NoticeReplied}}); err != nil {
			return err
		}
		n.Status, n.ReplyText, n.RepliedAt, n.RepliedBy = NoticeReplied, strings.TrimSpace(text), &now, a.Name()
		named := []Notice{n}
		if err := nameNotices(ctx, tx, named); err != nil {
			return err
		}
		n = named[0]
		if s.notifier == nil || n.SenderUserID == nil {
			return nil
		}
		// The sender learns of the reply in their inbox (in their own tenant).
		home, err := s.tenants.ByID(ctx, a.TenantID)
		if err != nil {
			return err
		}
		who := map[uuid.UUID][]uuid.UUID{n.SenderTenantID: {*n.SenderUserID}}
		return s.notifier.deliver(tx, home, who, "notice_reply", "督办单已回复："+firstLine(n.Text), strings.TrimSpace(text),
			"/supervision/notices/"+n.ID.String(), "notice_reply:"+n.ID.String(), now)
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// escalateNotices escalates unanswered notices past their reply deadline from the
// county to the city: the notice is marked escalated and a red card is raised, which
// the city's supervisors are notified of.
func (s *Service) escalateNotices(ctx context.Context, tenants []*tenant.Tenant, rep *SweepReport) (int, error) {
	now := s.clock.Now()
	var due []Notice
	err := s.db.Tx(ctx, db.ReadOnlyScope(tenant.IDs(tenants)), func(tx *gorm.DB) error {
		return tx.Where("status = 'sent' AND reply_due_at <= ?", now).Limit(1000).Find(&due).Error
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, no := range due {
		t, err := s.tenants.ByID(ctx, no.TenantID)
		if err != nil {
			continue
		}
		ch := &change{tenant: t}
		err = queue.Isolate(func() error {
			return s.escalate(ctx, t, no, now, ch)
		})
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			s.fail(ctx, rep, t, "notice "+no.ID.String(), err)
			continue
		}
		s.afterCommit(ctx, ch)
		n++
	}
	return n, nil
}

// escalate turns one unanswered notice into a red card, audited.
func (s *Service) escalate(ctx context.Context, t *tenant.Tenant, no Notice, now time.Time, ch *change) error {
	return s.db.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		ch.created = nil
		res := tx.Model(&Notice{}).Where("id = ? AND status = 'sent'", no.ID).Updates(map[string]any{"status": NoticeEscalated, "escalated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if err := audit.Record(tx, actor.System(t.ID, t.Code), now, audit.Event{Action: "supervision.notice_escalate", ObjectType: "notice", ObjectID: no.ID.String(),
			Before: map[string]any{"status": NoticeSent}, After: map[string]any{"status": NoticeEscalated}}); err != nil {
			return err
		}
		dept, due := no.DepartmentID, no.ReplyDueAt
		row, ok, err := s.insertCard(tx, t, Card{Key: "notice:" + no.ID.String(), Level: LevelRed, Rule: RuleNoticeUnanswer, CaseID: no.CaseID,
			ObjectRef: "notice:" + no.ID.String(), DepartmentID: &dept, Title: "督办单逾期未回复：" + firstLine(no.Text),
			Reason: "督办单应于 " + calendar.DateOf(due.Add(-time.Second)).String() + " 前回复，逾期未回复，已报上级", DeadlineAt: &due}, now)
		if ok {
			ch.created = append(ch.created, row)
		}
		return err
	})
}

func init() {
	apperr.Register("supervision.not_your_card", "只有被监察的部门可以申诉", "Only the supervised department may appeal")
	apperr.Register("supervision.not_supervisor", "只有相应层级的监察员可以执行此操作", "Only a supervisor of the right level may do this")
	apperr.Register("supervision.case_or_card", "须且只能指定办件或监察卡之一", "Name exactly one of a case or a card")
	apperr.Register("supervision.department_elsewhere", "该部门不属于此办件所在单位", "The department does not belong to the case's tenant")
	apperr.Register("supervision.not_your_notice", "该督办单不是发给您所在部门的", "This notice was sent to another department")
	apperr.Register("supervision.notice_replied", "督办单已回复", "The notice has already been answered")
}
