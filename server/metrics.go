package server

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Prometheus text exposition, written by hand: counters and histograms are fixed arrays of
// atomics allocated at start-up, so observing a request takes no lock and no allocation.

// latencyBuckets are histogram upper bounds in seconds.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts [16]atomic.Uint64 // len(latencyBuckets)+1, the last is +Inf
	sumNs  atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, s)
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// write emits cumulative buckets with labels (already formatted, e.g. `endpoint="x"`).
func (h *histogram) write(b *bytes.Buffer, name, labels string) {
	var cum uint64
	for i, ub := range latencyBuckets {
		cum += h.counts[i].Load()
		fmt.Fprintf(b, "%s_bucket{%s,le=\"%s\"} %d\n", name, labels, strconv.FormatFloat(ub, 'g', -1, 64), cum)
	}
	cum += h.counts[len(latencyBuckets)].Load()
	fmt.Fprintf(b, "%s_bucket{%s,le=\"+Inf\"} %d\n", name, labels, cum)
	fmt.Fprintf(b, "%s_sum{%s} %g\n", name, labels, float64(h.sumNs.Load())/1e9)
	fmt.Fprintf(b, "%s_count{%s} %d\n", name, labels, cum)
}

// codeIndex maps a contract code to its column in the request counters.
var codeIndex = func() map[code]int {
	m := make(map[code]int, len(codes))
	for i, c := range codes {
		m[c] = i
	}
	return m
}()

type endpointMetrics struct {
	name    string
	byCode  []atomic.Uint64  // per contract code
	byHTTP  [6]atomic.Uint64 // raw endpoints: by HTTP class 1xx..5xx
	latency histogram
}

type metrics struct {
	endpoints []*endpointMetrics // last one is "unknown"
	stages    [numStages]histogram
	checkins  []atomic.Uint64 // check-in service outcomes by code (200 or 6xx)
	inflight  atomic.Int64
	stats     func() (galleries int, sizes map[string]int)
}

func newMetrics() *metrics { return &metrics{checkins: make([]atomic.Uint64, len(codes))} }

func (m *metrics) setRoutes(rs []*route) {
	m.endpoints = make([]*endpointMetrics, len(rs)+1)
	for i, r := range rs {
		m.endpoints[i] = &endpointMetrics{name: r.name, byCode: make([]atomic.Uint64, len(codes))}
	}
	m.endpoints[len(rs)] = &endpointMetrics{name: "unknown", byCode: make([]atomic.Uint64, len(codes))}
}

// observe counts one request; c is nil for endpoints that answer without a contract code.
func (m *metrics) observe(idx, httpStatus int, c *code, d time.Duration) {
	if idx < 0 || idx >= len(m.endpoints) {
		idx = len(m.endpoints) - 1
	}
	e := m.endpoints[idx]
	if c != nil {
		if i, ok := codeIndex[*c]; ok {
			e.byCode[i].Add(1)
		}
	} else if k := httpStatus / 100; k >= 1 && k <= 5 {
		e.byHTTP[k].Add(1)
	}
	e.latency.observe(d)
}

func (m *metrics) stage(st stage, d time.Duration) { m.stages[st].observe(d) }

func (m *metrics) checkin(c int) {
	if c == 0 {
		c = 200
	}
	if i, ok := codeIndex[code(c)]; ok {
		m.checkins[i].Add(1)
	}
}

func (m *metrics) write(b *bytes.Buffer) {
	b.WriteString("# HELP wajah_requests_total API requests by endpoint and contract status code.\n# TYPE wajah_requests_total counter\n")
	for _, e := range m.endpoints {
		for i := range e.byCode {
			if n := e.byCode[i].Load(); n > 0 {
				fmt.Fprintf(b, "wajah_requests_total{endpoint=%s,status=\"%d\"} %d\n", label(e.name), codes[i], n)
			}
		}
		for k := 1; k <= 5; k++ {
			if n := e.byHTTP[k].Load(); n > 0 {
				fmt.Fprintf(b, "wajah_requests_total{endpoint=%s,status=\"%dxx\"} %d\n", label(e.name), k, n)
			}
		}
	}
	b.WriteString("# HELP wajah_request_duration_seconds Request latency by endpoint, from routing to the written body.\n# TYPE wajah_request_duration_seconds histogram\n")
	for _, e := range m.endpoints {
		if e.latency.sumNs.Load() == 0 && e.latency.counts[0].Load() == 0 {
			continue
		}
		e.latency.write(b, "wajah_request_duration_seconds", "endpoint="+label(e.name))
	}
	b.WriteString("# HELP wajah_stage_duration_seconds Time spent per request stage (auth, decode, engine operations, check-in service, write).\n# TYPE wajah_stage_duration_seconds histogram\n")
	for i := range m.stages {
		m.stages[i].write(b, "wajah_stage_duration_seconds", "stage="+label(stageNames[i]))
	}
	b.WriteString("# HELP wajah_checkin_calls_total Check-in service calls by outcome code.\n# TYPE wajah_checkin_calls_total counter\n")
	for i := range m.checkins {
		if n := m.checkins[i].Load(); n > 0 {
			fmt.Fprintf(b, "wajah_checkin_calls_total{status=\"%d\"} %d\n", codes[i], n)
		}
	}
	fmt.Fprintf(b, "# HELP wajah_inflight_requests API requests being served.\n# TYPE wajah_inflight_requests gauge\nwajah_inflight_requests %d\n", m.inflight.Load())
	if m.stats != nil {
		n, sizes := m.stats()
		fmt.Fprintf(b, "# HELP wajah_galleries Galleries in the store.\n# TYPE wajah_galleries gauge\nwajah_galleries %d\n", n)
		b.WriteString("# HELP wajah_gallery_faces Faces per gallery (tenant/gallery).\n# TYPE wajah_gallery_faces gauge\n")
		keys := make([]string, 0, len(sizes))
		for k := range sizes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(b, "wajah_gallery_faces{gallery=%s} %d\n", label(k), sizes[k])
		}
	}
}

// serveMetrics is GET /metrics.
func (s *Server) serveMetrics(fc *fasthttp.RequestCtx) {
	var b bytes.Buffer
	s.metrics.write(&b)
	writeRaw(fc, http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", b.Bytes())
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// label quotes a label value as the exposition format wants it.
func label(v string) string { return `"` + labelEscaper.Replace(v) + `"` }
