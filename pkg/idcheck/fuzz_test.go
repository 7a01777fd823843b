package idcheck

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzResidentIDNormalForm: any input is judged without panicking; a number judged valid is
// already normalised, 18 characters, and keeps its last four; its mask hides the
// birth date.
func FuzzResidentIDNormalForm(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", " 110105194912310021 ", "", "X", "1101051949123100", "11010519491331002X", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeResidentID(s)
		err := ResidentID(n)
		_ = MaskResidentID(s)
		_ = Last4(s)
		if err != nil {
			if _, ok := err.(interface{ Code() string }); !ok {
				t.Fatalf("%q: error without a code: %v", s, err)
			}
			return
		}
		if len(n) != 18 || NormalizeResidentID(n) != n || !utf8.ValidString(n) {
			t.Fatalf("%q valid but not normal: %q", s, n)
		}
		if Last4(n) != n[14:] {
			t.Fatalf("%q: last four %q", n, Last4(n))
		}
		if m := MaskResidentID(n); strings.Contains(m, n[6:14]) {
			t.Fatalf("%q: mask %q shows the birth date", n, m)
		}
	})
}

// FuzzCreditCodeCheckCharacter: any input is judged without panicking; a code judged valid is
// normalised and 18 characters; changing its check character makes it invalid.
func FuzzCreditCodeCheckCharacter(f *testing.F) {
	for _, s := range []string{"91110000600037341L", "91110000600037341A", "91310110666007217T", "", "9131011066600721", "ZZZZZZZZZZZZZZZZZZ", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeCreditCode(s)
		if err := CreditCode(n); err != nil {
			return
		}
		if len(n) != 18 || NormalizeCreditCode(n) != n {
			t.Fatalf("%q valid but not normal: %q", s, n)
		}
		for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
			if byte(c) != n[17] && CreditCode(n[:17]+string(c)) == nil {
				t.Fatalf("%q and %q both valid", n, n[:17]+string(c))
			}
		}
	})
}
