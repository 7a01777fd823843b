package supervision

import (
	"context"

	"github.com/google/uuid"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/workflow"
)

// Card and notice actions.
const (
	ActionAppeal       = "appeal"
	ActionDecideAppeal = "decide_appeal"
	ActionCancel       = "cancel"
	ActionResolve      = "resolve"
	ActionReply        = "reply"
	ActionEscalate     = "escalate"
)

// cardMachine is a card's life: raised active, appealed by the supervised
// department, the appeal decided by a supervisor (accepted: cancelled; rejected:
// active again), cancelled by a supervisor, resolved by the evaluation once the work
// it was about has finished.
var cardMachine = func() *workflow.Machine {
	// The historic message (English names the status by its code) stays.
	apperr.Register("supervision.illegal_transition", "监察卡当前状态为「{status_zh}」，不能{action_zh}", "The card is {status}; cannot {action_en}")
	return workflow.New("supervision", "监察卡", "card").
		State(StatusActive, "有效", "active").
		State(StatusAppealed, "申诉中", "appealed").
		State(StatusCancelled, "已撤销", "cancelled").
		State(StatusResolved, "已办结", "resolved").
		Action(ActionAppeal, "申诉", "appeal", []string{StatusActive}, StatusAppealed).
		// The decision leads to cancelled (accepted) or back to active (rejected).
		Action(ActionDecideAppeal, "裁决申诉", "decide the appeal", []string{StatusAppealed}, "").
		Action(ActionCancel, "撤销", "cancel", []string{StatusActive, StatusAppealed}, StatusCancelled).
		Action(ActionResolve, "办结", "resolve", []string{StatusActive, StatusAppealed}, StatusResolved)
}()

// noticeMachine is a supervision notice's life: sent, replied by the department (also
// after it was escalated), escalated by the sweep when its reply is overdue. A second
// reply keeps its historic error (supervision.notice_replied).
var noticeMachine = workflow.New("supervision_notice", "督办单", "notice").
	State(NoticeSent, "待回复", "sent").
	State(NoticeReplied, "已回复", "replied").
	State(NoticeEscalated, "已报上级", "escalated").
	Action(ActionReply, "回复", "reply", []string{NoticeSent, NoticeEscalated}, NoticeReplied).
	Action(ActionEscalate, "报上级", "escalate", []string{NoticeSent}, NoticeEscalated)

// CardMachine and NoticeMachine are supervision's workflows (documentation, tests).
func CardMachine() *workflow.Machine   { return cardMachine }
func NoticeMachine() *workflow.Machine { return noticeMachine }

// CardActions are the actions the caller in ctx may take on card c now (c.TenantID
// must be set): the supervised department appeals; a supervisor of the right level
// (of the card's tenant or a city above it) cancels and decides appeals; only the
// evaluation resolves.
func (s *Service) CardActions(ctx context.Context, c *CardRow) []string { return s.cardActions(ctx, c) }

func (s *Service) cardActions(ctx context.Context, c *CardRow) []string {
	caller, ok := actor.CallerFrom(ctx)
	if !ok || caller.Kind != actor.KindUser {
		return []string{}
	}
	var supervises *bool
	return cardMachine.Allowed(c.Status, func(action string) bool {
		switch action {
		case ActionAppeal:
			return c.TenantID == caller.TenantID && c.DepartmentID != nil && *c.DepartmentID == caller.DepartmentID &&
				caller.Can(authz.SupervisionReply)
		case ActionCancel, ActionDecideAppeal:
			if supervises == nil {
				ok := false
				if t, err := s.tenants.ByID(ctx, c.TenantID); err == nil {
					ok = s.supervises(caller.Actor, t)
				}
				supervises = &ok
			}
			return *supervises
		}
		return false
	})
}

// noticeActions are the actions the caller in ctx may take on notice n now: the
// department it was sent to replies.
func noticeActions(ctx context.Context, n *Notice) []string {
	caller, ok := actor.CallerFrom(ctx)
	if !ok || caller.Kind != actor.KindUser {
		return []string{}
	}
	return noticeMachine.Allowed(n.Status, func(action string) bool {
		return action == ActionReply && n.TenantID == caller.TenantID && n.DepartmentID == caller.DepartmentID &&
			caller.DepartmentID != uuid.Nil && caller.Can(authz.SupervisionReply)
	})
}
