package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

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
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.BadRequest("malformed_json", apperr.Params{"reason": "trailing data after the JSON value"})
	}
	return nil
}

func decodeError(err error) error {
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

// QueryPage reads page and page_size (default 1 and 20, page_size at most 200).
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
	return p, nil
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
