// Package logging builds the process logger (log/slog: JSON in production, text in
// dev) and carries a request-scoped logger in the context, so every line written while
// serving a request names its request, tenant and user.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// New returns a logger writing to w at level ("debug"…"error") in format ("json" or
// "text"; empty picks text in dev and JSON otherwise).
func New(w io.Writer, level, format string, dev bool) *slog.Logger {
	var lvl slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		lvl = slog.LevelInfo
	}
	if format == "" {
		format = "json"
		if dev {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: redact}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// sensitiveKeys never reach a log line with their value, whoever logs them.
var sensitiveKeys = map[string]bool{
	"password": true, "new_password": true, "old_password": true, "token": true,
	"authorization": true, "cookie": true, "secret": true, "app_password": true,
}

func redact(_ []string, a slog.Attr) slog.Attr {
	if sensitiveKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "[redacted]")
	}
	return a
}

type ctxKey struct{}

// With stores a logger in the context.
func With(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the context's logger, or the default logger.
func From(ctx context.Context) *slog.Logger {
	if ctx != nil {
		if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok {
			return l
		}
	}
	return slog.Default()
}

// Discard is a logger that writes nothing (tests).
func Discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
