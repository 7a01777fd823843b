package casework

import (
	"errors"
	"regexp"
	"testing"

	"sunshine/pkg/apperr"
	"sunshine/pkg/idcheck"
)

var machineWord = regexp.MustCompile(`[a-z_]{3,}`)

// TestChineseMessagesCarryNoMachineCodes renders the conflict and identity messages a
// clerk sees in Chinese for every status, action and rejection reason: none may show
// an English status or reason code (the English rendering keeps the codes).
func TestChineseMessagesCarryNoMachineCodes(t *testing.T) {
	for status := range StatusLabels {
		for action := range actionLabels {
			var ae *apperr.Error
			if !errors.As(illegal(&Case{Status: status}, action), &ae) {
				t.Fatal("illegal must return an *apperr.Error")
			}
			zh := apperr.Message(ae.Code, "zh-CN", ae.Params)
			if machineWord.MatchString(zh) {
				t.Errorf("%s/%s: %q", status, action, zh)
			}
			if en := apperr.Message(ae.Code, "en", ae.Params); !regexp.MustCompile(status).MatchString(en) {
				t.Errorf("the English message keeps the status code: %q", en)
			}
		}
	}
	for _, r := range []*idcheck.Reason{idcheck.ErrLength, idcheck.ErrCharset, idcheck.ErrBirthDate, idcheck.ErrCheckDigit} {
		zh := apperr.Message("casework.id_number_invalid", "zh-CN", idReason(r))
		if machineWord.MatchString(zh) {
			t.Errorf("%s: %q", r.Code(), zh)
		}
	}
	if got := apperr.Message("casework.id_number_invalid", "zh-CN", idReason(idcheck.ErrCheckDigit)); got != "身份证号码无效（校验码不符）" {
		t.Errorf("got %q", got)
	}
}
