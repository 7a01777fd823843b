package migrations_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/platform/dbtest"
)

// TestIntakeReadPortsKeepTheCallersScope: the views casework's intake reads others'
// rows through (migration 00016) are security_invoker, so a caller sees through them
// exactly its scope's rows, and cannot write through them.
func TestIntakeReadPortsKeepTheCallersScope(t *testing.T) {
	env := dbtest.New(t)
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	for i, id := range []uuid.UUID{a, b} {
		code := []string{"419700", "419600"}[i]
		w, dept := uuid.NewString(), uuid.NewString()
		dbtest.Exec(t, env.OwnerURL,
			`INSERT INTO tenants (id, code, name, level, path) VALUES ('`+id.String()+`', '`+code+`', '`+code+`', 'city', '`+code+`')`,
			`INSERT INTO departments (id, tenant_id, code, name) VALUES ('`+dept+`', '`+id.String()+`', 'ZWFW', '政务服务中心')`,
			`INSERT INTO windows (id, tenant_id, number, name, department_id) VALUES ('`+w+`', '`+id.String()+`', 'A01', '综合窗口', '`+dept+`')`,
			`INSERT INTO projects (id, tenant_id, name, investor_name, investor_credit_code, investment_wan, lead_department_id)
				VALUES ('`+uuid.NewString()+`', '`+id.String()+`', '项目', '投资人', '91110000600037341L', 1, '`+dept+`')`)
	}
	app, err := pgx.Connect(ctx, env.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)
	count := func(read string, rel string) int {
		t.Helper()
		tx, err := app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.Exec(ctx, `SELECT set_config('app.read_tenants', $1, true)`, read); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+rel).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, v := range []string{"servicecentre_windows", "projects_status"} {
		if n := count("{"+a.String()+"}", v); n != 1 {
			t.Fatalf("%s: tenant a sees %d rows, want its own 1", v, n)
		}
		if n := count("{"+a.String()+","+b.String()+"}", v); n != 2 {
			t.Fatalf("%s: a reader of both sees %d, want 2", v, n)
		}
	}
	for _, v := range []string{"catalogue_powers", "servicecentre_windows", "servicecentre_window_staff", "projects_status"} {
		if n := count("{}", v); n != 0 {
			t.Fatalf("%s: no scope sees %d rows", v, n)
		}
		if _, err := app.Exec(ctx, `DELETE FROM `+v); err == nil {
			t.Fatalf("%s: the application role must not write through a read port", v)
		}
	}
}
