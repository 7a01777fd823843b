package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestMessagesInBothLanguages(t *testing.T) {
	if got := Message("payload_too_large", "zh-CN", Params{"limit": 1024}); got != "请求体超过大小限制（1024 字节）" {
		t.Fatalf("zh: %q", got)
	}
	if got := Message("payload_too_large", "en", Params{"limit": 1024}); got != "The request body exceeds the size limit (1024 bytes)" {
		t.Fatalf("en: %q", got)
	}
}

func TestFromClassifiesUnknownErrorsAsInternal(t *testing.T) {
	cause := errors.New("boom")
	e := From(fmt.Errorf("wrapped: %w", cause))
	if e.Kind != KindInternal || e.Kind.Status() != 500 || !errors.Is(e, cause) {
		t.Fatalf("got %+v", e)
	}
	nf := NotFound("not_found")
	if From(fmt.Errorf("ctx: %w", nf)) != nf || !IsKind(nf, KindNotFound) {
		t.Fatal("an *Error must pass through From unchanged")
	}
}

func TestFieldsCollectEveryProblem(t *testing.T) {
	var v Fields
	v.Required("name", " ")
	v.Required("code", "410581")
	v.Add("phone", "invalid_format")
	err := v.Err()
	e := From(err)
	if e.Kind != KindInvalid || e.Kind.Status() != 422 || len(e.Fields) != 2 || e.Fields[0].Field != "name" || e.Fields[1].Field != "phone" {
		t.Fatalf("got %+v", e)
	}
	var empty Fields
	if empty.Err() != nil {
		t.Fatal("no problems must give a nil error")
	}
}

func TestRegisterRejectsConflictingDuplicates(t *testing.T) {
	Register("test_dup", "甲", "a")
	Register("test_dup", "甲", "a") // identical is fine (init order independence)
	defer func() {
		if recover() == nil {
			t.Fatal("want panic on conflicting registration")
		}
	}()
	Register("test_dup", "乙", "b")
}
