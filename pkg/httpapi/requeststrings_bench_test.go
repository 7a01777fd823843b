package httpapi

import (
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	"sunshine/pkg/platform/config"
	"sunshine/pkg/platform/logging"
)

// BenchmarkRequestStrings measures what Fiber's Immutable costs (docs/adr/0008): the
// same server, middleware and error rendering with and without it, on requests that
// need no database (so that the difference is not lost in a query's noise): health,
// a bearer request refused by authentication, a malformed login body, an unknown
// route with a query, a cookie-authenticated read refused. Each request runs on a
// RequestCtx reused per goroutine, as fasthttp reuses one per kept-alive connection.
//
//	go test ./pkg/httpapi -run '^$' -bench RequestStrings -benchmem -count 5
func BenchmarkRequestStrings(b *testing.B) {
	for _, mode := range []struct {
		name    string
		mutable bool
	}{{"mutable", true}, {"immutable", false}} {
		b.Run(mode.name, func(b *testing.B) {
			cfg := benchConfig(b)
			s := New(Deps{Config: cfg, Log: logging.Discard(), mutableStrings: mode.mutable})
			h := s.App().Handler()
			addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var ctx fasthttp.RequestCtx
				var req fasthttp.Request
				ctx.Init(&req, addr, nil)
				i := 0
				for pb.Next() {
					ctx.Request.Reset()
					ctx.Response.Reset()
					r := benchRequests[i%len(benchRequests)]
					i++
					ctx.Request.Header.SetMethod(r.method)
					ctx.Request.SetRequestURI(r.uri)
					ctx.Request.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
					ctx.Request.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0")
					for k, v := range r.headers {
						ctx.Request.Header.Set(k, v)
					}
					if r.body != "" {
						ctx.Request.Header.SetContentType("application/json")
						ctx.Request.SetBodyString(r.body)
					}
					h(&ctx)
					if ctx.Response.StatusCode() != r.want {
						b.Fatalf("%s %s: %d, want %d: %s", r.method, r.uri, ctx.Response.StatusCode(), r.want, ctx.Response.Body())
					}
				}
			})
		})
	}
}

var benchRequests = []struct {
	method, uri string
	headers     map[string]string
	body        string
	want        int
}{
	{method: "GET", uri: "/healthz", want: 200},
	{method: "GET", uri: "/api/v1/cases/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", headers: map[string]string{"Authorization": "Bearer ss1.not-a-token"}, want: 401},
	{method: "POST", uri: "/api/v1/auth/login", body: `{"tenant":"410581","username":"clerk","password":`, want: 400},
	{method: "GET", uri: "/api/v1/nowhere/410581?page=2&q=%E5%AE%89%E9%98%B3", want: 404},
	{method: "GET", uri: "/api/v1/calendar/add?from=2026-10-01&working_days=20", headers: map[string]string{"Cookie": "sunshine_session=ss1.bogus; sunshine_csrf=abc"}, want: 401},
}

func benchConfig(b *testing.B) *config.Config {
	b.Helper()
	c, err := config.Load(config.MapLookup(map[string]string{"SUNSHINE_MODE": "dev"}), nil)
	if err != nil {
		b.Fatal(err)
	}
	return c
}
