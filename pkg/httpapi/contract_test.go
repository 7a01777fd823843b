package httpapi_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"sunshine/pkg/apitest"
	"sunshine/pkg/httpapi"
)

// TestContractNegativeRequests generates bad requests for every operation of
// openapi.yaml — wrong types, missing fields, NUL bytes, invalid UTF-8, huge values,
// unknown fields, in bodies and in query parameters — and sends each as anonymous and
// as every demo role. The answer is never 5xx, and every 4xx is problem+json (the
// client validates every response against the spec as well).
func TestContractNegativeRequests(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	env := apitest.New(t, apitest.Options{Redis: true})
	callers := map[string]*apitest.Client{"anonymous": env.Anonymous()}
	for _, l := range []struct{ tenant, user string }{
		{"410500", "admin"}, {"410500", "legal"}, {"410500", "supervisor"}, {"410500", "leader"}, {"410500", "auditor"},
		{"410581", "admin"}, {"410581", "legal"}, {"410581", "deptadmin"}, {"410581", "clerk"}, {"410581", "handler"},
		{"410581", "supervisor"}, {"410581", "leader"},
	} {
		callers[l.tenant+"/"+l.user] = env.Login(l.tenant, l.user)
	}
	type request struct {
		method, path, what string
		body               any
	}
	var reqs []request
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	for _, p := range keys {
		for method, op := range paths[p].Operations() {
			method = strings.ToUpper(method)
			if skipOperation(method, p) {
				continue
			}
			concrete := fillPath(p)
			for _, m := range queryMutations(paths[p], op) {
				reqs = append(reqs, request{method, concrete + "?" + m.query, "query " + m.what, nil})
			}
			if method == "GET" || method == "DELETE" {
				continue
			}
			for _, m := range bodyMutations(op) {
				reqs = append(reqs, request{method, concrete, "body " + m.what, m.body})
			}
		}
	}
	names := make([]string, 0, len(callers))
	for n := range callers {
		names = append(names, n)
	}
	sort.Strings(names)
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		wg       sync.WaitGroup
	)
	for _, name := range names {
		c := callers[name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range reqs {
				resp := c.Do(r.method, r.path, r.body)
				mu.Lock()
				statuses[resp.Status]++
				mu.Unlock()
				if resp.Status >= 500 {
					t.Errorf("%s: %s %s (%s): %d %s", name, r.method, r.path, r.what, resp.Status, resp.Body)
				} else if resp.Status >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%s: %s %s (%s): %d without problem+json", name, r.method, r.path, r.what, resp.Status)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests × %d callers: statuses %v", len(reqs), len(callers), statuses)
}

// skipOperation leaves out what would end the caller's session or move the shared clock
// for everyone else in this test (their refusals are tested where they live).
func skipOperation(method, path string) bool {
	return path == "/api/v1/auth/logout" || strings.HasPrefix(path, "/api/v1/dev/") || path == "/api/v1/supervision/stream" ||
		path == "/metrics"
}

// fillPath puts plausible values in path parameters: UUIDs for IDs, a county's code
// for tenant codes, words for the rest.
func fillPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if !strings.HasPrefix(part, "{") {
			continue
		}
		name := strings.Trim(part, "{}")
		switch {
		case name == "tenantCode" || name == "code":
			parts[i] = "410581"
		case name == "date":
			parts[i] = "2026-10-01"
		case name == "role":
			parts[i] = "auditor"
		case strings.HasSuffix(strings.ToLower(name), "id") && name != "stepId":
			parts[i] = uuid.NewString()
		default:
			parts[i] = "x1"
		}
	}
	return strings.Join(parts, "/")
}

type mutation struct {
	what  string
	query string
	body  any
}

// queryMutations spoil each declared query parameter in turn, and add an unknown one.
func queryMutations(item *openapi3.PathItem, op *openapi3.Operation) []mutation {
	var out []mutation
	params := append(openapi3.Parameters{}, item.Parameters...)
	params = append(params, op.Parameters...)
	for _, pr := range params {
		p := pr.Value
		if p == nil || p.In != "query" {
			continue
		}
		for _, v := range []struct{ what, value string }{
			{"wrong type", "not-a-" + schemaType(p.Schema)}, {"NUL", "a%00b"}, {"invalid UTF-8", "%ff%fe"},
			{"huge", strings.Repeat("9", 400)}, {"negative", "-9223372036854775809"},
		} {
			out = append(out, mutation{what: p.Name + " " + v.what, query: url.QueryEscape(p.Name) + "=" + v.value})
		}
	}
	out = append(out, mutation{what: "unknown parameter", query: "zz_unknown=%00"})
	return out
}

func schemaType(s *openapi3.SchemaRef) string {
	if s == nil || s.Value == nil || s.Value.Type == nil || len(s.Value.Type.Slice()) == 0 {
		return "value"
	}
	return s.Value.Type.Slice()[0]
}

// bodyMutations build bodies from the operation's JSON schema: every property with a
// value of the wrong type, with NUL, with invalid UTF-8, with huge values; nothing;
// an unknown field; not JSON at all.
func bodyMutations(op *openapi3.Operation) []mutation {
	props := map[string]*openapi3.SchemaRef{}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			collectProps(mt.Schema, props)
		}
	}
	build := func(f func(name string, s *openapi3.SchemaRef) any) map[string]any {
		m := map[string]any{}
		for name, s := range props {
			m[name] = f(name, s)
		}
		return m
	}
	out := []mutation{
		{what: "wrong types", body: build(func(_ string, s *openapi3.SchemaRef) any { return wrongType(s) })},
		{what: "NUL in strings", body: build(func(_ string, s *openapi3.SchemaRef) any { return valueWith(s, "a\x00b", 1) })},
		{what: "huge values", body: build(func(_ string, s *openapi3.SchemaRef) any { return valueWith(s, strings.Repeat("长", 5_000), 1e300) })},
		{what: "nothing", body: map[string]any{}},
		{what: "unknown field", body: map[string]any{"zz_unknown": "x"}},
		{what: "not JSON", body: "{\"a\":"},
		{what: "JSON array", body: []any{1, 2}},
	}
	// Invalid UTF-8 cannot pass through encoding/json: spell the body by hand.
	var b strings.Builder
	b.WriteString("{")
	i := 0
	for name := range props {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:\"\xff\xfe\"", name)
		i++
	}
	b.WriteString("}")
	out = append(out, mutation{what: "invalid UTF-8", body: b.String()})
	// Integers one past int64.
	out = append(out, mutation{what: "past int64", body: strings.Replace(fmt.Sprint(build(func(string, *openapi3.SchemaRef) any { return 0 })), "map[", "{", 1)})
	out[len(out)-1].body = pastInt64(props)
	return out
}

func pastInt64(props map[string]*openapi3.SchemaRef) string {
	var parts []string
	for name := range props {
		parts = append(parts, fmt.Sprintf("%q:9223372036854775808", name))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func collectProps(s *openapi3.SchemaRef, into map[string]*openapi3.SchemaRef) {
	if s == nil || s.Value == nil {
		return
	}
	for name, p := range s.Value.Properties {
		into[name] = p
	}
	for _, sub := range s.Value.AllOf {
		collectProps(sub, into)
	}
}

func wrongType(s *openapi3.SchemaRef) any {
	switch schemaType(s) {
	case "string":
		return 12345
	case "integer", "number":
		return "twelve"
	case "boolean":
		return "yes"
	case "array":
		return map[string]any{"not": "an array"}
	case "object":
		return []any{"not", "an", "object"}
	}
	return []any{}
}

// valueWith is a value of the property's type carrying str (strings) or num (numbers),
// nested into arrays and objects.
func valueWith(s *openapi3.SchemaRef, str string, num float64) any {
	switch schemaType(s) {
	case "string":
		return str
	case "integer", "number":
		return num
	case "boolean":
		return true
	case "array":
		if s.Value.Items != nil {
			return []any{valueWith(s.Value.Items, str, num)}
		}
		return []any{str}
	case "object":
		m := map[string]any{}
		for name, p := range s.Value.Properties {
			m[name] = valueWith(p, str, num)
		}
		if len(m) == 0 {
			m[str] = str
		}
		return m
	}
	return str
}
