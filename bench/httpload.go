// Package bench holds wajah's load generators and benchmark harnesses.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// HTTPLoad configures a closed-loop load run: Concurrency workers each send Body to URL,
// wait for the answer, and send again, until Duration has passed.
type HTTPLoad struct {
	URL         string // full endpoint URL
	Token       string // Accesstoken header
	Body        []byte
	Method      string        // default POST
	Concurrency int           // default 1
	Duration    time.Duration // default 10s
	Warmup      int           // requests per worker before measuring; default 1
	Timeout     time.Duration // per request; default 30s
}

// HTTPResult are the figures of one run. Latencies are of requests that got an HTTP reply.
type HTTPResult struct {
	Requests                 int
	Failures                 int            // transport errors (no reply)
	ByStatus                 map[string]int // body "status" -> count
	Elapsed                  time.Duration
	Throughput               float64 // replies per second
	P50, P95, P99, Max, Mean time.Duration
}

// Run executes the load.
func (l HTTPLoad) Run(ctx context.Context) (HTTPResult, error) {
	if l.Method == "" {
		l.Method = fasthttp.MethodPost
	}
	l.Concurrency = max(l.Concurrency, 1)
	if l.Duration <= 0 {
		l.Duration = 10 * time.Second
	}
	if l.Warmup <= 0 {
		l.Warmup = 1
	}
	if l.Timeout <= 0 {
		l.Timeout = 30 * time.Second
	}
	client := &fasthttp.Client{MaxConnsPerHost: l.Concurrency * 2, ReadTimeout: l.Timeout, WriteTimeout: l.Timeout}
	type workerOut struct {
		lat      []time.Duration
		status   map[string]int
		failures int
		err      error
	}
	outs := make([]workerOut, l.Concurrency)
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	var deadline time.Time
	for w := range l.Concurrency {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &outs[w]
			o.status = map[string]int{}
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(l.URL)
			req.Header.SetMethod(l.Method)
			req.Header.SetContentType("application/json")
			if l.Token != "" {
				req.Header.Set("Accesstoken", l.Token)
			}
			req.SetBody(l.Body)
			for range l.Warmup {
				if err := client.DoTimeout(req, resp, l.Timeout); err != nil {
					o.err = fmt.Errorf("warm-up request: %w", err)
					break
				}
			}
			ready.Done()
			<-start
			if o.err != nil {
				return
			}
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				err := client.DoTimeout(req, resp, l.Timeout)
				d := time.Since(t0)
				if err != nil {
					o.failures++
					continue
				}
				o.lat = append(o.lat, d)
				o.status[bodyStatus(resp.Body())]++
			}
		}()
	}
	ready.Wait()
	t0 := time.Now()
	deadline = t0.Add(l.Duration)
	close(start)
	wg.Wait()
	res := HTTPResult{Elapsed: time.Since(t0), ByStatus: map[string]int{}}
	var all []time.Duration
	for _, o := range outs {
		if o.err != nil {
			return res, o.err
		}
		all = append(all, o.lat...)
		res.Failures += o.failures
		for k, v := range o.status {
			res.ByStatus[k] += v
		}
	}
	res.Requests = len(all) + res.Failures
	if len(all) == 0 {
		return res, errors.New("no request completed")
	}
	slices.Sort(all)
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	res.P50, res.P95, res.P99, res.Max = pct(0.50), pct(0.95), pct(0.99), all[len(all)-1]
	res.Mean = sum / time.Duration(len(all))
	res.Throughput = float64(len(all)) / res.Elapsed.Seconds()
	return res, nil
}

// bodyStatus reads "status":"NNN" from a reply without a full JSON decode.
func bodyStatus(b []byte) string {
	const key = `"status":"`
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return "?"
	}
	b = b[i+len(key):]
	if j := bytes.IndexByte(b, '"'); j >= 0 {
		return string(b[:j])
	}
	return "?"
}

// String formats the figures on a few lines.
func (r HTTPResult) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "requests %d in %.2fs: %.1f req/s, transport failures %d\n", r.Requests, r.Elapsed.Seconds(), r.Throughput, r.Failures)
	fmt.Fprintf(&sb, "latency p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  mean %.1f ms\n",
		ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max), ms(r.Mean))
	keys := make([]string, 0, len(r.ByStatus))
	for k := range r.ByStatus {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sb.WriteString("status")
	for _, k := range keys {
		fmt.Fprintf(&sb, " %s:%d", k, r.ByStatus[k])
	}
	sb.WriteString("\n")
	return sb.String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
