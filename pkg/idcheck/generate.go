package idcheck

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// GenerateResidentID returns a valid resident identity number for demo and test data, so that
// fake applicants pass the same validation as real ones. The sequence number is odd for men and
// even for women, as the standard requires. addressCode must be 6 digits and birth must fall in
// years 1800–9999; anything else panics, because generators are programmer-controlled.
func GenerateResidentID(rng *rand.Rand, addressCode string, birth time.Time, male bool) string {
	if len(addressCode) != 6 || !allDigits(addressCode) {
		panic(fmt.Sprintf("idcheck: address code %q must be 6 digits", addressCode))
	}
	if y := birth.Year(); y < minBirthYear || y > 9999 {
		panic(fmt.Sprintf("idcheck: birth year %d out of range", y))
	}
	var seq int
	if male {
		seq = rng.IntN(500)*2 + 1 // 001…999, odd
	} else {
		seq = rng.IntN(499)*2 + 2 // 002…998, even
	}
	body := fmt.Sprintf("%s%s%03d", addressCode, birth.Format("20060102"), seq)
	return body + string(residentCheck(body))
}

// GenerateCreditCode returns a valid unified social credit code starting with prefix (e.g.
// "91410500": enterprise registered by market regulation in 安阳市). Missing characters 3–8 are
// filled with digits; when the prefix leaves characters 9–17 free they form a random organisation
// code with a correct GB 11714 check character, so generated codes also pass stricter validators.
// A prefix longer than 17 characters or outside the code's alphabet panics.
func GenerateCreditCode(rng *rand.Rand, prefix string) string {
	prefix = NormalizeCreditCode(prefix)
	if len(prefix) > 17 {
		panic(fmt.Sprintf("idcheck: credit code prefix %q longer than 17 characters", prefix))
	}
	for i := range len(prefix) {
		if strings.IndexByte(creditChars, prefix[i]) < 0 {
			panic(fmt.Sprintf("idcheck: credit code prefix %q has a character outside %s", prefix, creditChars))
		}
	}
	var b strings.Builder
	b.WriteString(prefix)
	if b.Len() == 0 {
		b.WriteString("91") // enterprise (9) company (1), the most common kind
	}
	if b.Len() == 1 {
		b.WriteByte('1')
	}
	if b.Len() <= 8 {
		for b.Len() < 8 {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		org := make([]byte, 8)
		for i := range org {
			org[i] = byte('0' + rng.IntN(10))
		}
		b.Write(org)
		b.WriteByte(orgCodeCheck(org))
	}
	for b.Len() < 17 {
		b.WriteByte(byte('0' + rng.IntN(10)))
	}
	body := b.String()
	return body + string(creditCheck(body))
}

// orgCodeCheck is the GB 11714 organisation code check character for 8 digits.
func orgCodeCheck(digits []byte) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, d := range digits {
		sum += int(d-'0') * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
