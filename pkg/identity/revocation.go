package identity

import (
	"context"
	"errors"
	"sync"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
)

// Revocation says which sessions were just revoked: one session (logout), every
// session of a user but one (a password change), or all of a user's (disabled,
// password reset).
type Revocation struct {
	UserID uuid.UUID `json:"user_id"`
	// SessionID set: only this session.
	SessionID uuid.UUID `json:"session_id,omitempty"`
	// ExceptSessionID set: every session of the user but this one.
	ExceptSessionID uuid.UUID `json:"except_session_id,omitempty"`
}

// Covers reports whether the revocation ends the session of user.
func (r Revocation) Covers(user, session uuid.UUID) bool {
	switch {
	case r.UserID != user:
		return false
	case r.SessionID != uuid.Nil:
		return r.SessionID == session
	case r.ExceptSessionID != uuid.Nil:
		return r.ExceptSessionID != session
	}
	return true
}

type revocationListeners struct {
	mu sync.RWMutex
	fs []func(context.Context, Revocation)
}

// OnRevoke registers f to hear, after commit, of every revocation made here (the
// assembly publishes them on the broker, so that live streams on every replica close
// and every replica drops its cached sessions).
func (s *Service) OnRevoke(f func(context.Context, Revocation)) {
	s.revokeListeners.mu.Lock()
	defer s.revokeListeners.mu.Unlock()
	s.revokeListeners.fs = append(s.revokeListeners.fs, f)
}

// revoked tells the listeners about a committed revocation.
func (s *Service) revoked(ctx context.Context, r Revocation) {
	s.revokeListeners.mu.RLock()
	defer s.revokeListeners.mu.RUnlock()
	for _, f := range s.revokeListeners.fs {
		f(ctx, r)
	}
}

// StillValid re-checks a session for a long-lived connection (the live stream) from
// the database, bypassing the session cache and without extending the session: nil
// while it may go on; a 401 or 403 once it is revoked or expired, its user disabled
// or its tenant suspended. Any other error (an outage) says nothing about the session.
func (s *Service) StillValid(ctx context.Context, tok string) error {
	tenantID, ok := tenantOfToken(tok)
	if !ok {
		return apperr.Unauthenticated("unauthenticated")
	}
	t, err := s.tenants.ByID(ctx, tenantID)
	if err != nil {
		if apperr.IsKind(err, apperr.KindNotFound) {
			return apperr.Unauthenticated("unauthenticated")
		}
		return err
	}
	now := s.clock.Now()
	var p *Principal
	err = s.db.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var sess Session
		if err := tx.Where("token_hash = ?", hashToken(tok)).First(&sess).Error; err != nil {
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
		p = &Principal{SessionID: sess.ID, Kind: sess.Kind, Token: tok, User: u, Tenant: t, ExpiresAt: sess.ExpiresAt}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.checkPrincipal(ctx, p)
	return err
}
