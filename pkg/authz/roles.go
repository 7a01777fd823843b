package authz

import "sort"

// Role names (the product's; Chinese labels in Roles).
const (
	PlatformAdmin = "platform_admin"
	TenantAdmin   = "tenant_admin"
	LegalReviewer = "legal_reviewer"
	DeptAdmin     = "dept_admin"
	WindowClerk   = "window_clerk"
	CaseHandler   = "case_handler"
	Supervisor    = "supervisor"
	LeadingGroup  = "leading_group"
	Auditor       = "auditor"
)

// A leading group exists at the city (领导小组, it reviews, adjusts, approves and
// publishes appraisal across every tenant) and may exist in a county, where it reads
// its own county's results and objects to them: appraisal:manage acts only at city
// level (the appraisal service refuses them elsewhere).

// RoleInfo describes a role for the console and for the granting rules.
type RoleInfo struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	LabelEN string `json:"label_en"`
	// CityOnly roles exist only at city level.
	CityOnly bool `json:"city_only"`
	// Platform roles can be granted only by a platform admin, never by a tenant admin.
	Platform bool `json:"platform"`
	// Subtree roles granted at a city may cover every tenant below it (two-level
	// supervision); they carry read permissions only (plus notices), so read scope
	// across tenants never implies write scope.
	Subtree bool `json:"subtree"`
}

// Roles is the catalogue, in display order.
var Roles = []RoleInfo{
	{Name: PlatformAdmin, Label: "平台管理员", LabelEN: "Platform administrator", CityOnly: true, Platform: true, Subtree: true},
	{Name: TenantAdmin, Label: "系统管理员", LabelEN: "Tenant administrator"},
	{Name: LegalReviewer, Label: "法制审核员", LabelEN: "Legal reviewer"},
	{Name: DeptAdmin, Label: "部门负责人", LabelEN: "Department head"},
	{Name: WindowClerk, Label: "窗口受理员", LabelEN: "Window clerk"},
	{Name: CaseHandler, Label: "承办人", LabelEN: "Case handler"},
	{Name: Supervisor, Label: "监察员", LabelEN: "Supervisor", Subtree: true},
	{Name: LeadingGroup, Label: "领导小组成员", LabelEN: "Leading group member", Subtree: true},
	{Name: Auditor, Label: "审计员", LabelEN: "Auditor", Subtree: true},
}

// Role returns the catalogue entry of name.
func Role(name string) (RoleInfo, bool) {
	for _, r := range Roles {
		if r.Name == name {
			return r, true
		}
	}
	return RoleInfo{}, false
}

// Permissions are "object:action" strings. The console shows menus and buttons by
// them; every route names the one it requires.
const (
	TenantRead       = "tenant:read"
	TenantManage     = "tenant:manage"
	SettingsManage   = "settings:manage"
	DepartmentRead   = "department:read"
	DepartmentManage = "department:manage"
	UserRead         = "user:read"
	UserManage       = "user:manage"
	WindowRead       = "window:read"
	WindowManage     = "window:manage"
	CalendarManage   = "calendar:manage"
	PowerRead        = "power:read"
	PowerDraft       = "power:draft"
	PowerReview      = "power:review"
	PowerFile        = "power:file"
	CaseRead         = "case:read"
	CaseIntake       = "case:intake"
	CaseHandle       = "case:handle"
	CaseManage       = "case:manage"
	TaskRead         = "task:read"
	ProjectManage    = "project:manage"
	SupervisionRead  = "supervision:read"
	SupervisionAct   = "supervision:act"
	SupervisionReply = "supervision:reply"
	AppraisalRead    = "appraisal:read"
	AppraisalManage  = "appraisal:manage"
	// AppraisalObject lets a county (its leading group or supervision office) object
	// to its own appraisal results within the objection window.
	AppraisalObject = "appraisal:object"
	AuditRead       = "audit:read"
	OpsQueues       = "ops:queues"
)

// RolePermissions is the role × permission table. case:handle lets a role work the
// flowchart steps that name it (window clerks, legal reviewers and department heads
// appear in flowcharts too); which step a user may work is then decided by the step's
// role and department. Supervisors, the leading group and
// auditors read; only their own acts (notices, appeal decisions, appraisal
// adjustments) write, and never business data.
var RolePermissions = map[string][]string{
	PlatformAdmin: {TenantRead, TenantManage, SettingsManage, DepartmentRead, UserRead, AuditRead, OpsQueues},
	TenantAdmin:   {TenantRead, SettingsManage, DepartmentRead, DepartmentManage, UserRead, UserManage, WindowRead, WindowManage, CalendarManage, PowerRead, CaseRead},
	LegalReviewer: {TenantRead, DepartmentRead, PowerRead, PowerReview, PowerFile, CaseRead, CaseHandle, TaskRead},
	DeptAdmin:     {TenantRead, DepartmentRead, UserRead, WindowRead, PowerRead, PowerDraft, CaseRead, CaseHandle, CaseManage, TaskRead, ProjectManage, SupervisionReply},
	WindowClerk:   {TenantRead, DepartmentRead, WindowRead, PowerRead, CaseRead, CaseIntake, CaseHandle, TaskRead},
	CaseHandler:   {TenantRead, DepartmentRead, PowerRead, CaseRead, CaseHandle, TaskRead, SupervisionReply},
	Supervisor:    {TenantRead, DepartmentRead, UserRead, WindowRead, PowerRead, CaseRead, TaskRead, SupervisionRead, SupervisionAct, AppraisalRead, AppraisalObject},
	LeadingGroup:  {TenantRead, DepartmentRead, PowerRead, CaseRead, SupervisionRead, AppraisalRead, AppraisalManage, AppraisalObject},
	Auditor:       {TenantRead, DepartmentRead, UserRead, AuditRead},
}

// AllPermissions lists every permission once, sorted.
func AllPermissions() []string {
	seen := map[string]bool{}
	var out []string
	for _, perms := range RolePermissions {
		for _, p := range perms {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// IsRead reports whether a permission only reads (its holders may use it across
// their read scope).
func IsRead(perm string) bool {
	switch perm {
	case TenantRead, DepartmentRead, UserRead, WindowRead, PowerRead, CaseRead, TaskRead,
		SupervisionRead, AppraisalRead, AuditRead:
		return true
	}
	return false
}
