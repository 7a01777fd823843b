package appraisal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/apitest"
	"sunshine/pkg/calendar"
)

// fixture writes facts straight into casework's, supervision's and the catalogue's
// tables as their owner (the facts an appraisal reads, exactly as the test needs
// them), then lets the appraisal read them through its read ports as the application.
type fixture struct {
	t    *testing.T
	env  *apitest.Env
	conn *pgx.Conn
	seq  int
}

func newFixture(t *testing.T, env *apitest.Env) *fixture {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), env.DB.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return &fixture{t: t, env: env, conn: conn}
}

var sh = calendar.Location()

// at is a Shanghai instant "2026-10-12 10:00".
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, sh)
	if err != nil {
		panic(err)
	}
	return t
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.conn.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
}

func (f *fixture) tenant(code string) uuid.UUID {
	f.t.Helper()
	t, err := f.env.App.Tenants.ByCode(context.Background(), code)
	if err != nil {
		f.t.Fatal(err)
	}
	return t.ID
}

func (f *fixture) dept(tenantCode, code string) uuid.UUID {
	f.t.Helper()
	var id uuid.UUID
	if err := f.conn.QueryRow(context.Background(), `SELECT id FROM departments WHERE tenant_id = $1 AND code = $2`, f.tenant(tenantCode), code).Scan(&id); err != nil {
		f.t.Fatalf("department %s/%s: %v", tenantCode, code, err)
	}
	return id
}

// item is a filed power item of a department (the department is then ranked).
type item struct {
	tenant, dept, power, version uuid.UUID
	legal                        int
}

func (f *fixture) item(tenantCode, deptCode string, legal, promised int) item {
	f.t.Helper()
	f.seq++
	it := item{tenant: f.tenant(tenantCode), dept: f.dept(tenantCode, deptCode), power: uuid.New(), version: uuid.New(), legal: legal}
	code := fmt.Sprintf("FX-%03d", f.seq)
	pub := at("2026-01-05 09:00")
	f.exec(`BEGIN`)
	f.exec(`INSERT INTO powers (id, tenant_id, code, department_id, name, category, status, latest_version_id, latest_number, in_force_version_id, public_version_id)
		VALUES ($1, $2, $3, $4, $5, '行政许可', 'filed', $6, 1, $6, $6)`, it.power, it.tenant, code, it.dept, "事项"+code, it.version)
	f.exec(`INSERT INTO power_versions (id, tenant_id, power_id, number, status, code, name, category, department_id, handling_type, legal_limit,
			promised_limit, published_at, filing_due_at, filed_at)
		VALUES ($1, $2, $3, 1, 'filed', $4, $5, '行政许可', $6, 'promise', $7, $8, $9, $9, $9)`,
		it.version, it.tenant, it.power, code, "事项"+code, it.dept, legal, promised, pub)
	f.exec(`COMMIT`)
	return it
}

// kase is a case of an item; decided (nil: undecided) and the due day.
type kase struct {
	received  string
	decided   string
	due       string // due day (the limit ends at the end of it)
	limit     int
	channel   string
	deemed    bool
	completed bool
}

func (f *fixture) kase(it item, k kase) uuid.UUID {
	f.t.Helper()
	f.seq++
	id := uuid.New()
	channel := k.channel
	if channel == "" {
		channel = "window"
	}
	status := "in_progress"
	var decided any
	if k.decided != "" {
		decided, status = at(k.decided), "approved"
	}
	var dueDate, dueAt any
	if k.due != "" {
		d, _ := calendar.ParseDate(k.due)
		dueDate, dueAt = d.String(), d.End()
	}
	f.exec(`INSERT INTO cases (id, tenant_id, tracking_no, power_id, version_id, power_name, department_id, channel, applicant_type,
			applicant_name, applicant_id_number, applicant_id_last4, status, received_at, accepted_at, deemed_accepted, limit_days, due_date, due_at, decided_at)
		VALUES ($1, $2, $3, $4, $5, '测试事项', $6, $7, 'person', '张三', '11010519491231002X', '002X', $8, $9, $9, $10, $11, $12, $13, $14)`,
		id, it.tenant, fmt.Sprintf("FX%08d", f.seq), it.power, it.version, it.dept, channel, status, at(k.received), k.deemed, k.limit, dueDate, dueAt, decided)
	return id
}

func (f *fixture) step(it item, caseID uuid.UUID, due, completed string) {
	f.t.Helper()
	f.seq++
	var comp any
	status := "active"
	if completed != "" {
		comp, status = at(completed), "done"
	}
	f.exec(`INSERT INTO case_steps (id, tenant_id, case_id, node, kind, name, seq, department_id, status, due_at, completed_at)
		VALUES ($1, $2, $3, $4, 'task', '审查', 1, $5, $6, $7, $8)`, uuid.New(), it.tenant, caseID, fmt.Sprintf("n%d", f.seq), it.dept, status, at(due), comp)
}

func (f *fixture) fee(it item, caseID uuid.UUID, when string, mismatch bool) {
	f.t.Helper()
	f.exec(`INSERT INTO case_fees (id, tenant_id, case_id, item, amount_fen, expected_fen, mismatch, created_at) VALUES ($1, $2, $3, '工本费', 2000, 1000, $4, $5)`,
		uuid.New(), it.tenant, caseID, mismatch, at(when))
}

// card: decision "accepted" is an upheld appeal (the card is then cancelled).
func (f *fixture) card(tenant uuid.UUID, dept *uuid.UUID, level, rule, created, decision, decided string) {
	f.t.Helper()
	f.seq++
	status := "active"
	var dec, canc any
	if decision == "accepted" {
		status, dec, canc = "cancelled", at(decided), at(decided)
	}
	f.exec(`INSERT INTO supervision_cards (id, tenant_id, dedupe_key, level, rule, department_id, title, reason, status, decision, decided_at, cancelled_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, '测试牌', '测试', $7, $8, $9, $10, $11)`,
		uuid.New(), tenant, fmt.Sprintf("fx:%d", f.seq), level, rule, dept, status, decision, dec, canc, at(created))
}

func (f *fixture) notice(it item, due, replied string) {
	f.t.Helper()
	status := "sent"
	var rep any
	if replied != "" {
		status, rep = "replied", at(replied)
	}
	f.exec(`INSERT INTO supervision_notices (id, tenant_id, sender_tenant_id, sender_name, department_id, text, reply_due_at, status, replied_at, created_at)
		VALUES ($1, $2, $2, '监察员', $3, '请说明', $4, $5, $6, $7)`, uuid.New(), it.tenant, it.dept, at(due), status, rep, at(due).Add(-72*time.Hour))
}

func (f *fixture) filing(it item, due, filed string) {
	f.t.Helper()
	f.seq++
	status := "pending"
	var fl any
	if filed != "" {
		status, fl = "filed", at(filed)
	}
	// A second version of the item, published and (perhaps) filed.
	v := uuid.New()
	code := fmt.Sprintf("FV-%03d", f.seq)
	f.exec(`INSERT INTO power_versions (id, tenant_id, power_id, number, status, code, name, category, department_id, handling_type, legal_limit,
			promised_limit, published_at, filing_due_at, filed_at, superseded_at)
		VALUES ($1, $2, $3, $4, 'superseded', $5, '版本', '行政许可', $6, 'promise', 20, 20, $7, $8, $9, $9)`,
		v, it.tenant, it.power, f.seq+100, code, it.dept, at(due).Add(-7*24*time.Hour), at(due), at("2026-01-05 09:00"))
	f.exec(`INSERT INTO power_filings (id, tenant_id, filer_tenant_id, power_id, version_id, version_number, code, name, category, department_id,
			published_at, due_at, status, filed_at)
		VALUES ($1, $2, $3, $4, $5, 2, $6, '版本', '行政许可', $7, $8, $9, $10, $11)`,
		uuid.New(), it.tenant, f.tenant("410500"), it.power, v, code, it.dept, at(due).Add(-7*24*time.Hour), at(due), status, fl)
}
