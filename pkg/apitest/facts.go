package apitest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/calendar"
)

// Facts writes facts straight into casework's, supervision's and the catalogue's
// tables as their owner — exactly the facts a test of appraisal needs, without
// replaying weeks of casework — which the appraisal then reads through its read ports
// as the application (under row-level security).
type Facts struct {
	t    testing.TB
	env  *Env
	Conn *pgx.Conn
	seq  int
}

// Facts connects as the database owner.
func (e *Env) Facts() *Facts {
	t := e.T
	t.Helper()
	conn, err := pgx.Connect(context.Background(), e.DB.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return &Facts{t: t, env: e, Conn: conn}
}

// At is a Shanghai instant written "2026-10-12 10:00".
func At(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Location())
	if err != nil {
		panic(err)
	}
	return t
}

func (f *Facts) Exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.Conn.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
}

func (f *Facts) Tenant(code string) uuid.UUID {
	f.t.Helper()
	t, err := f.env.App.Tenants.ByCode(context.Background(), code)
	if err != nil {
		f.t.Fatal(err)
	}
	return t.ID
}

func (f *Facts) Dept(tenantCode, code string) uuid.UUID {
	f.t.Helper()
	var id uuid.UUID
	if err := f.Conn.QueryRow(context.Background(), `SELECT id FROM departments WHERE tenant_id = $1 AND code = $2`, f.Tenant(tenantCode), code).Scan(&id); err != nil {
		f.t.Fatalf("department %s/%s: %v", tenantCode, code, err)
	}
	return id
}

// Item is a filed power item of a department (the department is then ranked).
type Item struct {
	Tenant, Dept, Power, Version uuid.UUID
	Legal                        int
}

// FiledItem files an item with its legal and promised limits.
func (f *Facts) FiledItem(tenantCode, deptCode string, legal, promised int) Item {
	f.t.Helper()
	f.seq++
	it := Item{Tenant: f.Tenant(tenantCode), Dept: f.Dept(tenantCode, deptCode), Power: uuid.New(), Version: uuid.New(), Legal: legal}
	code := fmt.Sprintf("FX-%03d", f.seq)
	pub := At("2026-01-05 09:00")
	f.Exec(`BEGIN`)
	f.Exec(`INSERT INTO powers (id, tenant_id, code, department_id, name, category, status, latest_version_id, latest_number, in_force_version_id, public_version_id)
		VALUES ($1, $2, $3, $4, $5, '行政许可', 'filed', $6, 1, $6, $6)`, it.Power, it.Tenant, code, it.Dept, "事项"+code, it.Version)
	f.Exec(`INSERT INTO power_versions (id, tenant_id, power_id, number, status, code, name, category, department_id, handling_type, legal_limit,
			promised_limit, published_at, filing_due_at, filed_at)
		VALUES ($1, $2, $3, 1, 'filed', $4, $5, '行政许可', $6, 'promise', $7, $8, $9, $9, $9)`,
		it.Version, it.Tenant, it.Power, code, "事项"+code, it.Dept, legal, promised, pub)
	f.Exec(`COMMIT`)
	return it
}

// Case is a case of an item: received, decided ("" undecided), its due day (the limit
// ends at the end of it), limit, channel (default window), deemed accepted.
type Case struct {
	Received string
	Decided  string
	Due      string
	Limit    int
	Channel  string
	Deemed   bool
}

// Case writes a case.
func (f *Facts) Case(it Item, k Case) uuid.UUID {
	f.t.Helper()
	f.seq++
	id := uuid.New()
	channel := k.Channel
	if channel == "" {
		channel = "window"
	}
	status := "in_progress"
	var decided any
	if k.Decided != "" {
		decided, status = At(k.Decided), "approved"
	}
	var dueDate, dueAt any
	if k.Due != "" {
		d, _ := calendar.ParseDate(k.Due)
		dueDate, dueAt = d.String(), d.End()
	}
	f.Exec(`INSERT INTO cases (id, tenant_id, tracking_no, power_id, version_id, power_name, department_id, channel, applicant_type,
			applicant_name, applicant_id_number, applicant_id_last4, status, received_at, accepted_at, deemed_accepted, limit_days, due_date, due_at, decided_at)
		VALUES ($1, $2, $3, $4, $5, '测试事项', $6, $7, 'person', '张三', '11010519491231002X', '002X', $8, $9, $9, $10, $11, $12, $13, $14)`,
		id, it.Tenant, fmt.Sprintf("FX%08d", f.seq), it.Power, it.Version, it.Dept, channel, status, At(k.Received), k.Deemed, k.Limit, dueDate, dueAt, decided)
	return id
}

// Step writes a task step of a case, due at due, completed ("" not yet).
func (f *Facts) Step(it Item, caseID uuid.UUID, due, completed string) {
	f.t.Helper()
	f.seq++
	var comp any
	status := "active"
	if completed != "" {
		comp, status = At(completed), "done"
	}
	f.Exec(`INSERT INTO case_steps (id, tenant_id, case_id, node, kind, name, seq, department_id, status, due_at, completed_at)
		VALUES ($1, $2, $3, $4, 'task', '审查', 1, $5, $6, $7, $8)`, uuid.New(), it.Tenant, caseID, fmt.Sprintf("n%d", f.seq), it.Dept, status, At(due), comp)
}

// Fee writes a fee line of a case.
func (f *Facts) Fee(it Item, caseID uuid.UUID, when string, mismatch bool) {
	f.t.Helper()
	f.Exec(`INSERT INTO case_fees (id, tenant_id, case_id, item, amount_fen, expected_fen, mismatch, created_at) VALUES ($1, $2, $3, '工本费', 2000, 1000, $4, $5)`,
		uuid.New(), it.Tenant, caseID, mismatch, At(when))
}

// Card writes a supervision card; decision "accepted" is an upheld appeal (the card is
// then cancelled). It returns the card's ID.
func (f *Facts) Card(tenant uuid.UUID, dept *uuid.UUID, level, rule, created, decision, decided string) uuid.UUID {
	f.t.Helper()
	f.seq++
	status := "active"
	var dec, canc any
	if decision == "accepted" {
		status, dec, canc = "cancelled", At(decided), At(decided)
	}
	id := uuid.New()
	f.Exec(`INSERT INTO supervision_cards (id, tenant_id, dedupe_key, level, rule, department_id, title, reason, status, decision, decided_at, cancelled_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, '测试牌', '测试', $7, $8, $9, $10, $11)`,
		id, tenant, fmt.Sprintf("fx:%d", f.seq), level, rule, dept, status, decision, dec, canc, At(created))
	return id
}

// Notice writes a supervision notice due at due, replied ("" not yet).
func (f *Facts) Notice(it Item, due, replied string) {
	f.t.Helper()
	status := "sent"
	var rep any
	if replied != "" {
		status, rep = "replied", At(replied)
	}
	f.Exec(`INSERT INTO supervision_notices (id, tenant_id, sender_tenant_id, sender_name, department_id, text, reply_due_at, status, replied_at, created_at)
		VALUES ($1, $2, $2, '监察员', $3, '请说明', $4, $5, $6, $7)`, uuid.New(), it.Tenant, it.Dept, At(due), status, rep, At(due).Add(-72*time.Hour))
}

// Filing writes a published version of the item and its filing, due at due, filed ("" pending).
func (f *Facts) Filing(it Item, due, filed string) {
	f.t.Helper()
	f.seq++
	status := "pending"
	var fl any
	if filed != "" {
		status, fl = "filed", At(filed)
	}
	// A second version of the item, published and (perhaps) filed.
	v := uuid.New()
	code := fmt.Sprintf("FV-%03d", f.seq)
	f.Exec(`INSERT INTO power_versions (id, tenant_id, power_id, number, status, code, name, category, department_id, handling_type, legal_limit,
			promised_limit, published_at, filing_due_at, filed_at, superseded_at)
		VALUES ($1, $2, $3, $4, 'superseded', $5, '版本', '行政许可', $6, 'promise', 20, 20, $7, $8, $9, $9)`,
		v, it.Tenant, it.Power, f.seq+100, code, it.Dept, At(due).Add(-7*24*time.Hour), At(due), At("2026-01-05 09:00"))
	f.Exec(`INSERT INTO power_filings (id, tenant_id, filer_tenant_id, power_id, version_id, version_number, code, name, category, department_id,
			published_at, due_at, status, filed_at)
		VALUES ($1, $2, $3, $4, $5, 2, $6, '版本', '行政许可', $7, $8, $9, $10, $11)`,
		uuid.New(), it.Tenant, f.Tenant("410500"), it.Power, v, code, it.Dept, At(due).Add(-7*24*time.Hour), At(due), status, fl)
}
