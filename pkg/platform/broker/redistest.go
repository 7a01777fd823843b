package broker

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// ForTest returns a Redis connection option private to t: with TEST_REDIS_URL set, an
// exclusive logical database (1–15) of that real server, claimed with a lease so that
// test packages running in parallel never see each other's queues, and flushed
// before and after use; otherwise a fresh in-process server. The second result wipes
// everything (for "Redis lost its data" tests).
func ForTest(t testing.TB) (asynq.RedisConnOpt, func()) {
	t.Helper()
	raw := os.Getenv("TEST_REDIS_URL")
	if raw == "" {
		e, err := StartEmbedded("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		return asynq.RedisClientOpt{Addr: e.Addr()}, e.FlushAll
	}
	base, err := asynq.ParseRedisURI(raw)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	opt, ok := base.(asynq.RedisClientOpt)
	if !ok {
		t.Fatalf("TEST_REDIS_URL must be a plain redis:// URL")
	}
	ctx := context.Background()
	admin := redis.NewClient(&redis.Options{Addr: opt.Addr, Username: opt.Username, Password: opt.Password, DB: 0})
	t.Cleanup(func() { _ = admin.Close() })
	owner := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for n := 1; n <= 15; n++ {
			key := fmt.Sprintf("sunshine:test:db:%d", n)
			okSet, err := admin.SetNX(ctx, key, owner, 10*time.Minute).Result()
			if err != nil {
				t.Fatalf("TEST_REDIS_URL: %v", err)
			}
			if !okSet {
				continue
			}
			opt.DB = n
			c := redis.NewClient(&redis.Options{Addr: opt.Addr, Username: opt.Username, Password: opt.Password, DB: n})
			flush := func() { _ = c.FlushDB(ctx).Err() }
			flush()
			t.Cleanup(func() {
				flush()
				_ = c.Close()
				if v, _ := admin.Get(ctx, key).Result(); v == owner {
					admin.Del(ctx, key)
				}
			})
			return opt, flush
		}
		if time.Now().After(deadline) {
			t.Fatal("TEST_REDIS_URL: no free logical database (1-15) within 2 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
