package httpapi_test

import (
	"testing"

	"sunshine/pkg/apitest"
)

// TestDevTimeTravel: in dev mode the platform admin moves the platform clock forward
// (and the sweep runs); sessions run on the wall clock, so nobody is signed out by the
// jump. Nobody else — supervisors included, at the city or a county — may move it or
// read it: the clock is every tenant's.
func TestDevTimeTravel(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{WallClockSessions: true})
	admin := env.Login("410500", "admin")
	before := env.Clock.Now()
	if r := admin.Do("POST", "/api/v1/dev/time-travel", map[string]any{"hours": 60}); r.Status != 200 {
		t.Fatalf("time travel: %d %s", r.Status, r.Body)
	}
	if got := env.Clock.Now().Sub(before).Hours(); got != 60 {
		t.Fatalf("the platform clock moved %v hours", got)
	}
	if r := admin.Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("the session must survive the jump: %d %s", r.Status, r.Body)
	}
	var dc struct {
		Movable bool `json:"movable"`
	}
	r := admin.Do("GET", "/api/v1/dev/clock", nil)
	r.JSON(t, &dc)
	if r.Status != 200 || !dc.Movable {
		t.Fatalf("dev clock: %d %s", r.Status, r.Body)
	}
	for _, who := range []struct{ tenant, user string }{{"410581", "supervisor"}, {"410500", "supervisor"}, {"410581", "clerk"}, {"410581", "admin"}} {
		c := env.Login(who.tenant, who.user)
		if r := c.Do("POST", "/api/v1/dev/time-travel", map[string]any{"hours": 1}); r.Status != 403 {
			t.Errorf("%s/%s must not move the clock: %d %s", who.tenant, who.user, r.Status, r.Body)
		}
		if r := c.Do("GET", "/api/v1/dev/clock", nil); r.Status != 403 {
			t.Errorf("%s/%s must not read the dev clock: %d", who.tenant, who.user, r.Status)
		}
	}
	if got := env.Clock.Now().Sub(before).Hours(); got != 60 {
		t.Fatalf("refused jumps moved the clock: %v hours", got)
	}
}

// TestNoTimeTravelOutsideDevMode: a production server has no time travel at all —
// 404 for everyone, the platform admin included.
func TestNoTimeTravelOutsideDevMode(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Env: map[string]string{"SUNSHINE_MODE": "production", "SUNSHINE_DATABASE_URL": "postgres://unused@127.0.0.1/x", "SUNSHINE_REDIS_URL": "redis://127.0.0.1:1"}})
	admin := env.Login("410500", "admin")
	before := env.Clock.Now()
	for _, p := range []struct{ method, path string }{{"POST", "/api/v1/dev/time-travel"}, {"GET", "/api/v1/dev/clock"}} {
		var body any
		if p.method == "POST" {
			body = map[string]any{"hours": 1}
		}
		if r := admin.Do(p.method, p.path, body); r.Status != 404 {
			t.Errorf("%s %s outside dev mode: %d %s", p.method, p.path, r.Status, r.Body)
		}
	}
	if !env.Clock.Now().Equal(before) {
		t.Fatal("the clock moved")
	}
}
