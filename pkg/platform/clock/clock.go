// Package clock injects time: production uses the wall clock, tests a fake one they
// move by hand, so clock-driven rules are tested without sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock (UTC).
type Real struct{}

// Now returns the current UTC time.
func (Real) Now() time.Time { return time.Now().UTC() }

// Fake is a clock that only moves when told to. Safe for concurrent use.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a fake clock at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC()} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t.UTC()
	f.mu.Unlock()
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Offset is the wall clock shifted by an adjustable offset: dev mode's "time travel"
// hook lets a browser test make a case overdue without waiting days.
type Offset struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the shifted wall time.
func (o *Offset) Now() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Now().UTC().Add(o.offset)
}

// Shift adds d to the offset (dev mode only).
func (o *Offset) Shift(d time.Duration) {
	o.mu.Lock()
	o.offset += d
	o.mu.Unlock()
}

// Get returns the current offset.
func (o *Offset) Get() time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.offset
}

// Shifter is a clock that can be moved forward (dev mode's time travel, tests).
type Shifter interface {
	Clock
	Shift(d time.Duration)
}

// Shift is Advance, so that a fake clock is a Shifter.
func (f *Fake) Shift(d time.Duration) { f.Advance(d) }
