package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"sunshine/pkg/platform/broker"
	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/logging"
	"sunshine/pkg/platform/ratelimit"
)

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]ratelimit.Limit{"30/1m": {N: 30, Period: time.Minute}, " 10/1h ": {N: 10, Period: time.Hour}} {
		if got, err := ratelimit.ParseLimit(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "30", "0/1m", "x/1m", "5/1ms", "5/forever"} {
		if _, err := ratelimit.ParseLimit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The in-process Redis of dev mode runs redis_rate's script too (no silent fallback).
func TestEmbeddedRedisRunsTheScript(t *testing.T) {
	e, err := broker.StartEmbedded("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	opt, err := broker.ConnOpt(configRedis(e.URL()))
	if err != nil {
		t.Fatal(err)
	}
	l := ratelimit.New(broker.Client(opt), logging.Discard())
	allowed := 0
	for i := 0; i < 5; i++ {
		if ok, _ := l.Allow(context.Background(), "t", ratelimit.Limit{N: 3, Period: time.Minute}, "k"); ok {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("allowed %d, want 3", allowed)
	}
	if keys := e.Keys(); len(keys) == 0 {
		t.Fatal("the limiter kept nothing in Redis: it fell back to memory")
	}
}

func configRedis(url string) config.Redis { return config.Redis{URL: url} }
