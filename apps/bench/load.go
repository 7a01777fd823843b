package main

import (
	"github.com/valyala/fasthttp"

	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// result of a load phase.
type result struct {
	Requests int64
	Errors   int64
	Duration time.Duration
	P50, P99 time.Duration
	Status   map[int]int64
}

func (r result) TPS() float64 { return float64(r.Requests) / r.Duration.Seconds() }

func (r result) String() string {
	return fmt.Sprintf("%.0f req/s (p50 %s, p99 %s, %d errors)", r.TPS(), r.P50.Round(time.Microsecond*10), r.P99.Round(time.Microsecond*10), r.Errors)
}

// request fills the request of worker w, iteration i.
type request func(w, i int, req *fasthttp.Request)

// load runs clients concurrent closed-loop clients for d, recording every latency.
// The client is fasthttp's: the load generator shares the two cores with the server
// and PostgreSQL, and pgbench's own client costs next to nothing, so ours should cost
// as little as it can.
func load(ctx context.Context, clients int, d time.Duration, next request) result {
	client := &fasthttp.Client{MaxConnsPerHost: clients * 2, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		NoDefaultUserAgentHeader: true, Dial: func(addr string) (net.Conn, error) {
			return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", addr)
		}}
	defer client.CloseIdleConnections()
	var reqs, errs atomic.Int64
	lat := make([][]time.Duration, clients)
	status := make([]map[int]int64, clients)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		status[w] = map[int]int64{}
		go func(w int) {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				req.Reset()
				resp.Reset()
				next(w, i, req)
				t0 := time.Now()
				err := client.DoTimeout(req, resp, 30*time.Second)
				el := time.Since(t0)
				if err != nil {
					errs.Add(1)
					continue
				}
				code := resp.StatusCode()
				status[w][code]++
				if code >= 400 {
					errs.Add(1)
				}
				reqs.Add(1)
				lat[w] = append(lat[w], el)
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	st := map[int]int64{}
	for w := range lat {
		all = append(all, lat[w]...)
		for k, v := range status[w] {
			st[k] += v
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r := result{Requests: reqs.Load(), Errors: errs.Load(), Duration: elapsed, Status: st}
	if len(all) > 0 {
		r.P50 = all[len(all)/2]
		r.P99 = all[len(all)*99/100]
	}
	return r
}

// fill sets a JSON request on req (for load).
func fill(req *fasthttp.Request, method, url, token string, body []byte) {
	req.Header.SetMethod(method)
	req.SetRequestURI(url)
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(body)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
}

func jsonRequest(method, url, token string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

func percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p)
	return s[i]
}
