package idcheck_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"sunshine/pkg/idcheck"
)

// withCheck appends the GB 11643 check character to 17 digits. It is a second, independent
// implementation, used to build numbers that fail for exactly one other reason.
func withCheck(body string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

func TestResidentID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"standard example", "11010519491231002X", nil},
		{"standard example born 1880", "440524188001010014", nil},
		{"lower-case x", "11010519491231002x", nil},
		{"surrounding spaces", " 11010519491231002X\t", nil},
		{"ideographic space", "\u300011010519491231002X", nil},
		{"abolished address code 410504", withCheck("41050419850612123"), nil},
		{"leap day", withCheck("41058120000229123"), nil},
		{"empty", "", idcheck.ErrLength},
		{"17 characters", "11010519491231002", idcheck.ErrLength},
		{"19 characters", "11010519491231002X1", idcheck.ErrLength},
		{"old 15-digit number", "110105491231002", idcheck.ErrLength},
		{"letter in body", "1101051949123100AX", idcheck.ErrCharset},
		{"letter O for zero", "11010519491231OO2X", idcheck.ErrCharset},
		{"bad check letter", "11010519491231002Y", idcheck.ErrCharset},
		{"full-width digit", "1101051949123100２X", idcheck.ErrCharset},
		{"February 31st", withCheck("11010519490231002"), idcheck.ErrBirthDate},
		{"not a leap year", withCheck("41058119000229123"), idcheck.ErrBirthDate},
		{"month 13", withCheck("11010519491301002"), idcheck.ErrBirthDate},
		{"year 0000", withCheck("11010500000101002"), idcheck.ErrBirthDate},
		{"wrong check digit", "110105194912310021", idcheck.ErrCheckDigit},
		{"transposed address digits", "10110519491231002X", idcheck.ErrCheckDigit},
		{"transposed sequence", "11010519491231020X", idcheck.ErrCheckDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := idcheck.ResidentID(tt.in)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("ResidentID(%q) = %v, want %v", tt.in, err, tt.want)
			}
			if err == nil {
				return
			}
			var e *idcheck.Error
			if !errors.As(err, &e) || e.Scheme != idcheck.SchemeResidentID || e.Code() != tt.want.(*idcheck.Reason).Code() {
				t.Errorf("error %#v does not carry scheme and code", err)
			}
			if n := idcheck.NormalizeResidentID(tt.in); len(n) > 6 && strings.Contains(err.Error(), n) {
				t.Errorf("error message %q leaks the number", err)
			}
		})
	}
}

func TestCreditCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"example 1", "91110000600037341L", nil},
		{"example 2", "91310110666007217T", nil},
		{"lower case", "91110000600037341l", nil},
		{"spaces", "  91310110666007217T ", nil},
		{"empty", "", idcheck.ErrLength},
		{"17 characters", "91110000600037341", idcheck.ErrLength},
		{"19 characters", "91110000600037341L0", idcheck.ErrLength},
		{"letter I is not in the alphabet", "91110000600037341I", idcheck.ErrCharset},
		{"letter O is not in the alphabet", "9111000060003734OL", idcheck.ErrCharset},
		{"letter Z", "Z1110000600037341L", idcheck.ErrCharset},
		{"punctuation", "91110000-00037341L", idcheck.ErrCharset},
		{"full-width", "9111000060003734１L", idcheck.ErrCharset},
		{"wrong check", "91110000600037341M", idcheck.ErrCheckDigit},
		{"one digit changed", "91110000600037342L", idcheck.ErrCheckDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := idcheck.CreditCode(tt.in)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CreditCode(%q) = %v, want %v", tt.in, err, tt.want)
			}
			var e *idcheck.Error
			if err != nil && (!errors.As(err, &e) || e.Scheme != idcheck.SchemeCreditCode) {
				t.Errorf("error %#v does not carry the scheme", err)
			}
		})
	}
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	for r, code := range map[*idcheck.Reason]string{
		idcheck.ErrLength:     "length",
		idcheck.ErrCharset:    "charset",
		idcheck.ErrBirthDate:  "birth_date",
		idcheck.ErrCheckDigit: "check_digit",
	} {
		if r.Code() != code {
			t.Errorf("%v: code %q, want %q", r, r.Code(), code)
		}
	}
	err := idcheck.ResidentID("110105194912310021")
	var e *idcheck.Error
	if !errors.As(err, &e) || "id_number."+e.Code() != "id_number.check_digit" {
		t.Errorf("field code from %v", err)
	}
	if err.Error() != "idcheck: resident_id: check character does not match" {
		t.Errorf("message %q", err)
	}
	if errors.Is(err, idcheck.ErrLength) {
		t.Error("check digit error must not match ErrLength")
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	if got := idcheck.NormalizeResidentID(" 11010519491231002x\n"); got != "11010519491231002X" {
		t.Errorf("NormalizeResidentID = %q", got)
	}
	if got := idcheck.NormalizeCreditCode("\u300091110000600037341l "); got != "91110000600037341L" {
		t.Errorf("NormalizeCreditCode = %q", got)
	}
}

func TestMasking(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"resident ID", idcheck.MaskResidentID("41058119900101123X"), "410581********123X"},
		{"resident ID lower x", idcheck.MaskResidentID("41058119900101123x"), "410581********123X"},
		{"15-digit ID", idcheck.MaskResidentID("410581900101123"), "410581*****1123"},
		{"short ID", idcheck.MaskResidentID("4105811"), "*******"},
		{"empty ID", idcheck.MaskResidentID(""), ""},
		{"phone", idcheck.MaskPhone("13812345678"), "138****5678"},
		{"landline", idcheck.MaskPhone("0372-5123456"), "037*****3456"},
		{"short phone", idcheck.MaskPhone("1234567"), "*******"},
		{"last4", idcheck.Last4("11010519491231002x"), "002X"},
		{"last4 short", idcheck.Last4("12"), "12"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestGenerateResidentID(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	codes := []string{"410581", "410504", "410526"}
	for i := range 2000 {
		birth := time.Date(1930+rng.IntN(90), time.Month(1+rng.IntN(12)), 1+rng.IntN(31), 0, 0, 0, 0, time.UTC)
		male := i%2 == 0
		id := idcheck.GenerateResidentID(rng, codes[i%len(codes)], birth, male)
		if err := idcheck.ResidentID(id); err != nil {
			t.Fatalf("generated %s: %v", id, err)
		}
		if id[:6] != codes[i%len(codes)] || id[6:14] != birth.Format("20060102") {
			t.Fatalf("generated %s for %s born %s", id, codes[i%len(codes)], birth.Format(time.DateOnly))
		}
		if seq := id[14:17]; seq == "000" || (int(seq[2]-'0')%2 == 1) != male {
			t.Fatalf("generated %s: sequence %s for male=%v", id, seq, male)
		}
	}
	for _, bad := range []string{"41058", "41058A", "4105811"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("address code %q: want a panic", bad)
				}
			}()
			idcheck.GenerateResidentID(rng, bad, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), true)
		}()
	}
}

func TestGenerateCreditCode(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, prefix := range []string{"", "9", "91", "91410500", "91410500MA", "12410500", "5141050000000000X", "91410500ma"} {
		for range 300 {
			code := idcheck.GenerateCreditCode(rng, prefix)
			if err := idcheck.CreditCode(code); err != nil {
				t.Fatalf("prefix %q generated %s: %v", prefix, code, err)
			}
			if !strings.HasPrefix(code, strings.ToUpper(prefix)) {
				t.Fatalf("prefix %q generated %s", prefix, code)
			}
			if len(prefix) <= 8 && !orgCodeValid(code[8:17]) {
				t.Fatalf("prefix %q generated %s with an invalid organisation code", prefix, code)
			}
		}
	}
	for _, bad := range []string{"91410500I", "914105000000000000"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("prefix %q: want a panic", bad)
				}
			}()
			idcheck.GenerateCreditCode(rng, bad)
		}()
	}
}

// orgCodeValid checks the GB 11714 check character of an organisation code; the two examples of
// domain-facts §8 satisfy it (60003734-1, 66600721-7), which validates this helper.
func orgCodeValid(s string) bool {
	w := []int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 8 {
		sum += int(s[i]-'0') * w[i]
	}
	want := "0123456789X0"[11-sum%11]
	return s[8] == want
}

func TestOrgCodeHelper(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"91110000600037341L", "91310110666007217T"} {
		if !orgCodeValid(c[8:17]) {
			t.Errorf("%s: organisation code check failed", c)
		}
	}
}

func FuzzResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "11010519491231002x", "", "１1010519491231002X", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := idcheck.ResidentID(s)
		_ = idcheck.MaskResidentID(s)
		_ = idcheck.Last4(s)
		_ = idcheck.MaskPhone(s)
		if err == nil {
			n := idcheck.NormalizeResidentID(s)
			if len(n) != 18 || idcheck.ResidentID(n) != nil {
				t.Fatalf("accepted %q but not its normal form %q", s, n)
			}
			if m := idcheck.MaskResidentID(s); len(m) != 18 || m[:6] != n[:6] || m[14:] != n[14:] {
				t.Fatalf("mask %q of %q", m, n)
			}
		}
	})
}

func FuzzCreditCode(f *testing.F) {
	for _, s := range []string{"91110000600037341L", "91310110666007217T", "91110000600037341l", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if idcheck.CreditCode(s) == nil {
			if n := idcheck.NormalizeCreditCode(s); len(n) != 18 || idcheck.CreditCode(n) != nil {
				t.Fatalf("accepted %q but not its normal form %q", s, n)
			}
		}
	})
}
