// Package server is wajah's HTTP API on fasthttp: the FaceGallery / PeduliLindungi contract
// of ../shared/API.md plus health, readiness, metrics and docs. Handlers parse and validate a
// request, call the engine (or the pedulilindungi.Gate for check-in flows) and return an
// error; errors.go maps every error to its contract code in one place.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/secrethash"
	"github.com/wajah-id/wajah/pedulilindungi"
)

// Options configure the HTTP server. Zero fields take the defaults in brackets.
type Options struct {
	MaxBodyBytes   int               // request body limit; larger bodies get 400 unread [32 MiB: the base64 of the decoder's largest image, 24 MiB]
	MaxBodyMemory  int64             // bodies read or served at once, reserved from Content-Length before reading; 503 unread beyond (bodybudget.go) [MaxInflight x MaxBodyBytes, at least one chunked body (bodyCost); <0: unbounded]
	RequestTimeout time.Duration     // deadline for one request's engine and check-in work [30s]
	ReadTimeout    time.Duration     // [30s]
	WriteTimeout   time.Duration     // [30s]
	IdleTimeout    time.Duration     // keep-alive idle [120s]
	Concurrency    int               // max concurrent connections [fasthttp default 256k]
	Threshold      float64           // verified when similarity >= it; 0 = the engine's default (0.75)
	IdentifyK      int               // matches returned by identify [5]
	MaxInflight    int               // CPU worker slots: face and password work done at once [4 x GOMAXPROCS]
	MaxQueue       int               // requests admitted beyond MaxInflight to wait for a slot; more get 503 at once [MaxInflight; <0: none]
	MaxConnsPerIP  int               // fasthttp MaxConnsPerIP [0: unlimited]
	LogKey         []byte            // HMAC key for NIK hashes in logs; empty = random per process
	OAuthClients   map[string]string // client_id -> argon2id PHC string of its secret (see HashSecret); empty disables /oauth/client/token
	OAuthTokenTTL  time.Duration     // lifetime of tokens issued by /oauth/client/token [24h; <0: never expire]
	OAuthRate      RateLimit         // token issue limits per client_id and per source address [see RateLimit]
	MetricsToken   string            // when set, GET /metrics requires "Authorization: Bearer <it>"
	Logger         *slog.Logger      // [slog.Default()]
}

// DefaultOptions are the defaults zero Options fields take, except the machine-dependent
// MaxInflight and MaxQueue; `wajah serve`'s settings (internal/config) start from them.
func DefaultOptions() Options {
	return Options{MaxBodyBytes: 32 << 20, RequestTimeout: 30 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, IdentifyK: 5, OAuthTokenTTL: 24 * time.Hour,
		OAuthRate: RateLimit{}.withDefaults()}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = d.MaxBodyBytes
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = d.RequestTimeout
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = d.ReadTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = d.WriteTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = d.IdleTimeout
	}
	if o.IdentifyK <= 0 {
		o.IdentifyK = d.IdentifyK
	}
	if o.MaxInflight <= 0 {
		o.MaxInflight = 4 * runtime.GOMAXPROCS(0)
	}
	if o.MaxBodyMemory == 0 {
		// One largest body per CPU slot: bodies cost memory, and the slots are what works
		// them off; smaller bodies reserve less, so more of them fit.
		o.MaxBodyMemory = max(int64(o.MaxInflight)*int64(o.MaxBodyBytes), bodyCost(-1, o.MaxBodyBytes))
	}
	if o.MaxQueue == 0 {
		o.MaxQueue = o.MaxInflight
	} else if o.MaxQueue < 0 {
		o.MaxQueue = 0
	}
	if o.OAuthTokenTTL == 0 {
		o.OAuthTokenTTL = d.OAuthTokenTTL
	} else if o.OAuthTokenTTL < 0 {
		o.OAuthTokenTTL = 0
	}
	o.OAuthRate = o.OAuthRate.withDefaults()
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Server serves the API. Create it with New; it is safe for concurrent use.
type Server struct {
	opts           Options
	svc            engine.Service // wrapped for stage timing
	gate           *pedulilindungi.Gate
	log            *slog.Logger
	metrics        *metrics
	nik            *nikHasher
	routes         map[string]*route
	hs             *fasthttp.Server
	closing        atomic.Bool
	base           context.Context
	cancel         context.CancelFunc
	slots          chan struct{} // MaxInflight tokens: face work is CPU- and memory-bound
	queue          chan struct{} // MaxInflight+MaxQueue tokens: requests admitted at all (see slots.go)
	limits         *issueLimits  // token issue rate limits (ratelimit.go)
	body           *bodyBudget   // request body memory (bodybudget.go)
	metricsHandler fasthttp.RequestHandler
	oauth          map[string]*secrethash.Hashed
	// oauthDummy is checked for unknown client ids (oauth.go)
	oauthDummy *secrethash.Hashed
	reqSeq     atomic.Uint64
	reqBase    string
	provider   string
}

// New builds a server over an engine and a check-in provider.
func New(opts Options, svc engine.Service, prov pedulilindungi.Provider) (*Server, error) {
	if svc == nil || prov == nil {
		return nil, errors.New("server: engine and provider are required")
	}
	opts = opts.withDefaults()
	if c := bodyCost(-1, opts.MaxBodyBytes); opts.MaxBodyMemory > 0 && opts.MaxBodyMemory < c {
		return nil, fmt.Errorf("server: body memory budget of %d bytes cannot hold a chunked body of up to max-body %d bytes (reserves %d)",
			opts.MaxBodyMemory, opts.MaxBodyBytes, c)
	}
	s := &Server{opts: opts, log: opts.Logger, provider: prov.Name()}
	s.metrics = newMetrics()
	s.metrics.stats = func() (int, map[string]int) {
		st := svc.Stats()
		return st.Galleries, st.GallerySizes
	}
	s.svc = &timedService{Service: svc, m: s.metrics}
	s.gate = &pedulilindungi.Gate{Engine: s.svc, Provider: &timedProvider{Provider: prov, m: s.metrics}}
	var err error
	if s.nik, err = newNIKHasher(opts.LogKey); err != nil {
		return nil, err
	}
	s.reqBase = randomID(4) + "-"
	s.slots = make(chan struct{}, opts.MaxInflight)
	s.queue = make(chan struct{}, opts.MaxInflight+opts.MaxQueue)
	s.limits = newIssueLimits(opts.OAuthRate)
	s.body = newBodyBudget(opts.MaxBodyMemory, opts.ReadTimeout)
	s.metrics.gauge("wajah_queue_requests", "API requests admitted: working or waiting for a CPU slot (at most max-inflight + max-queue).",
		func() float64 { return float64(len(s.queue)) })
	s.metrics.gauge("wajah_cpu_slots_busy", "CPU worker slots in use (at most max-inflight).", func() float64 { return float64(len(s.slots)) })
	s.metrics.gauge("wajah_body_reserved_bytes", "Request body memory reserved by requests being read or served (at most max-body-mb).",
		func() float64 { return float64(s.body.reserved()) })
	s.metricsHandler = s.metrics.handler()
	if s.oauth, s.oauthDummy, err = parseOAuthClients(opts.OAuthClients); err != nil {
		return nil, err
	}
	s.routes = s.buildRoutes()
	s.base, s.cancel = context.WithCancel(context.Background())
	s.hs = &fasthttp.Server{
		Handler:                            s.serve,
		ErrorHandler:                       s.transportError,
		HeaderReceived:                     s.headerReceived,
		Name:                               "wajah",
		MaxRequestBodySize:                 opts.MaxBodyBytes,
		ReadTimeout:                        opts.ReadTimeout,
		WriteTimeout:                       opts.WriteTimeout,
		IdleTimeout:                        opts.IdleTimeout,
		Concurrency:                        opts.Concurrency,
		MaxConnsPerIP:                      opts.MaxConnsPerIP,
		Logger:                             fasthttpLogger{s.log},
		NoDefaultContentType:               true,
		CloseOnShutdown:                    true,
		SleepWhenConcurrencyLimitsExceeded: 100 * time.Millisecond,
		// fasthttp's own error log lines must not quote request bytes (NIKs, tokens).
		SecureErrorLogMessage: true,
		// The API takes JSON only: a multipart body is read as the bytes it declared (and
		// reserved), not parsed into memory and temporary files.
		DisablePreParseMultipartForm: true,
		// Body buffers return to fasthttp's pool after each request instead of staying
		// with idle connections (bodybudget.go).
		ReduceMemoryUsage: true,
	}
	return s, nil
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.hs.Serve(ln) }

// Handler returns the request handler (for embedding in another fasthttp server).
func (s *Server) Handler() fasthttp.RequestHandler { return s.serve }

// Shutdown stops accepting connections, marks the server not ready and waits for in-flight
// requests until ctx ends; then their contexts are cancelled.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	err := s.hs.ShutdownWithContext(ctx)
	s.cancel()
	return err
}

// fasthttpLogger routes fasthttp's own messages to slog.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Warn("fasthttp", "detail", fmt.Sprintf(format, args...))
}
