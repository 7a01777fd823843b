package logging

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRedactsSecretsAndPicksFormat(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, "info", "", false)
	l.Info("login", "username", "admin", "password", "Sunshine@2026")
	out := buf.String()
	if strings.Contains(out, "Sunshine@2026") || !strings.Contains(out, `"password":"[redacted]"`) {
		t.Fatalf("password leaked or JSON not used: %s", out)
	}
	buf.Reset()
	New(&buf, "debug", "", true).Debug("hello", "k", "v")
	if !strings.Contains(buf.String(), "level=DEBUG") {
		t.Fatalf("dev mode should log text at debug: %s", buf.String())
	}
}

func TestContextLogger(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, "info", "json", false).With("request_id", "r1")
	From(With(context.Background(), l)).Info("x")
	if !strings.Contains(buf.String(), `"request_id":"r1"`) {
		t.Fatal(buf.String())
	}
	if From(context.Background()) == nil {
		t.Fatal("default logger expected")
	}
}
