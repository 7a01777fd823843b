package appraisal

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
)

// Points is a fixed-point decimal in hundredths (87.25 points is 8725). Every score,
// weight and rule parameter is one, so that the same inputs always give the same
// integers: no binary floating point is ever involved. A rule's percentages use the
// same type (10 % is 1000, i.e. basis points).
//
// In JSON a Points is a number with at most two decimals (14, 2.5, -0.25); more
// decimals, exponents or strings are refused rather than rounded.
type Points int64

// maxPoints bounds any Points read from a request (a million points).
const maxPoints = 100_000_000

// MarshalJSON writes the shortest exact decimal: 14, 2.5, -0.25.
func (p Points) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// String is the exact decimal form.
func (p Points) String() string {
	neg := p < 0
	v := int64(p)
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/100, 10)
	if frac := v % 100; frac != 0 {
		f := strconv.FormatInt(frac+100, 10)[1:]
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Fixed2 writes two decimals always (87.00): tables and spreadsheets.
func (p Points) Fixed2() string {
	neg := p < 0
	v := int64(p)
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/100, 10) + "." + strconv.FormatInt(v%100+100, 10)[1:]
	if neg {
		s = "-" + s
	}
	return s
}

var errPoints = errors.New("a number with at most two decimals")

// UnmarshalJSON reads a JSON number with at most two decimals. Anything else is a
// type error (the transport names the field: 422, not a malformed body).
func (p *Points) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	v, err := ParsePoints(string(b))
	if err != nil {
		return &json.UnmarshalTypeError{Value: "number " + truncate(string(b), 20), Type: reflect.TypeFor[Points]()}
	}
	*p = v
	return nil
}

// ParsePoints reads "14", "2.5", "-0.25".
func ParsePoints(s string) (Points, error) {
	if s == "" || len(s) > 16 {
		return 0, errPoints
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasFrac && frac == "") {
		return 0, errPoints
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, errPoints
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, errPoints
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*100 + f
	if v > maxPoints {
		return 0, errPoints
	}
	if neg {
		v = -v
	}
	return Points(v), nil
}

// mulDivRound is a×b/c rounded half away from zero (c > 0), in integers.
func mulDivRound(a, b, c int64) int64 {
	n := a * b
	if n >= 0 {
		return (n + c/2) / c
	}
	return -((-n + c/2) / c)
}

func clamp(v, lo, hi int64) int64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// rateBP is num/den in basis points (hundredths of a percent), rounded half up; 0
// when there is no denominator.
func rateBP(num, den int64) int64 {
	if den <= 0 {
		return 0
	}
	return mulDivRound(num, 10000, den)
}
