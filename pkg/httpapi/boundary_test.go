package httpapi_test

import (
	"strings"
	"testing"

	"sunshine/pkg/apitest"
)

// TestBadTextIsRefusedAtTheBoundary: NUL bytes and invalid UTF-8 in query parameters,
// path parameters and JSON strings answered 500 (PostgreSQL refuses them); they are
// 400/422 problem+json before any handler, on authenticated and public endpoints alike.
func TestBadTextIsRefusedAtTheBoundary(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	clerk := env.Login("410581", "clerk")
	anon := env.Anonymous()
	for _, tc := range []struct {
		who        *apitest.Client
		path, code string
	}{
		{clerk, "/api/v1/cases?q=%00", "bad_query"},
		{clerk, "/api/v1/cases?q=abc%ffdef", "bad_query"},
		{clerk, "/api/v1/cases?st%00atus=x", "bad_query"},
		{clerk, "/api/v1/users?q=%C0%80", "bad_query"},
		{anon, "/api/v1/public/410581/cases/4105812601010000001?code=%00", "bad_query"},
		{anon, "/api/v1/public/410581/cases/41058%0026", "bad_path_param"},
		{anon, "/api/v1/public/4105%ff81/powers", "bad_path_param"},
		{clerk, "/api/v1/cases/%00", "bad_path_param"},
	} {
		r := tc.who.Do("GET", tc.path, nil)
		if r.Status != 400 {
			t.Errorf("GET %s: %d %s", tc.path, r.Status, r.Body)
			continue
		}
		if p := r.Problem(t); p.Code != tc.code {
			t.Errorf("GET %s: code %s, want %s", tc.path, p.Code, tc.code)
		}
	}

	// JSON: a NUL in a string is a 422 naming the field; invalid UTF-8 is a 400.
	window := env.Window("410581", "A09", "ZWFW", true, "clerk")
	power := env.FiledPower("410581", "XK-NUL", "测试事项", 5, nil, apitest.ParallelFlowchart())
	body := `{"power_id":"` + power.String() + `","window_id":"` + window.String() + `","channel":"window",` +
		`"applicant":{"type":"person","name":"张\u0000三","id_number":"11010519491231002X"}}`
	r := clerk.Do("POST", "/api/v1/cases", body)
	if p := r.Problem(t); r.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "applicant.name" || p.Errors[0].Code != "invalid_characters" {
		t.Fatalf("NUL in a JSON string: %d %s", r.Status, r.Body)
	}
	r = clerk.Do("POST", "/api/v1/cases", strings.Replace(body, `\u0000`, "\xff", 1))
	if p := r.Problem(t); r.Status != 400 || p.Code != "malformed_json" {
		t.Fatalf("invalid UTF-8 in a JSON string: %d %s", r.Status, r.Body)
	}
	// An escaped backslash before "u0000" is text, not a NUL: the name is stored as typed.
	r = clerk.Do("POST", "/api/v1/cases", strings.Replace(body, `\u0000`, `\\u0000`, 1))
	if r.Status != 201 {
		t.Fatalf(`an escaped "\\u0000" is ordinary text: %d %s`, r.Status, r.Body)
	}
	// The public application form too.
	r = anon.Do("POST", "/api/v1/public/410581/cases", `{"power_id":"`+power.String()+`","applicant":{"type":"person","name":"x\u0000","id_number":"11010519491231002X"}}`)
	if p := r.Problem(t); r.Status != 422 || p.Errors[0].Field != "applicant.name" {
		t.Fatalf("NUL in a public application: %d %s", r.Status, r.Body)
	}
}

// TestSmallerBoundaryCases: oversized headers are 431 (not 400 malformed_json), an
// invalid UUID in a body is 422 naming the field, a page past the deepest offset is 422
// (not page 1), and the calendar refuses dates outside the years it can count.
func TestSmallerBoundaryCases(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Login("410581", "admin")
	clerk := env.Login("410581", "clerk")

	rc := dialRaw(t, env.Listen())
	status, body, hdr := rc.do("GET", "/api/v1/me", []string{"Cookie: big=" + strings.Repeat("x", 20000)}, "")
	if status != 431 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, "headers_too_large") {
		t.Fatalf("oversized headers: %d %s %s", status, hdr.Get("Content-Type"), body)
	}

	for _, tc := range []struct {
		method, path string
		body         string
		field        string
	}{
		{"POST", "/api/v1/cases", `{"power_id":"not-a-uuid","channel":"window"}`, "power_id"},
		{"POST", "/api/v1/cases", `{"power_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","window_id":"123"}`, "window_id"},
		{"POST", "/api/v1/windows", `{"number":"A1","name":"x","department_id":"zz"}`, "department_id"},
	} {
		who := clerk
		if tc.path == "/api/v1/windows" {
			who = admin
		}
		r := who.Do(tc.method, tc.path, tc.body)
		if r.Status != 422 {
			t.Errorf("%s %s %s: %d %s", tc.method, tc.path, tc.body, r.Status, r.Body)
			continue
		}
		if p := r.Problem(t); len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: want field %s, got %+v", tc.body, tc.field, p.Errors)
		}
	}

	for _, q := range []string{"page=9223372036854775807", "page=50002", "page=5002&page_size=200"} {
		r := clerk.Do("GET", "/api/v1/cases?"+q, nil)
		if p := r.Problem(t); r.Status != 422 || p.Errors[0].Field != "page" {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
	if r := clerk.Do("GET", "/api/v1/cases?page=50001", nil); r.Status != 200 {
		t.Errorf("the deepest page is allowed: %d %s", r.Status, r.Body)
	}

	for _, q := range []string{"from=9999-12-31&working_days=1000", "from=0001-01-01&working_days=1"} {
		r := admin.Do("GET", "/api/v1/calendar/add?"+q, nil)
		if r.Status != 422 {
			t.Errorf("calendar/add?%s: %d %s", q, r.Status, r.Body)
		}
	}
}
