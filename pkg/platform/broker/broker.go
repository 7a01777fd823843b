// Package broker connects Asynq to Redis: a real server from REDIS_URL (or Sentinel),
// or, in dev mode, an in-process Redis-protocol server (miniredis) that Asynq uses
// exactly as it would a real Redis. Redis only ever holds alarms and queues that can
// be rebuilt from PostgreSQL.
package broker

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"sunshine/pkg/platform/config"
)

// Embedded is an in-process Redis-protocol server listening on loopback.
type Embedded struct {
	m *miniredis.Miniredis
}

// StartEmbedded starts miniredis on addr ("" or "127.0.0.1:0" picks a free port).
// TTLs follow the wall clock (ClockTTL), which Asynq's leases and locks rely on.
func StartEmbedded(addr string) (*Embedded, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("broker: start in-process redis on %s: %w", addr, err)
	}
	m.ClockTTL(true)
	return &Embedded{m: m}, nil
}

// Addr is host:port of the embedded server.
func (e *Embedded) Addr() string { return e.m.Addr() }

// URL is a redis:// URL of the embedded server.
func (e *Embedded) URL() string { return "redis://" + e.m.Addr() + "/0" }

// FlushAll wipes every key (tests: "Redis lost everything").
func (e *Embedded) FlushAll() { e.m.FlushAll() }

// Close stops the server.
func (e *Embedded) Close() { e.m.Close() }

// Keys lists the keys of the default database (tests).
func (e *Embedded) Keys() []string { return e.m.Keys() }

// ConnOpt turns the configuration into Asynq's connection option.
func ConnOpt(c config.Redis) (asynq.RedisConnOpt, error) {
	if c.SentinelMaster != "" {
		opt := asynq.RedisFailoverClientOpt{MasterName: c.SentinelMaster, SentinelAddrs: config.SplitList(c.SentinelAddrs)}
		if c.URL != "" {
			base, err := asynq.ParseRedisURI(c.URL)
			if err != nil {
				return nil, fmt.Errorf("broker: redis.url: %w", err)
			}
			if b, ok := base.(asynq.RedisClientOpt); ok {
				opt.Username, opt.Password, opt.DB = b.Username, b.Password, b.DB
			}
		}
		return opt, nil
	}
	opt, err := asynq.ParseRedisURI(c.URL)
	if err != nil {
		return nil, fmt.Errorf("broker: redis.url: %w", err)
	}
	return opt, nil
}

// Ping checks that Redis answers within the context's deadline.
func Ping(ctx context.Context, opt asynq.RedisConnOpt) error {
	client, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return fmt.Errorf("broker: unexpected redis client type")
	}
	defer client.Close()
	return client.Ping(ctx).Err()
}

// Client returns a go-redis client for the option (used for pub/sub and health).
func Client(opt asynq.RedisConnOpt) redis.UniversalClient {
	return opt.MakeRedisClient().(redis.UniversalClient)
}

// WaitTCP waits until addr accepts TCP connections (start-up ordering in dev mode).
func WaitTCP(ctx context.Context, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("broker: %s did not answer: %w", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
