package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"sunshine/pkg/apitest"
	"sunshine/pkg/authz"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/db"
)

func init() {
	// Let the contract check validate the workbook responses as binary bodies.
	openapi3filter.RegisterBodyDecoder(catalogue.XLSXContentType, openapi3filter.FileBodyDecoder)
}

type powerBody struct {
	ID            string `json:"id"`
	Code          string `json:"code"`
	Status        string `json:"status"`
	Exercisable   bool   `json:"exercisable"`
	LatestNumber  int    `json:"latest_number"`
	InForceNumber *int   `json:"in_force_number"`
	Current       struct {
		Number        int    `json:"number"`
		Status        string `json:"status"`
		PromisedLimit int    `json:"promised_limit"`
		ReviewComment string `json:"review_comment"`
	} `json:"current"`
	Versions []struct {
		Number  int    `json:"number"`
		Status  string `json:"status"`
		InForce bool   `json:"in_force"`
	} `json:"versions"`
	Filing *struct {
		State string    `json:"state"`
		DueAt time.Time `json:"due_at"`
	} `json:"filing"`
	LongestPathDays int      `json:"longest_path_days"`
	AllowedActions  []string `json:"allowed_actions"`
}

// catalogueWorld is a county (林州市 410581) with its department head (住建局), its
// legal reviewer and the city's legal reviewer signed in.
type catalogueWorld struct {
	t     *testing.T
	env   *apitest.Env
	dept  *apitest.Client
	legal *apitest.Client
	city  *apitest.Client
	zjj   string
	n     int
}

func newCatalogueWorld(t *testing.T) *catalogueWorld {
	env := apitest.New(t)
	w := &catalogueWorld{t: t, env: env, dept: env.Login("410581", "deptadmin"), legal: env.Login("410581", "legal"), city: env.Login("410500", "legal")}
	w.zjj = departmentID(t, w.dept, "ZJJ")
	return w
}

func departmentID(t *testing.T, c *apitest.Client, code string) string {
	t.Helper()
	var list struct {
		Items []struct {
			ID   string `json:"id"`
			Code string `json:"code"`
		} `json:"items"`
	}
	r := c.Do("GET", "/api/v1/departments", nil)
	r.JSON(t, &list)
	for _, d := range list.Items {
		if d.Code == code {
			return d.ID
		}
	}
	t.Fatalf("department %s not found: %s", code, r.Body)
	return ""
}

// itemContent is a complete 建筑工程施工许可 with 住建 ‖ 自然资源 ‖ 生态环境 in parallel
// (longest counted path 1 + 3 + 1 = 5 working days).
func itemContent(dept, code string) map[string]any {
	task := func(id, name, deptCode, role string, days int) map[string]any {
		return map[string]any{"id": id, "name": name, "kind": "task", "post": name + "岗", "role": role, "department_code": deptCode,
			"time_limit": days, "counts": true, "checkpoint": id == "decide", "duties": "依法审查", "counterparty_rights": "陈述申辩"}
	}
	return map[string]any{
		"code": code, "name": "建筑工程施工许可证核发（测试" + code + "）", "category": "行政许可", "department_id": dept,
		"leading_official": "分管副局长", "responsible_unit": "建筑业管理股", "staff_duties": "承办人审查，负责人审批。",
		"legal_basis":   []map[string]any{{"law": "《中华人民共和国建筑法》", "article": "第七条", "text": "建筑工程开工前，建设单位应当申请领取施工许可证。"}},
		"handling_type": "promise", "legal_limit": 7, "promised_limit": 5, "green_limit": 3, "free": true,
		"materials":           []map[string]any{{"name": "施工许可申请表", "required": true, "copies": 1, "note": ""}},
		"conditions":          "已取得规划许可。",
		"counterparty_rights": []string{"陈述", "申辩", "行政复议", "行政诉讼"},
		"complaint_channels":  map[string]any{"phone": "12345", "address": "政务服务中心", "url": "https://example.gov.cn/"},
		"flowchart": map[string]any{
			"steps": []map[string]any{
				{"id": "start", "name": "开始", "kind": "start"},
				task("accept", "受理", "ZWFW", "window_clerk", 1),
				{"id": "sp", "name": "并联", "kind": "split"},
				task("zjj", "住建审查", "ZJJ", "case_handler", 3),
				task("zrzy", "规划核验", "ZRZY", "case_handler", 2),
				task("sthj", "环评核验", "STHJ", "case_handler", 2),
				{"id": "jn", "name": "汇合", "kind": "join"},
				task("decide", "决定", "ZJJ", "dept_admin", 1),
				{"id": "end", "name": "办结", "kind": "end"},
			},
			"edges": []map[string]any{
				{"from": "start", "to": "accept"}, {"from": "accept", "to": "sp"},
				{"from": "sp", "to": "zjj"}, {"from": "sp", "to": "zrzy"}, {"from": "sp", "to": "sthj"},
				{"from": "zjj", "to": "jn"}, {"from": "zrzy", "to": "jn"}, {"from": "sthj", "to": "jn"},
				{"from": "jn", "to": "decide"}, {"from": "decide", "to": "end"},
			},
		},
	}
}

func (w *catalogueWorld) must(r *apitest.Response, status int, what string) powerBody {
	w.t.Helper()
	if r.Status != status {
		w.t.Fatalf("%s: want %d, got %d %s", what, status, r.Status, r.Body)
	}
	var p powerBody
	r.JSON(w.t, &p)
	return p
}

// item creates a new item and takes it to status.
func (w *catalogueWorld) item(status string) string {
	w.t.Helper()
	w.n++
	p := w.must(w.dept.Do("POST", "/api/v1/powers", itemContent(w.zjj, fmt.Sprintf("T-%03d", w.n))), 201, "create")
	id := p.ID
	steps := map[string][]func(){}
	submit := func() { w.must(w.dept.Do("POST", "/api/v1/powers/"+id+"/submit", nil), 200, "submit") }
	approve := func() {
		w.must(w.legal.Do("POST", "/api/v1/powers/"+id+"/review", map[string]any{"decision": "approve"}), 200, "approve")
	}
	ret := func() {
		w.must(w.legal.Do("POST", "/api/v1/powers/"+id+"/review", map[string]any{"decision": "return", "comment": "请补充依据"}), 200, "return")
	}
	publish := func() { w.must(w.legal.Do("POST", "/api/v1/powers/"+id+"/publish", nil), 200, "publish") }
	file := func() { w.must(w.city.Do("POST", "/api/v1/powers/"+id+"/file", nil), 200, "file") }
	steps[catalogue.StatusDraft] = nil
	steps[catalogue.StatusSubmitted] = []func(){submit}
	steps[catalogue.StatusReturned] = []func(){submit, ret}
	steps[catalogue.StatusApproved] = []func(){submit, approve}
	steps[catalogue.StatusPublished] = []func(){submit, approve, publish}
	steps[catalogue.StatusFiled] = []func(){submit, approve, publish, file}
	for _, f := range steps[status] {
		f()
	}
	return id
}

type action struct {
	name   string
	client func(w *catalogueWorld) *apitest.Client
	method string
	suffix string
	body   func(w *catalogueWorld, id string) any
	status int // on success
}

var actions = []action{
	{"edit", func(w *catalogueWorld) *apitest.Client { return w.dept }, "PUT", "", func(w *catalogueWorld, id string) any {
		var p powerBody
		w.dept.Do("GET", "/api/v1/powers/"+id, nil).JSON(w.t, &p)
		c := itemContent(w.zjj, p.Code)
		c["promised_limit"] = 6
		return c
	}, 200},
	{"submit", func(w *catalogueWorld) *apitest.Client { return w.dept }, "POST", "/submit", nil, 200},
	{"approve", func(w *catalogueWorld) *apitest.Client { return w.legal }, "POST", "/review", func(*catalogueWorld, string) any {
		return map[string]any{"decision": "approve"}
	}, 200},
	{"return", func(w *catalogueWorld) *apitest.Client { return w.legal }, "POST", "/review", func(*catalogueWorld, string) any {
		return map[string]any{"decision": "return", "comment": "时限依据不清"}
	}, 200},
	{"publish", func(w *catalogueWorld) *apitest.Client { return w.legal }, "POST", "/publish", nil, 200},
	{"file", func(w *catalogueWorld) *apitest.Client { return w.city }, "POST", "/file", nil, 200},
	{"revise", func(w *catalogueWorld) *apitest.Client { return w.dept }, "POST", "/revise", func(*catalogueWorld, string) any {
		return map[string]any{"change_note": "调整时限"}
	}, 201},
}

// legal lists, per status, the actions that may start from it and the status they lead to.
var legal = map[string]map[string]string{
	catalogue.StatusDraft:     {"edit": "draft", "submit": "submitted"},
	catalogue.StatusReturned:  {"edit": "returned", "submit": "submitted"},
	catalogue.StatusSubmitted: {"approve": "approved", "return": "returned"},
	catalogue.StatusApproved:  {"publish": "published"},
	catalogue.StatusPublished: {"file": "filed"},
	catalogue.StatusFiled:     {"revise": "draft"},
}

// TestCatalogueWorkflowTransitions tries every action from every status: the legal
// ones move the item where the workflow says, every other one is 409 naming the
// current status, and nothing changes.
func TestCatalogueWorkflowTransitions(t *testing.T) {
	t.Parallel()
	w := newCatalogueWorld(t)
	for _, status := range []string{"draft", "submitted", "returned", "approved", "published", "filed"} {
		stuck := w.item(status)
		// Each role is offered exactly its share of the legal actions, so that together
		// they are offered the whole row of the table and nothing else.
		offered := map[string]bool{}
		for _, c := range []*apitest.Client{w.dept, w.legal, w.city} {
			var p powerBody
			c.Do("GET", "/api/v1/powers/"+stuck, nil).JSON(t, &p)
			if p.AllowedActions == nil {
				t.Fatalf("%s: allowed_actions missing", status)
			}
			for _, name := range p.AllowedActions {
				if _, ok := legal[status][name]; !ok {
					t.Errorf("%s: %s is offered an illegal action %s", status, p.Code, name)
				}
				for _, a := range actions {
					if a.name == name && a.client(w) != c {
						t.Errorf("%s: %s offered to a role that may not take it", status, name)
					}
				}
				offered[name] = true
			}
		}
		for name := range legal[status] {
			if !offered[name] {
				t.Errorf("%s: nobody is offered %s", status, name)
			}
		}
		for _, a := range actions {
			id := stuck
			want, ok := legal[status][a.name]
			if ok {
				id = w.item(status)
			}
			var body any
			if a.body != nil {
				body = a.body(w, id)
			}
			r := a.client(w).Do(a.method, "/api/v1/powers/"+id+a.suffix, body)
			if ok {
				p := w.must(r, a.status, status+" → "+a.name)
				if p.Status != want {
					t.Errorf("%s → %s: want %s, got %s", status, a.name, want, p.Status)
				}
				continue
			}
			if r.Status != 409 {
				t.Errorf("%s → %s: want 409, got %d %s", status, a.name, r.Status, r.Body)
				continue
			}
			p := r.Problem(t)
			if p.Code != "catalogue.illegal_transition" || p.Extra["status"] != status || !strings.Contains(p.Detail, catalogue.StatusLabels[status]) {
				t.Errorf("%s → %s: %+v", status, a.name, p)
			}
		}
		var after powerBody
		w.dept.Do("GET", "/api/v1/powers/"+stuck, nil).JSON(t, &after)
		if after.Status != status {
			t.Errorf("illegal actions changed %s into %s", status, after.Status)
		}
	}
}

// createUser makes a signed-in user of tenant with a department and roles.
func createUser(t *testing.T, env *apitest.Env, tenantCode, username, deptCode string, roles ...string) *apitest.Client {
	t.Helper()
	ctx := context.Background()
	ten, err := env.App.Tenants.ByCode(ctx, tenantCode)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := env.App.Hasher.Hash(apitest.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	err = env.App.DB.Tx(ctx, db.TenantScope(ten.ID, uuid.Nil), func(tx *gorm.DB) error {
		var dept *uuid.UUID
		if deptCode != "" {
			var id string
			if err := tx.Table("departments").Select("id::text").Where("tenant_id = ? AND code = ?", ten.ID, deptCode).Scan(&id).Error; err != nil {
				return err
			}
			u := uuid.MustParse(id)
			dept = &u
		}
		u, err := identity.CreateUser(tx, ten.ID, identity.NewUserInput{Username: username, DisplayName: username, DepartmentID: dept}, hash, false)
		if err != nil {
			return err
		}
		for _, r := range roles {
			if err := authz.AddGrant(tx, u.ID, r, authz.Domain(ten, false)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Enforcer.Reload(); err != nil {
		t.Fatal(err)
	}
	return env.Login(tenantCode, username)
}

// TestCatalogueWhoMayAct: each step belongs to one role — drafts to the department
// head of the item's department, reviews and publication to the tenant's legal
// reviewer, filing to the city's legal reviewer — and everyone else is refused.
func TestCatalogueWhoMayAct(t *testing.T) {
	t.Parallel()
	w := newCatalogueWorld(t)
	clerk := w.env.Login("410581", "clerk")
	handler := w.env.Login("410581", "handler")
	otherDept := createUser(t, w.env, "410581", "fgwhead", "FGW", authz.DeptAdmin)
	otherLegal := w.env.Login("410522", "legal")
	supervisor := w.env.Login("410500", "supervisor")

	code := func(r *apitest.Response) string {
		if r.Status < 400 {
			return fmt.Sprint(r.Status)
		}
		return fmt.Sprintf("%d %s", r.Status, r.Problem(t).Code)
	}
	check := func(what string, r *apitest.Response, want string) {
		t.Helper()
		if got := code(r); got != want {
			t.Errorf("%s: want %s, got %s (%s)", what, want, got, r.Body)
		}
	}
	// Drafting.
	check("clerk drafts", clerk.Do("POST", "/api/v1/powers", itemContent(w.zjj, "X-1")), "403 authz.forbidden")
	check("another department's head drafts for 住建局", otherDept.Do("POST", "/api/v1/powers", itemContent(w.zjj, "X-2")), "403 catalogue.not_your_department")
	draft := w.item(catalogue.StatusDraft)
	for who, c := range map[string]*apitest.Client{"another department's head": otherDept, "handler": handler, "legal reviewer": w.legal} {
		var p powerBody
		c.Do("GET", "/api/v1/powers/"+draft, nil).JSON(t, &p)
		if p.AllowedActions == nil || len(p.AllowedActions) != 0 {
			t.Errorf("%s is offered %v on another's draft", who, p.AllowedActions)
		}
	}
	check("handler submits", handler.Do("POST", "/api/v1/powers/"+draft+"/submit", nil), "403 authz.forbidden")
	check("another department's head submits", otherDept.Do("POST", "/api/v1/powers/"+draft+"/submit", nil), "403 catalogue.not_your_department")
	check("legal reviewer edits", w.legal.Do("PUT", "/api/v1/powers/"+draft, itemContent(w.zjj, "T-001")), "403 authz.forbidden")
	// Review.
	submitted := w.item(catalogue.StatusSubmitted)
	approve := map[string]any{"decision": "approve"}
	check("department head approves", w.dept.Do("POST", "/api/v1/powers/"+submitted+"/review", approve), "403 authz.forbidden")
	check("another county's reviewer approves", otherLegal.Do("POST", "/api/v1/powers/"+submitted+"/review", approve), "404 catalogue.power_not_found")
	check("the city's reviewer approves a county item", w.city.Do("POST", "/api/v1/powers/"+submitted+"/review", approve), "404 catalogue.power_not_found")
	check("return without comment", w.legal.Do("POST", "/api/v1/powers/"+submitted+"/review", map[string]any{"decision": "return"}), "422 validation_failed")
	check("unknown decision", w.legal.Do("POST", "/api/v1/powers/"+submitted+"/review", map[string]any{"decision": "maybe"}), "422 validation_failed")
	// Publication.
	approved := w.item(catalogue.StatusApproved)
	check("department head publishes", w.dept.Do("POST", "/api/v1/powers/"+approved+"/publish", nil), "403 authz.forbidden")
	check("legal reviewer publishes", w.legal.Do("POST", "/api/v1/powers/"+approved+"/publish", nil), "200")
	// Filing.
	check("county reviewer files", w.legal.Do("POST", "/api/v1/powers/"+approved+"/file", nil), "403 catalogue.file_city_only")
	check("city supervisor files", supervisor.Do("POST", "/api/v1/powers/"+approved+"/file", nil), "403 authz.forbidden")
	check("city reviewer files", w.city.Do("POST", "/api/v1/powers/"+approved+"/file", nil), "200")
	// Revision.
	check("legal reviewer revises", w.legal.Do("POST", "/api/v1/powers/"+approved+"/revise", nil), "403 authz.forbidden")
	check("another department's head revises", otherDept.Do("POST", "/api/v1/powers/"+approved+"/revise", nil), "403 catalogue.not_your_department")
	check("department head revises", w.dept.Do("POST", "/api/v1/powers/"+approved+"/revise", nil), "201")

	// The city's own items: drafted by a city department head, reviewed, published
	// and filed by the city's reviewer directly.
	cityHead := createUser(t, w.env, "410500", "cityzjj", "ZJJ", authz.DeptAdmin)
	cityZJJ := departmentID(t, cityHead, "ZJJ")
	p := w.must(cityHead.Do("POST", "/api/v1/powers", itemContent(cityZJJ, "C-1")), 201, "city draft")
	w.must(cityHead.Do("POST", "/api/v1/powers/"+p.ID+"/submit", nil), 200, "city submit")
	w.must(w.city.Do("POST", "/api/v1/powers/"+p.ID+"/review", approve), 200, "city approve")
	w.must(w.city.Do("POST", "/api/v1/powers/"+p.ID+"/publish", nil), 200, "city publish")
	if p = w.must(w.city.Do("POST", "/api/v1/powers/"+p.ID+"/file", nil), 200, "city file"); !p.Exercisable {
		t.Fatalf("the city's own item must be exercisable after filing: %+v", p)
	}
}

// TestCatalogueRevisionKeepsOldVersionInForce: the filed version governs cases while
// its revision is drafted, reviewed and published; filing the revision supersedes it.
func TestCatalogueRevisionKeepsOldVersionInForce(t *testing.T) {
	t.Parallel()
	w := newCatalogueWorld(t)
	id := w.item(catalogue.StatusPublished)
	anon := w.env.Anonymous()
	var pub struct {
		State       string `json:"state"`
		Exercisable bool   `json:"exercisable"`
		Version     struct {
			Number    int `json:"number"`
			Flowchart struct {
				Steps []map[string]any `json:"steps"`
			} `json:"flowchart"`
			PromisedLimit int `json:"promised_limit"`
		} `json:"version"`
		Pending *struct {
			Number        int `json:"number"`
			PromisedLimit int `json:"promised_limit"`
		} `json:"pending"`
		Departments map[string]string `json:"departments"`
	}
	// Published but not filed: public, marked not yet exercisable.
	r := anon.Do("GET", "/api/v1/public/410581/powers/"+id, nil)
	r.JSON(t, &pub)
	if r.Status != 200 || pub.State != "pending_filing" || pub.Exercisable || len(pub.Version.Flowchart.Steps) != 9 || pub.Departments["ZRZY"] == "" {
		t.Fatalf("published item on the portal: %d %s", r.Status, r.Body)
	}
	if p := w.must(w.dept.Do("GET", "/api/v1/powers/"+id, nil), 200, "get"); p.Exercisable {
		t.Fatal("a published, unfiled item must not be exercisable")
	}
	w.must(w.city.Do("POST", "/api/v1/powers/"+id+"/file", nil), 200, "file v1")

	// Revise: v2 is drafted, submitted, approved and published; v1 stays in force.
	w.must(w.dept.Do("POST", "/api/v1/powers/"+id+"/revise", map[string]any{"change_note": "压缩承诺时限"}), 201, "revise")
	c := itemContent(w.zjj, "T-001")
	c["promised_limit"] = 6
	c["change_note"] = "压缩承诺时限"
	for _, step := range []struct {
		client *apitest.Client
		method string
		path   string
		body   any
	}{
		{w.dept, "PUT", "", c}, {w.dept, "POST", "/submit", nil}, {w.legal, "POST", "/review", map[string]any{"decision": "approve"}},
		{w.legal, "POST", "/publish", nil},
	} {
		p := w.must(step.client.Do(step.method, "/api/v1/powers/"+id+step.path, step.body), 200, step.method+step.path)
		if !p.Exercisable || p.InForceNumber == nil || *p.InForceNumber != 1 || p.LatestNumber != 2 {
			t.Fatalf("after %s: v1 must stay in force: %+v", step.path, p)
		}
	}
	ctx := context.Background()
	ten, _ := w.env.App.Tenants.ByCode(ctx, "410581")
	exercised := func() int {
		var n int
		err := w.env.App.DB.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{ten.ID}), func(tx *gorm.DB) error {
			v, err := catalogue.ExercisableVersion(tx, uuid.MustParse(id))
			if err == nil {
				n = v.Number
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := exercised(); n != 1 {
		t.Fatalf("cases must run v1 until v2 is filed, got v%d", n)
	}
	pub.Pending = nil
	anon.Do("GET", "/api/v1/public/410581/powers/"+id, nil).JSON(t, &pub)
	if pub.State != "in_force" || pub.Version.Number != 1 || pub.Pending == nil || pub.Pending.Number != 2 || pub.Pending.PromisedLimit != 6 {
		t.Fatalf("portal during the revision: %+v", pub)
	}
	// The diff names the changed fields.
	var diff struct {
		From, To int
		Changes  []struct {
			Field string `json:"field"`
			From  any    `json:"from"`
			To    any    `json:"to"`
		} `json:"changes"`
	}
	r = w.legal.Do("GET", "/api/v1/powers/"+id+"/diff?from=1&to=2", nil)
	r.JSON(t, &diff)
	fields := map[string]bool{}
	for _, ch := range diff.Changes {
		fields[ch.Field] = true
	}
	if r.Status != 200 || !fields["promised_limit"] || !fields["change_note"] || len(diff.Changes) != 2 {
		t.Fatalf("diff: %d %s", r.Status, r.Body)
	}
	// Filing v2 brings it into force and supersedes v1.
	p := w.must(w.city.Do("POST", "/api/v1/powers/"+id+"/file", nil), 200, "file v2")
	if *p.InForceNumber != 2 || p.Versions[0].Status != catalogue.StatusSuperseded || p.Versions[1].Status != catalogue.StatusFiled {
		t.Fatalf("after filing v2: %+v", p)
	}
	if n := exercised(); n != 2 {
		t.Fatalf("cases must run v2 now, got v%d", n)
	}
	// Every step is in the item's history, with who did it.
	var hist struct {
		Items []struct {
			Action    string   `json:"action"`
			ActorName string   `json:"actor_name"`
			Version   int      `json:"version"`
			Changed   []string `json:"changed"`
		} `json:"items"`
	}
	w.dept.Do("GET", "/api/v1/powers/"+id+"/history", nil).JSON(t, &hist)
	var actionsSeen []string
	for i := len(hist.Items) - 1; i >= 0; i-- {
		actionsSeen = append(actionsSeen, fmt.Sprintf("%s@%d", hist.Items[i].Action, hist.Items[i].Version))
	}
	want := "create@1 submit@1 approve@1 publish@1 file@1 revise@2 update@2 submit@2 approve@2 publish@2 file@2"
	if strings.Join(actionsSeen, " ") != want {
		t.Fatalf("history:\n got %s\nwant %s", strings.Join(actionsSeen, " "), want)
	}
	// (The revision already carried the change note; the edit changed the limit.)
	if upd := hist.Items[len(hist.Items)-7]; upd.Action != "update" || len(upd.Changed) != 1 || upd.Changed[0] != "promised_limit" {
		t.Fatalf("the update must name the changed fields: %+v", hist.Items[len(hist.Items)-7])
	}
}

// TestCatalogueFilingQueue: publication puts the item in the city's queue due five
// working days later; past due it is listed as overdue; filing moves it to filed.
func TestCatalogueFilingQueue(t *testing.T) {
	t.Parallel()
	w := newCatalogueWorld(t)
	id := w.item(catalogue.StatusPublished)
	type filings struct {
		Items []struct {
			PowerID    string    `json:"power_id"`
			State      string    `json:"state"`
			TenantCode string    `json:"tenant_code"`
			DueAt      time.Time `json:"due_at"`
			Department struct {
				Code string `json:"code"`
			} `json:"department"`
		} `json:"items"`
	}
	list := func(c *apitest.Client, status string) filings {
		t.Helper()
		var f filings
		r := c.Do("GET", "/api/v1/filings?status="+status, nil)
		if r.Status != 200 {
			t.Fatalf("filings %s: %d %s", status, r.Status, r.Body)
		}
		r.JSON(t, &f)
		return f
	}
	p := list(w.city, "pending")
	if len(p.Items) != 1 || p.Items[0].PowerID != id || p.Items[0].TenantCode != "410581" || p.Items[0].Department.Code != "ZJJ" {
		t.Fatalf("the city's pending queue: %+v", p)
	}
	due := p.Items[0].DueAt
	if d := due.Sub(w.env.Clock.Now()); d < 5*24*time.Hour || d > 14*24*time.Hour {
		t.Fatalf("due %v is not five working days after %v", due, w.env.Clock.Now())
	}
	// The county sees its own filings; another county sees none of them.
	if c := list(w.legal, "pending"); len(c.Items) != 1 {
		t.Fatalf("the county's own queue: %+v", c)
	}
	if c := list(w.env.Login("410522", "legal"), ""); len(c.Items) != 0 {
		t.Fatalf("another county sees: %+v", c)
	}
	// The city's reviewer reads the county item it must file.
	w.must(w.city.Do("GET", "/api/v1/powers/"+id, nil), 200, "city reads the county item")
	// Past due: overdue.
	w.env.Clock.Set(due.Add(time.Minute))
	if o := list(w.city, "overdue"); len(o.Items) != 1 || o.Items[0].State != "overdue" {
		t.Fatalf("overdue: %+v", o)
	}
	if p := list(w.city, "pending"); len(p.Items) != 0 {
		t.Fatalf("an overdue filing is not pending: %+v", p)
	}
	w.must(w.city.Do("POST", "/api/v1/powers/"+id+"/file", nil), 200, "file")
	if f := list(w.city, "filed"); len(f.Items) != 1 || f.Items[0].State != "filed" {
		t.Fatalf("filed: %+v", f)
	}
	if o := list(w.city, "overdue"); len(o.Items) != 0 {
		t.Fatalf("filed is not overdue: %+v", o)
	}
	if r := w.city.Do("GET", "/api/v1/filings?status=late", nil); r.Status != 400 {
		t.Fatalf("bad status: %d", r.Status)
	}
}

// TestCatalogueValidationAndCategories: bad content is one 422 naming every field;
// the flowchart's errors point at the step; categories follow the tenant's setting.
func TestCatalogueValidationAndCategories(t *testing.T) {
	t.Parallel()
	w := newCatalogueWorld(t)
	c := itemContent(w.zjj, "bad code!")
	c["promised_limit"] = 9 // > legal 7
	c["category"] = "不存在的类别"
	fc := c["flowchart"].(map[string]any)
	steps := fc["steps"].([]map[string]any)
	steps[3]["department_code"] = "NOPE"
	steps[4]["time_limit"] = -1
	c["free"] = false
	r := w.dept.Do("POST", "/api/v1/powers", c)
	p := r.Problem(t)
	got := map[string]string{}
	for _, e := range p.Errors {
		got[e.Field] = e.Code
	}
	for field, code := range map[string]string{
		"code": "catalogue.code_format", "promised_limit": "catalogue.promised_over_legal", "category": "not_allowed_value",
		"fees": "catalogue.fees_required", "flowchart.steps[3].department_code": "catalogue.department_unknown",
		"flowchart.steps[4].time_limit": "catalogue.flow_negative_limit",
	} {
		if got[field] != code {
			t.Errorf("%s: want %s, got %q", field, code, got[field])
		}
	}
	if r.Status != 422 {
		t.Fatalf("want 422, got %d", r.Status)
	}
	// A penalty needs discretion bands; the longest path may not exceed the promise.
	c = itemContent(w.zjj, "P-1")
	c["category"] = "行政处罚"
	c["promised_limit"] = 4
	p = w.dept.Do("POST", "/api/v1/powers", c).Problem(t)
	got = map[string]string{}
	for _, e := range p.Errors {
		got[e.Field] = e.Code
	}
	if got["discretion"] != "catalogue.discretion_required" || got["flowchart.steps"] != "catalogue.flow_exceeds_promised" {
		t.Fatalf("%+v", p.Errors)
	}
	// Categories come from the tenant's settings.
	var cats struct{ Items []string }
	w.dept.Do("GET", "/api/v1/power-categories", nil).JSON(t, &cats)
	if len(cats.Items) != 13 || cats.Items[10] != "重大项目决策" {
		t.Fatalf("default categories: %v", cats.Items)
	}
	admin := w.env.Login("410581", "admin")
	if r := admin.Do("PATCH", "/api/v1/tenants/410581/settings", map[string]any{"settings": map[string]any{"power_categories": []string{"行政许可", "公共服务"}}}); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	c = itemContent(w.zjj, "S-1")
	c["category"] = "公共服务"
	w.must(w.dept.Do("POST", "/api/v1/powers", c), 201, "custom category")
	c = itemContent(w.zjj, "S-2")
	c["category"] = "行政处罚"
	if r := w.dept.Do("POST", "/api/v1/powers", c); r.Status != 422 {
		t.Fatalf("a category the tenant dropped: %d", r.Status)
	}
	// Codes are unique per tenant; an item's code cannot change.
	if r := w.dept.Do("POST", "/api/v1/powers", itemContent(w.zjj, "S-1")); r.Status != 409 {
		t.Fatalf("duplicate code: %d %s", r.Status, r.Body)
	}
	// The contract's power_not_filed for a power that is not filed.
	ctx := context.Background()
	ten, _ := w.env.App.Tenants.ByCode(ctx, "410581")
	draft := w.item(catalogue.StatusDraft)
	err := w.env.App.DB.Tx(ctx, db.ReadOnlyScope([]uuid.UUID{ten.ID}), func(tx *gorm.DB) error {
		_, err := catalogue.ExercisableVersion(tx, uuid.MustParse(draft))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "power_not_filed") {
		t.Fatalf("want power_not_filed, got %v", err)
	}
}

// TestPublicCatalogue: the portal shows only published content, browsable by
// department and category and searchable in Chinese; drafts are invisible.
func TestPublicCatalogue(t *testing.T) {
	t.Parallel()
	w := newCatalogueWorld(t)
	filed := w.item(catalogue.StatusFiled)
	published := w.item(catalogue.StatusPublished)
	draft := w.item(catalogue.StatusDraft)
	anon := w.env.Anonymous()
	type catalogueBody struct {
		Items []struct {
			ID          string `json:"id"`
			State       string `json:"state"`
			Exercisable bool   `json:"exercisable"`
		} `json:"items"`
		Total       int `json:"total"`
		Departments []struct {
			Key   string `json:"key"`
			Count int    `json:"count"`
		} `json:"departments"`
		Categories []struct {
			Key   string `json:"key"`
			Count int    `json:"count"`
		} `json:"categories"`
	}
	get := func(query string) catalogueBody {
		t.Helper()
		var b catalogueBody
		r := anon.Do("GET", "/api/v1/public/410581/powers"+query, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", query, r.Status, r.Body)
		}
		r.JSON(t, &b)
		return b
	}
	all := get("")
	if all.Total != 2 || len(all.Departments) != 1 || all.Departments[0].Key != "ZJJ" || all.Departments[0].Count != 2 || all.Categories[0].Key != "行政许可" {
		t.Fatalf("public catalogue: %+v", all)
	}
	states := map[string]string{}
	for _, it := range all.Items {
		states[it.ID] = it.State
	}
	if states[filed] != "in_force" || states[published] != "pending_filing" || states[draft] != "" {
		t.Fatalf("states: %v", states)
	}
	if b := get("?q=" + url.QueryEscape("施工 许可")); b.Total != 2 {
		t.Fatalf("search: %+v", b)
	}
	if b := get("?q=" + url.QueryEscape("食品")); b.Total != 0 {
		t.Fatalf("search: %+v", b)
	}
	if b := get("?department=ZRZY"); b.Total != 0 {
		t.Fatalf("department filter: %+v", b)
	}
	if b := get("?category=" + url.QueryEscape("行政许可") + "&department=ZJJ"); b.Total != 2 {
		t.Fatalf("category filter: %+v", b)
	}
	if r := anon.Do("GET", "/api/v1/public/410581/powers/"+draft, nil); r.Status != 404 {
		t.Fatalf("a draft must not be public: %d", r.Status)
	}
	if r := anon.Do("GET", "/api/v1/public/410522/powers/"+filed, nil); r.Status != 404 {
		t.Fatalf("another tenant's portal must not show it: %d", r.Status)
	}
	if r := anon.Do("GET", "/api/v1/public/999999/powers", nil); r.Status != 404 {
		t.Fatalf("unknown tenant: %d", r.Status)
	}
	// The staff list filters the same way.
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	w.legal.Do("GET", "/api/v1/powers?status=draft", nil).JSON(t, &list)
	if list.Total != 1 || list.Items[0].ID != draft {
		t.Fatalf("staff list by status: %+v", list)
	}
	w.legal.Do("GET", "/api/v1/powers?department=ZJJ&exercisable=true", nil).JSON(t, &list)
	if list.Total != 1 || list.Items[0].ID != filed {
		t.Fatalf("staff list exercisable: %+v", list)
	}
	// Another county's staff see none of it.
	w.env.Login("410522", "legal").Do("GET", "/api/v1/powers", nil).JSON(t, &list)
	if list.Total != 0 {
		t.Fatalf("another county sees %d items", list.Total)
	}
}

// TestCatalogueExcelImportExport: a clean export imports back unchanged; edits import
// as updates and revisions; a file with errors reports every one by cell and
// imports nothing.
func TestCatalogueExcelImportExport(t *testing.T) {
	t.Parallel()
	w := newCatalogueWorld(t)
	filed := w.item(catalogue.StatusFiled)
	draft := w.item(catalogue.StatusDraft)
	importFile := func(c *apitest.Client, data []byte) *apitest.Response {
		t.Helper()
		return c.DoRaw("POST", "/api/v1/powers/import", catalogue.XLSXContentType, data)
	}
	export := func() []byte {
		t.Helper()
		r := w.dept.Do("GET", "/api/v1/powers/export", nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != catalogue.XLSXContentType || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", r.Status, r.Header)
		}
		return r.Body
	}
	type report struct {
		Created, Updated, Revised, Unchanged int
		Items                                []struct{ Code, Action string }
	}
	first := export()
	var rep report
	r := importFile(w.dept, first)
	r.JSON(t, &rep)
	if r.Status != 200 || rep.Unchanged != 2 || rep.Created+rep.Updated+rep.Revised != 0 {
		t.Fatalf("re-importing an export must change nothing: %d %s", r.Status, r.Body)
	}
	if second := export(); !sameSheets(t, first, second) {
		t.Fatal("export → import → export is not stable")
	}

	// Edit the workbook: shorten the filed item's promise (a revision) and rename
	// the draft (an update).
	book := openBook(t, first)
	rowOf := func(sheet, code string) int {
		rows, _ := book.GetRows(sheet)
		for i, row := range rows {
			if len(row) > 0 && row[0] == code {
				return i + 1
			}
		}
		t.Fatalf("%s not on %s", code, sheet)
		return 0
	}
	set := func(sheet, cell string, v any) {
		if err := book.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("事项", fmt.Sprintf("J%d", rowOf("事项", "T-001")), 6)
	set("事项", fmt.Sprintf("T%d", rowOf("事项", "T-001")), "导入修订")
	set("事项", fmt.Sprintf("B%d", rowOf("事项", "T-002")), "建筑工程施工许可证核发（改名）")
	edited := bookBytes(t, book)

	// A copy with errors everywhere: nothing of it may land.
	bad := openBook(t, edited)
	book = bad
	set("事项", fmt.Sprintf("J%d", rowOf("事项", "T-001")), 99)            // promised > legal
	set("事项", fmt.Sprintf("I%d", rowOf("事项", "T-002")), "七")           // not a number
	stepRow := rowOf("流程环节", "T-001") + 3                              // the 住建审查 step
	set("流程环节", fmt.Sprintf("G%d", stepRow), "NOPE")                   // unknown department
	set("流程连线", fmt.Sprintf("C%d", rowOf("流程连线", "T-001")), "nowhere") // edge to an unknown step
	r = importFile(w.dept, bookBytes(t, bad))
	p := r.Problem(t)
	cells := map[string]string{}
	for _, e := range p.Errors {
		cells[e.Field] = e.Code
	}
	for cell, code := range map[string]string{
		fmt.Sprintf("事项!J%d", rowOf("事项", "T-001")):     "catalogue.promised_over_legal",
		fmt.Sprintf("事项!I%d", rowOf("事项", "T-002")):     "catalogue.xls_integer",
		fmt.Sprintf("流程环节!G%d", stepRow):                "catalogue.department_unknown",
		fmt.Sprintf("流程连线!B%d", rowOf("流程连线", "T-001")): "catalogue.flow_edge_unknown",
	} {
		if cells[cell] != code {
			t.Errorf("%s: want %s, got %q (all %v)", cell, code, cells[cell], cells)
		}
	}
	if r.Status != 422 || p.Code != "catalogue.import_failed" {
		t.Fatalf("%d %+v", r.Status, p)
	}
	if pb := w.must(w.dept.Do("GET", "/api/v1/powers/"+filed, nil), 200, "get"); pb.LatestNumber != 1 {
		t.Fatalf("a failed import changed the filed item: %+v", pb)
	}
	// Another department's head may not import 住建局's items.
	other := createUser(t, w.env, "410581", "fgwhead", "FGW", authz.DeptAdmin)
	if p := importFile(other, edited).Problem(t); p.Code != "catalogue.import_failed" || p.Errors[0].Code != "catalogue.not_your_department" {
		t.Fatalf("other department: %+v", p)
	}

	// The clean edit lands: a revision of the filed item (v1 stays in force) and an
	// update of the draft.
	r = importFile(w.dept, edited)
	r.JSON(t, &rep)
	if r.Status != 200 || rep.Revised != 1 || rep.Updated != 1 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	pb := w.must(w.dept.Do("GET", "/api/v1/powers/"+filed, nil), 200, "get")
	if pb.LatestNumber != 2 || pb.Current.PromisedLimit != 6 || pb.Current.Status != "draft" || *pb.InForceNumber != 1 {
		t.Fatalf("revised by import: %+v", pb)
	}
	if pb = w.must(w.dept.Do("GET", "/api/v1/powers/"+draft, nil), 200, "get"); !strings.Contains(string(w.dept.Do("GET", "/api/v1/powers/"+draft, nil).Body), "改名") {
		t.Fatalf("updated by import: %+v", pb)
	}
	// The template downloads with every sheet.
	r = w.dept.Do("GET", "/api/v1/powers/template", nil)
	tpl := openBook(t, r.Body)
	if got := strings.Join(tpl.GetSheetList(), ","); got != "说明,事项,设定依据,收费标准,申请材料,裁量基准,流程环节,流程连线,代码表" {
		t.Fatalf("template sheets: %s", got)
	}
}

func openBook(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func bookBytes(t *testing.T, f *excelize.File) []byte {
	t.Helper()
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sameSheets compares the cells of two workbooks, sheet by sheet.
func sameSheets(t *testing.T, a, b []byte) bool {
	t.Helper()
	fa, fb := openBook(t, a), openBook(t, b)
	for _, sh := range fa.GetSheetList() {
		ra, _ := fa.GetRows(sh)
		rb, _ := fb.GetRows(sh)
		if fmt.Sprint(ra) != fmt.Sprint(rb) {
			t.Logf("sheet %s differs:\n%v\n%v", sh, ra, rb)
			return false
		}
	}
	return true
}

// TestCatalogueConcurrentReviews: reviewers racing on one submission — exactly one
// decision lands, the others are told the item has moved on.
func TestCatalogueConcurrentReviews(t *testing.T) {
	t.Parallel()
	w := newCatalogueWorld(t)
	id := w.item(catalogue.StatusSubmitted)
	const n = 12
	statuses := make(chan int, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			decision := map[string]any{"decision": "approve"}
			if i%2 == 1 {
				decision = map[string]any{"decision": "return", "comment": "并发退回"}
			}
			statuses <- w.legal.Do("POST", "/api/v1/powers/"+id+"/review", decision).Status
		}(i)
	}
	ok, conflict := 0, 0
	for i := 0; i < n; i++ {
		switch <-statuses {
		case 200:
			ok++
		case 409:
			conflict++
		}
	}
	if ok != 1 || conflict != n-1 {
		t.Fatalf("want one decision and %d conflicts, got %d and %d", n-1, ok, conflict)
	}
	var hist struct {
		Items []struct{ Action string } `json:"items"`
	}
	w.legal.Do("GET", "/api/v1/powers/"+id+"/history", nil).JSON(t, &hist)
	if len(hist.Items) != 3 {
		t.Fatalf("one review in the audit trail, got %+v", hist.Items)
	}
}

// TestDemoCatalogue: the demo seeds every tenant's catalogue through the service —
// mostly filed, some waiting for review or filing, one overdue in some counties —
// and seeding again changes nothing.
func TestDemoCatalogue(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Catalogue: true})
	var list struct {
		Total int `json:"total"`
		Items []struct {
			Code        string `json:"code"`
			Status      string `json:"status"`
			Exercisable bool   `json:"exercisable"`
		} `json:"items"`
	}
	sup := env.Login("410500", "supervisor")
	sup.Do("GET", "/api/v1/powers?page_size=200", nil).JSON(t, &list)
	if list.Total != 140 {
		t.Fatalf("want 14 items in each of 10 tenants, got %d", list.Total)
	}
	sup.Do("GET", "/api/v1/powers?tenant=410581&page_size=200", nil).JSON(t, &list)
	byStatus := map[string]int{}
	exercisable := 0
	for _, it := range list.Items {
		byStatus[it.Status]++
		if it.Exercisable {
			exercisable++
		}
	}
	if list.Total != 14 || byStatus["filed"] != 9 || byStatus["published"] != 2 || byStatus["submitted"] != 1 || byStatus["returned"] != 1 || byStatus["draft"] != 1 || exercisable != 10 {
		t.Fatalf("林州市's catalogue: %v, %d exercisable", byStatus, exercisable)
	}
	var pub struct {
		Total int `json:"total"`
	}
	env.Anonymous().Do("GET", "/api/v1/public/410581/powers?q="+url.QueryEscape("施工许可"), nil).JSON(t, &pub)
	if pub.Total != 1 {
		t.Fatalf("portal search: %d", pub.Total)
	}
	var filings struct {
		Items []struct {
			TenantCode string `json:"tenant_code"`
		} `json:"items"`
	}
	env.Login("410500", "legal").Do("GET", "/api/v1/filings?status=overdue", nil).JSON(t, &filings)
	if len(filings.Items) == 0 {
		t.Fatal("some counties have an overdue filing")
	}
	ctx := context.Background()
	start := time.Now()
	if _, err := env.App.SeedDemo(ctx, apitest.RepoRoot()+"/tenants", apitest.DemoPassword); err != nil {
		t.Fatal(err)
	}
	sup.Do("GET", "/api/v1/powers?page_size=200", nil).JSON(t, &list)
	if list.Total != 140 {
		t.Fatalf("seeding again duplicated items: %d", list.Total)
	}
	t.Logf("re-seeding an existing demo took %v", time.Since(start))
}
