package identity

import (
	"context"
	"math"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
)

// Password guessing is throttled on three keys, so that an attacker can neither
// guess freely nor lock anyone else out:
//
//   - per (account, address): after MaxFailures wrong passwords within FailureWindow,
//     the address must wait FailureBackoff after its last failure, doubling with each
//     further failure (at most FailureWindow). Other addresses — the account's owner
//     at its own desk — are not affected.
//   - per account, from any address: a much higher AccountMaxFailures within
//     FailureWindow refuses the account to everyone (a distributed attack).
//   - per address, across every account: AddressMaxFailures (high, for a whole office
//     behind one NAT address) refuses the address.
//
// Sign-in and the current-password check of a password change share the counts (the
// same secret is guessed). The counts live in PostgreSQL (login_failures, per tenant
// under RLS; address_failures), so every replica sees them and they follow the
// session clock.

// passwordThrottle decides whether a password attempt on (tenant, username) from ip
// may be checked now: a 429 problem with code (and Retry-After) when not.
func (s *Service) passwordThrottle(tx *gorm.DB, tenantID uuid.UUID, username, ip string, now time.Time, code string) (error, error) {
	since := now.Add(-s.cfg.FailureWindow)
	var pair struct {
		N    int
		Last *time.Time
	}
	if err := tx.Raw(`SELECT count(*) AS n, max(at) AS last FROM login_failures WHERE tenant_id = ? AND username = ? AND ip = ? AND at > ?`,
		tenantID, username, ip, since).Scan(&pair).Error; err != nil {
		return nil, err
	}
	if pair.N >= s.cfg.MaxFailures && pair.Last != nil {
		if until := pair.Last.Add(s.backoff(pair.N)); now.Before(until) {
			return throttled(code, until.Sub(now)), nil
		}
	}
	var recent []time.Time
	if err := tx.Raw(`SELECT at FROM login_failures WHERE tenant_id = ? AND username = ? AND at > ? ORDER BY at DESC LIMIT ?`,
		tenantID, username, since, s.cfg.AccountMaxFailures).Scan(&recent).Error; err != nil {
		return nil, err
	}
	if len(recent) >= s.cfg.AccountMaxFailures {
		// Open again when the oldest of the last AccountMaxFailures leaves the window.
		return throttled(code, recent[len(recent)-1].Add(s.cfg.FailureWindow).Sub(now)), nil
	}
	return nil, nil
}

// backoff is how long an address waits after its n-th failure on an account
// (n ≥ MaxFailures): FailureBackoff, doubled for each failure past MaxFailures, at
// most FailureWindow.
func (s *Service) backoff(n int) time.Duration {
	shift := n - s.cfg.MaxFailures
	if shift < 0 {
		return 0
	}
	d := s.cfg.FailureBackoff
	for i := 0; i < shift && d < s.cfg.FailureWindow; i++ {
		d *= 2
	}
	return min(d, s.cfg.FailureWindow)
}

// recordFailure counts a wrong password for (tenant, username) from ip.
func recordFailure(tx *gorm.DB, tenantID uuid.UUID, username, ip string, now time.Time) error {
	return tx.Exec(`INSERT INTO login_failures (tenant_id, username, ip, at) VALUES (?, ?, ?, ?)`, tenantID, username, ip, now).Error
}

func throttled(code string, wait time.Duration) error {
	if wait < time.Second {
		wait = time.Second
	}
	return apperr.New(apperr.KindTooManyRequests, code, apperr.Params{
		"minutes": int(math.Ceil(wait.Minutes())), "retry_after": int(math.Ceil(wait.Seconds())),
	})
}

// checkAddress refuses an address that failed AddressMaxFailures times within
// FailureWindow, whichever accounts and tenants it tried.
func (s *Service) checkAddress(ctx context.Context, ip string, now time.Time) error {
	if ip == "" {
		return nil
	}
	var recent []time.Time
	err := s.db.Gorm(ctx).Raw(`SELECT at FROM address_failures WHERE ip = ? AND at > ? ORDER BY at DESC LIMIT ?`,
		ip, now.Add(-s.cfg.FailureWindow), s.cfg.AddressMaxFailures).Scan(&recent).Error
	if err != nil {
		return err
	}
	if len(recent) >= s.cfg.AddressMaxFailures {
		return throttled("identity.throttled", recent[len(recent)-1].Add(s.cfg.FailureWindow).Sub(now))
	}
	return nil
}

func (s *Service) recordAddressFailure(ctx context.Context, ip string, now time.Time) {
	if ip == "" {
		return
	}
	_ = s.db.Gorm(ctx).Exec(`INSERT INTO address_failures (ip, at) VALUES (?, ?)`, ip, now).Error
}

func init() {
	apperr.Register("identity.password_throttled", "原密码错误次数过多，请 {minutes} 分钟后再试", "Too many wrong current passwords; try again in {minutes} minutes")
}
