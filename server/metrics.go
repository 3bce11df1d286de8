package server

import (
	"bytes"
	"crypto/subtle"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// Metrics with prometheus/client_golang, on a registry of the server's own (two servers in
// one process do not collide), with the Go runtime and process collectors. Every label has
// a bounded set of values: endpoint (the route table), status (the contract's codes), stage,
// and no tenant or gallery name ever. Gallery sizes are exported in aggregate: the number of
// galleries, the total number of faces, the largest gallery and a histogram of sizes.

// latencyBuckets are histogram upper bounds in seconds.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// gallerySizeBuckets are upper bounds of the gallery size histogram, in faces.
var gallerySizeBuckets = []float64{10, 100, 1000, 10000, 100000, 1000000}

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec // endpoint, status
	latency  *prometheus.HistogramVec
	routes   []string              // endpoint label by route index; the last is "unknown"
	byRoute  []prometheus.Observer // latency observer by route index
	stages   [numStages]prometheus.Observer
	checkins *prometheus.CounterVec // status
	inflight atomic.Int64
	stats    func() (galleries int, sizes map[string]int)
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wajah_requests_total",
		Help: "API requests by endpoint and contract status code (raw endpoints: HTTP class, e.g. 2xx)."}, []string{"endpoint", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "wajah_request_duration_seconds",
		Help: "Request latency by endpoint, from routing to the written body.", Buckets: latencyBuckets}, []string{"endpoint"})
	stages := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "wajah_stage_duration_seconds",
		Help: "Time spent per request stage (auth, decode, engine operations, check-in service, write).", Buckets: latencyBuckets}, []string{"stage"})
	for i := range m.stages {
		m.stages[i] = stages.WithLabelValues(stageNames[i])
	}
	m.checkins = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wajah_checkin_calls_total",
		Help: "Check-in service calls by outcome code (200 or 6xx)."}, []string{"status"})
	inflight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wajah_inflight_requests", Help: "API requests being served."},
		func() float64 { return float64(m.inflight.Load()) })
	m.reg.MustRegister(m.requests, m.latency, stages, m.checkins, inflight, galleryCollector{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// gauge registers a gauge read at scrape time (queue and slot occupancy).
func (m *metrics) gauge(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

func (m *metrics) setRoutes(rs []*route) {
	m.routes = make([]string, 0, len(rs)+1)
	for _, r := range rs {
		m.routes = append(m.routes, r.name)
	}
	m.routes = append(m.routes, "unknown")
	m.byRoute = make([]prometheus.Observer, len(m.routes))
	for i, name := range m.routes {
		m.byRoute[i] = m.latency.WithLabelValues(name)
	}
}

// observe counts one request; c is nil for endpoints that answer without a contract code.
func (m *metrics) observe(idx, httpStatus int, c *code, d time.Duration) {
	if idx < 0 || idx >= len(m.routes) {
		idx = len(m.routes) - 1
	}
	status := strconv.Itoa(httpStatus/100) + "xx"
	if c != nil {
		status = c.String()
	}
	m.requests.WithLabelValues(m.routes[idx], status).Inc()
	m.byRoute[idx].Observe(d.Seconds())
}

func (m *metrics) stage(st stage, d time.Duration) { m.stages[st].Observe(d.Seconds()) }

func (m *metrics) checkin(c int) {
	if c == 0 {
		c = 200
	}
	m.checkins.WithLabelValues(strconv.Itoa(c)).Inc()
}

// galleryCollector exports the engine's gallery sizes in aggregate, read at scrape time.
type galleryCollector struct{ m *metrics }

var (
	descGalleries   = prometheus.NewDesc("wajah_galleries", "Galleries in the store.", nil, nil)
	descFaces       = prometheus.NewDesc("wajah_faces", "Faces in all galleries.", nil, nil)
	descLargest     = prometheus.NewDesc("wajah_gallery_faces_max", "Faces in the largest gallery.", nil, nil)
	descGallerySize = prometheus.NewDesc("wajah_gallery_size_faces", "Galleries by number of faces.", nil, nil)
)

func (g galleryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descGalleries
	ch <- descFaces
	ch <- descLargest
	ch <- descGallerySize
}

func (g galleryCollector) Collect(ch chan<- prometheus.Metric) {
	if g.m.stats == nil {
		return
	}
	n, sizes := g.m.stats()
	var total, largest float64
	buckets := make(map[float64]uint64, len(gallerySizeBuckets))
	for _, faces := range sizes {
		f := float64(faces)
		total += f
		largest = max(largest, f)
		for _, ub := range gallerySizeBuckets {
			if f <= ub {
				buckets[ub]++
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(descGalleries, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(descFaces, prometheus.GaugeValue, total)
	ch <- prometheus.MustNewConstMetric(descLargest, prometheus.GaugeValue, largest)
	ch <- prometheus.MustNewConstHistogram(descGallerySize, uint64(len(sizes)), total, buckets)
}

// metricsHandler serves the registry (text or OpenMetrics, as the scraper asks).
func (m *metrics) handler() fasthttp.RequestHandler {
	return fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// serveMetrics is GET /metrics. With Options.MetricsToken set it requires
// "Authorization: Bearer <token>" (what Prometheus sends with authorization.credentials_file).
func (s *Server) serveMetrics(fc *fasthttp.RequestCtx) {
	if s.opts.MetricsToken != "" {
		got, ok := bearer(fc.Request.Header.Peek("Authorization"))
		if !ok || subtle.ConstantTimeCompare(got, []byte(s.opts.MetricsToken)) != 1 {
			fc.Response.Header.Set("WWW-Authenticate", `Bearer realm="metrics"`)
			s.writeOpsError(fc, &apiError{code: codeUnauthorized, detail: "metrics token required"})
			return
		}
	}
	s.metricsHandler(fc)
}

// bearer reads the credentials of an "Authorization: Bearer <token>" header.
func bearer(h []byte) ([]byte, bool) {
	const prefix = "bearer "
	if len(h) <= len(prefix) || !bytes.EqualFold(h[:len(prefix)], []byte(prefix)) {
		return nil, false
	}
	return h[len(prefix):], true
}
