package casework

import "sunshine/pkg/platform/clock"

// WithClock returns a copy of the service that tells the time by c and has no hooks:
// the demo replays weeks of casework on a fake clock, and supervision's sweep derives
// the reminders of what it leaves behind.
func (s *Service) WithClock(c clock.Clock) *Service {
	cp := *s
	cp.clock, cp.hooks = c, nil
	return &cp
}
