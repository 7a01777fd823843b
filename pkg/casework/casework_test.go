package casework_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apitest"
	"sunshine/pkg/calendar"
	"sunshine/pkg/casework"
	"sunshine/pkg/idcheck"
	"sunshine/pkg/platform/db"
)

type caseBody struct {
	ID               string     `json:"id"`
	TrackingNo       string     `json:"tracking_no"`
	QueryCode        string     `json:"query_code"`
	Status           string     `json:"status"`
	DueDate          string     `json:"due_date"`
	Paused           bool       `json:"paused"`
	Deemed           bool       `json:"deemed_accepted"`
	AcceptedAt       *time.Time `json:"accepted_at"`
	ReceivedAt       time.Time  `json:"received_at"`
	StoppedDays      int        `json:"stopped_days"`
	ExtensionDays    int        `json:"extension_days"`
	FeeMismatch      bool       `json:"fee_mismatch"`
	GreenChannel     bool       `json:"green_channel"`
	LimitDays        int        `json:"limit_days"`
	MissingMaterials []string   `json:"missing_materials"`
	Steps            []struct {
		ID      string `json:"id"`
		Node    string `json:"node"`
		Status  string `json:"status"`
		DueDate string `json:"due_date"`
		Rounds  int    `json:"rounds"`
	} `json:"steps"`
	Events []struct {
		Kind string `json:"kind"`
		Note string `json:"note"`
	} `json:"events"`
	Explanation *struct {
		Text        string `json:"text"`
		StoppedDays int    `json:"stopped_days"`
	} `json:"deadline_explanation"`
}

func (c caseBody) step(node string) (string, string) {
	for _, s := range c.Steps {
		if s.Node == node {
			return s.Status, s.DueDate
		}
	}
	return "", ""
}

// world is a county with a filed parallel item, a window and its staff.
type world struct {
	env     *apitest.Env
	power   uuid.UUID
	window  uuid.UUID
	clerk   *apitest.Client
	handler *apitest.Client // ZJJ case handler
	head    *apitest.Client // ZJJ department head
	zrzy    *apitest.Client
	sthj    *apitest.Client
}

var shanghai = calendar.Location()

func newWorld(t *testing.T) *world {
	t.Helper()
	env := apitest.New(t)
	// Monday 2026-09-28 10:00 in Shanghai: the week before 国庆.
	env.Clock.Set(time.Date(2026, 9, 28, 10, 0, 0, 0, shanghai))
	w := &world{env: env}
	w.power = env.FiledPower("410581", "XK-001", "建筑工程施工许可证核发", 9, nil, apitest.ParallelFlowchart())
	w.window = env.Window("410581", "A01", "ZWFW", true, "clerk")
	w.clerk = env.Login("410581", "clerk")
	w.handler = env.Login("410581", "handler")
	w.head = env.Login("410581", "deptadmin")
	w.zrzy = env.UserInDepartment("410581", "zrzy-handler", "ZRZY", "case_handler")
	w.sthj = env.UserInDepartment("410581", "sthj-handler", "STHJ", "case_handler")
	return w
}

func person(rng *rand.Rand) map[string]any {
	birth := time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC)
	return map[string]any{"type": "person", "name": "张三", "id_number": idcheck.GenerateResidentID(rng, "410581", birth, true), "phone": "13812345678"}
}

func (w *world) intake(t *testing.T, extra map[string]any) caseBody {
	t.Helper()
	body := map[string]any{"power_id": w.power, "window_id": w.window, "channel": "window",
		"applicant": person(rand.New(rand.NewPCG(1, 2))),
		"materials": []map[string]any{{"name": "申请书", "provided": true, "copies": 1}, {"name": "营业执照", "provided": true, "copies": 1}},
		"fees":      []map[string]any{{"item": "证照工本费", "amount_fen": 1000}}}
	for k, v := range extra {
		body[k] = v
	}
	r := w.clerk.Do("POST", "/api/v1/cases", body)
	if r.Status != 201 {
		t.Fatalf("intake: %d %s", r.Status, r.Body)
	}
	var c caseBody
	r.JSON(t, &c)
	return c
}

func (w *world) do(t *testing.T, c *apitest.Client, path string, body any, want int) caseBody {
	t.Helper()
	r := c.Do("POST", path, body)
	if r.Status != want {
		t.Fatalf("POST %s: want %d, got %d %s", path, want, r.Status, r.Body)
	}
	var out caseBody
	if want == 200 {
		r.JSON(t, &out)
	}
	return out
}

func stepID(c caseBody, node string) string {
	for _, s := range c.Steps {
		if s.Node == node {
			return s.ID
		}
	}
	return ""
}

// TestCaseLifecycle walks intake → correction → acceptance → parallel steps (one of
// them uncounted) → decision → delivery, checking the clock at each point.
func TestCaseLifecycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.intake(t, map[string]any{"materials": []map[string]any{{"name": "申请书", "provided": true}}})
	if c.Status != "submitted" || !strings.HasPrefix(c.TrackingNo, "410581260928") || len(c.MissingMaterials) != 1 {
		t.Fatalf("intake: %+v", c)
	}
	base := "/api/v1/cases/" + c.ID
	// Accepting with a required material missing is refused: correct first.
	w.do(t, w.clerk, base+"/accept", nil, 409)
	c = w.do(t, w.clerk, base+"/request-correction", map[string]any{"items": []string{"营业执照（副本复印件）"}}, 200)
	if c.Status != "correction_requested" {
		t.Fatal(c.Status)
	}
	w.do(t, w.clerk, base+"/accept", nil, 409)
	c = w.do(t, w.clerk, base+"/resubmit", map[string]any{"materials": []map[string]any{{"name": "申请书", "provided": true}, {"name": "营业执照", "provided": true}}}, 200)
	c = w.do(t, w.clerk, base+"/accept", nil, 200)
	// Accepted Monday 09-28, promised 9 working days: 09-29, 09-30, 10-08, 10-09,
	// 10-10 (make-up Saturday), 10-12, 10-13, 10-14, 10-15.
	if c.Status != "in_progress" || c.DueDate != "2026-10-15" {
		t.Fatalf("accept: %s due %s", c.Status, c.DueDate)
	}
	if st, due := c.step("review"); st != "active" || due != "2026-09-30" {
		t.Fatalf("review step: %s %s", st, due)
	}
	if c.Explanation == nil || !strings.Contains(c.Explanation.Text, "国庆") {
		t.Fatalf("the explanation must name the holiday: %+v", c.Explanation)
	}
	// The window clerk cannot work the 住建 step; the 住建 handler can.
	w.do(t, w.clerk, base+"/steps/review/complete", map[string]any{"opinion": "x"}, 403)
	w.env.Clock.Set(time.Date(2026, 9, 29, 10, 0, 0, 0, shanghai))
	c = w.do(t, w.handler, base+"/steps/review/complete", map[string]any{"opinion": "材料齐全"}, 200)
	for _, n := range []string{"zjj", "zrzy", "sthj"} {
		if st, _ := c.step(n); st != "active" {
			t.Fatalf("parallel step %s: %s", n, st)
		}
	}
	// A department cannot work another department's branch.
	w.do(t, w.handler, base+"/steps/zrzy/complete", map[string]any{"opinion": "x"}, 403)
	c = w.do(t, w.handler, base+"/steps/zjj/complete", map[string]any{"opinion": "同意"}, 200)
	c = w.do(t, w.zrzy, base+"/steps/zrzy/complete", map[string]any{"opinion": "符合规划"}, 200)
	// Only the uncounted 环评 step is active: the case's clock stops.
	var detail struct {
		ClockStoppedAt *time.Time `json:"clock_stopped_at"`
	}
	w.env.Login("410581", "handler").Do("GET", base, nil).JSON(t, &detail)
	if detail.ClockStoppedAt == nil {
		t.Fatal("only an uncounted step is active: the clock must stop")
	}
	// Two working days later (09-30, then the holiday, 10-08) 环评 finishes: the due
	// date moves by the two stopped working days.
	w.env.Clock.Set(time.Date(2026, 10, 8, 15, 0, 0, 0, shanghai))
	c = w.do(t, w.sthj, base+"/steps/sthj/complete", map[string]any{"opinion": "环评通过"}, 200)
	if c.StoppedDays != 2 || c.DueDate != "2026-10-19" {
		t.Fatalf("after the uncounted step: stopped %d due %s", c.StoppedDays, c.DueDate)
	}
	if st, _ := c.step("decide"); st != "active" {
		t.Fatalf("the join must activate the decision step: %s", st)
	}
	// The decision step belongs to the department head.
	w.do(t, w.handler, base+"/steps/decide/complete", map[string]any{"opinion": "x"}, 403)
	c = w.do(t, w.head, base+"/steps/decide/complete", map[string]any{"opinion": "拟准予许可"}, 200)
	if c.Status != "pending_decision" {
		t.Fatal(c.Status)
	}
	w.do(t, w.head, base+"/decide", map[string]any{"result": "approve"}, 422) // certificate number required
	c = w.do(t, w.head, base+"/decide", map[string]any{"result": "approve", "certificate_no": "410581202610080001"}, 200)
	if c.Status != "approved" {
		t.Fatal(c.Status)
	}
	w.do(t, w.head, base+"/decide", map[string]any{"result": "deny", "reason": "x"}, 409)
	c = w.do(t, w.clerk, base+"/deliver", nil, 200)
	if c.Status != "delivered" {
		t.Fatal(c.Status)
	}
	kinds := []string{}
	for _, e := range c.Events {
		kinds = append(kinds, e.Kind)
	}
	for _, want := range []string{"submitted", "correction_requested", "resubmitted", "accepted", "step_done", "approved", "delivered"} {
		if !strings.Contains(strings.Join(kinds, ","), want) {
			t.Errorf("timeline lacks %s: %v", want, kinds)
		}
	}
	// The portal shows the timeline without personal data, to whoever has the query
	// code; a wrong code, a wrong optional last four, another portal: the same 404.
	pub := w.env.Anonymous()
	var ps struct {
		Status   string                        `json:"status"`
		Timeline []struct{ Kind, Note string } `json:"timeline"`
	}
	last4 := person(rand.New(rand.NewPCG(1, 2)))["id_number"].(string)[14:]
	r := pub.Do("GET", "/api/v1/public/410581/cases/"+c.TrackingNo+"?code="+c.QueryCode+"&id_last4="+last4, nil)
	r.JSON(t, &ps)
	if r.Status != 200 || ps.Status != "delivered" || len(ps.Timeline) < 6 || strings.Contains(string(r.Body), "张三") || strings.Contains(string(r.Body), "138") {
		t.Fatalf("portal: %d %s", r.Status, r.Body)
	}
	if r := pub.Do("GET", "/api/v1/public/410581/cases/"+c.TrackingNo+"?code="+c.QueryCode+"&id_last4=0000", nil); r.Status != 404 {
		t.Fatalf("wrong last four: %d", r.Status)
	}
	if r := pub.Do("GET", "/api/v1/public/410581/cases/"+c.TrackingNo+"?id_last4="+last4, nil); r.Status != 404 {
		t.Fatalf("the last four alone: %d", r.Status)
	}
	if r := pub.Do("GET", "/api/v1/public/410522/cases/"+c.TrackingNo+"?code="+c.QueryCode, nil); r.Status != 404 {
		t.Fatalf("another county's portal: %d", r.Status)
	}
}

func TestIntakeValidation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	base := map[string]any{"power_id": w.power, "window_id": w.window, "channel": "window"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		body  map[string]any
		field string
	}{
		{with("applicant", map[string]any{"type": "person", "name": "李四", "id_number": "110105194912310021"}), "applicant.id_number"},
		{with("applicant", map[string]any{"type": "org", "name": "某公司", "credit_code": "91110000600037341A"}), "applicant.credit_code"},
		{with("applicant", map[string]any{"type": "alien", "name": "x"}), "applicant.type"},
		{with("applicant", map[string]any{"type": "person", "name": "", "id_number": "11010519491231002X"}), "applicant.name"},
		{with("applicant", map[string]any{"type": "person", "name": "李四", "id_number": "11010519491231002X"}, "materials", []map[string]any{{"name": "户口本", "provided": true}}), "materials[0].name"},
		{with("applicant", map[string]any{"type": "person", "name": "李四", "id_number": "11010519491231002X"}, "power_id", uuid.New()), "power_id"},
	}
	for _, tc := range cases {
		r := w.clerk.Do("POST", "/api/v1/cases", tc.body)
		if r.Status != 422 {
			t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
			continue
		}
		if p := r.Problem(t); p.Errors[0].Field != tc.field {
			t.Errorf("want field %s, got %+v", tc.field, p.Errors)
		}
	}
	// The valid examples of the standards pass (an organisation by credit code).
	r := w.clerk.Do("POST", "/api/v1/cases", with("applicant", map[string]any{"type": "org", "name": "某公司", "credit_code": "91110000600037341L"}))
	if r.Status != 201 {
		t.Fatalf("valid credit code: %d %s", r.Status, r.Body)
	}
	// A power that is not filed may not be exercised.
	w.env.UnfilePower("410581", w.power)
	r = w.clerk.Do("POST", "/api/v1/cases", with("applicant", map[string]any{"type": "person", "name": "李四", "id_number": "11010519491231002X"}))
	if p := r.Problem(t); r.Status != 422 || p.Code != "power_not_filed" {
		t.Fatalf("unfiled power: %d %+v", r.Status, p)
	}
}

func TestWindowAuthorisationAndFees(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.env.Window("410581", "B02", "ZJJ", false) // nobody authorised
	r := w.clerk.Do("POST", "/api/v1/cases", map[string]any{"power_id": w.power, "window_id": other, "channel": "window",
		"applicant": map[string]any{"type": "person", "name": "王五", "id_number": "11010519491231002X"}})
	if p := r.Problem(t); r.Status != 403 || p.Code != "casework.not_window_staff" {
		t.Fatalf("clerk at someone else's window: %d %+v", r.Status, p)
	}
	c := w.intake(t, map[string]any{"fees": []map[string]any{{"item": "证照工本费", "amount_fen": 5000}}})
	if !c.FeeMismatch {
		t.Fatal("charging 50 yuan on a 10 yuan schedule must be flagged")
	}
	c = w.intake(t, nil)
	if c.FeeMismatch {
		t.Fatal("the scheduled fee is not a mismatch")
	}
}

// TestFeesAreBoundedAndTheirSumCannotWrap: fees [MaxInt64, 1] once stored a negative
// total. Each line is bounded, the number of lines too, and nothing is written when a
// fee is refused.
func TestFeesAreBoundedAndTheirSumCannotWrap(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	body := func(fees any) map[string]any {
		return map[string]any{"power_id": w.power, "window_id": w.window, "channel": "window",
			"applicant": map[string]any{"type": "person", "name": "王五", "id_number": "11010519491231002X"}, "fees": fees}
	}
	lines := make([]map[string]any, 51)
	for i := range lines {
		lines[i] = map[string]any{"item": "证照工本费", "amount_fen": 1000}
	}
	for _, tc := range []struct {
		fees  any
		field string
	}{
		{[]map[string]any{{"item": "证照工本费", "amount_fen": int64(math.MaxInt64)}, {"item": "证照工本费", "amount_fen": 1}}, "fees[0].amount_fen"},
		{[]map[string]any{{"item": "证照工本费", "amount_fen": casework.MaxFeeFen + 1}}, "fees[0].amount_fen"},
		{[]map[string]any{{"item": "证照工本费", "amount_fen": -1}}, "fees[0].amount_fen"},
		{lines, "fees"},
	} {
		r := w.clerk.Do("POST", "/api/v1/cases", body(tc.fees))
		if r.Status != 422 {
			t.Fatalf("fees %v: %d %s", tc.fees, r.Status, r.Body)
		}
		if p := r.Problem(t); len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Fatalf("fees %v: want field %s, got %+v", tc.fees, tc.field, p.Errors)
		}
	}
	// Amounts past int64 do not even decode.
	r := w.clerk.Do("POST", "/api/v1/cases", `{"power_id":"`+w.power.String()+`","window_id":"`+w.window.String()+`","channel":"window",`+
		`"applicant":{"type":"person","name":"王五","id_number":"11010519491231002X"},"fees":[{"item":"证照工本费","amount_fen":9223372036854775808}]}`)
	if r.Status != 422 {
		t.Fatalf("an amount past int64: %d %s", r.Status, r.Body)
	}
	var list struct {
		Total int `json:"total"`
	}
	w.clerk.Do("GET", "/api/v1/cases", nil).JSON(t, &list)
	if list.Total != 0 {
		t.Fatalf("refused intakes left %d cases", list.Total)
	}
	// The largest allowed lines sum exactly.
	max := make([]map[string]any, casework.MaxFeeLines)
	for i := range max {
		max[i] = map[string]any{"item": "证照工本费", "amount_fen": casework.MaxFeeFen}
	}
	var c struct {
		Charged int64 `json:"fee_charged_fen"`
	}
	r = w.clerk.Do("POST", "/api/v1/cases", body(max))
	if r.Status != 201 {
		t.Fatalf("maximal fees: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &c)
	if c.Charged != casework.MaxFeeFen*casework.MaxFeeLines {
		t.Fatalf("charged %d, want %d", c.Charged, casework.MaxFeeFen*casework.MaxFeeLines)
	}
}

func TestPauseResumeAndExtension(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.intake(t, nil)
	base := "/api/v1/cases/" + c.ID
	w.do(t, w.clerk, base+"/accept", nil, 200)
	// Monday 10-12: a hearing pauses the clock until Wednesday 10-14.
	w.env.Clock.Set(time.Date(2026, 10, 12, 9, 0, 0, 0, shanghai))
	w.do(t, w.handler, base+"/pause", map[string]any{"reason_type": "hearing", "notice": ""}, 422)
	p := w.do(t, w.handler, base+"/pause", map[string]any{"reason_type": "hearing", "notice": "听证通知书（林住建听〔2026〕3号）", "expected_working_days": 2}, 200)
	if !p.Paused {
		t.Fatal("not paused")
	}
	w.do(t, w.handler, base+"/pause", map[string]any{"reason_type": "testing", "notice": "x", "expected_working_days": 1}, 409)
	w.do(t, w.handler, base+"/steps/review/complete", map[string]any{"opinion": "x"}, 409)
	w.env.Clock.Set(time.Date(2026, 10, 14, 16, 0, 0, 0, shanghai))
	c = w.do(t, w.handler, base+"/resume", nil, 200)
	// 10-13 and 10-14 did not count: 10-15 + 2 → 10-19.
	if c.StoppedDays != 2 || c.DueDate != "2026-10-19" {
		t.Fatalf("after the pause: stopped %d due %s", c.StoppedDays, c.DueDate)
	}
	if _, due := c.step("review"); due != "2026-10-02" && due != "2026-10-09" {
		// review was activated 09-28 with 2 days (due 09-30) plus 2 paused days: 10-09.
		t.Fatalf("the active step's due must move too: %s", due)
	}
	w.do(t, w.handler, base+"/extend", map[string]any{"reason": "x"}, 403) // handlers don't approve extensions
	w.do(t, w.head, base+"/extend", map[string]any{"reason": ""}, 422)
	c = w.do(t, w.head, base+"/extend", map[string]any{"reason": "需补充现场勘验"}, 200)
	if c.ExtensionDays != 10 || c.DueDate != "2026-11-02" {
		t.Fatalf("extension: %d due %s", c.ExtensionDays, c.DueDate)
	}
	w.do(t, w.head, base+"/extend", map[string]any{"reason": "again"}, 409)
	if !strings.Contains(c.Explanation.Text, "延期 10") || !strings.Contains(c.Explanation.Text, "不计时 2") {
		t.Fatalf("the explanation must say how: %s", c.Explanation.Text)
	}
}

func TestReturnStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.intake(t, nil)
	base := "/api/v1/cases/" + c.ID
	w.do(t, w.clerk, base+"/accept", nil, 200)
	w.do(t, w.handler, base+"/steps/review/complete", map[string]any{"opinion": "ok"}, 200)
	w.do(t, w.zrzy, base+"/steps/zrzy/complete", map[string]any{"opinion": "ok"}, 200)
	w.env.Clock.Set(time.Date(2026, 10, 9, 10, 0, 0, 0, shanghai))
	w.do(t, w.handler, base+"/steps/zjj/return", map[string]any{"to_step": "review"}, 422) // reason required
	c = w.do(t, w.handler, base+"/steps/zjj/return", map[string]any{"to_step": "review", "reason": "图纸与申请不符"}, 200)
	if st, due := c.step("review"); st != "active" || due != "2026-10-12" {
		t.Fatalf("review reopened with a fresh due: %s %s", st, due)
	}
	if st, _ := c.step("zjj"); st != "pending" {
		t.Fatalf("zjj back to pending: %s", st)
	}
	// review is behind the split: the case is back there, so no branch may stay
	// active or done (sthj was still working, zrzy had finished).
	for _, node := range []string{"zrzy", "sthj"} {
		if st, _ := c.step(node); st != "pending" {
			t.Fatalf("%s must wait for review again: %s", node, st)
		}
	}
	if got := c.Events[len(c.Events)-1]; got.Kind != "step_returned" || got.Note != "退回至「材料审查」：图纸与申请不符" {
		t.Fatalf("the return's timeline note in Chinese: %+v", got)
	}
	// The same timeline in English for a reader who asks for it; the typed reason is
	// kept as it was written.
	w.handler.Lang = "en"
	r := w.handler.Do("GET", base, nil)
	var en caseBody
	r.JSON(t, &en)
	if got := en.Events[len(en.Events)-1]; got.Note != "Returned to “材料审查”: 图纸与申请不符" {
		t.Fatalf("the return's timeline note in English: %+v", got)
	}
	for _, e := range en.Events {
		if e.Kind == "submitted" && e.Note != "Taken at the window" {
			t.Fatalf("the intake note in English: %+v", e)
		}
	}
}

// TestRacingHandlers: many goroutines complete the same task at once — exactly one
// wins and the others are told it is no longer active; branches finishing at the same
// time join exactly once.
func TestRacingHandlers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.intake(t, nil)
	base := "/api/v1/cases/" + c.ID
	w.do(t, w.clerk, base+"/accept", nil, 200)
	var wg sync.WaitGroup
	results := make(chan int, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- w.handler.Do("POST", base+"/steps/review/complete", map[string]any{"opinion": "ok"}).Status
		}()
	}
	wg.Wait()
	close(results)
	won := 0
	for s := range results {
		switch s {
		case 200:
			won++
		case 409:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if won != 1 {
		t.Fatalf("%d handlers completed the same step", won)
	}
	// The three branches finish concurrently.
	wg = sync.WaitGroup{}
	for _, b := range []struct {
		c    *apitest.Client
		node string
	}{{w.handler, "zjj"}, {w.zrzy, "zrzy"}, {w.sthj, "sthj"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := b.c.Do("POST", base+"/steps/"+b.node+"/complete", map[string]any{"opinion": "ok"}); r.Status != 200 {
				t.Errorf("%s: %d %s", b.node, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	var d caseBody
	w.handler.Do("GET", base, nil).JSON(t, &d)
	if st, _ := d.step("join"); st != "done" {
		t.Fatalf("join: %s", st)
	}
	if st, _ := d.step("decide"); st != "active" {
		t.Fatalf("decide: %s", st)
	}
	for _, s := range d.Steps {
		if s.Node == "decide" && s.Rounds != 1 {
			t.Fatalf("the decision step was activated %d times", s.Rounds)
		}
	}
}

func TestDeemedAcceptance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.intake(t, nil)
	received := c.ReceivedAt
	// Five working days after Monday 09-28: 09-29, 09-30, (国庆), 10-08, 10-09 and the
	// make-up Saturday 10-10. On 10-10 the case is still waiting; from 10-11 it counts
	// as accepted.
	w.env.Clock.Set(time.Date(2026, 10, 10, 23, 0, 0, 0, shanghai))
	n, err := w.env.App.Casework.ApplyDeemedAcceptance(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("before the deadline: %d %v", n, err)
	}
	w.env.Clock.Set(time.Date(2026, 10, 11, 0, 0, 1, 0, shanghai))
	n, err = w.env.App.Casework.ApplyDeemedAcceptance(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("after the deadline: %d %v", n, err)
	}
	n, _ = w.env.App.Casework.ApplyDeemedAcceptance(context.Background())
	if n != 0 {
		t.Fatal("deemed acceptance must apply once")
	}
	var d caseBody
	w.handler.Do("GET", "/api/v1/cases/"+c.ID, nil).JSON(t, &d)
	if d.Status != "in_progress" || !d.Deemed || d.AcceptedAt == nil || !d.AcceptedAt.Equal(received) || d.DueDate != "2026-10-15" {
		t.Fatalf("deemed: %+v", d)
	}
	var ev struct {
		Items []struct{ Action string } `json:"items"`
	}
	w.env.Login("410500", "auditor").Do("GET", "/api/v1/audit/events?tenant=410581&action=case.deemed_accept", nil).JSON(t, &ev)
	if len(ev.Items) != 1 {
		t.Fatalf("deemed acceptance must be audited: %+v", ev)
	}
}

func TestCalendarChangeRecomputesOpenDeadlines(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.intake(t, nil)
	base := "/api/v1/cases/" + c.ID
	w.do(t, w.clerk, base+"/accept", nil, 200)
	admin := w.env.Login("410581", "admin")
	r := admin.Do("POST", "/api/v1/calendar/local-days", map[string]any{"date": "2026-10-12", "kind": "holiday", "name": "林州红旗渠纪念日"})
	var out struct {
		Recomputed int `json:"recomputed_cases"`
	}
	r.JSON(t, &out)
	if r.Status != 200 || out.Recomputed != 1 {
		t.Fatalf("local day: %d %s", r.Status, r.Body)
	}
	var d caseBody
	w.handler.Do("GET", base, nil).JSON(t, &d)
	if d.DueDate != "2026-10-16" {
		t.Fatalf("a local holiday must move the due date by one working day: %s", d.DueDate)
	}
	// The explanation is of the new calendar too (explanations are memoised per
	// calendar).
	if d.Explanation == nil || !strings.Contains(d.Explanation.Text, "林州红旗渠纪念日") || !strings.Contains(d.Explanation.Text, "10-16") {
		t.Fatalf("the deadline explanation must name the new local holiday: %+v", d.Explanation)
	}
	// The city's local day applies to its counties too.
	city := w.env.Login("410500", "admin")
	if r := city.Do("POST", "/api/v1/calendar/local-days", map[string]any{"date": "2026-10-13", "kind": "holiday", "name": "安阳市活动日"}); r.Status != 200 {
		t.Fatalf("city local day: %d %s", r.Status, r.Body)
	}
	w.handler.Do("GET", base, nil).JSON(t, &d)
	if d.DueDate != "2026-10-19" {
		t.Fatalf("the city's day must reach the county: %s", d.DueDate)
	}
	var add struct {
		Date    string `json:"date"`
		Skipped []struct {
			Date   string `json:"date"`
			Reason string `json:"reason"`
		} `json:"skipped"`
	}
	w.handler.Do("GET", "/api/v1/calendar/add?from=2026-09-30&working_days=20", nil).JSON(t, &add)
	if add.Date != "2026-11-05" {
		t.Fatalf("calendar/add with two local holidays: %s", add.Date)
	}
	if r := w.handler.Do("POST", "/api/v1/calendar/local-days", map[string]any{"date": "2026-10-20", "kind": "holiday", "name": "x"}); r.Status != 403 {
		t.Fatalf("a handler may not change the calendar: %d", r.Status)
	}
	if r := admin.Do("DELETE", "/api/v1/calendar/local-days/2026-10-12", nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
	w.handler.Do("GET", base, nil).JSON(t, &d)
	if d.DueDate != "2026-10-16" {
		t.Fatalf("after removing the county's day: %s", d.DueDate)
	}
}

func TestOnlineApplicationAndTasks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pub := w.env.Anonymous()
	rng := rand.New(rand.NewPCG(7, 7))
	app := person(rng)
	r := pub.Do("POST", "/api/v1/public/410581/cases", pub.WithCaptcha(map[string]any{"power_id": w.power, "applicant": app,
		"materials": []map[string]any{{"name": "申请书", "provided": true}, {"name": "营业执照", "provided": true}}}))
	var st struct {
		TrackingNo string `json:"tracking_no"`
		Status     string `json:"status"`
	}
	r.JSON(t, &st)
	if r.Status != 201 || st.Status != "submitted" {
		t.Fatalf("online: %d %s", r.Status, r.Body)
	}
	// It lands in the same queue: the clerk of a window serving the department accepts it.
	var list struct {
		Items []struct {
			ID              string     `json:"id"`
			Channel         string     `json:"channel"`
			AcceptanceDueAt *time.Time `json:"acceptance_due_at"`
			DueDate         *string    `json:"due_date"`
			Remaining       *int       `json:"remaining_working_days"`
			DeadlinePassed  bool       `json:"deadline_passed"`
		} `json:"items"`
	}
	w.clerk.Do("GET", "/api/v1/cases?status=submitted", nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Channel != "online" {
		t.Fatalf("queue: %+v", list)
	}
	// The row carries the clock that runs: 5 working days to accept, counted on the
	// tenant's calendar (Monday 28 September: the 国庆 holiday falls inside).
	cal, err := calendar.National()
	if err != nil {
		t.Fatal(err)
	}
	row := list.Items[0]
	if row.AcceptanceDueAt == nil || row.Remaining == nil || row.DueDate != nil ||
		*row.Remaining != cal.WorkingDaysRemaining(w.env.Clock.Now(), *row.AcceptanceDueAt) || *row.Remaining < 4 {
		t.Fatalf("the acceptance clock on the list row: %+v", row)
	}
	if row.DeadlinePassed {
		t.Fatalf("the acceptance deadline has not passed: %+v", row)
	}
	// Past the acceptance deadline on a non-working day right after it, the count of
	// working days is 0 but the row says the deadline has passed.
	{
		before := w.env.Clock.Now()
		last := calendar.DateOf(row.AcceptanceDueAt.Add(-time.Nanosecond))
		day := last.AddDays(1)
		if cal.IsWorkingDay(day) {
			t.Fatalf("test setup: the acceptance deadline's last day (%s) should be followed by a weekend or holiday", last)
		}
		w.env.Clock.Set(day.Start().Add(10 * time.Hour))
		w.clerk.Do("GET", "/api/v1/cases?status=submitted", nil).JSON(t, &list)
		if got := list.Items[0]; !got.DeadlinePassed || got.Remaining == nil || *got.Remaining != 0 {
			t.Fatalf("past the acceptance deadline on a holiday: %+v", got)
		}
		w.env.Clock.Set(before)
	}
	accepted := w.do(t, w.clerk, "/api/v1/cases/"+list.Items[0].ID+"/accept", nil, 200)
	w.clerk.Do("GET", "/api/v1/cases", nil).JSON(t, &list)
	var detail struct {
		Remaining *int `json:"remaining_working_days"`
		FlowEdges []struct {
			From string `json:"from"`
			To   string `json:"to"`
		} `json:"flow_edges"`
		Steps []struct {
			Node    string  `json:"node"`
			DueDate *string `json:"due_date"`
		} `json:"steps"`
	}
	w.clerk.Do("GET", "/api/v1/cases/"+accepted.ID, nil).JSON(t, &detail)
	if row := list.Items[0]; row.DueDate == nil || *row.DueDate != accepted.DueDate || row.Remaining == nil || detail.Remaining == nil || *row.Remaining != *detail.Remaining {
		t.Fatalf("the legal clock on the list row must match the case page: %+v vs %+v", row, detail)
	}
	// The case page gets the graph of the version the case runs.
	if want := apitest.ParallelFlowchart().Edges; len(detail.FlowEdges) != len(want) || detail.FlowEdges[0].From != want[0].From || detail.FlowEdges[0].To != want[0].To {
		t.Fatalf("flow edges: %+v, want %+v", detail.FlowEdges, want)
	}
	var tasks struct {
		Items []struct {
			StepName    string  `json:"step_name"`
			Node        string  `json:"node"`
			DueDate     *string `json:"due_date"`
			CaseDueDate *string `json:"case_due_date"`
		} `json:"items"`
	}
	w.handler.Do("GET", "/api/v1/tasks", nil).JSON(t, &tasks)
	if len(tasks.Items) != 1 || tasks.Items[0].Node != "review" {
		t.Fatalf("handler's tasks: %+v", tasks)
	}
	// A task carries its own last working day and the case's, as the case page does.
	var reviewDue *string
	for _, st := range detail.Steps {
		if st.Node == "review" {
			reviewDue = st.DueDate
		}
	}
	if task := tasks.Items[0]; reviewDue == nil || task.DueDate == nil || *task.DueDate != *reviewDue ||
		task.CaseDueDate == nil || *task.CaseDueDate != accepted.DueDate {
		t.Fatalf("task due dates %v / %v, want %v / %s", task.DueDate, task.CaseDueDate, reviewDue, accepted.DueDate)
	}
	w.zrzy.Do("GET", "/api/v1/tasks", nil).JSON(t, &tasks)
	if len(tasks.Items) != 0 {
		t.Fatalf("zrzy has nothing yet: %+v", tasks)
	}
	// Another county's clerk cannot see or act on it.
	other := w.env.Login("410522", "clerk")
	if r := other.Do("GET", "/api/v1/cases/"+list.Items[0].ID, nil); r.Status != 404 {
		t.Fatalf("another county: %d", r.Status)
	}
	if r := other.Do("POST", "/api/v1/cases/"+list.Items[0].ID+"/refuse", map[string]any{"reason": "x"}); r.Status != 404 {
		t.Fatalf("another county acting: %d", r.Status)
	}
	// The city supervisor reads it but cannot act.
	sup := w.env.Login("410500", "supervisor")
	if r := sup.Do("GET", "/api/v1/cases/"+list.Items[0].ID, nil); r.Status != 200 {
		t.Fatalf("city supervisor read: %d", r.Status)
	}
	if r := sup.Do("POST", "/api/v1/cases/"+list.Items[0].ID+"/deliver", nil); r.Status != 403 {
		t.Fatalf("city supervisor write: %d", r.Status)
	}
	_ = fmt.Sprint()
}

// TestWindowsAPI: the tenant admin opens, changes and staffs windows; every answer
// names the window's tenant and who is authorised there, as the list does.
func TestWindowsAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.env.Login("410581", "admin")
	var depts struct {
		Items []struct {
			ID   string `json:"id"`
			Code string `json:"code"`
		} `json:"items"`
	}
	admin.Do("GET", "/api/v1/departments", nil).JSON(t, &depts)
	var zjj string
	for _, d := range depts.Items {
		if d.Code == "ZJJ" {
			zjj = d.ID
		}
	}
	if zjj == "" {
		t.Fatalf("no ZJJ department: %+v", depts)
	}
	type window struct {
		ID         string   `json:"id"`
		Number     string   `json:"number"`
		Name       string   `json:"name"`
		Active     bool     `json:"active"`
		TenantCode string   `json:"tenant_code"`
		StaffIDs   []string `json:"staff_ids"`
	}
	r := admin.Do("POST", "/api/v1/windows", map[string]any{"number": "B07", "name": "住建专窗", "department_id": zjj})
	var created window
	r.JSON(t, &created)
	if r.Status != 201 || created.TenantCode != "410581" || created.StaffIDs == nil || len(created.StaffIDs) != 0 || !created.Active {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("POST", "/api/v1/windows", map[string]any{"number": "B07", "name": "重复", "department_id": zjj}); r.Status != 409 {
		t.Fatalf("a taken number: %d %s", r.Status, r.Body)
	}
	var clerkID string
	var users struct {
		Items []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"items"`
	}
	admin.Do("GET", "/api/v1/users", nil).JSON(t, &users)
	for _, u := range users.Items {
		if u.Username == "clerk" {
			clerkID = u.ID
		}
	}
	r = admin.Do("PUT", "/api/v1/windows/"+created.ID+"/staff", map[string]any{"user_ids": []string{clerkID}})
	var staffed window
	r.JSON(t, &staffed)
	if r.Status != 200 || staffed.TenantCode != "410581" || len(staffed.StaffIDs) != 1 || staffed.StaffIDs[0] != clerkID {
		t.Fatalf("staff: %d %s", r.Status, r.Body)
	}
	r = admin.Do("PUT", "/api/v1/windows/"+created.ID, map[string]any{"number": "B08", "name": "住建专窗（暂停）", "department_id": zjj, "active": false})
	var changed window
	r.JSON(t, &changed)
	if r.Status != 200 || changed.Number != "B08" || changed.Active || changed.TenantCode != "410581" || len(changed.StaffIDs) != 1 || changed.StaffIDs[0] != clerkID {
		t.Fatalf("update must answer with the window as listed: %d %s", r.Status, r.Body)
	}
	// Another county's admin cannot change it.
	other := w.env.Login("410522", "admin")
	if r := other.Do("PUT", "/api/v1/windows/"+created.ID, map[string]any{"number": "X1", "name": "x", "department_id": zjj}); r.Status != 404 {
		t.Fatalf("another county: %d %s", r.Status, r.Body)
	}
}

// TestStepsAreStoredAtAcceptance: a case shows its flowchart's steps from intake on,
// but stores them only when accepted (its clock starts there); a refused case never
// does. The IDs shown before acceptance are the IDs stored.
func TestStepsAreStoredAtAcceptance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	tn, err := w.env.App.Tenants.ByCode(ctx, "410581")
	if err != nil {
		t.Fatal(err)
	}
	stored := func(caseID string) map[string]string {
		t.Helper()
		var rows []struct {
			ID   uuid.UUID
			Node string
		}
		err := w.env.DB.DB.Tx(ctx, db.TenantScope(tn.ID, uuid.Nil), func(tx *gorm.DB) error {
			return tx.Table("case_steps").Select("id, node").Where("case_id = ?", caseID).Scan(&rows).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range rows {
			out[r.Node] = r.ID.String()
		}
		return out
	}
	nodes := len(apitest.ParallelFlowchart().Steps)
	c := w.intake(t, nil)
	if len(c.Steps) != nodes {
		t.Fatalf("intake shows %d steps, want the flowchart's %d", len(c.Steps), nodes)
	}
	for _, st := range c.Steps {
		if st.Status != "pending" || st.DueDate != "" || st.ID != casework.StepID(uuid.MustParse(c.ID), st.Node).String() {
			t.Fatalf("planned step: %+v", st)
		}
	}
	if n := len(stored(c.ID)); n != 0 {
		t.Fatalf("a submitted case stores no steps, found %d", n)
	}
	var page caseBody
	w.clerk.Do("GET", "/api/v1/cases/"+c.ID, nil).JSON(t, &page)
	for i := range c.Steps {
		if page.Steps[i].ID != c.Steps[i].ID || page.Steps[i].Node != c.Steps[i].Node {
			t.Fatalf("the case page shows other steps than intake: %+v vs %+v", page.Steps, c.Steps)
		}
	}
	refused := w.intake(t, nil)
	w.do(t, w.clerk, "/api/v1/cases/"+refused.ID+"/refuse", map[string]any{"reason": "不属于本机关职权范围"}, 200)
	if n := len(stored(refused.ID)); n != 0 {
		t.Fatalf("a refused case stores no steps, found %d", n)
	}
	accepted := w.do(t, w.clerk, "/api/v1/cases/"+c.ID+"/accept", nil, 200)
	rows := stored(c.ID)
	if len(rows) != nodes {
		t.Fatalf("acceptance stores every step: %d of %d", len(rows), nodes)
	}
	for _, st := range accepted.Steps {
		if rows[st.Node] != st.ID || st.ID != stepID(c, st.Node) {
			t.Fatalf("step %s stored as %s, shown as %s before acceptance", st.Node, rows[st.Node], stepID(c, st.Node))
		}
	}
	if status, due := accepted.step("review"); status != "active" || due == "" {
		t.Fatalf("review after acceptance: %s due %q", status, due)
	}
}

// TestRefusedIntakesDrawNoTrackingNumber: the tracking number is drawn only once an
// application is admitted, so refused intakes (an unknown window, an unknown material,
// an unknown project) leave no gap between the numbers of the cases around them.
func TestRefusedIntakesDrawNoTrackingNumber(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	seq := func(c caseBody) int {
		n, err := strconv.Atoi(c.TrackingNo[len(c.TrackingNo)-6:])
		if err != nil {
			t.Fatalf("tracking number %q", c.TrackingNo)
		}
		return n
	}
	first := w.intake(t, nil)
	for _, extra := range []map[string]any{
		{"window_id": uuid.New()},
		{"materials": []map[string]any{{"name": "户口本", "provided": true}}},
		{"project_id": uuid.New()},
	} {
		body := map[string]any{"power_id": w.power, "window_id": w.window, "channel": "window", "applicant": person(rand.New(rand.NewPCG(1, 2)))}
		for k, v := range extra {
			body[k] = v
		}
		if r := w.clerk.Do("POST", "/api/v1/cases", body); r.Status != 422 {
			t.Fatalf("%v: %d %s", extra, r.Status, r.Body)
		}
	}
	next := w.intake(t, nil)
	if seq(next) != seq(first)+1 {
		t.Fatalf("refused intakes used tracking numbers: %s then %s", first.TrackingNo, next.TrackingNo)
	}
}

// TestCasePageCarriesWhoCompletedAStep: the case page reads its steps through row
// types of its own, so a column the API hides (a step's completed_by) still reaches
// the service's callers.
func TestCasePageCarriesWhoCompletedAStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.intake(t, nil)
	base := "/api/v1/cases/" + c.ID
	w.do(t, w.clerk, base+"/accept", nil, 200)
	w.do(t, w.handler, base+"/steps/review/complete", map[string]any{"opinion": "材料齐全"}, 200)
	ctx := context.Background()
	ten, err := w.env.App.Tenants.ByCode(ctx, "410581")
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.env.App.Casework.Get(ctx, db.TenantScope(ten.ID, uuid.Nil), uuid.MustParse(c.ID))
	if err != nil {
		t.Fatal(err)
	}
	var handler uuid.UUID
	if err := w.env.App.DB.Tx(ctx, db.TenantScope(ten.ID, uuid.Nil), func(tx *gorm.DB) error {
		return tx.Raw(`SELECT id FROM users WHERE username = 'handler' AND tenant_id = ?`, ten.ID).Row().Scan(&handler)
	}); err != nil {
		t.Fatal(err)
	}
	for _, st := range d.Steps {
		if st.Node != "review" {
			continue
		}
		if st.CompletedBy == nil || *st.CompletedBy != handler || st.CompletedByName == "" {
			t.Fatalf("review step: completed by %v (%q), want %s", st.CompletedBy, st.CompletedByName, handler)
		}
		if st.TenantID != ten.ID {
			t.Fatalf("review step: tenant %s, want %s", st.TenantID, ten.ID)
		}
		return
	}
	t.Fatal("no review step")
}
