package casework

import (
	"crypto/rand"
	"strings"
)

// The query code (查询码) of a case: QueryCodeLen characters of Crockford's base-32
// alphabet (no I, L, O, U: nothing to misread on a receipt), 5 bits each — 50 random
// bits. The public status lookup needs it with the tracking number; the lookup is
// also rate-limited per address and per tracking number, so at most a few hundred
// guesses a day reach one case: 2^50 codes make a guess hopeless. The database's
// new_query_code() makes codes of the same form for rows written without one.
const (
	QueryCodeLen      = 10
	queryCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// NewQueryCode draws a query code from the operating system's random source.
func NewQueryCode() string {
	b := make([]byte, QueryCodeLen)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = queryCodeAlphabet[b[i]%32] // 256 is a multiple of 32: uniform
	}
	return string(b)
}

// NormalizeQueryCode reads a code as typed: case, spaces and hyphens do not matter,
// and the letters Crockford's alphabet leaves out read as the digits they resemble.
func NormalizeQueryCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FormatQueryCode groups a code for reading aloud and printing: "7K3QF-9MX2P".
func FormatQueryCode(code string) string {
	if len(code) != QueryCodeLen {
		return code
	}
	return code[:5] + "-" + code[5:]
}
