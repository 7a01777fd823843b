// Package apperr is the one error model of Sunshine: every failure that reaches a
// client carries a kind (which decides the HTTP status), a stable greppable code, a
// message in the caller's language (zh-CN by default, en on request) and, for
// validation failures, the fields at fault. Capabilities register their own codes
// and messages; the HTTP layer renders them as RFC 9457 problem+json.
package apperr

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Kind classifies an error; the transport maps each kind to one status.
type Kind int

// The kinds, in the order of their usual HTTP statuses.
const (
	KindInternal         Kind = iota // 500: a bug or an outage; details are logged, not shown
	KindBadRequest                   // 400: the request cannot be parsed (malformed JSON, bad query syntax)
	KindUnauthenticated              // 401: no valid session or token
	KindForbidden                    // 403: authenticated but not allowed
	KindNotFound                     // 404: absent, or not visible to this caller
	KindMethodNotAllowed             // 405
	KindConflict                     // 409: the state of the resource forbids it (illegal transition, duplicate)
	KindPayloadTooLarge              // 413
	KindUnsupportedMedia             // 415
	KindInvalid                      // 422: well-formed but violates a rule; Fields say where
	KindTooManyRequests              // 429
	KindUnavailable                  // 503: a dependency is down
	KindHeadersTooLarge              // 431: the request's headers exceed the read buffer
)

var kindStatus = map[Kind]int{
	KindInternal: 500, KindBadRequest: 400, KindUnauthenticated: 401, KindForbidden: 403,
	KindNotFound: 404, KindMethodNotAllowed: 405, KindConflict: 409, KindPayloadTooLarge: 413, KindUnsupportedMedia: 415,
	KindInvalid: 422, KindTooManyRequests: 429, KindUnavailable: 503, KindHeadersTooLarge: 431,
}

// Status returns the HTTP status of a kind.
func (k Kind) Status() int { return kindStatus[k] }

// Params fill the {placeholders} of a message.
type Params map[string]any

// FieldError points at one offending field by its JSON path (e.g. "applicant.id_number",
// "steps[3].time_limit").
type FieldError struct {
	Field  string
	Code   string
	Params Params
}

// Error is an error a client may see.
type Error struct {
	Kind   Kind
	Code   string
	Params Params
	Fields []FieldError
	// Cause is the underlying error, logged but never shown to clients.
	Cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if len(e.Params) > 0 {
		fmt.Fprintf(&b, " %v", map[string]any(e.Params))
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Code)
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Cause }

// New makes an error of a kind with a registered code.
func New(kind Kind, code string, params ...Params) *Error {
	e := &Error{Kind: kind, Code: code}
	if len(params) > 0 {
		e.Params = params[0]
	}
	return e
}

// Wrap attaches a cause (for the log) to a new client-facing error.
func Wrap(cause error, kind Kind, code string, params ...Params) *Error {
	e := New(kind, code, params...)
	e.Cause = cause
	return e
}

// Shorthands for the common kinds.
func BadRequest(code string, p ...Params) *Error { return New(KindBadRequest, code, p...) }
func NotFound(code string, p ...Params) *Error   { return New(KindNotFound, code, p...) }
func Conflict(code string, p ...Params) *Error   { return New(KindConflict, code, p...) }
func Forbidden(code string, p ...Params) *Error  { return New(KindForbidden, code, p...) }
func Invalid(code string, p ...Params) *Error    { return New(KindInvalid, code, p...) }
func Unauthenticated(code string, p ...Params) *Error {
	return New(KindUnauthenticated, code, p...)
}

// Internal wraps an unexpected error; clients see only a generic message and the request ID.
func Internal(cause error) *Error { return Wrap(cause, KindInternal, "internal") }

// WithField adds a field error and returns e for chaining.
func (e *Error) WithField(field, code string, params ...Params) *Error {
	f := FieldError{Field: field, Code: code}
	if len(params) > 0 {
		f.Params = params[0]
	}
	e.Fields = append(e.Fields, f)
	return e
}

// From returns err as an *Error, classifying anything unknown as internal.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// Fields collects field errors while validating a request and turns them into one
// 422 error listing every problem at once (so a clerk fixes a form in one pass).
type Fields struct {
	list []FieldError
}

// Add records a problem with a field.
func (v *Fields) Add(field, code string, params ...Params) {
	f := FieldError{Field: field, Code: code}
	if len(params) > 0 {
		f.Params = params[0]
	}
	v.list = append(v.list, f)
}

// Required records field as missing when value is blank.
func (v *Fields) Required(field, value string) bool {
	if strings.TrimSpace(value) == "" {
		v.Add(field, "required")
		return false
	}
	return true
}

// Err returns nil when nothing was recorded, else a validation error.
func (v *Fields) Err() error {
	if len(v.list) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Code: "validation_failed", Fields: v.list}
}

// Messages in both languages, registered by code. A message may contain {name}
// placeholders filled from Params.
type message struct{ zh, en string }

var (
	mu       sync.RWMutex
	messages = map[string]message{}
)

// Register adds the messages of a code. Registering a code twice with different text
// panics at start-up, which keeps codes unique across capabilities.
func Register(code, zh, en string) {
	mu.Lock()
	defer mu.Unlock()
	if old, ok := messages[code]; ok && (old.zh != zh || old.en != en) {
		panic("apperr: code registered twice with different messages: " + code)
	}
	messages[code] = message{zh: zh, en: en}
}

// Registered reports whether code has messages.
func Registered(code string) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := messages[code]
	return ok
}

// Codes lists every registered code (for documentation and tests).
func Codes() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Message renders a code's message in lang ("en" or anything else for zh-CN).
func Message(code, lang string, params Params) string {
	mu.RLock()
	m, ok := messages[code]
	mu.RUnlock()
	if !ok {
		if lang == "en" {
			return code
		}
		return code
	}
	text := m.zh
	if lang == "en" {
		text = m.en
	}
	// One pass over the template: a value that itself contains "{name}" (free text
	// typed by a user) is never substituted again.
	return placeholder.ReplaceAllStringFunc(text, func(ph string) string {
		if v, ok := params[ph[1:len(ph)-1]]; ok {
			return fmt.Sprint(v)
		}
		return ph
	})
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)
