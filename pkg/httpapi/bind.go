package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"sunshine/pkg/apperr"
)

// Bind decodes the JSON body into v strictly: the content type must be JSON, the
// body one JSON value, no unknown fields. Syntax errors are 400; a value of the
// wrong type or an unknown field is 422 naming the field.
func Bind(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.BadRequest("malformed_json", apperr.Params{"reason": "empty body"})
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasSuffix(strings.SplitN(ct, ";", 2)[0], "+json") {
		return apperr.New(apperr.KindUnsupportedMedia, "unsupported_media_type")
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD; PostgreSQL text can
	// hold neither that nor NUL (which JSON can only spell \u0000): both are refused
	// here, before any service sees them.
	if !utf8.Valid(body) {
		return apperr.BadRequest("malformed_json", apperr.Params{"reason": "the body is not valid UTF-8"})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, body, reflect.TypeOf(v))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.BadRequest("malformed_json", apperr.Params{"reason": "trailing data after the JSON value"})
	}
	if bytes.Contains(body, []byte(`\u0000`)) {
		if path, ok := findNUL(body); ok {
			return apperr.Invalid("validation_failed").WithField(path, "invalid_characters")
		}
	}
	return nil
}

// findNUL locates the first string (or object key) holding a NUL character, as a
// field path ("applicant.name", "materials[1].name"). The fast path above only gets
// here when the body spells \u0000 somewhere (possibly as an escaped backslash).
func findNUL(body []byte) (string, bool) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", false
	}
	return walkJSON(doc, "", func(s string) bool { return strings.ContainsRune(s, 0) })
}

func walkJSON(v any, path string, bad func(string) bool) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, bad(x)
	case []any:
		for i, e := range x {
			if p, ok := walkJSON(e, fmt.Sprintf("%s[%d]", path, i), bad); ok {
				return p, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := joinPath(path, k)
			if bad(k) {
				return p, true
			}
			if p, ok := walkJSON(x[k], p, bad); ok {
				return p, true
			}
		}
	}
	return "", false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// locateTextError finds the field whose string its Go type refused (a UUID, a date):
// encoding/json reports such errors without saying where. It walks the JSON document
// along the target type and tries each string on its type's UnmarshalText.
func locateTextError(body []byte, t reflect.Type) (string, bool) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", false
	}
	return locateIn(doc, t, "")
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func locateIn(v any, t reflect.Type, path string) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := v.(string); ok && reflect.PointerTo(t).Implements(textUnmarshaler) {
		return path, reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)) != nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if f, ok := jsonField(t, k); ok {
				if p, ok := locateIn(m[k], f.Type, joinPath(path, k)); ok {
					return p, true
				}
			}
		}
	case reflect.Slice, reflect.Array:
		list, ok := v.([]any)
		if !ok {
			return "", false
		}
		for i, e := range list {
			if p, ok := locateIn(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, true
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		for k, e := range m {
			if p, ok := locateIn(e, t.Elem(), joinPath(path, k)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// jsonField finds the struct field a JSON key decodes into (its tag name, else its
// name, matched case-insensitively as encoding/json does; embedded structs included).
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if inner, ok := jsonField(ft, key); ok {
					return inner, true
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func decodeError(err error, body []byte, target reflect.Type) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.BadRequest("malformed_json", apperr.Params{"reason": fmt.Sprintf("syntax error at byte %d", syn.Offset)})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.BadRequest("malformed_json", apperr.Params{"reason": "unexpected end of input"})
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.BadRequest("malformed_json", apperr.Params{"reason": "the body must be a JSON " + typ.Type.Kind().String()})
		}
		return apperr.Invalid("validation_failed").WithField(field, "wrong_type", apperr.Params{"want": jsonType(typ.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalid("validation_failed").WithField(name, "unknown_field")
	default:
		// Values that fail their own UnmarshalJSON (dates, UUIDs, enums).
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return ae
		}
		// A string its type refused (a malformed UUID): well-formed JSON, a bad value.
		if target != nil {
			if path, ok := locateTextError(body, target); ok {
				return apperr.Invalid("validation_failed").WithField(path, "invalid_format")
			}
		}
		return apperr.BadRequest("malformed_json", apperr.Params{"reason": err.Error()})
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	default:
		return "number"
	}
}

// PathUUID parses a UUID path parameter; a malformed one is a 404 (it cannot name
// anything), which also keeps probing responses uniform.
func PathUUID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.Nil, apperr.NotFound("not_found")
	}
	return id, nil
}

// Page is a pagination request.
type Page struct {
	Page     int
	PageSize int
}

// Offset is the number of rows to skip.
func (p Page) Offset() int { return (p.Page - 1) * p.PageSize }

// MaxPageOffset bounds how deep a listing may page: past it (page − 1) × page_size
// once overflowed into a negative offset, which the database treats as none — a page
// 9,223,372,036,854,775,807 answered page 1.
const MaxPageOffset = 1_000_000

// QueryPage reads page and page_size (default 1 and 20, page_size at most 200); a page
// whose offset passes MaxPageOffset is a 422 naming the largest page.
func QueryPage(c *fiber.Ctx) (Page, error) {
	p := Page{Page: 1, PageSize: 20}
	if s := c.Query("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, apperr.BadRequest("bad_query", apperr.Params{"param": "page", "reason": "must be a positive integer"})
		}
		p.Page = n
	}
	if s := c.Query("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return p, apperr.BadRequest("bad_query", apperr.Params{"param": "page_size", "reason": "must be between 1 and 200"})
		}
		p.PageSize = n
	}
	if max := MaxPageOffset/p.PageSize + 1; p.Page > max {
		return p, apperr.Invalid("validation_failed").WithField("page", "out_of_range", apperr.Params{"min": 1, "max": max})
	}
	return p, nil
}

// checkRequestText refuses, before any handler, a path or query parameter holding NUL
// or invalid UTF-8 (PostgreSQL stores neither; a lookup with one answered 500): the
// raw path and its percent-decoded form, every query key and value.
func checkRequestText(c *fiber.Ctx) error {
	raw := c.Path()
	decoded, err := url.PathUnescape(raw)
	if err != nil || !cleanText(raw) || !cleanText(decoded) {
		return apperr.BadRequest("bad_path_param", apperr.Params{"param": "path"})
	}
	var bad string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if bad == "" && (!cleanBytes(k) || !cleanBytes(v)) {
			bad = strings.ToValidUTF8(strings.ReplaceAll(string(k), "\x00", ""), "")
			if bad == "" {
				bad = "?"
			}
		}
	})
	if bad != "" {
		return apperr.BadRequest("bad_query", apperr.Params{"param": truncateRunes(bad, 64), "reason": "must be UTF-8 text without NUL characters"})
	}
	return c.Next()
}

func cleanText(s string) bool  { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
func cleanBytes(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// List is the envelope of every collection response.
type List[T any] struct {
	Items    []T `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page,omitempty"`
	PageSize int `json:"page_size,omitempty"`
}

// Items wraps a full (unpaginated) collection.
func Items[T any](items []T) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Total: len(items)}
}
