// Package captcha guards the public forms that create work for the staff (online
// applications) with an image captcha: base64Captcha draws the digits, PostgreSQL keeps
// the answer until it is used once or expires, so every replica can check it and a
// Redis restart voids nothing.
package captcha

import (
	"context"
	"crypto/subtle"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/mojocn/base64Captcha"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
)

// TTL is how long a captcha may be answered.
const TTL = 5 * time.Minute

// Challenge is a captcha to show: its ID (sent back with the answer) and a PNG image as
// a data URL.
type Challenge struct {
	ID        string    `json:"id"`
	Image     string    `json:"image"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Service issues and checks captchas.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	driver *base64Captcha.DriverDigit
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service {
	// Five digits, 240×80: legible on a phone, with noise and skew against OCR.
	return &Service{db: d, clock: c, driver: base64Captcha.NewDriverDigit(80, 240, 5, 0.7, 80)}
}

// Issue draws a captcha and stores its answer.
func (s *Service) Issue(ctx context.Context) (*Challenge, error) {
	id := strings.ReplaceAll(uuid.NewString(), "-", "") // 122 random bits
	_, question, answer := s.driver.GenerateSpecificIdQuestionAnswer(id)
	item, err := s.driver.DrawCaptcha(question)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	ch := &Challenge{ID: id, Image: item.EncodeB64string(), ExpiresAt: now.Add(TTL)}
	g := s.db.Gorm(ctx)
	if err := g.Exec(`INSERT INTO captchas (id, answer, expires_at) VALUES (?, ?, ?)`, id, answer, ch.ExpiresAt).Error; err != nil {
		return nil, db.Classify(err)
	}
	// Expired captchas nobody answered are cleared now and then by whoever asks next.
	if rand.IntN(50) == 0 {
		_ = g.Exec(`DELETE FROM captchas WHERE expires_at < ?`, now).Error
	}
	return ch, nil
}

// Verify consumes the captcha id and reports whether answer was its answer in time. A
// captcha is used up by its first check, right or wrong: no second guess.
func (s *Service) Verify(ctx context.Context, id, answer string) (bool, error) {
	id, answer = strings.TrimSpace(id), strings.TrimSpace(answer)
	if id == "" || answer == "" || len(id) > 64 || len(answer) > 16 {
		return false, nil
	}
	var rows []struct {
		Answer    string
		ExpiresAt time.Time
	}
	if err := s.db.Gorm(ctx).Raw(`DELETE FROM captchas WHERE id = ? RETURNING answer, expires_at`, id).Scan(&rows).Error; err != nil {
		return false, db.Classify(err)
	}
	if len(rows) != 1 || !s.clock.Now().Before(rows[0].ExpiresAt) {
		return false, nil
	}
	return subtle.ConstantTimeCompare([]byte(rows[0].Answer), []byte(answer)) == 1, nil
}

// Check is Verify as a request's validation: a missing, wrong or expired answer is a
// 422 on captcha_answer.
func (s *Service) Check(ctx context.Context, id, answer string) error {
	if strings.TrimSpace(answer) == "" {
		return apperr.Invalid("validation_failed").WithField("captcha_answer", "required")
	}
	ok, err := s.Verify(ctx, id, answer)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid("validation_failed").WithField("captcha_answer", "captcha.wrong")
	}
	return nil
}

func init() {
	apperr.Register("captcha.wrong", "验证码错误或已过期，请重新输入", "The captcha is wrong or has expired; enter the new one")
}
