package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"sunshine/pkg/apperr"
	"sunshine/pkg/casework"
)

// FuzzBind: any body bound into a request type is accepted or refused as a 4xx —
// never a panic, never an internal error — and what is accepted holds no NUL and no
// invalid UTF-8 (PostgreSQL stores neither).
func FuzzBind(f *testing.F) {
	for _, s := range []string{
		`{"power_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","applicant":{"type":"person","name":"张三"}}`,
		`{"power_id":"xyz"}`, `{"window_id":"123","fees":[{"item":"x","amount_fen":9223372036854775808}]}`,
		`{"applicant":{"name":"a\u0000b"}}`, `{"applicant":{"name":"a\\u0000b"}}`, "{\"applicant\":{\"name\":\"\xff\"}}",
		`{"materials":[{"name":1}]}`, `{"unknown":1}`, `[]`, `{} {}`, ``, `{"captcha_id":"x","captcha_answer":"12345"}`,
		`{"materials":[{"name":"申请书","provided":true,"copies":-1}],"project_id":null}`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	app := fiber.New()
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		var rc fasthttp.RequestCtx
		rc.Request.Header.SetMethod("POST")
		rc.Request.Header.SetContentType(contentType)
		rc.Request.SetBody(body)
		c := app.AcquireCtx(&rc)
		defer app.ReleaseCtx(c)
		var in publicApplication
		err := Bind(c, &in)
		if err != nil {
			e := apperr.From(err)
			if s := e.Kind.Status(); s < 400 || s >= 500 {
				t.Fatalf("%q: status %d (%v)", body, s, err)
			}
			return
		}
		out, merr := json.Marshal(in)
		if merr != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", body, merr)
		}
		var doc any
		_ = json.Unmarshal(out, &doc)
		if path, bad := walkJSON(doc, "", func(s string) bool {
			// U+FFFD is fine only where the body spelt it (escaped or as is), never as a
			// replacement for a byte that was not UTF-8.
			spelt := strings.Contains(strings.ToLower(string(body)), `\ufffd`) || strings.ContainsRune(string(body), utf8.RuneError)
			return strings.ContainsRune(s, 0) || strings.ContainsRune(s, utf8.RuneError) && !spelt
		}); bad {
			t.Fatalf("accepted %q holding NUL or a replaced byte at %s: %s", body, path, out)
		}
		_ = casework.NormalizeQueryCode(in.CaptchaID)
	})
}
