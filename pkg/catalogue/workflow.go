package catalogue

import (
	"context"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
	"sunshine/pkg/tenant"
	"sunshine/pkg/workflow"
)

// machine is the filing workflow of an item's latest version: drafted by its
// department, reviewed by the tenant's legal reviewer, published, then filed by the
// city's legal reviewer, after which a revision opens a new draft.
var machine = func() *workflow.Machine {
	// The historic message (English names the status by its code) stays.
	apperr.Register("catalogue.illegal_transition", "事项当前状态为「{status_zh}」，不能{action_zh}", "The item is {status}; it cannot {action} now")
	return workflow.New("catalogue", "事项", "item").
		State(StatusDraft, "草稿", "draft").
		State(StatusSubmitted, "待审核", "under review").
		State(StatusReturned, "已退回", "returned").
		State(StatusApproved, "审核通过", "approved").
		State(StatusPublished, "已公布待备案", "published, awaiting filing").
		State(StatusFiled, "已备案", "filed").
		State(StatusSuperseded, "已被替代", "superseded").
		Action(actionEdit, "修改", "edit", []string{StatusDraft, StatusReturned}, "").
		Action(actionSubmit, "提交审核", "submit", []string{StatusDraft, StatusReturned}, StatusSubmitted).
		Action(actionApprove, "审核通过", "approve", []string{StatusSubmitted}, StatusApproved).
		Action(actionReturn, "退回", "return", []string{StatusSubmitted}, StatusReturned).
		Action(actionPublish, "公布", "publish", []string{StatusApproved}, StatusPublished).
		Action(actionFile, "备案", "file", []string{StatusPublished}, StatusFiled).
		// A revision leaves the filed version in force and opens a new draft beside it.
		Action(actionRevise, "修订", "revise", []string{StatusFiled}, StatusDraft)
}()

// Machine is the catalogue's workflow (documentation, diagrams, tests).
func Machine() *workflow.Machine { return machine }

// StatusLabels are the Chinese names of the statuses (messages and spreadsheets).
var StatusLabels = machine.StateLabels()

// allowedActions are the actions the caller in ctx may take on p now: the workflow's
// table filtered by the caller's permissions in their own tenant, the item's tenant
// (its department, for drafting) and, for filing, the city above it.
func (s *Service) allowedActions(ctx context.Context, p *Power, owner *tenant.Tenant) []string {
	c, ok := actor.CallerFrom(ctx)
	if !ok {
		return []string{}
	}
	own := p.TenantID == c.TenantID
	ownDept := c.Kind != actor.KindUser || c.DepartmentID == p.DepartmentID
	return machine.Allowed(p.Status, func(action string) bool {
		switch action {
		case actionEdit, actionSubmit, actionRevise:
			return own && ownDept && c.Can(authz.PowerDraft)
		case actionApprove, actionReturn, actionPublish:
			return own && c.Can(authz.PowerReview)
		case actionFile:
			if !c.Can(authz.PowerFile) {
				return false
			}
			city, err := s.tenants.ByID(ctx, c.TenantID)
			return err == nil && city.Level == tenant.LevelCity && city.Covers(owner)
		}
		return false
	})
}
