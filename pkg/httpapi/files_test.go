package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"sunshine/pkg/apitest"
	"sunshine/pkg/authz"
	"sunshine/pkg/platform/files"
)

func multipartFile(t *testing.T, name string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// TestUploadFile: the one upload endpoint checks the kind, the caller's permission for
// it and the content; an upload may be larger than http.body_limit, other routes not.
func TestUploadFile(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Env: map[string]string{"SUNSHINE_FILES_MAX_BYTES": "3145728"}})
	env.App.Files.Register("test.material", files.Policy{MaxBytes: 2 << 20, Types: files.Documents, UploadPerm: authz.CaseIntake})
	clerk := env.Login("410581", "clerk")
	supervisor := env.Login("410581", "supervisor")

	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0"), 1_500_000)...) // over the 1 MiB body limit of the tests
	ct, body := multipartFile(t, "申请书.pdf", pdf)
	r := clerk.DoRaw("POST", "/api/v1/files?kind=test.material", ct, body)
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var got struct {
		ID   string `json:"id"`
		Size int64  `json:"size"`
	}
	r.JSON(t, &got)
	if got.Size != int64(len(pdf)) || !strings.Contains(string(r.Body), `"media_type":"application/pdf"`) || !strings.Contains(string(r.Body), `"name":"申请书.pdf"`) {
		t.Fatalf("stored: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "blob") {
		t.Fatalf("the blob key leaked: %s", r.Body)
	}

	for _, tc := range []struct {
		name   string
		c      *apitest.Client
		query  string
		file   string
		data   []byte
		status int
		code   string
	}{
		{"unknown kind", clerk, "?kind=nope", "a.pdf", pdf[:100], 422, "validation_failed"},
		{"no kind", clerk, "", "a.pdf", pdf[:100], 422, "validation_failed"},
		{"without the kind's permission", supervisor, "?kind=test.material", "a.pdf", pdf[:100], 403, "forbidden"},
		{"disguised", clerk, "?kind=test.material", "a.pdf", []byte("<html><script>alert(1)</script>"), 415, "files.type_not_allowed"},
		{"over the kind's limit", clerk, "?kind=test.material", "a.pdf", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0"), 2<<20)...), 413, "files.too_large"},
	} {
		ct, body := multipartFile(t, tc.file, tc.data)
		r := tc.c.DoRaw("POST", "/api/v1/files"+tc.query, ct, body)
		if r.Status != tc.status || r.Problem(t).Code != tc.code {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
	}
	if r := env.Anonymous().DoRaw("POST", "/api/v1/files?kind=test.material", ct, body); r.Status != 401 {
		t.Errorf("anonymous: %d", r.Status)
	}
	// Any other route keeps http.body_limit although the server reads larger bodies.
	big := `{"display_name":"` + strings.Repeat("x", 1_200_000) + `"}`
	if r := clerk.DoRaw("POST", "/api/v1/me/password", "application/json", []byte(big)); r.Status != 413 {
		t.Errorf("a large JSON body: %d %s", r.Status, r.Body[:min(len(r.Body), 200)])
	}
}
