package httpapi

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"golang.org/x/text/language"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/logging"
)

// Problem is an RFC 9457 problem document with Sunshine's extensions.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Code      string         `json:"code"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
	// Extra members specific to a code (e.g. the current state of a resource on 409).
	Extra map[string]any `json:"extra,omitempty"`
}

// ProblemField is one field error.
type ProblemField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

var supported = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// Lang picks the response language: "en" when Accept-Language prefers English, else
// "zh-CN" (the default for anyone who asks for nothing or something else).
func Lang(c *fiber.Ctx) string {
	header := c.Get(fiber.HeaderAcceptLanguage)
	if header == "" {
		return "zh-CN"
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return "zh-CN"
	}
	_, idx, conf := supported.Match(tags...)
	if idx == 1 && conf != language.No {
		return "en"
	}
	return "zh-CN"
}

// WriteProblem renders err as problem+json in the request's language and logs it:
// 4xx at warn with the code, 5xx at error with the cause (never shown to the client).
func WriteProblem(c *fiber.Ctx, err error) error {
	e := apperr.From(err)
	if e.Kind == apperr.KindInternal && db.Unavailable(e.Cause) {
		// A database outage is no bug and no bad request: the client may retry.
		e = db.Outage(e.Cause)
	}
	status := e.Kind.Status()
	c.Locals(localProblem, e)
	lang := Lang(c)
	p := Problem{
		Type:      "https://sunshine.gov.cn/problems/" + strings.ReplaceAll(e.Code, "_", "-"),
		Title:     apperr.Message(e.Code, "en", e.Params),
		Status:    status,
		Detail:    apperr.Message(e.Code, lang, e.Params),
		Code:      e.Code,
		Instance:  c.Path(),
		RequestID: requestID(c),
	}
	if p.RequestID == "" {
		// fasthttp refused the request before any middleware ran (e.g. oversized body).
		p.RequestID = uuid.NewString()
		c.Set(fiber.HeaderXRequestID, p.RequestID)
	}
	if status == fiber.StatusInternalServerError {
		p.Title = "Internal Server Error"
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, ProblemField{Field: f.Field, Code: f.Code, Message: apperr.Message(f.Code, lang, f.Params)})
	}
	if extra, ok := e.Params["extra"].(map[string]any); ok {
		p.Extra = extra
	}
	log := logging.From(c.UserContext())
	if status >= 500 {
		log.Error("request failed", "status", status, "code", e.Code, "error", e.Error())
	} else {
		log.Warn("request refused", "status", status, "code", e.Code, "fields", len(e.Fields))
	}
	if status == fiber.StatusTooManyRequests || status == fiber.StatusServiceUnavailable {
		if ra, ok := e.Params["retry_after"]; ok {
			c.Set(fiber.HeaderRetryAfter, toString(ra))
		}
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, "application/problem+json; charset=utf-8")
	return c.JSON(p, "application/problem+json; charset=utf-8")
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return itoa(x)
	case int64:
		return itoa(int(x))
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// errorHandler is Fiber's last resort: it maps Fiber's own errors (unknown route,
// oversized body, timeouts) and anything a handler returned to problem+json.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			switch fe.Code {
			case fiber.StatusNotFound:
				err = apperr.NotFound("route_not_found", apperr.Params{"method": c.Method(), "path": c.Path()})
			case fiber.StatusMethodNotAllowed:
				err = apperr.New(apperr.KindMethodNotAllowed, "method_not_allowed", apperr.Params{"method": c.Method()})
			case fiber.StatusRequestEntityTooLarge:
				err = apperr.New(apperr.KindPayloadTooLarge, "payload_too_large", apperr.Params{"limit": c.App().Config().BodyLimit})
			case fiber.StatusRequestHeaderFieldsTooLarge:
				err = apperr.New(apperr.KindHeadersTooLarge, "headers_too_large", apperr.Params{"limit": c.App().Config().ReadBufferSize})
			case fiber.StatusRequestTimeout:
				err = apperr.New(apperr.KindBadRequest, "timeout")
			case fiber.StatusBadRequest:
				err = apperr.BadRequest("malformed_json", apperr.Params{"reason": fe.Message})
			case fiber.StatusUnsupportedMediaType:
				err = apperr.New(apperr.KindUnsupportedMedia, "unsupported_media_type")
			default:
				if fe.Code >= 500 {
					err = apperr.Internal(fe)
				} else {
					err = apperr.New(apperr.KindBadRequest, "malformed_json", apperr.Params{"reason": fe.Message})
				}
			}
		}
		return WriteProblem(c, err)
	}
}
