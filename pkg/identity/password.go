package identity

import (
	"crypto/rand"
	"math/big"
	"strings"
	"unicode"

	"github.com/alexedwards/argon2id"

	"sunshine/pkg/apperr"
)

// Hasher hashes and checks passwords with argon2id.
type Hasher struct {
	params *argon2id.Params
	// dummy is a hash to verify against when the user does not exist, so that an
	// unknown username costs the same time as a wrong password.
	dummy string
}

// NewHasher returns a hasher with the given cost.
func NewHasher(memoryKiB, iterations, parallelism int) *Hasher {
	p := &argon2id.Params{Memory: uint32(memoryKiB), Iterations: uint32(iterations), Parallelism: uint8(parallelism), SaltLength: 16, KeyLength: 32}
	h := &Hasher{params: p}
	h.dummy, _ = argon2id.CreateHash("dummy-password-for-timing", p)
	return h
}

// TestHasher is cheap, for tests only.
func TestHasher() *Hasher { return NewHasher(64, 1, 1) }

// Hash returns the encoded argon2id hash of password.
func (h *Hasher) Hash(password string) (string, error) {
	return argon2id.CreateHash(password, h.params)
}

// Check reports whether password matches hash; an empty hash is checked against a
// dummy so that the time taken does not reveal whether the user exists.
func (h *Hasher) Check(password, hash string) bool {
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, h.dummy)
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

// ValidatePassword enforces the password policy: 8 to 72 characters, at least three
// of upper case, lower case, digits and symbols, and not the username.
func ValidatePassword(field, password, username string) error {
	var v apperr.Fields
	n := len([]rune(password))
	switch {
	case n < 8:
		v.Add(field, "too_short", apperr.Params{"min": 8})
	case n > 72:
		v.Add(field, "too_long", apperr.Params{"max": 72})
	default:
		classes := 0
		var upper, lower, digit, other bool
		for _, r := range password {
			switch {
			case unicode.IsUpper(r):
				upper = true
			case unicode.IsLower(r):
				lower = true
			case unicode.IsDigit(r):
				digit = true
			default:
				other = true
			}
		}
		for _, b := range []bool{upper, lower, digit, other} {
			if b {
				classes++
			}
		}
		if classes < 3 {
			v.Add(field, "identity.password_weak")
		} else if username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
			v.Add(field, "identity.password_contains_username")
		}
	}
	return v.Err()
}

// GeneratePassword returns a random one-time password that satisfies the policy.
func GeneratePassword() string {
	const (
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnopqrstuvwxyz"
		digits = "23456789"
		syms   = "@#%+=?"
	)
	all := upper + lower + digits + syms
	pick := func(set string) byte {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			panic(err)
		}
		return set[n.Int64()]
	}
	b := []byte{pick(upper), pick(lower), pick(digits), pick(syms)}
	for len(b) < 16 {
		b = append(b, pick(all))
	}
	// Shuffle so the classes are not in a fixed order.
	for i := len(b) - 1; i > 0; i-- {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		j := n.Int64()
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
