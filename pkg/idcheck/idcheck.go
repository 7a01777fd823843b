// Package idcheck validates the two identifiers every government form asks for: the resident
// identity card number (居民身份证号码, GB 11643-1999) and the unified social credit code
// (统一社会信用代码, GB 32100-2015). Catching a mistyped digit at the form saves a rejected
// application days later. It also masks those numbers for logs, and generates valid ones for
// demo data.
//
// Validation is syntactic (length, characters, birth date, check character): it does not know
// whether a number was ever issued, and deliberately does not check address codes, because
// codes abolished since issue (e.g. 410504) still appear in valid IDs.
package idcheck

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Reason is why a number was rejected. The values are sentinels for errors.Is, and Code gives
// the stable suffix of a field error code (e.g. "id_number.check_digit").
type Reason struct {
	code string
	msg  string
}

// Error lets a Reason be used as an error (and as an errors.Is target).
func (r *Reason) Error() string { return "idcheck: " + r.msg }

// Code is the stable, machine-readable name of the reason: "length", "charset", "birth_date" or
// "check_digit".
func (r *Reason) Code() string { return r.code }

// The reasons a number can be rejected.
var (
	ErrLength     = &Reason{"length", "wrong length"}
	ErrCharset    = &Reason{"charset", "invalid character"}
	ErrBirthDate  = &Reason{"birth_date", "invalid birth date"}
	ErrCheckDigit = &Reason{"check_digit", "check character does not match"}
)

// Scheme names the identifier kind in errors, so one handler can serve both fields.
type Scheme string

// Schemes of this package.
const (
	SchemeResidentID Scheme = "resident_id"
	SchemeCreditCode Scheme = "credit_code"
)

// Error is returned by ResidentID and CreditCode. It never contains the number itself, which is
// personal data and must not reach logs.
type Error struct {
	Scheme Scheme
	Reason *Reason
	// Detail helps a clerk find the typo (e.g. "character 7", "17 characters").
	Detail string
}

// Error formats "idcheck: resident_id: check character does not match (…)".
func (e *Error) Error() string {
	s := "idcheck: " + string(e.Scheme) + ": " + e.Reason.msg
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap makes errors.Is(err, ErrCheckDigit) and friends work.
func (e *Error) Unwrap() error { return e.Reason }

// Code returns the reason code, the part after the field name in an API field error.
func (e *Error) Code() string { return e.Reason.code }

// Resident identity number (GB 11643-1999).

var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentCheckChars = "10X98765432"

// minBirthYear rejects obviously impossible birth years (0000, 1234) without guessing at the
// oldest living person; the standard's own example is born in 1880.
const minBirthYear = 1800

// NormalizeResidentID trims surrounding white space (including the ideographic space that
// Chinese input methods produce) and upper-cases the check character x, so that stored numbers
// compare equal however they were typed.
func NormalizeResidentID(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// ResidentID checks an 18-character resident identity number: length, digits, a real birth date
// (year ≥ 1800) and the ISO 7064 MOD 11-2 check character. The input is normalised first, so a
// lower-case x is accepted; store NormalizeResidentID(s). Old 15-digit numbers are rejected,
// since they were replaced in 2013.
func ResidentID(s string) error {
	s = NormalizeResidentID(s)
	fail := func(r *Reason, detail string) error {
		return &Error{Scheme: SchemeResidentID, Reason: r, Detail: detail}
	}
	if r, detail := checkLength(s); r != nil {
		return fail(r, detail)
	}
	for i := range 17 {
		if s[i] < '0' || s[i] > '9' {
			return fail(ErrCharset, fmt.Sprintf("character %d must be a digit", i+1))
		}
	}
	if c := s[17]; (c < '0' || c > '9') && c != 'X' {
		return fail(ErrCharset, "character 18 must be a digit or X")
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < minBirthYear {
		return fail(ErrBirthDate, "characters 7–14 must be a real date YYYYMMDD")
	}
	if residentCheck(s[:17]) != s[17] {
		return fail(ErrCheckDigit, "")
	}
	return nil
}

// checkLength separates "wrong number of characters" from "right number, but some are not
// ASCII" (full-width digits from a Chinese input method), which need different messages.
func checkLength(s string) (*Reason, string) {
	if n := utf8.RuneCountInString(s); n != 18 {
		return ErrLength, fmt.Sprintf("%d characters, want 18", n)
	}
	if len(s) != 18 {
		return ErrCharset, "full-width or other non-ASCII character"
	}
	return nil, ""
}

// residentCheck computes the check character of 17 digits.
func residentCheck(body string) byte {
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * residentWeights[i]
	}
	return residentCheckChars[sum%11]
}

// Unified social credit code (GB 32100-2015).

// creditChars is the code's alphabet: digits and capitals without I, O, Z, S, V; a character's
// value is its index.
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeCreditCode trims white space and upper-cases, because codes are printed upper-case
// but often typed lower-case.
func NormalizeCreditCode(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// CreditCode checks an 18-character unified social credit code: length, alphabet and the
// MOD 31 check character. The input is normalised first; store NormalizeCreditCode(s). The
// organisation code embedded in characters 9–17 (GB 11714) is not checked separately.
func CreditCode(s string) error {
	s = NormalizeCreditCode(s)
	fail := func(r *Reason, detail string) error {
		return &Error{Scheme: SchemeCreditCode, Reason: r, Detail: detail}
	}
	if r, detail := checkLength(s); r != nil {
		return fail(r, detail)
	}
	for i := range 18 {
		if strings.IndexByte(creditChars, s[i]) < 0 {
			return fail(ErrCharset, fmt.Sprintf("character %d is not one of %s", i+1, creditChars))
		}
	}
	if creditCheck(s[:17]) != s[17] {
		return fail(ErrCheckDigit, "")
	}
	return nil
}

// creditCheck computes the check character of 17 valid code characters.
func creditCheck(body string) byte {
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(creditChars, body[i]) * creditWeights[i]
	}
	return creditChars[(31-sum%31)%31]
}

// Masking for logs.

// MaskResidentID keeps the first 6 (region) and last 4 characters and stars the rest, e.g.
// "410581********123X", so that logs can correlate records without holding personal data.
// Strings too short to mask that way are starred completely.
func MaskResidentID(s string) string { return mask(NormalizeResidentID(s), 6, 4) }

// MaskPhone keeps the first 3 and last 4 digits of a mobile number, "138****5678", the form
// Chinese users recognise. Strings too short to mask that way are starred completely.
func MaskPhone(s string) string { return mask(strings.TrimSpace(s), 3, 4) }

func mask(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// Last4 returns the last four characters (normalised, so "x" becomes "X"): enough for an
// applicant to recognise their ID, or for a clerk to confirm it by phone, without disclosing it.
// Shorter input is returned whole.
func Last4(s string) string {
	r := []rune(NormalizeResidentID(s))
	if len(r) <= 4 {
		return string(r)
	}
	return string(r[len(r)-4:])
}
