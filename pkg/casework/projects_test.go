package casework_test

import (
	"testing"
	"time"

	"sunshine/pkg/apitest"
)

type projectBody struct {
	ID                 string  `json:"id"`
	TenantCode         string  `json:"tenant_code"`
	Name               string  `json:"name"`
	InvestorCreditCode string  `json:"investor_credit_code"`
	InvestmentWan      float64 `json:"investment_wan"`
	Status             string  `json:"status"`
	LeadDepartmentName string  `json:"lead_department_name"`
	Counts             struct {
		Total    int            `json:"total"`
		ByStatus map[string]int `json:"by_status"`
		Open     int            `json:"open"`
		Overdue  int            `json:"overdue"`
		Paused   int            `json:"paused"`
	} `json:"case_counts"`
	Cases []struct {
		ID            string `json:"id"`
		Status        string `json:"status"`
		GreenChannel  bool   `json:"green_channel"`
		LimitDays     int    `json:"limit_days"`
		DueDate       string `json:"due_date"`
		RemainingDays *int   `json:"remaining_working_days"`
		Overdue       bool   `json:"overdue"`
		Paused        bool   `json:"paused"`
		Steps         []struct {
			ID             string `json:"id"`
			Node           string `json:"node"`
			DepartmentName string `json:"department_name"`
			Status         string `json:"status"`
			DueDate        string `json:"due_date"`
			RemainingDays  *int   `json:"remaining_working_days"`
			Overdue        bool   `json:"overdue"`
			Late           bool   `json:"late"`
		} `json:"steps"`
	} `json:"cases"`
}

// A valid unified social credit code (GB 32100's example) and an altered one.
const (
	validCreditCode = "91110000600037341L"
	badCreditCode   = "91110000600037341A"
)

func TestProjectValidationAndLifecycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var depts struct {
		Items []struct {
			ID   string `json:"id"`
			Code string `json:"code"`
		} `json:"items"`
	}
	w.head.Do("GET", "/api/v1/departments", nil).JSON(t, &depts)
	fgw := ""
	for _, d := range depts.Items {
		if d.Code == "FGW" {
			fgw = d.ID
		}
	}
	valid := func(kv ...any) map[string]any {
		m := map[string]any{"name": "林州某新能源汽车零部件产业园项目", "investor_name": "某新能源科技有限公司",
			"investor_credit_code": validCreditCode, "investment_wan": 350000.5, "lead_department_id": fgw}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{valid("investor_credit_code", badCreditCode), "investor_credit_code"},
		{valid("investor_credit_code", "123"), "investor_credit_code"},
		{valid("investor_credit_code", nil), "investor_credit_code"},
		{valid("name", " "), "name"},
		{valid("investor_name", nil), "investor_name"},
		{valid("investment_wan", 0), "investment_wan"},
		{valid("investment_wan", -5), "investment_wan"},
		{valid("investment_wan", nil), "investment_wan"},
		{valid("lead_department_id", nil), "lead_department_id"},
		{valid("lead_department_id", "0190f0a0-0000-7000-8000-000000000000"), "lead_department_id"},
		{valid("status", "completed"), "status"},
	} {
		r := w.head.Do("POST", "/api/v1/projects", tc.body)
		if r.Status != 422 {
			t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
			continue
		}
		if p := r.Problem(t); p.Errors[0].Field != tc.field {
			t.Errorf("want field %s, got %+v", tc.field, p.Errors)
		}
	}
	if r := w.clerk.Do("POST", "/api/v1/projects", valid()); r.Status != 403 {
		t.Fatalf("a clerk may not register projects: %d", r.Status)
	}
	r := w.head.Do("POST", "/api/v1/projects", valid("investor_credit_code", " 91110000600037341l "))
	var p projectBody
	r.JSON(t, &p)
	if r.Status != 201 || p.Status != "active" || p.InvestorCreditCode != validCreditCode || p.InvestmentWan != 350000.5 ||
		p.TenantCode != "410581" || p.LeadDepartmentName == "" || p.Counts.Total != 0 || p.Cases == nil {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	base := "/api/v1/projects/" + p.ID

	// Changes: only what is sent; validation as on creation.
	if r := w.head.Do("PUT", base, map[string]any{"investor_credit_code": badCreditCode}); r.Status != 422 || r.Problem(t).Errors[0].Field != "investor_credit_code" {
		t.Fatalf("update with a bad code: %d %s", r.Status, r.Body)
	}
	r = w.head.Do("PUT", base, map[string]any{"name": "林州某新能源汽车零部件产业园（一期）项目"})
	r.JSON(t, &p)
	if r.Status != 200 || p.Name != "林州某新能源汽车零部件产业园（一期）项目" || p.InvestmentWan != 350000.5 {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}

	// A case filed under the project: the green channel applies where the item has one.
	green := 4
	greenPower := w.env.FiledPower("410581", "XK-009", "建设工程规划许可证核发", 9, &green, apitest.ParallelFlowchart())
	c1 := w.intake(t, map[string]any{"power_id": greenPower, "project_id": p.ID})
	c2 := w.intake(t, map[string]any{"project_id": p.ID})
	if !c1.GreenChannel || c1.LimitDays != 4 || c2.GreenChannel || c2.LimitDays != 9 {
		t.Fatalf("green channel: %+v / %+v", c1, c2)
	}
	w.do(t, w.clerk, "/api/v1/cases/"+c1.ID+"/accept", nil, 200)
	w.do(t, w.clerk, "/api/v1/cases/"+c2.ID+"/accept", nil, 200)
	w.env.Clock.Set(time.Date(2026, 9, 29, 9, 0, 0, 0, shanghai))
	w.do(t, w.handler, "/api/v1/cases/"+c2.ID+"/pause", map[string]any{"reason_type": "expert_review", "notice": "专家评审通知书", "expected_working_days": 5}, 200)

	// Completing a project whose cases are under way is refused.
	if r := w.head.Do("PUT", base, map[string]any{"status": "completed"}); r.Status != 409 || r.Problem(t).Code != "casework.project_open_cases" {
		t.Fatalf("complete with open cases: %d %s", r.Status, r.Body)
	}

	// Saturday 10-10 (the 国庆 make-up working day): the green case (accepted 09-28,
	// 4 working days: 09-29, 09-30, 10-08, 10-09) is overdue; the paused one is not.
	w.env.Clock.Set(time.Date(2026, 10, 10, 10, 0, 0, 0, shanghai))
	sup := w.env.Login("410500", "supervisor")
	r = sup.Do("GET", base, nil)
	r.JSON(t, &p)
	if r.Status != 200 || len(p.Cases) != 2 {
		t.Fatalf("project view: %d %s", r.Status, r.Body)
	}
	g, n := p.Cases[0], p.Cases[1]
	if g.ID != c1.ID {
		g, n = n, g
	}
	if !g.GreenChannel || g.DueDate != "2026-10-09" || !g.Overdue || g.RemainingDays == nil || *g.RemainingDays != -1 || g.Paused {
		t.Fatalf("green case in the project view: %+v", g)
	}
	if !n.Paused || n.Overdue || n.RemainingDays == nil {
		t.Fatalf("paused case in the project view: %+v", n)
	}
	if len(g.Steps) != 5 {
		t.Fatalf("the view lists the case's tasks: %+v", g.Steps)
	}
	for _, st := range g.Steps {
		switch st.Node {
		case "review":
			// Activated 09-28 with 2 working days: due 09-30, overdue by 10-10.
			if st.Status != "active" || st.DueDate != "2026-09-30" || !st.Overdue || st.RemainingDays == nil || *st.RemainingDays >= 0 {
				t.Fatalf("review step: %+v", st)
			}
		default:
			if st.Status != "pending" || st.DueDate != "" || st.Overdue {
				t.Fatalf("step %s: %+v", st.Node, st)
			}
		}
	}
	for _, st := range n.Steps {
		if st.Overdue {
			t.Fatalf("a paused case's steps are not overdue: %+v", st)
		}
	}
	if p.Counts.Total != 2 || p.Counts.ByStatus["in_progress"] != 2 || p.Counts.Open != 2 || p.Counts.Overdue != 1 || p.Counts.Paused != 1 {
		t.Fatalf("counts: %+v", p.Counts)
	}

	// Lists: the county and the city see it with its counts; another county does not.
	var list struct {
		Items []projectBody `json:"items"`
		Total int           `json:"total"`
	}
	sup.Do("GET", "/api/v1/projects?tenant=410581", nil).JSON(t, &list)
	if list.Total != 1 || list.Items[0].Counts.Overdue != 1 || list.Items[0].Counts.ByStatus["in_progress"] != 2 || list.Items[0].TenantCode != "410581" {
		t.Fatalf("city list: %+v", list)
	}
	w.handler.Do("GET", "/api/v1/projects?status=active", nil).JSON(t, &list)
	if list.Total != 1 {
		t.Fatalf("county list: %+v", list)
	}
	if r := w.handler.Do("GET", "/api/v1/projects?status=nonsense", nil); r.Status != 400 {
		t.Fatalf("bad status filter: %d", r.Status)
	}
	other := w.env.Login("410522", "deptadmin")
	other.Do("GET", "/api/v1/projects", nil).JSON(t, &list)
	if list.Total != 0 {
		t.Fatalf("another county's list: %+v", list)
	}
	if r := other.Do("GET", base, nil); r.Status != 404 {
		t.Fatalf("another county reads the project: %d", r.Status)
	}
	if r := other.Do("PUT", base, map[string]any{"name": "x"}); r.Status != 404 {
		t.Fatalf("another county changes the project: %d", r.Status)
	}
	if r := sup.Do("PUT", base, map[string]any{"name": "x"}); r.Status != 403 {
		t.Fatalf("the city supervisor changes the project: %d", r.Status)
	}
	// A case not accepted yet shows its tasks as planned: pending, no clock, with the
	// IDs acceptance will store them under.
	c3 := w.intake(t, map[string]any{"project_id": p.ID})
	sup.Do("GET", base, nil).JSON(t, &p)
	var planned bool
	for _, pc := range p.Cases {
		if pc.ID != c3.ID {
			continue
		}
		planned = len(pc.Steps) == 5
		for _, st := range pc.Steps {
			if st.Status != "pending" || st.DueDate != "" || st.DepartmentName == "" || st.ID != stepID(c3, st.Node) {
				t.Fatalf("planned task of a submitted case: %+v", st)
			}
		}
	}
	if !planned {
		t.Fatalf("the project view must list the submitted case's five tasks: %+v", p.Cases)
	}
	// A project without open cases can be completed; it then takes no new cases.
	r = w.head.Do("POST", "/api/v1/projects", valid("name", "红旗渠文旅综合体项目"))
	var q projectBody
	r.JSON(t, &q)
	r = w.head.Do("PUT", "/api/v1/projects/"+q.ID, map[string]any{"status": "completed"})
	r.JSON(t, &q)
	if r.Status != 200 || q.Status != "completed" {
		t.Fatalf("complete: %d %s", r.Status, r.Body)
	}
	r = w.clerk.Do("POST", "/api/v1/cases", map[string]any{"power_id": w.power, "window_id": w.window, "channel": "window",
		"applicant": map[string]any{"type": "org", "name": "某公司", "credit_code": validCreditCode}, "project_id": q.ID})
	if r.Status != 422 || r.Problem(t).Errors[0].Field != "project_id" {
		t.Fatalf("intake under a completed project: %d %s", r.Status, r.Body)
	}
	var events struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	w.env.Login("410500", "auditor").Do("GET", "/api/v1/audit/events?tenant=410581&action=project", nil).JSON(t, &events)
	got := map[string]int{}
	for _, e := range events.Items {
		got[e.Action]++
	}
	if got["project.create"] != 2 || got["project.update"] != 1 || got["project.complete"] != 1 {
		t.Fatalf("project changes must be audited: %v", got)
	}
}
