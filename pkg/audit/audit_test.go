package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/audit"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/dbtest"
)

func ownerExec(t *testing.T, url string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func newTenant(t *testing.T, env *dbtest.Env, code string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	ownerExec(t, env.OwnerURL, `INSERT INTO tenants (id, code, name, level, path) VALUES ('`+id.String()+`', '`+code+`', 'T', 'city', '`+code+`')`)
	return id
}

func record(t *testing.T, env *dbtest.Env, tenant uuid.UUID, n int) {
	t.Helper()
	a := actor.Actor{Kind: actor.KindUser, UserID: uuid.New(), Username: "clerk", DisplayName: "窗口", RequestID: "r1", IP: "10.0.0.1"}
	for i := 0; i < n; i++ {
		err := env.DB.Tx(context.Background(), db.TenantScope(tenant, a.UserID), func(tx *gorm.DB) error {
			return audit.Record(tx, a, time.Now(), audit.Event{Action: "case.accept", ObjectType: "case", ObjectID: uuid.NewString(),
				Before: map[string]any{"status": "submitted"}, After: map[string]any{"status": "accepted", "n": i, "note": "中文 ✓"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestChainVerifiesAndNamesTheAlteredEvent(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	a, b := newTenant(t, env, "410500"), newTenant(t, env, "420100")
	record(t, env, a, 20)
	record(t, env, b, 5)
	rep, err := audit.Verify(ctx, env.DB, []uuid.UUID{a, b})
	if err != nil || !rep.OK || rep.Events != 25 {
		t.Fatalf("intact chains: %+v %v", rep, err)
	}
	// The owner alters the seventh event's summary, bypassing the immutability trigger.
	lane, seq, id := nth(t, env, a, 7)
	ownerExec(t, env.OwnerURL,
		`SET session_replication_role = replica`,
		fmt.Sprintf(`UPDATE audit_events SET summary = '{"after":{"status":"refused"}}' WHERE tenant_id = '%s' AND lane = %d AND seq = %d`, a, lane, seq))
	rep, err = audit.Verify(ctx, env.DB, []uuid.UUID{a, b})
	if err != nil || rep.OK || rep.First == nil || rep.First.ID != id || rep.First.TenantID != a || !strings.Contains(rep.First.Reason, "altered") {
		t.Fatalf("want event %s named as altered: %+v %v", id, rep.First, err)
	}
	// The other tenant's chain is unaffected.
	if rep, _ := audit.Verify(ctx, env.DB, []uuid.UUID{b}); !rep.OK {
		t.Fatalf("tenant b: %+v", rep.First)
	}
}

func TestChainDetectsDeletedEvents(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	// Several events in one transaction share a lane: delete one from the middle.
	a := newTenant(t, env, "410500")
	recordInOneTx(t, env, a, 6)
	lane, _, _ := nth(t, env, a, 1)
	ownerExec(t, env.OwnerURL, `SET session_replication_role = replica`,
		fmt.Sprintf(`DELETE FROM audit_events WHERE tenant_id = '%s' AND lane = %d AND seq = 3`, a, lane))
	rep, _ := audit.Verify(ctx, env.DB, []uuid.UUID{a})
	if rep.OK || rep.First.Seq != 3 || rep.First.Lane != lane || !strings.Contains(rep.First.Reason, "missing") {
		t.Fatalf("a gap must be named: %+v", rep.First)
	}
	// Removing the last event of a lane is caught by the lane's head.
	b := newTenant(t, env, "420100")
	recordInOneTx(t, env, b, 4)
	lane, _, _ = nth(t, env, b, 1)
	ownerExec(t, env.OwnerURL, `SET session_replication_role = replica`,
		fmt.Sprintf(`DELETE FROM audit_events WHERE tenant_id = '%s' AND lane = %d AND seq = 4`, b, lane))
	rep, _ = audit.Verify(ctx, env.DB, []uuid.UUID{b})
	if rep.OK || !strings.Contains(rep.First.Reason, "head") {
		t.Fatalf("a removed tail must be detected by the head: %+v", rep.First)
	}
	// Removing a whole lane is caught too.
	c := newTenant(t, env, "430100")
	recordInOneTx(t, env, c, 2)
	ownerExec(t, env.OwnerURL, `SET session_replication_role = replica`, fmt.Sprintf(`DELETE FROM audit_events WHERE tenant_id = '%s'`, c))
	if rep, _ := audit.Verify(ctx, env.DB, []uuid.UUID{c}); rep.OK {
		t.Fatal("a lane emptied of its events must be detected")
	}
}

// nth returns the lane, seq and ID of a tenant's n-th event in time order.
func nth(t *testing.T, env *dbtest.Env, tenant uuid.UUID, n int) (int16, int64, string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var lane int16
	var seq int64
	var id string
	if err := conn.QueryRow(ctx, `SELECT lane, seq, id::text FROM audit_events WHERE tenant_id = $1 ORDER BY at, lane, seq OFFSET $2 LIMIT 1`, tenant, n-1).Scan(&lane, &seq, &id); err != nil {
		t.Fatal(err)
	}
	return lane, seq, id
}

func recordInOneTx(t *testing.T, env *dbtest.Env, tenant uuid.UUID, n int) {
	t.Helper()
	a := actor.Actor{Kind: actor.KindSystem}
	err := env.DB.Tx(context.Background(), db.TenantScope(tenant, uuid.Nil), func(tx *gorm.DB) error {
		for i := 0; i < n; i++ {
			if err := audit.Record(tx, a, time.Now(), audit.Event{Action: "x.y", ObjectType: "x", ObjectID: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRecordNeedsAnActingTenant(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	err := env.DB.Tx(context.Background(), db.ReadOnlyScope(nil), func(tx *gorm.DB) error {
		return audit.Record(tx, actor.Actor{Kind: actor.KindSystem}, time.Now(), audit.Event{Action: "x.y", ObjectType: "x", ObjectID: "1"})
	})
	if err == nil {
		t.Fatal("an event without an acting tenant must be refused")
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	a := newTenant(t, env, "410500")
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			record(t, env, a, 10)
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	rep, err := audit.Verify(context.Background(), env.DB, []uuid.UUID{a})
	if err != nil || !rep.OK || rep.Events != 80 {
		t.Fatalf("80 concurrent appends: %+v %v", rep, err)
	}
}
