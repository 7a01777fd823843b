// Package identity is who people are: staff users with argon2id passwords, browser
// sessions (an HttpOnly cookie plus a CSRF token derived from it) and bearer tokens,
// login throttling per account and per source address, password changes, and the
// audit of every login, failure, logout and change. Passwords never leave this
// package except as hashes.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/seclog"
	"sunshine/pkg/tenant"
)

// Config tunes sessions and throttling (see throttle.go).
type Config struct {
	SessionTTL time.Duration
	TokenTTL   time.Duration
	// MaxFailures is how many wrong passwords one address may give for one account
	// within FailureWindow before it must wait FailureBackoff, doubling with every
	// further failure (at most FailureWindow).
	MaxFailures    int
	FailureBackoff time.Duration
	// AccountMaxFailures is the softer account-wide limit: that many failures from any
	// addresses within FailureWindow refuse the account to everyone.
	AccountMaxFailures int
	// AddressMaxFailures is how many failures one address may cause within
	// FailureWindow across every account and tenant (high: a whole office may sit
	// behind one address).
	AddressMaxFailures int
	FailureWindow      time.Duration
}

// Service authenticates staff.
type Service struct {
	db      *db.DB
	tenants *tenant.Registry
	hasher  *Hasher
	clock   clock.Clock
	cfg     Config
	cache   *sessionCache
	// revokeListeners hear of committed revocations (revocation.go).
	revokeListeners revocationListeners
}

// NewService builds the identity service.
func NewService(d *db.DB, tenants *tenant.Registry, h *Hasher, c clock.Clock, cfg Config) *Service {
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = 5
	}
	if cfg.FailureWindow == 0 {
		cfg.FailureWindow = 15 * time.Minute
	}
	if cfg.FailureBackoff == 0 {
		cfg.FailureBackoff = time.Minute
	}
	if cfg.AccountMaxFailures == 0 {
		cfg.AccountMaxFailures = 10 * cfg.MaxFailures
	}
	if cfg.AddressMaxFailures == 0 {
		cfg.AddressMaxFailures = 20 * cfg.MaxFailures
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 30 * 24 * time.Hour
	}
	return &Service{db: d, tenants: tenants, hasher: h, clock: c, cfg: cfg, cache: newSessionCache(5 * time.Second)}
}

// Hasher exposes the password hasher (provisioning creates users with it).
func (s *Service) Hasher() *Hasher { return s.hasher }

// Session kinds.
const (
	KindBrowser = "browser"
	KindToken   = "token"
)

// Session is a stored session row.
type Session struct {
	ID         uuid.UUID `gorm:"type:uuid;primaryKey"`
	TenantID   uuid.UUID `gorm:"type:uuid"`
	UserID     uuid.UUID `gorm:"type:uuid"`
	TokenHash  []byte
	Kind       string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
	IP         string
	UserAgent  string
}

// TableName maps Session to its table.
func (Session) TableName() string { return "sessions" }

// tokenPrefix versions the token format: "ss1." + base64url(tenant id ‖ 32 random bytes).
const tokenPrefix = "ss1."

func newToken(tenantID uuid.UUID) (string, []byte) {
	raw := make([]byte, 48)
	copy(raw, tenantID[:])
	if _, err := rand.Read(raw[16:]); err != nil {
		panic(err)
	}
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	return tok, hashToken(tok)
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// tenantOfToken reads the tenant a token belongs to (it is not secret; the random
// part is).
func tenantOfToken(tok string) (uuid.UUID, bool) {
	if !strings.HasPrefix(tok, tokenPrefix) {
		return uuid.Nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok[len(tokenPrefix):])
	if err != nil || len(raw) != 48 {
		return uuid.Nil, false
	}
	id, err := uuid.FromBytes(raw[:16])
	return id, err == nil
}

// CSRFToken derives the CSRF token of a browser session from its secret token: the
// console echoes it in X-CSRF-Token, and a cross-site page cannot read it.
func CSRFToken(tok string) string {
	h := sha256.Sum256([]byte("sunshine-csrf\x00" + tok))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// CheckCSRF compares a presented CSRF token with the session's in constant time.
func CheckCSRF(tok, presented string) bool {
	want := CSRFToken(tok)
	return subtle.ConstantTimeCompare([]byte(want), []byte(presented)) == 1
}

// LoginInput is a sign-in attempt.
type LoginInput struct {
	Tenant    string
	Username  string
	Password  string
	IP        string
	UserAgent string
	Kind      string
	RequestID string
}

// LoginResult is a successful sign-in.
type LoginResult struct {
	Token     string
	CSRF      string
	ExpiresAt time.Time
	User      *User
	Tenant    *tenant.Tenant
}

// Login checks credentials and opens a session. Unknown tenant, unknown user and
// wrong password give the same 401. Throttled attempts (per account and address with
// backoff, per account, per address: see throttle.go) are refused with 429 before the
// password is even checked. Failures are recorded and audited even though the
// attempt fails.
func (s *Service) Login(ctx context.Context, in LoginInput) (*LoginResult, error) {
	now := s.clock.Now()
	// What the caller typed is capped before it is used anywhere (throttling rows,
	// the audit trail): no valid username is longer, and no caller may store an
	// arbitrarily long string.
	username := seclog.Cap(strings.ToLower(strings.TrimSpace(in.Username)), seclog.MaxUsername)
	in.IP = seclog.Cap(in.IP, seclog.MaxIP)
	in.UserAgent = seclog.Cap(in.UserAgent, seclog.MaxUserAgent)
	if in.Kind == "" {
		in.Kind = KindBrowser
	}
	if err := s.checkAddress(ctx, in.IP, now); err != nil {
		return nil, err
	}
	t, err := s.tenants.ByCode(ctx, strings.TrimSpace(in.Tenant))
	if err != nil {
		s.hasher.Check(in.Password, "")
		s.recordAddressFailure(ctx, in.IP, now)
		return nil, apperr.Unauthenticated("identity.bad_credentials")
	}
	if !t.Active() {
		return nil, apperr.Forbidden("identity.tenant_suspended", apperr.Params{"reason": t.StatusReason})
	}
	a := actor.Actor{Kind: actor.KindUser, TenantID: t.ID, TenantCode: t.Code, TenantPath: t.Path, Username: username, IP: in.IP, RequestID: in.RequestID}
	var result *LoginResult
	var failure error
	err = s.db.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		result, failure = nil, nil
		// A refused attempt changes nothing, so it is not audited; the security log
		// records it (bounded, unlike the chain).
		if refusal, err := s.passwordThrottle(tx, t.ID, username, in.IP, now, "identity.throttled"); err != nil || refusal != nil {
			failure = refusal
			return err
		}
		u, err := FindUser(tx, t.ID, username)
		if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
			return err
		}
		hash := ""
		if u != nil {
			hash = u.PasswordHash
		}
		if !s.hasher.Check(in.Password, hash) || u == nil {
			failure = apperr.Unauthenticated("identity.bad_credentials")
			if err := recordFailure(tx, t.ID, username, in.IP, now); err != nil {
				return err
			}
			return audit.Record(tx, a, now, audit.Event{Action: "auth.login_failed", ObjectType: "user", ObjectID: username,
				Data: map[string]any{"ip": in.IP, "known_user": u != nil}})
		}
		if u.Status != UserActive {
			failure = apperr.Forbidden("identity.user_disabled")
			return audit.Record(tx, a, now, audit.Event{Action: "auth.login_refused", ObjectType: "user", ObjectID: u.ID.String(),
				Data: map[string]any{"reason": "disabled"}})
		}
		tok, hashed := newToken(t.ID)
		ttl := s.cfg.SessionTTL
		if in.Kind == KindToken {
			ttl = s.cfg.TokenTTL
		}
		sess := Session{ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, UserID: u.ID, TokenHash: hashed, Kind: in.Kind,
			CreatedAt: now, ExpiresAt: now.Add(ttl), LastSeenAt: now, IP: in.IP, UserAgent: in.UserAgent}
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		// Success forgives this address's failures on the account, not other
		// addresses' (an attacker's count survives the victim's sign-in).
		if err := tx.Exec(`DELETE FROM login_failures WHERE tenant_id = ? AND username = ? AND ip = ?`, t.ID, username, in.IP).Error; err != nil {
			return err
		}
		if err := tx.Model(u).Update("last_login_at", now).Error; err != nil {
			return err
		}
		a.UserID, a.DisplayName = u.ID, u.DisplayName
		if err := audit.Record(tx, a, now, audit.Event{Action: "auth.login", ObjectType: "session", ObjectID: sess.ID.String(),
			Data: map[string]any{"kind": in.Kind, "ip": in.IP}}); err != nil {
			return err
		}
		result = &LoginResult{Token: tok, CSRF: CSRFToken(tok), ExpiresAt: sess.ExpiresAt, User: u, Tenant: t}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if failure != nil {
		if apperr.IsKind(failure, apperr.KindUnauthenticated) {
			s.recordAddressFailure(ctx, in.IP, now)
		}
		return nil, failure
	}
	return result, nil
}

// Principal is an authenticated session with its user and tenant.
type Principal struct {
	SessionID uuid.UUID
	Kind      string
	Token     string
	User      *User
	Tenant    *tenant.Tenant
	ExpiresAt time.Time
}

// Actor turns the principal into the actor of its requests.
func (p *Principal) Actor(requestID, ip string) actor.Actor {
	a := actor.Actor{Kind: actor.KindUser, UserID: p.User.ID, Username: p.User.Username, DisplayName: p.User.DisplayName,
		TenantID: p.Tenant.ID, TenantCode: p.Tenant.Code, TenantPath: p.Tenant.Path, RequestID: requestID, IP: ip}
	if p.User.DepartmentID != nil {
		a.DepartmentID = *p.User.DepartmentID
	}
	return a
}

// Authenticate resolves a token to its principal: 401 when unknown, expired or
// revoked; 403 when the tenant is suspended or the user disabled. A valid session is
// extended (sliding) at most once a minute.
func (s *Service) Authenticate(ctx context.Context, tok string) (*Principal, error) {
	tenantID, ok := tenantOfToken(tok)
	if !ok {
		return nil, apperr.Unauthenticated("unauthenticated")
	}
	now := s.clock.Now()
	hashed := hashToken(tok)
	if p, ok := s.cache.get(string(hashed), now); ok {
		return s.checkPrincipal(ctx, p)
	}
	t, err := s.tenants.ByID(ctx, tenantID)
	if err != nil {
		if apperr.IsKind(err, apperr.KindNotFound) {
			return nil, apperr.Unauthenticated("unauthenticated")
		}
		// The lookup failed (a database outage): not a reason to sign anyone out.
		return nil, err
	}
	var p *Principal
	err = s.db.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var sess Session
		if err := tx.Where("token_hash = ?", hashed).First(&sess).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Unauthenticated("unauthenticated")
			}
			return err
		}
		if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
			return apperr.Unauthenticated("identity.session_expired")
		}
		u, err := GetUser(tx, sess.UserID)
		if err != nil {
			return err
		}
		if now.Sub(sess.LastSeenAt) > time.Minute {
			updates := map[string]any{"last_seen_at": now}
			if sess.Kind == KindBrowser {
				sess.ExpiresAt = now.Add(s.cfg.SessionTTL)
				updates["expires_at"] = sess.ExpiresAt
			}
			if err := tx.Model(&sess).Updates(updates).Error; err != nil {
				return err
			}
		}
		p = &Principal{SessionID: sess.ID, Kind: sess.Kind, Token: tok, User: u, Tenant: t, ExpiresAt: sess.ExpiresAt}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.cache.put(string(hashed), p, now)
	return s.checkPrincipal(ctx, p)
}

func (s *Service) checkPrincipal(ctx context.Context, p *Principal) (*Principal, error) {
	// The tenant's status can change under a cached session; read it fresh.
	t, err := s.tenants.ByID(ctx, p.Tenant.ID)
	if err != nil {
		return nil, err
	}
	if !t.Active() {
		return nil, apperr.Forbidden("identity.tenant_suspended", apperr.Params{"reason": t.StatusReason})
	}
	if p.User.Status != UserActive {
		return nil, apperr.Forbidden("identity.user_disabled")
	}
	if !s.clock.Now().Before(p.ExpiresAt) {
		return nil, apperr.Unauthenticated("identity.session_expired")
	}
	cp := *p
	cp.Tenant = t
	return &cp, nil
}

// Logout revokes the principal's session at once (on this replica immediately; on
// others within the session cache's few seconds).
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return err
	}
	a := c.Actor
	now := s.clock.Now()
	err = s.db.Tx(ctx, db.TenantScope(p.Tenant.ID, p.User.ID), func(tx *gorm.DB) error {
		if err := tx.Model(&Session{}).Where("id = ? AND revoked_at IS NULL", p.SessionID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return audit.Record(tx, a, now, audit.Event{Action: "auth.logout", ObjectType: "session", ObjectID: p.SessionID.String()})
	})
	s.cache.drop(string(hashToken(p.Token)))
	if err == nil {
		s.revoked(ctx, Revocation{UserID: p.User.ID, SessionID: p.SessionID})
	}
	return err
}

// ChangePassword replaces the principal's password after checking the old one, and
// revokes the user's other sessions.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, oldPassword, newPassword string) error {
	c, err := actor.CallerOf(ctx)
	if err != nil {
		return err
	}
	a := c.Actor
	// Every problem at once: a wrong current password and a weak new one.
	var fields []apperr.FieldError
	if err := ValidatePassword("new_password", newPassword, p.User.Username); err != nil {
		fields = append(fields, apperr.From(err).Fields...)
	} else if oldPassword == newPassword {
		fields = append(fields, apperr.FieldError{Field: "new_password", Code: "identity.password_reused"})
	}
	now := s.clock.Now()
	var hash string
	if len(fields) == 0 {
		var err error
		if hash, err = s.hasher.Hash(newPassword); err != nil {
			return err
		}
	}
	ip := seclog.Cap(a.IP, seclog.MaxIP)
	var failure error
	err = s.db.Tx(ctx, db.TenantScope(p.Tenant.ID, p.User.ID), func(tx *gorm.DB) error {
		failure = nil
		// Checking the current password is guessing it like a sign-in: the same
		// throttle, and a wrong one counts as a failed sign-in of the account.
		if refusal, err := s.passwordThrottle(tx, p.Tenant.ID, p.User.Username, ip, now, "identity.password_throttled"); err != nil || refusal != nil {
			failure = refusal
			return err
		}
		u, err := GetUser(tx, p.User.ID)
		if err != nil {
			return err
		}
		problems := fields
		if !s.hasher.Check(oldPassword, u.PasswordHash) {
			problems = append([]apperr.FieldError{{Field: "old_password", Code: "identity.old_password_wrong"}}, fields...)
			if err := recordFailure(tx, p.Tenant.ID, p.User.Username, ip, now); err != nil {
				return err
			}
		}
		if len(problems) > 0 {
			// Commit the failure row; answer with the problems.
			failure = &apperr.Error{Kind: apperr.KindInvalid, Code: "validation_failed", Fields: problems}
			return nil
		}
		if err := tx.Model(u).Updates(map[string]any{"password_hash": hash, "must_change_password": false, "password_changed_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Model(&Session{}).Where("user_id = ? AND id <> ? AND revoked_at IS NULL", u.ID, p.SessionID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return audit.Record(tx, a, now, audit.Event{Action: "auth.password_change", ObjectType: "user", ObjectID: u.ID.String()})
	})
	if err != nil {
		return err
	}
	if failure != nil {
		return failure
	}
	s.cache.clear()
	s.revoked(ctx, Revocation{UserID: p.User.ID, ExceptSessionID: p.SessionID})
	return nil
}

// InvalidateSessions drops cached sessions (after a user is disabled or changed).
func (s *Service) InvalidateSessions() { s.cache.clear() }

// PruneExpired deletes sessions expired or revoked more than a day ago and login
// failures older than the throttling window, across every tenant. It is the
// platform's periodic clean-up task.
func (s *Service) PruneExpired(ctx context.Context) (sessions, failures int64, err error) {
	now := s.clock.Now()
	tenants, err := s.tenants.All(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, t := range tenants {
		err := s.db.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
			res := tx.Exec(`DELETE FROM sessions WHERE tenant_id = ? AND (expires_at < ? OR revoked_at < ?)`, t.ID, now.Add(-24*time.Hour), now.Add(-24*time.Hour))
			if res.Error != nil {
				return res.Error
			}
			sessions += res.RowsAffected
			res = tx.Exec(`DELETE FROM login_failures WHERE tenant_id = ? AND at < ?`, t.ID, now.Add(-s.cfg.FailureWindow))
			failures += res.RowsAffected
			return res.Error
		})
		if err != nil {
			return sessions, failures, err
		}
	}
	res := s.db.Gorm(ctx).Exec(`DELETE FROM address_failures WHERE at < ?`, now.Add(-s.cfg.FailureWindow))
	failures += res.RowsAffected
	return sessions, failures, res.Error
}

// sessionCache keeps resolved sessions for a few seconds so that a busy clerk's
// requests do not each cost a session lookup.
type sessionCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cached
}

type cached struct {
	p  *Principal
	at time.Time
}

func newSessionCache(ttl time.Duration) *sessionCache {
	return &sessionCache{ttl: ttl, m: map[string]cached{}}
}

func (c *sessionCache) get(k string, now time.Time) (*Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || now.Sub(e.at) > c.ttl || now.Before(e.at) {
		delete(c.m, k)
		return nil, false
	}
	return e.p, true
}

func (c *sessionCache) put(k string, p *Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 10000 {
		c.m = map[string]cached{}
	}
	c.m[k] = cached{p: p, at: now}
}

func (c *sessionCache) drop(k string) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

func (c *sessionCache) clear() {
	c.mu.Lock()
	c.m = map[string]cached{}
	c.mu.Unlock()
}
