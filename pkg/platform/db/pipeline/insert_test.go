package pipeline_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"sunshine/pkg/casework"
	"sunshine/pkg/platform/db/pipeline"
	"sunshine/pkg/platform/dbtest"
)

// TestInsertColumnsMatchGORM: QueueInsertsThen writes its INSERTs itself, from the
// models' GORM schemas; each must name the columns GORM's Create would, with the
// same values (hooks applied), for every model intake writes.
func TestInsertColumnsMatchGORM(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	id, tenant := uuid.New(), uuid.New()
	e1, e2, f1, s1 := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	models := func() []any {
		return []any{
			&casework.Case{ID: id, TenantID: tenant, TrackingNo: "410581261128000001", ApplicantName: "张三", Status: "submitted",
				ReceivedAt: now, CreatedAt: now, UpdatedAt: now}, // nil materials: BeforeSave makes them []
			&[]casework.Event{{ID: e1, TenantID: tenant, CaseID: id, At: now, Kind: "submitted", Params: casework.EventParams{"channel": "window"}},
				{ID: e2, TenantID: tenant, CaseID: id, At: now, Kind: "fee_mismatch"}},
			&[]casework.Fee{{ID: f1, TenantID: tenant, CaseID: id, Item: "工本费", AmountFen: 1000, CreatedAt: now}},
			&[]casework.Step{{ID: s1, TenantID: tenant, CaseID: id, Node: "review", Kind: "task", Status: "pending", UpdatedAt: now}},
		}
	}
	for i, ours := range models() {
		b := &pgx.Batch{}
		if err := pipeline.NewInserter(env.DB).QueueInsertsThen(b, "SELECT 1", nil, ours); err != nil {
			t.Fatal(err)
		}
		got := b.QueuedQueries[0]
		gormModel := models()[i]
		stmt := env.DB.Gorm(context.Background()).Session(&gorm.Session{DryRun: true}).Create(gormModel).Statement
		if stmt.Error != nil {
			t.Fatal(stmt.Error)
		}
		want := stmt.SQL.String()
		if cols(got.SQL) != cols(want) {
			t.Fatalf("%T: columns\n ours %s\n gorm %s", ours, cols(got.SQL), cols(want))
		}
		if len(got.Arguments) != len(stmt.Vars) {
			t.Fatalf("%T: %d values, GORM %d", ours, len(got.Arguments), len(stmt.Vars))
		}
		for j := range stmt.Vars {
			if a, w := value(t, got.Arguments[j]), value(t, stmt.Vars[j]); a != w {
				t.Fatalf("%T value %d: ours %s, GORM %s", ours, j, a, w)
			}
		}
	}
}

// cols is the "INSERT INTO t (…)" head of a statement (ours is inside a CTE).
func cols(sql string) string {
	i := strings.Index(sql, "INSERT INTO")
	j := strings.Index(sql[i:], ") VALUES")
	return sql[i : i+j]
}

func value(t *testing.T, v any) string {
	t.Helper()
	if dv, ok := v.(driver.Valuer); ok && !(reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		x, err := dv.Value()
		if err != nil {
			t.Fatal(err)
		}
		v = x
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "<nil>"
		}
		v = rv.Elem().Interface()
	}
	return fmt.Sprintf("%v", v)
}
