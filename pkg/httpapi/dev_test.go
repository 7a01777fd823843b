package httpapi_test

import (
	"testing"

	"sunshine/pkg/apitest"
)

// TestDevTimeTravel: in dev mode a supervisor moves the platform clock forward (and
// the sweep runs); sessions run on the wall clock, so nobody is signed out by the
// jump; someone without supervision:act may neither move it nor read it.
func TestDevTimeTravel(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{WallClockSessions: true})
	sup := env.Login("410581", "supervisor")
	before := env.Clock.Now()
	if r := sup.Do("POST", "/api/v1/dev/time-travel", map[string]any{"hours": 60}); r.Status != 200 {
		t.Fatalf("time travel: %d %s", r.Status, r.Body)
	}
	if got := env.Clock.Now().Sub(before).Hours(); got != 60 {
		t.Fatalf("the platform clock moved %v hours", got)
	}
	if r := sup.Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("the session must survive the jump: %d %s", r.Status, r.Body)
	}
	var dc struct {
		Movable bool `json:"movable"`
	}
	r := sup.Do("GET", "/api/v1/dev/clock", nil)
	r.JSON(t, &dc)
	if r.Status != 200 || !dc.Movable {
		t.Fatalf("dev clock: %d %s", r.Status, r.Body)
	}
	clerk := env.Login("410581", "clerk")
	if r := clerk.Do("POST", "/api/v1/dev/time-travel", map[string]any{"hours": 1}); r.Status != 403 {
		t.Fatalf("a clerk must not move the clock: %d %s", r.Status, r.Body)
	}
	if r := clerk.Do("GET", "/api/v1/dev/clock", nil); r.Status != 403 {
		t.Fatalf("a clerk has no use for the dev clock: %d", r.Status)
	}
}
