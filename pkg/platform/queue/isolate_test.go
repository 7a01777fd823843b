package queue

import (
	"errors"
	"strings"
	"testing"
)

// TestIsolateTurnsAPanicIntoAnError: one tenant's panic inside a job comes back as an
// error with its stack, so the job logs it and goes on with the other tenants.
func TestIsolateTurnsAPanicIntoAnError(t *testing.T) {
	var done []string
	var failed []error
	for _, code := range []string{"410522", "410581", "410526"} {
		err := Isolate(func() error {
			if code == "410581" {
				var m map[string]int
				m["boom"]++ // a nil-map write panics
			}
			done = append(done, code)
			return nil
		})
		if err != nil {
			failed = append(failed, err)
		}
	}
	if strings.Join(done, ",") != "410522,410526" || len(failed) != 1 {
		t.Fatalf("done %v, failed %v", done, failed)
	}
	if msg := failed[0].Error(); !strings.Contains(msg, "panic: assignment to entry in nil map") || !strings.Contains(msg, "isolate_test.go") {
		t.Fatalf("the error names the panic and its stack: %s", msg)
	}
	want := errors.New("plain")
	if err := Isolate(func() error { return want }); err != want {
		t.Fatalf("an error passes through: %v", err)
	}
}
