// Package ratelimit limits how often a key (a client address, a tracking number) may
// act, across every replica: the counts live in Redis, updated atomically by
// redis_rate's GCRA script (one round trip, exact Retry-After). When Redis does not
// answer, each replica falls back to its own in-memory limiter for a few seconds, so
// that a Redis restart never stops the public endpoints (limits are then per replica).
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Limit allows N events per Period (with bursts up to N).
type Limit struct {
	N      int
	Period time.Duration
}

// ParseLimit reads "N/period" ("30/1m", "10/1h").
func ParseLimit(s string) (Limit, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Limit{}, fmt.Errorf("%q is not N/period (e.g. 30/1m)", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 {
		return Limit{}, fmt.Errorf("%q: N must be a positive integer", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Second {
		return Limit{}, fmt.Errorf("%q: the period must be a duration of at least 1s", s)
	}
	return Limit{N: count, Period: d}, nil
}

func (l Limit) String() string { return fmt.Sprintf("%d/%s", l.N, l.Period) }

// Limiter decides whether a key may act now.
type Limiter struct {
	redis redis.UniversalClient // nil: in-memory only
	rl    *redis_rate.Limiter
	log   *slog.Logger

	mu          sync.Mutex
	local       map[string]*rate.Limiter
	redisDownAt time.Time
}

// New returns a limiter sharing its counts through client (nil: this process only).
func New(client redis.UniversalClient, log *slog.Logger) *Limiter {
	if log == nil {
		log = slog.Default()
	}
	l := &Limiter{redis: client, log: log, local: map[string]*rate.Limiter{}}
	if client != nil {
		l.rl = redis_rate.NewLimiter(client)
	}
	return l
}

// How long to stay on the local limiter after Redis failed, and how long to wait for it.
const (
	redisRetryAfter = 5 * time.Second
	redisTimeout    = 150 * time.Millisecond
)

// Allow counts one event of key under limit; when refused it says how long to wait.
func (l *Limiter) Allow(ctx context.Context, name string, limit Limit, key string) (bool, time.Duration) {
	k := "sunshine:rl:" + name + ":" + key
	if l.rl != nil && l.redisUsable() {
		rctx, cancel := context.WithTimeout(ctx, redisTimeout)
		res, err := l.rl.Allow(rctx, k, redis_rate.Limit{Rate: limit.N, Burst: limit.N, Period: limit.Period})
		cancel()
		if err == nil {
			return res.Allowed > 0, res.RetryAfter
		}
		l.mu.Lock()
		l.redisDownAt = time.Now()
		l.mu.Unlock()
		l.log.Warn("rate limiter: Redis did not answer; limiting per replica for a while", "error", err)
	}
	return l.allowLocal(k, limit)
}

func (l *Limiter) redisUsable() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.redisDownAt.IsZero() || time.Since(l.redisDownAt) > redisRetryAfter
}

func (l *Limiter) allowLocal(k string, limit Limit) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.local[k]
	if !ok {
		if len(l.local) > 100_000 {
			// A flood of distinct keys: start over rather than grow without bound.
			l.local = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(rate.Every(limit.Period/time.Duration(limit.N)), limit.N)
		l.local[k] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
