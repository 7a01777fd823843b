package httpapi_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sunshine/pkg/apitest"
)

// appraisalScheme is a small valid scheme (month; counties and county departments).
func appraisalScheme() map[string]any {
	return map[string]any{
		"name": "县区政务服务考核", "period_kind": "month",
		"body": map[string]any{
			"subjects": map[string]any{"county_departments": true, "counties": true}, "total_points": 100, "weights_must_sum": true,
			"objection_working_days": 3, "grace_working_days": 2,
			"categories": []map[string]any{
				{"code": "time", "name": "时效", "kind": "score", "weight": 60},
				{"code": "conduct", "name": "规范", "kind": "score", "weight": 40},
				{"code": "cards", "name": "监察扣分", "kind": "deduction", "weight": 30},
			},
			"indicators": []map[string]any{
				{"code": "on_time", "category": "time", "definition": "case.on_time", "rule": map[string]any{"type": "ratio", "max_points": 60}},
				{"code": "fees", "category": "conduct", "definition": "case.fee_mismatch", "rule": map[string]any{"type": "per_count", "base_points": 40, "per_item": -5, "min_points": 0}},
				{"code": "yellow", "category": "cards", "definition": "card.yellow", "rule": map[string]any{"type": "per_count", "per_item": -5}},
			},
		},
	}
}

type appraisalWorld struct {
	env                *apitest.Env
	leader, lz, hx, hd *apitest.Client
	scheme             string
}

func newAppraisalWorld(t *testing.T) *appraisalWorld {
	t.Helper()
	env := apitest.New(t)
	env.Clock.Set(apitest.At("2026-12-05 10:00"))
	fx := env.Facts()
	lzZJJ := fx.FiledItem("410581", "ZJJ", 20, 15)
	hxZJJ := fx.FiledItem("410526", "ZJJ", 20, 15)
	fx.Case(lzZJJ, apitest.Case{Received: "2026-10-08 09:00", Decided: "2026-10-12 10:00", Due: "2026-10-20", Limit: 15})
	fx.Case(lzZJJ, apitest.Case{Received: "2026-10-08 09:00", Decided: "2026-10-22 10:00", Due: "2026-10-20", Limit: 15})
	fx.Case(hxZJJ, apitest.Case{Received: "2026-10-08 09:00", Decided: "2026-10-12 10:00", Due: "2026-10-20", Limit: 15})
	d := lzZJJ.Dept
	fx.Card(lzZJJ.Tenant, &d, "yellow", "case_overdue", "2026-10-21 00:00", "", "")
	w := &appraisalWorld{env: env, leader: env.Login("410500", "leader"), lz: env.Login("410581", "supervisor"), hx: env.Login("410526", "supervisor"),
		hd: env.Login("410581", "handler")}
	return w
}

func (w *appraisalWorld) do(t *testing.T, c *apitest.Client, method, path string, body any, want int, code ...string) *apitest.Response {
	t.Helper()
	r := c.Do(method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: want %d, got %d %s", method, path, want, r.Status, r.Body)
	}
	if len(code) > 0 {
		if p := r.Problem(t); p.Code != code[0] {
			t.Fatalf("%s %s: want code %s, got %s (%s)", method, path, code[0], p.Code, r.Body)
		}
	}
	return r
}

type runJSON struct {
	ID                string   `json:"id"`
	Status            string   `json:"status"`
	Kind              string   `json:"kind"`
	Revision          int      `json:"revision"`
	AllowedActions    []string `json:"allowed_actions"`
	ObjectionDeadline *string  `json:"objection_deadline"`
	Results           []struct {
		SubjectKey string  `json:"subject_key"`
		TenantCode string  `json:"tenant_code"`
		Score      float64 `json:"score"`
		Computed   float64 `json:"computed"`
		Rank       int     `json:"rank"`
		Adjusted   bool    `json:"adjusted"`
	} `json:"results"`
}

func (w *appraisalWorld) run(t *testing.T, c *apitest.Client, id string) runJSON {
	t.Helper()
	var out runJSON
	w.do(t, c, "GET", "/api/v1/appraisal/runs/"+id, nil, 200).JSON(t, &out)
	return out
}

func keysOf(r runJSON) string {
	var ks []string
	for _, x := range r.Results {
		ks = append(ks, x.SubjectKey)
	}
	return strings.Join(ks, ",")
}

// TestAppraisalFlow drives the whole cycle as the console would: a scheme (bad ones
// refused, nothing half-written), a final run, isolation before publication, the
// drill-down, an adjustment, an objection and its answer, approval, publication, the
// portals, exports and a revision.
func TestAppraisalFlow(t *testing.T) {
	t.Parallel()
	w := newAppraisalWorld(t)
	L := w.leader

	var defs struct{ Items []map[string]any }
	w.do(t, L, "GET", "/api/v1/appraisal/definitions", nil, 200).JSON(t, &defs)
	if len(defs.Items) != 15 {
		t.Fatalf("definitions: %d", len(defs.Items))
	}

	// Bad schemes: nothing is written.
	bad := appraisalScheme()
	bad["body"].(map[string]any)["indicators"].([]map[string]any)[0]["definition"] = "ratings.stars"
	w.do(t, L, "POST", "/api/v1/appraisal/schemes", bad, 422, "appraisal.unknown_indicator")
	bad = appraisalScheme()
	bad["body"].(map[string]any)["categories"].([]map[string]any)[0]["weight"] = 50
	w.do(t, L, "POST", "/api/v1/appraisal/schemes", bad, 422, "appraisal.weights_mismatch")
	var list struct{ Total int }
	w.do(t, L, "GET", "/api/v1/appraisal/schemes", nil, 200).JSON(t, &list)
	if list.Total != 0 {
		t.Fatalf("a refused scheme was written: %d", list.Total)
	}
	w.do(t, w.lz, "POST", "/api/v1/appraisal/schemes", appraisalScheme(), 403)

	var sc struct {
		ID             string   `json:"id"`
		Status         string   `json:"status"`
		AllowedActions []string `json:"allowed_actions"`
	}
	w.do(t, L, "POST", "/api/v1/appraisal/schemes", appraisalScheme(), 201).JSON(t, &sc)
	w.scheme = sc.ID
	if sc.Status != "draft" || strings.Join(sc.AllowedActions, ",") != "edit,activate" {
		t.Fatalf("scheme: %+v", sc)
	}
	// A county sees no draft scheme.
	w.do(t, w.lz, "GET", "/api/v1/appraisal/schemes", nil, 200).JSON(t, &list)
	if list.Total != 0 {
		t.Fatalf("county sees a draft scheme")
	}
	w.do(t, L, "POST", "/api/v1/appraisal/schemes/"+sc.ID+"/activate", map[string]any{"effective_from": "2026-10-15"}, 422)
	w.do(t, L, "POST", "/api/v1/appraisal/schemes/"+sc.ID+"/activate", map[string]any{"effective_from": "2026-10-01"}, 200)
	w.do(t, w.lz, "GET", "/api/v1/appraisal/schemes", nil, 200).JSON(t, &list)
	if list.Total != 1 {
		t.Fatalf("county does not see the scheme in force")
	}

	// Bad periods: nothing is written.
	for period, code := range map[string]string{"2026-13": "appraisal.bad_period", "2027-01": "appraisal.period_not_started",
		"2026-Q4": "appraisal.period_kind_mismatch", "2026-09": "appraisal.no_version_in_force"} {
		w.do(t, L, "POST", "/api/v1/appraisal/runs", map[string]any{"scheme_id": sc.ID, "period": period}, 422, code)
	}
	w.do(t, L, "GET", "/api/v1/appraisal/runs", nil, 200).JSON(t, &list)
	if list.Total != 0 {
		t.Fatalf("a refused run was written: %d", list.Total)
	}

	var run runJSON
	w.do(t, L, "POST", "/api/v1/appraisal/runs", map[string]any{"scheme_id": sc.ID, "period": "2026-10"}, 202).JSON(t, &run)
	if run.Kind != "final" || run.Status != "draft" {
		t.Fatalf("run: %+v", run)
	}
	all := w.run(t, L, run.ID)
	if len(all.Results) != 9+2 {
		t.Fatalf("leader sees %d results: %s", len(all.Results), keysOf(all))
	}
	// Before publication each county sees its own subjects only.
	if got := keysOf(w.run(t, w.lz, run.ID)); got != "410581,410581.ZJJ" {
		t.Fatalf("林州 sees %s", got)
	}
	if got := keysOf(w.run(t, w.hx, run.ID)); got != "410526,410526.ZJJ" {
		t.Fatalf("滑县 sees %s", got)
	}
	w.do(t, w.hd, "GET", "/api/v1/appraisal/runs/"+run.ID, nil, 403)
	w.do(t, w.hx, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ", nil, 404)

	// Drill-down: the yellow card behind 林州住建局's deduction.
	var items struct {
		Items []struct {
			ObjectType string `json:"object_type"`
			Role       string `json:"role"`
		}
		Total int
		Count int
	}
	w.do(t, L, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ/indicators/yellow/items", nil, 200).JSON(t, &items)
	if items.Total != 1 || items.Count != 1 || items.Items[0].ObjectType != "card" || items.Items[0].Role != "counted" {
		t.Fatalf("items: %+v", items)
	}
	w.do(t, L, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ/indicators/on_time/items?role=not_counted", nil, 200).JSON(t, &items)
	if items.Total != 1 {
		t.Fatalf("late cases: %+v", items)
	}
	w.do(t, w.hx, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ/indicators/yellow/items", nil, 404)
	w.do(t, w.lz, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ/indicators/yellow/items", nil, 200)

	// Adjustments: bad ones refused, a good one keeps the computed value beside it.
	adj := func(body map[string]any, want int, code ...string) {
		t.Helper()
		w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/adjustments", body, want, code...)
	}
	adj(map[string]any{"subject": "410581.ZJJ", "indicator": "on_time", "points": 40, "reason": " "}, 422, "appraisal.reason_required")
	adj(map[string]any{"subject": "410599.ZJJ", "indicator": "on_time", "points": 40, "reason": "x"}, 422, "appraisal.unknown_subject")
	adj(map[string]any{"subject": "410581.ZJJ", "indicator": "stars", "points": 40, "reason": "x"}, 422, "appraisal.unknown_scheme_indicator")
	adj(map[string]any{"subject": "410581.ZJJ", "indicator": "on_time", "points": 1.234, "reason": "x"}, 422)
	w.do(t, w.lz, "POST", "/api/v1/appraisal/runs/"+run.ID+"/adjustments", map[string]any{"subject": "410581.ZJJ", "indicator": "on_time", "points": 60, "reason": "x"}, 403)
	adj(map[string]any{"subject": "410581.ZJJ", "indicator": "on_time", "points": 45, "reason": "一件超期系系统故障所致，经核实酌情调整"}, 201)
	var subj struct {
		Result struct {
			Score    float64 `json:"score"`
			Computed float64 `json:"computed"`
			Adjusted bool    `json:"adjusted"`
		} `json:"result"`
		Adjustments []struct {
			Before float64 `json:"before"`
			After  float64 `json:"after"`
		} `json:"adjustments"`
	}
	w.do(t, L, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ", nil, 200).JSON(t, &subj)
	// Computed: on time 1/2 × 60 = 30, fees 40, yellow −5 → 65; adjusted on-time 45 → 80.
	if subj.Result.Computed != 65 || subj.Result.Score != 80 || !subj.Result.Adjusted || len(subj.Adjustments) != 1 ||
		subj.Adjustments[0].Before != 30 || subj.Adjustments[0].After != 45 {
		t.Fatalf("adjusted subject: %+v", subj)
	}

	// Objections open only after release; then a county objects to its own result.
	obj := map[string]any{"subject": "410581.ZJJ", "indicator": "yellow", "text": "该黄牌已申诉，请复核"}
	w.do(t, w.lz, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections", obj, 409, "appraisal.run.illegal_transition")
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/open-objections", nil, 200).JSON(t, &run)
	if run.Status != "objection" || run.ObjectionDeadline == nil {
		t.Fatalf("open: %+v", run)
	}
	w.do(t, w.hx, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections", obj, 422, "appraisal.unknown_subject")
	var o struct {
		ID             string   `json:"id"`
		Status         string   `json:"status"`
		AllowedActions []string `json:"allowed_actions"`
	}
	w.do(t, w.lz, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections", obj, 201).JSON(t, &o)
	if o.Status != "open" || strings.Join(o.AllowedActions, ",") != "withdraw" {
		t.Fatalf("objection: %+v", o)
	}
	var objs struct{ Total int }
	w.do(t, w.hx, "GET", "/api/v1/appraisal/runs/"+run.ID+"/objections", nil, 200).JSON(t, &objs)
	if objs.Total != 0 {
		t.Fatalf("滑县 reads 林州's objection")
	}
	w.do(t, L, "GET", "/api/v1/appraisal/runs/"+run.ID+"/objections", nil, 200).JSON(t, &objs)
	if objs.Total != 1 {
		t.Fatalf("the leading group reads %d objections", objs.Total)
	}
	w.do(t, w.hx, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections/"+o.ID+"/withdraw", nil, 404)
	w.do(t, w.hx, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections/"+o.ID+"/answer", map[string]any{"decision": "rejected", "answer": "x"}, 403)
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/approve", nil, 409, "appraisal.objections_open")
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections/"+o.ID+"/answer", map[string]any{"decision": "maybe", "answer": "x"}, 422)
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections/"+o.ID+"/answer", map[string]any{"decision": "rejected", "answer": "申诉未获支持，维持扣分"}, 200).JSON(t, &o)
	if o.Status != "answered" {
		t.Fatalf("answered: %+v", o)
	}
	w.do(t, w.lz, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections/"+o.ID+"/withdraw", nil, 409)
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/approve", map[string]any{}, 409, "appraisal.objection_window_open")
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/approve", map[string]any{"close_window": true}, 422, "appraisal.reason_required")
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/approve", map[string]any{"close_window": true, "note": "各县均已确认"}, 200).JSON(t, &run)
	if run.Status != "approved" || strings.Join(run.AllowedActions, ",") != "publish" {
		t.Fatalf("approved: %+v", run)
	}
	// Nothing is public yet.
	var pub struct {
		Period string
		Groups []struct {
			Key     string
			Results []struct {
				SubjectKey string  `json:"subject_key"`
				Score      float64 `json:"score"`
			}
		}
	}
	w.do(t, w.env.Anonymous(), "GET", "/api/v1/public/410500/appraisal", nil, 200).JSON(t, &pub)
	if len(pub.Groups) != 0 {
		t.Fatalf("published before publication: %+v", pub)
	}
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/publish", nil, 200).JSON(t, &run)
	if run.Status != "published" {
		t.Fatalf("published: %+v", run)
	}
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/adjustments", map[string]any{"subject": "410581.ZJJ", "indicator": "on_time", "points": 60, "reason": "x"},
		409, "appraisal.run_published")
	w.do(t, L, "POST", "/api/v1/appraisal/runs", map[string]any{"scheme_id": sc.ID, "period": "2026-10"}, 409, "appraisal.run_locked")
	// Published: every county reads every result; the portals show them.
	if n := len(w.run(t, w.hx, run.ID).Results); n != 11 {
		t.Fatalf("after publication 滑县 reads %d results", n)
	}
	w.do(t, w.env.Anonymous(), "GET", "/api/v1/public/410500/appraisal", nil, 200).JSON(t, &pub)
	if pub.Period != "2026-10" || len(pub.Groups) != 1 || pub.Groups[0].Key != "county:410500" || len(pub.Groups[0].Results) != 9 {
		t.Fatalf("city portal: %+v", pub)
	}
	w.do(t, w.env.Anonymous(), "GET", "/api/v1/public/410581/appraisal?period=2026-10", nil, 200).JSON(t, &pub)
	if len(pub.Groups) != 2 || pub.Groups[0].Key != "county_department:410581" || pub.Groups[0].Results[0].Score != 80 {
		t.Fatalf("林州 portal: %+v", pub)
	}
	w.do(t, w.env.Anonymous(), "GET", "/api/v1/public/410581/appraisal?period=2026-09", nil, 404, "appraisal.nothing_published")
	w.do(t, w.env.Anonymous(), "GET", "/api/v1/public/410581/appraisal?period=20x", nil, 400)

	// Exports.
	r := w.do(t, L, "GET", "/api/v1/appraisal/runs/"+run.ID+"/export", nil, 200)
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if !strings.Contains(strings.Join(flatten(rows), "|"), "林州市") {
		t.Fatalf("ranking sheet: %v", rows)
	}
	w.do(t, L, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ/export", nil, 200)

	// A revision: scored again, published as an announced correction.
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/revise", map[string]any{"reason": ""}, 422)
	var rev runJSON
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/revise", map[string]any{"reason": "黄牌申诉复核后撤销，更正结果"}, 202).JSON(t, &rev)
	if rev.Revision != 1 || rev.Status != "draft" {
		t.Fatalf("revision: %+v", rev)
	}
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/revise", map[string]any{"reason": "again"}, 409, "appraisal.revision_open")
	// The adjustment was carried over.
	if got := w.run(t, L, rev.ID); got.Results[len(got.Results)-1].SubjectKey != "410581.ZJJ" && !anyAdjusted(got) {
		t.Fatalf("revision lost the adjustment")
	}
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+rev.ID+"/open-objections", nil, 200)
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+rev.ID+"/approve", map[string]any{"close_window": true, "note": "更正"}, 200)
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+rev.ID+"/publish", nil, 200)
	if got := w.run(t, L, run.ID); got.Status != "superseded" {
		t.Fatalf("the corrected run is %s", got.Status)
	}
	var pub2 struct {
		Revision  int
		Revisions []struct{ Revision int }
	}
	w.do(t, w.env.Anonymous(), "GET", "/api/v1/public/410500/appraisal", nil, 200).JSON(t, &pub2)
	if pub2.Revision != 1 || len(pub2.Revisions) != 2 {
		t.Fatalf("portal after the revision: %+v", pub2)
	}
}

func anyAdjusted(r runJSON) bool {
	for _, x := range r.Results {
		if x.Adjusted {
			return true
		}
	}
	return false
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// TestAppraisalObjectionDeadline: objecting after the window closed is refused, and
// approval then needs no early close.
func TestAppraisalObjectionDeadline(t *testing.T) {
	t.Parallel()
	w := newAppraisalWorld(t)
	L := w.leader
	var sc struct{ ID string }
	w.do(t, L, "POST", "/api/v1/appraisal/schemes", appraisalScheme(), 201).JSON(t, &sc)
	w.do(t, L, "POST", "/api/v1/appraisal/schemes/"+sc.ID+"/activate", map[string]any{"effective_from": "2026-10-01"}, 200)
	var run runJSON
	w.do(t, L, "POST", "/api/v1/appraisal/runs", map[string]any{"scheme_id": sc.ID, "period": "2026-11"}, 202).JSON(t, &run)
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/open-objections", nil, 200).JSON(t, &run)
	// Three working days from Saturday 12-05: Monday to Wednesday; closed from Thursday 12-10.
	if want := "2026-12-10T00:00:00+08:00"; !sameInstant(*run.ObjectionDeadline, want) {
		t.Fatalf("deadline %s, want %s", *run.ObjectionDeadline, want)
	}
	w.env.Clock.Set(apitest.At("2026-12-10 00:00"))
	w.do(t, w.lz, "POST", "/api/v1/appraisal/runs/"+run.ID+"/objections", map[string]any{"subject": "410581", "text": "晚了"}, 409, "appraisal.objection_window_closed")
	w.do(t, L, "POST", "/api/v1/appraisal/runs/"+run.ID+"/approve", nil, 200)
	// A county cannot run, adjust, approve or publish.
	w.do(t, w.lz, "POST", "/api/v1/appraisal/runs/"+run.ID+"/publish", nil, 403)
	w.do(t, w.lz, "POST", "/api/v1/appraisal/runs", map[string]any{"scheme_id": sc.ID, "period": "2026-11"}, 403)
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

// TestAppraisalManualInputs: the leading group's office samples and scores case files,
// records an inspection and a fault with evidence (uploaded through the file store,
// downloadable through appraisal only), and they count in the next run; periods and
// the trend answer for the console's charts.
func TestAppraisalManualInputs(t *testing.T) {
	t.Parallel()
	w := newAppraisalWorld(t)
	L := w.leader
	var sc struct{ ID string }
	w.do(t, L, "POST", "/api/v1/appraisal/schemes", appraisalSchemeWithManual(), 201).JSON(t, &sc)
	w.do(t, L, "POST", "/api/v1/appraisal/schemes/"+sc.ID+"/activate", map[string]any{"effective_from": "2026-10-01"}, 200)

	ct, body := multipartFile(t, "检查记录.pdf", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("1"), 1000)...))
	var file struct{ ID string }
	r := L.DoRaw("POST", "/api/v1/files?kind=appraisal.evidence", ct, body)
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &file)
	if r := w.lz.DoRaw("POST", "/api/v1/files?kind=appraisal.evidence", ct, body); r.Status != 403 {
		t.Fatalf("a county uploads the leading group's evidence: %d", r.Status)
	}

	// Sampling: bad requests, then two of 林州住建局's October decisions.
	w.do(t, L, "POST", "/api/v1/appraisal/reviews", map[string]any{"scheme_id": sc.ID, "period": "2026-10", "tenant": "410581", "department": "ZJJ", "size": 0}, 422)
	w.do(t, L, "POST", "/api/v1/appraisal/reviews", map[string]any{"scheme_id": sc.ID, "period": "2026-10", "tenant": "999999", "department": "ZJJ", "size": 2}, 422)
	w.do(t, L, "POST", "/api/v1/appraisal/reviews", map[string]any{"scheme_id": sc.ID, "period": "2026-10", "tenant": "410581", "department": "SCJG", "size": 2}, 409, "appraisal.no_cases_to_sample")
	var drawn struct {
		Items []struct {
			ID    string
			Lines []struct {
				MaxPoints float64 `json:"max_points"`
			}
		}
	}
	w.do(t, L, "POST", "/api/v1/appraisal/reviews", map[string]any{"scheme_id": sc.ID, "period": "2026-10", "tenant": "410581", "department": "ZJJ", "size": 5}, 201).JSON(t, &drawn)
	if len(drawn.Items) != 2 || len(drawn.Items[0].Lines) != 5 {
		t.Fatalf("drawn: %+v", drawn)
	}
	w.do(t, L, "POST", "/api/v1/appraisal/reviews", map[string]any{"scheme_id": sc.ID, "period": "2026-10", "tenant": "410581", "department": "ZJJ", "size": 5}, 409, "appraisal.no_cases_to_sample")
	w.do(t, L, "PUT", "/api/v1/appraisal/reviews/"+drawn.Items[0].ID, map[string]any{"scores": []float64{20, 25}}, 422, "appraisal.checklist_mismatch")
	w.do(t, L, "PUT", "/api/v1/appraisal/reviews/"+drawn.Items[0].ID, map[string]any{"scores": []float64{21, 25, 20, 20, 15}}, 422)
	w.do(t, L, "PUT", "/api/v1/appraisal/reviews/"+drawn.Items[0].ID, map[string]any{"scores": []float64{20, 25, 20, 20, 15}, "evidence_file_ids": []string{file.ID}}, 200)
	w.do(t, L, "PUT", "/api/v1/appraisal/reviews/"+drawn.Items[1].ID, map[string]any{"scores": []float64{10, 20, 20, 20, 10}}, 200)
	var reviews struct {
		Items []struct {
			Score    *float64
			Evidence []struct{ ID string }
		}
	}
	w.do(t, w.lz, "GET", "/api/v1/appraisal/reviews?period=2026-10", nil, 200).JSON(t, &reviews)
	if len(reviews.Items) != 2 {
		t.Fatalf("林州 reads its reviews: %d", len(reviews.Items))
	}
	w.do(t, w.hx, "GET", "/api/v1/appraisal/reviews?period=2026-10", nil, 200).JSON(t, &reviews)
	if len(reviews.Items) != 0 {
		t.Fatalf("滑县 reads 林州's reviews")
	}

	w.do(t, L, "POST", "/api/v1/appraisal/inspections", map[string]any{"tenant": "410581", "occurred_on": "2027-01-01", "title": "x", "score": 80}, 422)
	w.do(t, L, "POST", "/api/v1/appraisal/inspections", map[string]any{"tenant": "410581", "occurred_on": "2026-10-20", "title": "x", "score": 101}, 422)
	w.do(t, L, "POST", "/api/v1/appraisal/inspections", map[string]any{"tenant": "410581", "department": "ZJJ", "occurred_on": "2026-10-20",
		"title": "窗口实地检查", "score": 70, "evidence_file_ids": []string{file.ID}}, 422) // the file is already attached to the review
	w.do(t, L, "POST", "/api/v1/appraisal/inspections", map[string]any{"tenant": "410581", "department": "ZJJ", "occurred_on": "2026-10-20",
		"title": "窗口实地检查", "score": 70}, 201)
	var fault struct {
		Entry struct{ ID string }
	}
	w.do(t, L, "POST", "/api/v1/appraisal/faults", map[string]any{"tenant": "410581", "department": "ZJJ", "occurred_on": "2026-10-21",
		"description": "超期", "case_id": "01a24835-6e7e-78b1-8965-4268cc099d9d"}, 422)
	w.do(t, L, "POST", "/api/v1/appraisal/faults", map[string]any{"tenant": "410581", "department": "ZJJ", "occurred_on": "2026-10-21",
		"person": "李四", "description": "超期未告知"}, 201).JSON(t, &fault)
	w.do(t, w.lz, "POST", "/api/v1/appraisal/faults/"+fault.Entry.ID+"/revoke", map[string]any{"reason": "x"}, 403)

	var run runJSON
	w.do(t, L, "POST", "/api/v1/appraisal/runs", map[string]any{"scheme_id": sc.ID, "period": "2026-10"}, 202).JSON(t, &run)
	var subj struct {
		Result struct {
			Indicators []struct {
				Code   string
				Points float64
				Count  int
			}
		} `json:"result"`
		Drillable bool
	}
	w.do(t, L, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ", nil, 200).JSON(t, &subj)
	got := map[string]float64{}
	for _, in := range subj.Result.Indicators {
		got[in.Code] = in.Points
	}
	// Reviews (100 + 80)/2 = 90 % of 10; inspection 70 % of 10; one fault: 10 − 5.
	if got["review"] != 9 || got["inspection"] != 7 || got["fault"] != 5 || !subj.Drillable {
		t.Fatalf("manual indicators: %v", got)
	}
	// The evidence of the review is downloadable by the leading group only.
	w.do(t, L, "GET", "/api/v1/appraisal/evidence/"+file.ID, nil, 200)
	w.do(t, w.hx, "GET", "/api/v1/appraisal/evidence/"+file.ID, nil, 404)
	// Revoked faults stop counting in later runs.
	w.do(t, L, "POST", "/api/v1/appraisal/faults/"+fault.Entry.ID+"/revoke", map[string]any{"reason": "复核撤销"}, 200)
	w.do(t, L, "POST", "/api/v1/appraisal/faults/"+fault.Entry.ID+"/revoke", map[string]any{"reason": "again"}, 409)
	w.env.Clock.Advance(time.Minute)
	w.do(t, L, "POST", "/api/v1/appraisal/runs", map[string]any{"scheme_id": sc.ID, "period": "2026-10"}, 202)
	w.do(t, L, "GET", "/api/v1/appraisal/runs/"+run.ID+"/results/410581.ZJJ", nil, 200).JSON(t, &subj)
	for _, in := range subj.Result.Indicators {
		if in.Code == "fault" && (in.Points != 10 || in.Count != 0) {
			t.Fatalf("a revoked fault still counts: %+v", in)
		}
	}

	var periods struct {
		Items []struct {
			Period string
			Closed bool
			Runs   []struct{ Kind string }
		}
	}
	w.do(t, L, "GET", "/api/v1/appraisal/schemes/"+sc.ID+"/periods", nil, 200).JSON(t, &periods)
	if len(periods.Items) != 3 || periods.Items[0].Period != "2026-12" || periods.Items[0].Closed || !periods.Items[2].Closed || len(periods.Items[2].Runs) != 1 {
		t.Fatalf("periods: %+v", periods)
	}
	var trend struct {
		Items []struct {
			Period string
			Score  float64
		}
	}
	w.do(t, L, "GET", "/api/v1/appraisal/schemes/"+sc.ID+"/trend?subject=410581.ZJJ", nil, 200).JSON(t, &trend)
	if len(trend.Items) != 1 || trend.Items[0].Period != "2026-10" {
		t.Fatalf("trend: %+v", trend)
	}
	w.do(t, L, "GET", "/api/v1/appraisal/schemes/"+sc.ID+"/trend", nil, 400)
}

func appraisalSchemeWithManual() map[string]any {
	s := appraisalScheme()
	b := s["body"].(map[string]any)
	b["categories"] = append(b["categories"].([]map[string]any), map[string]any{"code": "manual", "name": "检查", "kind": "bonus", "weight": 30})
	b["indicators"] = append(b["indicators"].([]map[string]any),
		map[string]any{"code": "review", "category": "manual", "definition": "manual.file_review", "rule": map[string]any{"type": "ratio", "max_points": 10}},
		map[string]any{"code": "inspection", "category": "manual", "definition": "manual.inspection", "rule": map[string]any{"type": "ratio", "max_points": 10}},
		map[string]any{"code": "fault", "category": "manual", "definition": "manual.fault", "rule": map[string]any{"type": "per_count", "base_points": 10, "per_item": -5, "min_points": 0}},
	)
	return s
}
