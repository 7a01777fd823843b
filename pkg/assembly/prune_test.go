package assembly_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"sunshine/pkg/apitest"
	"sunshine/pkg/assembly"
	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/queue"
)

// TestPruneTaskRunsThroughAsynq enqueues the periodic clean-up through a real Asynq
// client and worker and checks that it deleted the expired sessions and stale login
// failures, and only those.
func TestPruneTaskRunsThroughAsynq(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	c := env.Login("410581", "clerk") // a live session that must survive
	_ = c
	t581, _ := env.App.Tenants.ByCode(ctx, "410581")
	var userID uuid.UUID
	now := env.Clock.Now()
	err := env.App.DB.Tx(ctx, db.TenantScope(t581.ID, uuid.Nil), func(tx *gorm.DB) error {
		var id string
		if err := tx.Raw(`SELECT id::text FROM users WHERE tenant_id = ? AND username = 'clerk'`, t581.ID).Row().Scan(&id); err != nil {
			return err
		}
		userID = uuid.MustParse(id)
		for i := 0; i < 3; i++ {
			if err := tx.Exec(`INSERT INTO sessions (id, tenant_id, user_id, token_hash, kind, expires_at) VALUES (?, ?, ?, ?, 'browser', ?)`,
				uuid.New(), t581.ID, userID, []byte(uuid.NewString()), now.Add(-48*time.Hour)).Error; err != nil {
				return err
			}
		}
		return tx.Exec(`INSERT INTO login_failures (tenant_id, username, ip, at) VALUES (?, 'x', '1.2.3.4', ?)`, t581.ID, now.Add(-time.Hour)).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string) int64 {
		var n int64
		_ = env.App.DB.Tx(ctx, db.TenantScope(t581.ID, uuid.Nil), func(tx *gorm.DB) error { return tx.Raw(q).Scan(&n).Error })
		return n
	}
	if count(`SELECT count(*) FROM sessions`) != 4 {
		t.Fatal("set-up: want 4 sessions")
	}

	opt, _ := broker.ForTest(t)
	srv := queue.NewServer(opt, queue.WorkerConfig{Concurrency: 2, Weights: map[string]int{"critical": 6, "default": 3, "low": 1}}, logging.Discard())
	if err := srv.Start(env.Registry.Mux(logging.Discard(), nil)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	client := queue.NewClient(opt, false)
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Enqueue(ctx, asynq.NewTask(assembly.TypePrune, nil), "", queue.Low); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for count(`SELECT count(*) FROM sessions`) != 1 || count(`SELECT count(*) FROM login_failures`) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("prune did not run: %d sessions, %d failures", count(`SELECT count(*) FROM sessions`), count(`SELECT count(*) FROM login_failures`))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The scheduler knows the task as periodic.
	s, err := queue.NewScheduler(opt, env.Registry, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	_ = s
}
