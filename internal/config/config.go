// Package config is the whole process's settings for `wajah serve`: one Config whose fields
// are flags, WAJAH_* environment variables and lines of a config file, turned into the
// options of the packages that use them (server, engine, embed, pedulilindungi).
package config

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/secrethash"
	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/pedulilindungi/plsim"
	"github.com/wajah-id/wajah/server"
)

// Config is everything `wajah serve` reads. Each field is one setting with the same name
// as a flag (--max-body), an environment variable (WAJAH_MAX_BODY) and a config-file key
// (max-body = 33554432). Precedence: defaults < file < environment < flags. The file is
// named by --config or WAJAH_CONFIG and holds `key = value` lines; # starts a comment.
type Config struct {
	Addr      string
	DataDir   string
	Store     string // postgres://... (cluster mode); empty: Badger in DataDir
	ModelsDir string
	KeyFile   string
	Threshold float64
	// Trust settings (engine.Options of the same names).
	MinThreshold       float64
	IdentifyFAR        float64
	DuplicatePolicy    string
	MaskedEnrolment    string
	DuplicateScope     string
	DuplicateThreshold float64
	RetentionDays      int
	MaxBody            int
	MaxBodyMB          int // max-body-mb: request body memory in flight; 0: max-inflight x max-body, -1: unbounded
	RequestTimeout     time.Duration
	ReadTimeout        time.Duration
	WriteTimeout       time.Duration
	IdleTimeout        time.Duration
	ShutdownTimeout    time.Duration
	Concurrency        int
	IdentifyK          int
	MaxInflight        int
	LogLevel           string
	LogKey             string
	OAuthClients       string // file of client_id=<argon2id PHC string> lines (wajah oauth hash)
	OAuthTokenTTL      time.Duration
	OAuthRate          float64
	OAuthBurst         int
	OAuthFailCost      int
	MaxQueue           int
	MaxConnsPerIP      int
	MetricsToken       string // file holding the bearer token /metrics requires
	ImageLimits               // max-image-pixels, max-image-side, max-decode-mb (image.go)

	PLBreakerFailures int
	PLBreakerCooldown time.Duration

	Provider      string // local, http or simulator
	DefaultStatus string // local provider: status of a NIK nobody set

	PLURL          string
	PLRegisterPath string
	PLCheckinPath  string
	PLCheckoutPath string
	PLToken        string
	PLClientID     string
	PLTimeout      time.Duration
	PLRetries      int
	PLBackoff      time.Duration

	SimAddr  string
	SimFault string
	SimDelay time.Duration

	Liveness          string  // on (default) or off: the presentation-attack gate
	LivenessThreshold float64 // refuse a face whose liveness score is below it
}

// Default is what `wajah serve` runs with when nothing is configured.
func Default(modelsDir string) Config {
	// Each package's own defaults, so that none is written twice.
	so := server.DefaultOptions()
	return Config{
		Addr: ":8080", DataDir: engine.DefaultDir, ModelsDir: modelsDir, Threshold: engine.DefaultThreshold,
		MaxBody: so.MaxBodyBytes, RequestTimeout: so.RequestTimeout, ReadTimeout: so.ReadTimeout, WriteTimeout: so.WriteTimeout,
		IdleTimeout: so.IdleTimeout, ShutdownTimeout: 30 * time.Second, IdentifyK: so.IdentifyK, LogLevel: "info",
		Provider: "local", DefaultStatus: engine.DefaultUserStatus, IdentifyFAR: engine.DefaultIdentifyFAR,
		DuplicatePolicy: engine.DuplicateRefuse, DuplicateScope: engine.DuplicateScopeGallery, MaskedEnrolment: engine.MaskedEnrolRefuse,
		PLTimeout: pedulilindungi.DefaultTimeout, PLRetries: pedulilindungi.DefaultRetries, PLBackoff: pedulilindungi.DefaultBackoff,
		OAuthTokenTTL: so.OAuthTokenTTL, OAuthRate: so.OAuthRate.PerMinute, OAuthBurst: so.OAuthRate.Burst, OAuthFailCost: so.OAuthRate.FailureCost,
		PLBreakerFailures: pedulilindungi.DefaultBreakerFailures, PLBreakerCooldown: pedulilindungi.DefaultBreakerCooldown,
		PLRegisterPath: pedulilindungi.DefaultRegisterPath, PLCheckinPath: pedulilindungi.DefaultCheckinPath,
		PLCheckoutPath: pedulilindungi.DefaultCheckoutPath,
		SimAddr:        "127.0.0.1:0", SimDelay: plsim.DefaultDelay, ImageLimits: DefaultImageLimits(),
		Liveness: "on", LivenessThreshold: embed.DefaultLivenessThreshold,
	}
}

// Bind registers every setting on fs (plus --config).
func (c *Config) Bind(fs *flag.FlagSet) {
	fs.String("config", "", "config file of key = value lines (env WAJAH_CONFIG)")
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "store directory")
	fs.StringVar(&c.Store, "store", c.Store, "PostgreSQL DSN (postgres://...) holding the records instead of Badger in --data (cluster mode, in progress)")
	fs.StringVar(&c.ModelsDir, "models", c.ModelsDir, "models directory")
	fs.StringVar(&c.KeyFile, "key-file", c.KeyFile, "file with the store's 32-byte master key (else env WAJAH_KEY; none: unencrypted)")
	fs.Float64Var(&c.Threshold, "threshold", c.Threshold, "verified when similarity >= threshold")
	fs.Float64Var(&c.MinThreshold, "min-threshold", c.MinThreshold, "floor of a request's threshold: lower ones are raised to it (0: = threshold)")
	fs.Float64Var(&c.IdentifyFAR, "identify-far", c.IdentifyFAR, "chance of any false match per identify search; the identify threshold rises with gallery size to keep it")
	fs.StringVar(&c.DuplicatePolicy, "duplicate-policy", c.DuplicatePolicy, "a face already enrolled under another id: refuse (417), flag (store, audit) or off")
	fs.StringVar(&c.MaskedEnrolment, "masked-enrolment", c.MaskedEnrolment, "an enrolment photo the mask classifier calls masked: refuse (419) or allow")
	fs.StringVar(&c.DuplicateScope, "duplicate-scope", c.DuplicateScope, "where the duplicate check searches: gallery or tenant (all the tenant's galleries)")
	fs.Float64Var(&c.DuplicateThreshold, "duplicate-threshold", c.DuplicateThreshold, "similarity of a duplicate (0: calibrated at FAR 1e-5)")
	fs.IntVar(&c.RetentionDays, "retention-days", c.RetentionDays, "delete check-in ledger and audit rows older than this (0: keep)")
	fs.IntVar(&c.MaxBody, "max-body", c.MaxBody, "request body limit in bytes; larger bodies get 400 unread")
	fs.IntVar(&c.MaxBodyMB, "max-body-mb", c.MaxBodyMB, "memory of request bodies read or served at once, reserved from Content-Length before the body is read; a body that does not fit gets 503 + Retry-After unread (0: max-inflight x max-body, -1: unbounded)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "deadline of one request's work")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "time to read a request")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "time to write a response")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "keep-alive idle time")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long in-flight requests may finish on SIGTERM")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "max concurrent connections (0: fasthttp default)")
	fs.IntVar(&c.IdentifyK, "identify-k", c.IdentifyK, "matches returned by identify")
	fs.IntVar(&c.MaxInflight, "max-inflight", c.MaxInflight, "CPU worker slots: requests doing face work at once (0: 4 x GOMAXPROCS)")
	fs.IntVar(&c.MaxQueue, "max-queue", c.MaxQueue, "requests admitted beyond max-inflight to wait for a slot; more get 503 + Retry-After at once (0: max-inflight, -1: none)")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", c.MaxConnsPerIP, "open connections per client address (0: unlimited; kiosks behind one NAT share an address)")
	fs.StringVar(&c.MetricsToken, "metrics-token-file", c.MetricsToken, "file holding the token GET /metrics then requires as Authorization: Bearer (empty: /metrics open)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogKey, "log-key", c.LogKey, "HMAC key for NIK hashes in logs (default: random per process)")
	fs.StringVar(&c.OAuthClients, "oauth-clients", c.OAuthClients, "file of client_id=<argon2id hash> lines (from wajah oauth hash); enables POST /oauth/client/token")
	fs.DurationVar(&c.OAuthTokenTTL, "oauth-token-ttl", c.OAuthTokenTTL, "lifetime of tokens issued by POST /oauth/client/token (0: never expire)")
	fs.Float64Var(&c.OAuthRate, "oauth-rate", c.OAuthRate, "token issue attempts per minute per client_id and per source address")
	fs.IntVar(&c.OAuthBurst, "oauth-burst", c.OAuthBurst, "token issue attempts allowed at once (bucket size)")
	fs.IntVar(&c.OAuthFailCost, "oauth-failure-cost", c.OAuthFailCost, "attempts a failed token issue counts for (slows guessing)")
	fs.StringVar(&c.Provider, "provider", c.Provider, "check-in provider: local, http or simulator")
	fs.StringVar(&c.DefaultStatus, "default-status", c.DefaultStatus, "local provider: status of a NIK without one")
	fs.StringVar(&c.PLURL, "pl-url", c.PLURL, "http provider: base URL of the check-in service")
	fs.StringVar(&c.PLRegisterPath, "pl-register-path", c.PLRegisterPath, "http provider: registration path")
	fs.StringVar(&c.PLCheckinPath, "pl-checkin-path", c.PLCheckinPath, "http provider: check-in path")
	fs.StringVar(&c.PLCheckoutPath, "pl-checkout-path", c.PLCheckoutPath, "http provider: check-out path")
	fs.StringVar(&c.PLToken, "pl-token", c.PLToken, "http provider: bearer token")
	fs.StringVar(&c.PLClientID, "pl-client-id", c.PLClientID, "http provider: X-Client-Id header")
	fs.DurationVar(&c.PLTimeout, "pl-timeout", c.PLTimeout, "http provider: timeout per attempt")
	fs.IntVar(&c.PLRetries, "pl-retries", c.PLRetries, "http provider: retries where safe (-1: none)")
	fs.DurationVar(&c.PLBackoff, "pl-backoff", c.PLBackoff, "http provider: first retry delay, doubled each time")
	fs.IntVar(&c.PLBreakerFailures, "pl-breaker-failures", c.PLBreakerFailures, "http provider: consecutive failed calls that open the circuit breaker (0: no breaker)")
	fs.DurationVar(&c.PLBreakerCooldown, "pl-breaker-cooldown", c.PLBreakerCooldown, "http provider: how long an open breaker fails fast before one probe call")
	fs.StringVar(&c.SimAddr, "sim-addr", c.SimAddr, "simulator provider: where the in-process simulator listens")
	fs.StringVar(&c.SimFault, "sim-fault", c.SimFault, "simulator provider: fault on every request")
	c.ImageLimits.bind(fs)
	fs.DurationVar(&c.SimDelay, "sim-delay", c.SimDelay, "simulator provider: delay of the delay fault")
	fs.StringVar(&c.Liveness, "liveness", c.Liveness, "passive liveness gate at enrol, verify and identify: on or off (418 on a presentation attack)")
	fs.Float64Var(&c.LivenessThreshold, "liveness-threshold", c.LivenessThreshold, "refuse a face whose liveness score is below this, in (0,1]")
}

// EnvName is the environment variable of a setting.
func EnvName(setting string) string {
	return "WAJAH_" + strings.ToUpper(strings.ReplaceAll(setting, "-", "_"))
}

// Load applies the config file, the environment, then args to the settings bound on fs.
func Load(fs *flag.FlagSet, args []string, env func(string) (string, bool)) error {
	path, _ := env("WAJAH_CONFIG")
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, "config="); ok {
			path = v
		} else if a == "config" && i+1 < len(args) && strings.HasPrefix(args[i], "-") {
			path = args[i+1]
		}
	}
	if path != "" {
		if err := loadFile(fs, path); err != nil {
			return err
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := env(EnvName(f.Name)); ok && err == nil && f.Name != "config" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s: %w", EnvName(f.Name), e)
			}
		}
	})
	if err != nil {
		return err
	}
	return fs.Parse(args)
}

func loadFile(fs *flag.FlagSet, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		fl := fs.Lookup(k)
		if !ok || fl == nil || k == "config" {
			return fmt.Errorf("%s:%d: unknown setting %q", path, n, k)
		}
		if err := fl.Value.Set(v); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", path, n, k, err)
		}
	}
	return sc.Err()
}

// Options are the HTTP server's options from c.
func (c *Config) Options(logger *slog.Logger) (server.Options, error) {
	o := server.Options{MaxBodyBytes: c.MaxBody, RequestTimeout: c.RequestTimeout, ReadTimeout: c.ReadTimeout,
		WriteTimeout: c.WriteTimeout, IdleTimeout: c.IdleTimeout, Concurrency: c.Concurrency, Threshold: c.Threshold,
		IdentifyK: c.IdentifyK, MaxInflight: c.MaxInflight, LogKey: []byte(c.LogKey), Logger: logger,
		MaxQueue: c.MaxQueue, MaxConnsPerIP: c.MaxConnsPerIP, OAuthTokenTTL: c.OAuthTokenTTL,
		OAuthRate: server.RateLimit{PerMinute: c.OAuthRate, Burst: c.OAuthBurst, FailureCost: c.OAuthFailCost}}
	if c.OAuthTokenTTL == 0 {
		o.OAuthTokenTTL = -1 // Options: negative is "never"; zero would take the default
	}
	switch {
	case c.MaxBodyMB > 0:
		o.MaxBodyMemory = int64(c.MaxBodyMB) << 20
	case c.MaxBodyMB < 0:
		o.MaxBodyMemory = -1
	}
	if c.MetricsToken != "" {
		tok, err := readSecretFile(c.MetricsToken)
		if err != nil {
			return o, fmt.Errorf("metrics-token-file: %w", err)
		}
		o.MetricsToken = tok
	}
	if c.OAuthClients != "" {
		m, err := readOAuthClients(c.OAuthClients)
		if err != nil {
			return o, err
		}
		o.OAuthClients = m
	}
	return o, nil
}

// readOAuthClients reads client_id=<argon2id PHC string> lines. Lines in the old format
// (64 hex digits: an unsalted SHA-256) are refused, naming the command that re-hashes.
func readOAuthClients(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		id, hash, ok := strings.Cut(line, "=")
		id, hash = strings.TrimSpace(id), strings.TrimSpace(hash)
		if !ok || id == "" {
			return nil, fmt.Errorf("%s:%d: want client_id=<argon2id hash from `wajah oauth hash`>", path, n+1)
		}
		if _, err := secrethash.Parse(hash); errors.Is(err, secrethash.ErrLegacySHA256) {
			return nil, fmt.Errorf("%s:%d: client %q: %w; run `wajah oauth hash --client %s < secret-file` and put its line in place of this one",
				path, n+1, id, err, id)
		} else if err != nil {
			return nil, fmt.Errorf("%s:%d: client %q: %w", path, n+1, id, err)
		}
		m[id] = hash
	}
	if len(m) == 0 {
		return nil, errors.New(path + ": no clients")
	}
	return m, nil
}

// readSecretFile reads a token or secret kept in a file: surrounding white space is
// dropped, an empty file is an error.
func readSecretFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", errors.New(path + ": empty")
	}
	return s, nil
}

// ParseLevel reads a log level name.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}
