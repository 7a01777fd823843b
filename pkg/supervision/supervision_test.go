package supervision_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/apitest"
	"sunshine/pkg/calendar"
	"sunshine/pkg/idcheck"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/queue"
	"sunshine/pkg/supervision"
)

var sh = calendar.Location()

type world struct {
	env     *apitest.Env
	power   uuid.UUID
	window  uuid.UUID
	clerk   *apitest.Client
	handler *apitest.Client
	head    *apitest.Client
	zrzy    *apitest.Client
	sthj    *apitest.Client
}

func newWorld(t *testing.T, opts ...apitest.Options) *world {
	t.Helper()
	env := apitest.New(t, opts...)
	env.Clock.Set(time.Date(2026, 9, 28, 10, 0, 0, 0, sh))
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

var rng = rand.New(rand.NewPCG(3, 4))

func (w *world) accepted(t *testing.T) string {
	t.Helper()
	id := idcheck.GenerateResidentID(rng, "410581", time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC), false)
	r := w.clerk.Do("POST", "/api/v1/cases", map[string]any{"power_id": w.power, "window_id": w.window, "channel": "window",
		"applicant": map[string]any{"type": "person", "name": "赵六", "id_number": id},
		"materials": []map[string]any{{"name": "申请书", "provided": true}, {"name": "营业执照", "provided": true}}})
	if r.Status != 201 {
		t.Fatalf("intake: %d %s", r.Status, r.Body)
	}
	var c struct{ ID string }
	r.JSON(t, &c)
	w.post(t, w.clerk, "/api/v1/cases/"+c.ID+"/accept", nil, 200)
	return c.ID
}

func (w *world) post(t *testing.T, c *apitest.Client, path string, body any, want int) *apitest.Response {
	t.Helper()
	r := c.Do("POST", path, body)
	if r.Status != want {
		t.Fatalf("POST %s: want %d, got %d %s", path, want, r.Status, r.Body)
	}
	return r
}

type card struct {
	ID         string `json:"id"`
	Level      string `json:"level"`
	Rule       string `json:"rule"`
	Status     string `json:"status"`
	TenantCode string `json:"tenant_code"`
	CaseID     string `json:"case_id"`
	DeptName   string `json:"department_name"`
	// Allowed are the caller's allowed_actions.
	Allowed []string `json:"allowed_actions"`
}

func (w *world) cards(t *testing.T, c *apitest.Client, query string) []card {
	t.Helper()
	var out struct{ Items []card }
	r := c.Do("GET", "/api/v1/supervision/cards?"+query, nil)
	if r.Status != 200 {
		t.Fatalf("cards: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &out)
	return out.Items
}

func (w *world) sweep(t *testing.T) supervision.SweepReport {
	t.Helper()
	rep, err := w.env.App.Supervision.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func rules(cs []card) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[c.Rule+"/"+c.Status]++
	}
	return m
}

// TestLadderFollowsTheCase drives a case through the clock with a fake clock and the
// sweep: a step overrun, the reminder on the last day, the yellow card, the red card
// after the finish-by date, notifications, the overview, and resolution at the end.
func TestLadderFollowsTheCase(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.accepted(t)
	sup := w.env.Login("410581", "supervisor")
	city := w.env.Login("410500", "supervisor")

	// The review step (2 working days) ends 09-30; on 10-01 it has overrun.
	w.env.Clock.Set(time.Date(2026, 10, 1, 0, 0, 1, 0, sh))
	if rep := w.sweep(t); rep.Cards != 1 {
		t.Fatalf("one step card expected: %+v", rep)
	}
	if got := rules(w.cards(t, sup, "")); got["step_overrun/active"] != 1 || len(got) != 1 {
		t.Fatalf("cards: %v", got)
	}
	// Completing the step resolves its card at once (the casework hook).
	w.env.Clock.Set(time.Date(2026, 10, 8, 9, 0, 0, 0, sh))
	base := "/api/v1/cases/" + id
	w.post(t, w.handler, base+"/steps/review/complete", map[string]any{"opinion": "ok"}, 200)
	if got := rules(w.cards(t, sup, "")); got["step_overrun/resolved"] != 1 {
		t.Fatalf("resolution: %v", got)
	}
	for _, p := range []struct {
		c    *apitest.Client
		node string
	}{{w.handler, "zjj"}, {w.zrzy, "zrzy"}, {w.sthj, "sthj"}} {
		w.post(t, p.c, base+"/steps/"+p.node+"/complete", map[string]any{"opinion": "ok"}, 200)
	}
	// Due 10-15 (9 working days from 09-28): the reminder comes at the start of 10-15.
	w.env.Clock.Set(time.Date(2026, 10, 14, 23, 0, 0, 0, sh))
	w.sweep(t)
	if got := rules(w.cards(t, sup, "status=open")); got["case_reminder/active"] != 0 {
		t.Fatalf("no reminder before the last day: %v", got)
	}
	w.env.Clock.Set(time.Date(2026, 10, 15, 0, 0, 1, 0, sh))
	w.sweep(t)
	got := rules(w.cards(t, sup, "status=open"))
	// The decision step (2 days from 10-08) ended 10-12: it has overrun too.
	if got["case_reminder/active"] != 1 || got["step_overrun/active"] != 1 {
		t.Fatalf("on the last day: %v", got)
	}
	w.env.Clock.Set(time.Date(2026, 10, 16, 0, 0, 1, 0, sh))
	w.sweep(t)
	if rep := w.sweep(t); rep.Cards != 0 {
		t.Fatalf("a second sweep must create nothing: %+v", rep)
	}
	if got := rules(w.cards(t, sup, "level=yellow")); got["case_overdue/active"] != 1 {
		t.Fatalf("yellow: %v", got)
	}
	// Finish-by: 10-16, 10-19, 10-20; red from 10-21.
	w.env.Clock.Set(time.Date(2026, 10, 20, 23, 0, 0, 0, sh))
	w.sweep(t)
	if got := rules(w.cards(t, sup, "level=red")); len(got) != 0 {
		t.Fatalf("no red card before the finish-by date passes: %v", got)
	}
	w.env.Clock.Set(time.Date(2026, 10, 21, 0, 0, 1, 0, sh))
	w.sweep(t)
	if got := rules(w.cards(t, city, "tenant=410581&level=red")); got["case_red/active"] != 1 {
		t.Fatalf("the city sees the red card: %v", got)
	}
	// Notifications: the department's handler and the city's supervisor (red card).
	var inbox struct {
		Items  []struct{ Kind, Title string }
		Unread int
	}
	w.handler.Do("GET", "/api/v1/notifications", nil).JSON(t, &inbox)
	if inbox.Unread < 3 {
		t.Fatalf("handler inbox: %+v", inbox)
	}
	city.Do("GET", "/api/v1/notifications", nil).JSON(t, &inbox)
	if inbox.Unread != 1 || inbox.Items[0].Kind != "card.red" {
		t.Fatalf("city supervisor inbox: %+v", inbox)
	}
	// Every inbox entry, in the county and the city alike, has exactly one delivery
	// row per outside channel (none configured in tests) and no entry is doubled.
	{
		ctx := context.Background()
		conn := connect(t, w.env.DB.OwnerURL)
		var notes, odd, dup int
		if err := conn.QueryRow(ctx, `SELECT count(*),
				count(*) FILTER (WHERE (SELECT count(*) FROM notification_deliveries d WHERE d.notification_id = n.id
					AND d.tenant_id = n.tenant_id AND d.status = 'not_configured') <> 2
					OR NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_id = n.id AND d.channel = 'email')
					OR NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_id = n.id AND d.channel = 'sms')),
				count(*) - count(DISTINCT (n.tenant_id, n.user_id, n.dedupe_key))
			FROM notifications n`).Scan(&notes, &odd, &dup); err != nil {
			t.Fatal(err)
		}
		if notes < 4 || odd != 0 || dup != 0 {
			t.Fatalf("notifications %d, with wrong deliveries %d, doubled %d", notes, odd, dup)
		}
	}
	var ov struct {
		Tenants []struct {
			Code   string
			Counts struct{ Reminder, Yellow, Red int }
		}
		Totals struct{ Total int }
		Oldest []card
	}
	city.Do("GET", "/api/v1/supervision/overview", nil).JSON(t, &ov)
	if len(ov.Oldest) == 0 || ov.Oldest[0].TenantCode != "410581" || ov.Oldest[0].DeptName == "" {
		t.Fatalf("the oldest cards name their region and department: %+v", ov.Oldest)
	}
	for _, tc := range ov.Tenants {
		// The red card superseded the case's yellow card, which had superseded its
		// reminder; the decision step's yellow card is another matter and stays.
		if tc.Code == "410581" && (tc.Counts.Red != 1 || tc.Counts.Yellow != 1 || tc.Counts.Reminder != 0) {
			t.Fatalf("overview of 410581: %+v", tc)
		}
	}
	if len(ov.Tenants) != 10 {
		t.Fatalf("the city overview lists every tenant: %d", len(ov.Tenants))
	}
	// The work finishes: every card is resolved.
	w.post(t, w.head, base+"/steps/decide/complete", map[string]any{"opinion": "ok"}, 200)
	w.post(t, w.head, base+"/decide", map[string]any{"result": "approve", "certificate_no": "X1"}, 200)
	for _, c := range w.cards(t, sup, "") {
		if c.Status != "resolved" {
			t.Fatalf("card %s still %s after the decision", c.Rule, c.Status)
		}
	}
}

// connect opens a direct connection (as the owner or the application role), closed
// when the test ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// overdueCase makes a case with a yellow card.
func (w *world) overdueCase(t *testing.T) (string, card) {
	t.Helper()
	id := w.accepted(t)
	w.env.Clock.Set(time.Date(2026, 10, 16, 0, 0, 1, 0, sh))
	w.sweep(t)
	for _, c := range w.cards(t, w.env.Login("410581", "supervisor"), "level=yellow&case="+id) {
		if c.Rule == "case_overdue" {
			if c.TenantCode != "410581" || c.DeptName == "" {
				t.Fatalf("a card names its region and department: %+v", c)
			}
			return id, c
		}
	}
	t.Fatal("no yellow card")
	return "", card{}
}

func TestAppealDecideCancelAndTheDatabaseGuard(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, yellow := w.overdueCase(t)
	path := "/api/v1/supervision/cards/" + yellow.ID
	sup := w.env.Login("410581", "supervisor")
	// Each reader is offered exactly what it may do: the supervised department appeals,
	// the supervisor cancels, another department nothing.
	offered := func(c *apitest.Client, want ...string) {
		t.Helper()
		var got card
		if r := c.Do("GET", path, nil); r.Status != 200 {
			t.Fatalf("GET card: %d %s", r.Status, r.Body)
		} else {
			r.JSON(t, &got)
		}
		if strings.Join(got.Allowed, ",") != strings.Join(want, ",") {
			t.Fatalf("allowed_actions on a %s card: want %v, got %v", got.Status, want, got.Allowed)
		}
	}
	offered(w.head, "appeal")
	offered(sup, "cancel")
	if yellow.Allowed == nil || len(yellow.Allowed) != 1 || yellow.Allowed[0] != "cancel" {
		t.Fatalf("the list carries allowed_actions too: %v", yellow.Allowed)
	}
	// Another department cannot appeal; the supervisor does not appeal.
	w.post(t, w.zrzy, path+"/appeal", map[string]any{"reason": "x"}, 403)
	w.post(t, w.head, path+"/appeal", map[string]any{"reason": ""}, 422)
	w.post(t, w.head, path+"/appeal", map[string]any{"reason": "申请人补充材料延误"}, 200)
	if p := w.post(t, w.head, path+"/appeal", map[string]any{"reason": "again"}, 409).Problem(t); p.Code != "supervision.illegal_transition" || p.Extra["status"] != "appealed" || p.Extra["action"] != "appeal" {
		t.Fatalf("a second appeal names the state: %+v", p)
	}
	offered(w.head)
	offered(sup, "decide_appeal", "cancel")
	// The department cannot decide its own appeal or cancel.
	w.post(t, w.head, path+"/decide-appeal", map[string]any{"accept": true, "reason": "x"}, 403)
	w.post(t, w.head, path+"/cancel", map[string]any{"reason": "x"}, 403)
	// Another county's supervisor cannot see it.
	w.post(t, w.env.Login("410522", "supervisor"), path+"/cancel", map[string]any{"reason": "x"}, 404)
	var c card
	w.post(t, sup, path+"/decide-appeal", map[string]any{"accept": false, "reason": "理由不成立"}, 200).JSON(t, &c)
	if c.Status != "active" {
		t.Fatalf("a rejected appeal leaves the card active: %s", c.Status)
	}
	// The city's supervisor (right level too) cancels it.
	w.post(t, w.env.Login("410500", "supervisor"), path+"/cancel", map[string]any{"reason": "经核实系系统故障"}, 200).JSON(t, &c)
	if c.Status != "cancelled" {
		t.Fatal(c.Status)
	}
	w.post(t, sup, path+"/cancel", map[string]any{"reason": "again"}, 409)
	offered(sup)
	offered(w.head)

	// The database refuses the supervised application role everything a card must never
	// suffer: deletion, rewriting its facts, deciding its fate without the supervisor mark.
	ctx := context.Background()
	conn := connect(t, w.env.DB.AppURL)
	t581, _ := w.env.App.Tenants.ByCode(ctx, "410581")
	var other card
	for _, x := range w.cards(t, sup, "status=active") {
		other = x
	}
	if other.ID == "" {
		t.Fatal("need an active card")
	}
	for _, stmt := range []string{
		`DELETE FROM supervision_cards WHERE id = '` + other.ID + `'`,
		`UPDATE supervision_cards SET level = 'reminder' WHERE id = '` + other.ID + `'`,
		`UPDATE supervision_cards SET reason = '已整改' WHERE id = '` + other.ID + `'`,
		`UPDATE supervision_cards SET status = 'cancelled' WHERE id = '` + other.ID + `'`,
	} {
		tx, _ := conn.Begin(ctx)
		_, _ = tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true), set_config('app.read_tenants', $2, true)`, t581.ID.String(), "{"+t581.ID.String()+"}")
		_, err := tx.Exec(ctx, stmt)
		_ = tx.Rollback(ctx)
		if err == nil {
			t.Errorf("%s: the database must refuse", stmt)
		}
	}
}

func TestNoticesAndEscalation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	caseID, yellow := w.overdueCase(t)
	var depts struct {
		Items []struct{ ID, Code string }
	}
	w.head.Do("GET", "/api/v1/departments", nil).JSON(t, &depts)
	zjj := ""
	for _, d := range depts.Items {
		if d.Code == "ZJJ" {
			zjj = d.ID
		}
	}
	city := w.env.Login("410500", "supervisor")
	// The city supervisor sends a notice about the case to the county's department.
	var n struct {
		ID         string    `json:"id"`
		TenantCode string    `json:"tenant_code"`
		ReplyDueAt time.Time `json:"reply_due_at"`
	}
	r := w.post(t, city, "/api/v1/supervision/notices", map[string]any{"case_id": caseID, "department_id": zjj, "text": "请于两个工作日内说明超期原因并办结。", "reply_working_days": 2}, 201)
	r.JSON(t, &n)
	if n.TenantCode != "410581" {
		t.Fatalf("the notice lives in the county: %+v", n)
	}
	// Both the sender and the department can see it; the department head replies.
	var list struct {
		Items []struct {
			ID, Status string
			Allowed    []string `json:"allowed_actions"`
		}
	}
	w.head.Do("GET", "/api/v1/supervision/notices", nil).JSON(t, &list)
	if len(list.Items) != 1 || strings.Join(list.Items[0].Allowed, ",") != "reply" {
		t.Fatalf("the department sees its notice, which it may answer: %+v", list)
	}
	var sent struct {
		Items []struct {
			Allowed []string `json:"allowed_actions"`
		}
	}
	city.Do("GET", "/api/v1/supervision/notices?tenant=410581", nil).JSON(t, &sent)
	if len(sent.Items) != 1 || sent.Items[0].Allowed == nil || len(sent.Items[0].Allowed) != 0 {
		t.Fatalf("the sender may not answer its own notice: %+v", sent)
	}
	w.post(t, w.zrzy, "/api/v1/supervision/notices/"+list.Items[0].ID+"/reply", map[string]any{"text": "x"}, 403)
	var replied struct {
		Status         string     `json:"status"`
		RepliedAt      *time.Time `json:"replied_at"`
		DepartmentName string     `json:"department_name"`
		Allowed        []string   `json:"allowed_actions"`
	}
	w.post(t, w.head, "/api/v1/supervision/notices/"+list.Items[0].ID+"/reply", map[string]any{"text": "已督促承办人，今日办结。"}, 200).JSON(t, &replied)
	if replied.Status != "replied" || replied.RepliedAt == nil || replied.DepartmentName == "" || replied.Allowed == nil || len(replied.Allowed) != 0 {
		t.Fatalf("the reply answers with the notice as it now is: %+v", replied)
	}
	// The sender hears of the reply in their own inbox, stamped on the platform clock.
	var senderInbox struct {
		Items []struct {
			Kind      string    `json:"kind"`
			Body      string    `json:"body"`
			Link      string    `json:"link"`
			CreatedAt time.Time `json:"created_at"`
		} `json:"items"`
		Total  int `json:"total"`
		Unread int `json:"unread"`
	}
	city.Do("GET", "/api/v1/notifications", nil).JSON(t, &senderInbox)
	if len(senderInbox.Items) == 0 || senderInbox.Items[0].Kind != "notice_reply" || senderInbox.Items[0].Body != "已督促承办人，今日办结。" ||
		senderInbox.Items[0].Link != "/supervision/notices/"+n.ID || !senderInbox.Items[0].CreatedAt.Equal(w.env.Clock.Now()) {
		t.Fatalf("the sender's inbox: %+v", senderInbox)
	}
	if senderInbox.Total != len(senderInbox.Items) || senderInbox.Unread < 1 {
		t.Fatalf("inbox counts: %+v", senderInbox)
	}
	city.Do("GET", "/api/v1/notifications?limit=1", nil).JSON(t, &senderInbox)
	if len(senderInbox.Items) != 1 || senderInbox.Total < 1 {
		t.Fatalf("the total counts the whole inbox, not the page: %+v", senderInbox)
	}
	if r := city.Do("GET", "/api/v1/notifications?limit=abc", nil); r.Status != 400 {
		t.Fatalf("a bad limit: %d", r.Status)
	}
	// Paging past the newest: offset counts from the newest, the total stays the whole inbox.
	whole := senderInbox.Total
	city.Do("GET", fmt.Sprintf("/api/v1/notifications?limit=1&offset=%d", whole-1), nil).JSON(t, &senderInbox)
	if len(senderInbox.Items) != 1 || senderInbox.Total != whole {
		t.Fatalf("the oldest entry by offset: %+v", senderInbox)
	}
	city.Do("GET", fmt.Sprintf("/api/v1/notifications?offset=%d", whole), nil).JSON(t, &senderInbox)
	if len(senderInbox.Items) != 0 || senderInbox.Total != whole {
		t.Fatalf("past the end: %+v", senderInbox)
	}
	if r := city.Do("GET", "/api/v1/notifications?offset=-1", nil); r.Status != 400 {
		t.Fatalf("a negative offset: %d", r.Status)
	}
	// A county supervisor's notice about the card goes unanswered and escalates; it is
	// about the card's case too.
	sup := w.env.Login("410581", "supervisor")
	var fromCard struct {
		CaseID         *string `json:"case_id"`
		DepartmentName string  `json:"department_name"`
	}
	w.post(t, sup, "/api/v1/supervision/notices", map[string]any{"card_id": yellow.ID, "department_id": zjj, "text": "黄牌督办", "reply_working_days": 1}, 201).JSON(t, &fromCard)
	if fromCard.CaseID == nil || *fromCard.CaseID != caseID || fromCard.DepartmentName == "" {
		t.Fatalf("a notice from a card: %+v", fromCard)
	}
	// Nobody may notice a department of another county about this case.
	var other struct{ Items []struct{ ID string } }
	w.env.Login("410522", "admin").Do("GET", "/api/v1/departments", nil).JSON(t, &other)
	w.post(t, city, "/api/v1/supervision/notices", map[string]any{"case_id": caseID, "department_id": other.Items[0].ID, "text": "x"}, 422)
	w.env.Clock.Set(time.Date(2026, 10, 20, 0, 0, 1, 0, sh)) // sent Friday 10-16: reply due by the end of Monday 10-19
	if rep := w.sweep(t); rep.Escalated != 1 {
		t.Fatalf("escalation: %+v", rep)
	}
	if got := rules(w.cards(t, city, "tenant=410581&rule=notice_unanswered")); got["notice_unanswered/active"] != 1 {
		t.Fatalf("escalated card: %v", got)
	}
	var inbox struct {
		Items []struct{ Kind, Title string }
	}
	city.Do("GET", "/api/v1/notifications", nil).JSON(t, &inbox)
	found := false
	for _, it := range inbox.Items {
		found = found || strings.Contains(it.Title, "督办单逾期未回复")
	}
	if !found {
		t.Fatalf("the city hears of the escalation: %+v", inbox)
	}
	// The in-app channel works; email and SMS say they are not configured.
	var ch struct{ Channels map[string]string }
	w.head.Do("GET", "/api/v1/notifications/channels", nil).JSON(t, &ch)
	if ch.Channels["inapp"] != "configured" || ch.Channels["email"] != "not_configured" || ch.Channels["sms"] != "not_configured" {
		t.Fatal(ch)
	}
}

// TestAlarmsAndRedisWipe: accepting a case arms its alarms in Redis under
// deterministic IDs; an extension cancels them and arms new ones; wiping Redis loses
// nothing, because the sweep derives the cards from PostgreSQL.
func TestAlarmsAndRedisWipe(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{Redis: true})
	id := w.accepted(t)
	ctx := context.Background()
	conn := connect(t, w.env.DB.OwnerURL)
	alarms := func() []string {
		var ids []string
		t581, _ := w.env.App.Tenants.ByCode(ctx, "410581")
		rows, _ := conn.Query(ctx, `SELECT task_id FROM supervision_alarms WHERE tenant_id = $1 AND case_id = $2 ORDER BY task_id`, t581.ID, uuid.MustParse(id))
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			ids = append(ids, s)
		}
		return ids
	}
	before := alarms()
	if len(before) != 3 { // reminder, yellow, the review step's overrun
		t.Fatalf("armed: %v", before)
	}
	insp := w.env.App.Queue.Inspector()
	for _, tid := range before {
		if _, err := insp.GetTaskInfo("critical", tid); err != nil {
			t.Fatalf("task %s not scheduled in Redis: %v", tid, err)
		}
	}
	w.post(t, w.head, "/api/v1/cases/"+id+"/extend", map[string]any{"reason": "现场勘验"}, 200)
	after := alarms()
	for _, tid := range before {
		if strings.Contains(tid, ":case_") {
			if _, err := insp.GetTaskInfo("critical", tid); err == nil {
				t.Errorf("the old alarm %s must be cancelled", tid)
			}
		}
	}
	if len(after) != 3 || after[0] == before[0] && after[1] == before[1] {
		t.Fatalf("re-armed: %v → %v", before, after)
	}
	// Redis loses everything; the deadline passes; the sweep restores the cards.
	w.env.FlushRedis()
	w.env.Clock.Set(time.Date(2026, 11, 5, 0, 0, 1, 0, sh))
	w.sweep(t)
	got := rules(w.cards(t, w.env.Login("410581", "supervisor"), ""))
	// Past the finish-by date too: the red card, which supersedes the yellow one.
	if got["case_red/active"] != 1 || got["case_overdue/resolved"] != 1 || got["step_overrun/active"] != 1 {
		t.Fatalf("after FLUSHALL: %v", got)
	}
}

// TestKillTheWorkerMidBurst: many cards fall due at once; a worker is stopped in the
// middle of the burst; a second worker and the sweep finish — no card is lost and
// none is created twice.
func TestKillTheWorkerMidBurst(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{Redis: true})
	const n = 30
	ids := make([]string, n)
	for i := range ids {
		ids[i] = w.accepted(t)
	}
	w.env.Clock.Set(time.Date(2026, 10, 16, 0, 0, 1, 0, sh))
	ctx := context.Background()
	t581, _ := w.env.App.Tenants.ByCode(ctx, "410581")
	opt := w.env.App.Redis
	client := w.env.App.Queue
	for _, id := range ids {
		p := supervision.CheckPayload{Scope: queue.Scope{TenantID: t581.ID, TenantCode: t581.Code}, CaseID: uuid.MustParse(id)}
		// Twice each: a duplicate alarm must not duplicate the card.
		for k := 0; k < 2; k++ {
			if err := client.EnqueueIn(ctx, asynq.NewTask(supervision.TypeCheck, queue.Payload(p)), "critical"); err != nil {
				t.Fatal(err)
			}
		}
	}
	start := func() *asynq.Server {
		srv := queue.NewServer(opt, queue.WorkerConfig{Concurrency: 4, Weights: map[string]int{"critical": 6, "default": 3, "low": 1}, ShutdownTimeout: time.Millisecond}, logging.Discard())
		if err := srv.Start(w.env.Registry.Mux(logging.Discard(), nil)); err != nil {
			t.Fatal(err)
		}
		return srv
	}
	first := start()
	count := func() int {
		var total int
		for _, c := range w.cards(t, w.env.Login("410581", "supervisor"), "rule=case_overdue&page_size=200") {
			_ = c
			total++
		}
		return total
	}
	deadline := time.Now().Add(20 * time.Second)
	for count() < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	first.Shutdown() // the worker dies with tasks in flight (1 ms to finish)
	second := start()
	defer second.Shutdown()
	w.sweep(t)
	deadline = time.Now().Add(30 * time.Second)
	for count() < n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cs := w.cards(t, w.env.Login("410581", "supervisor"), "rule=case_overdue&page_size=200")
	seen := map[string]int{}
	for _, c := range cs {
		seen[c.CaseID]++
	}
	if len(cs) != n || len(seen) != n {
		t.Fatalf("%d cards for %d cases (want exactly one each)", len(cs), len(seen))
	}
}

// TestLiveStream: a supervisor's dashboard stream receives a new card within two
// seconds, and only cards within its scope.
func TestLiveStream(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{Redis: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = w.env.Server.App().Listener(ln) }()
	t.Cleanup(func() { _ = w.env.Server.App().ShutdownWithTimeout(time.Second) })
	open := func(c *apitest.Client) (<-chan string, func()) {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/v1/supervision/stream", nil)
		req.Header.Set("Authorization", "Bearer "+c.Token())
		ctx, cancel := context.WithCancel(context.Background())
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("stream: %v %v", err, resp)
		}
		lines := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the stream to be established (and the bus subscribed).
		for l := range lines {
			if strings.Contains(l, "connected") {
				break
			}
		}
		return lines, cancel
	}
	cityLines, stopCity := open(w.env.Login("410500", "supervisor"))
	defer stopCity()
	otherLines, stopOther := open(w.env.Login("410522", "supervisor"))
	defer stopOther()
	w.accepted(t)
	w.env.Clock.Set(time.Date(2026, 10, 16, 0, 0, 1, 0, sh))
	started := time.Now()
	w.sweep(t)
	got := ""
	timeout := time.After(2 * time.Second)
	for got == "" {
		select {
		case l := <-cityLines:
			if strings.HasPrefix(l, "data: ") && strings.Contains(l, `"case_overdue"`) {
				got = l
			}
		case <-timeout:
			t.Fatal("no card on the city stream within 2 s")
		}
	}
	var ev struct {
		Type string
		Card struct {
			TenantCode string `json:"tenant_code"`
			Level      string
		}
	}
	_ = json.Unmarshal([]byte(strings.TrimPrefix(got, "data: ")), &ev)
	if ev.Type != "card.created" || ev.Card.TenantCode != "410581" || ev.Card.Level != "yellow" {
		t.Fatalf("event: %s", got)
	}
	t.Logf("card on the stream %v after the sweep began", time.Since(started))
	select {
	case l := <-otherLines:
		if strings.HasPrefix(l, "data: ") {
			t.Fatalf("another county's supervisor must not see 410581's cards: %s", l)
		}
	case <-time.After(300 * time.Millisecond):
	}
	_ = broker.WaitTCP
	_ = sync.Mutex{}
}

// TestRedisRestartedUnderLoad: Redis goes away while clerks take in and accept cases,
// and comes back empty. Intake and acceptance keep answering (the alarms they could not
// arm are logged, the rate limiter counts in memory), and once the deadlines pass the
// sweep gives every case its cards from PostgreSQL.
func TestRedisRestartedUnderLoad(t *testing.T) {
	t.Parallel()
	e, err := broker.StartEmbedded("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := e.Addr()
	t.Cleanup(func() { e.Close() })
	w := newWorld(t, apitest.Options{RedisServer: e})
	before := w.accepted(t)
	e.Close()
	var during []string
	for i := 0; i < 5; i++ {
		during = append(during, w.accepted(t)) // fails the test on anything but 201/200
	}
	if r := w.env.Anonymous().Do("GET", "/api/v1/public/410581/cases/x?code=0000000000", nil); r.Status != 404 {
		t.Fatalf("a public lookup without Redis: %d", r.Status)
	}
	e2, err := broker.StartEmbedded(addr) // back, with nothing in it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e2.Close() })
	after := w.accepted(t)
	w.env.Clock.Set(time.Date(2026, 11, 5, 0, 0, 1, 0, sh))
	w.sweep(t)
	byCase := map[string]int{}
	for _, c := range w.cards(t, w.env.Login("410581", "supervisor"), "rule=case_overdue&page_size=200") {
		byCase[c.CaseID]++
	}
	for _, id := range append(append([]string{before}, during...), after) {
		if byCase[id] != 1 {
			t.Errorf("case %s: %d overdue cards after the sweep, want 1 (%v)", id, byCase[id], byCase)
		}
	}
}
