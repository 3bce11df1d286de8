package pedulilindungi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// HTTPConfig configures the HTTP provider. Zero fields take the documented defaults.
type HTTPConfig struct {
	BaseURL      string            // e.g. https://pl.example.id; required
	RegisterPath string            // default /api/v1/register
	CheckinPath  string            // default /api/v1/checkin
	CheckoutPath string            // default /api/v1/checkout
	Token        string            // sent as Authorization: Bearer <Token>
	ClientID     string            // sent as X-Client-Id when set
	Headers      map[string]string // extra headers on every request
	Timeout      time.Duration     // per attempt; default 3s
	Retries      int               // extra attempts where safe; default 2, negative means none
	Backoff      time.Duration     // first retry delay, doubled each time, ±25 % jitter; default 100ms
	MaxReply     int64             // reply body limit in bytes; default 1 MiB
	Logger       *slog.Logger      // default slog.Default()
	Client       *http.Client      // default: a client with its own transport
}

// HTTP is the Provider for the external check-in service (or the simulator).
type HTTP struct {
	cfg HTTPConfig
	hc  *http.Client
}

var _ Provider = (*HTTP)(nil)

// NewHTTP checks cfg, fills defaults and returns the provider.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	if cfg.BaseURL == "" || !(strings.HasPrefix(cfg.BaseURL, "http://") || strings.HasPrefix(cfg.BaseURL, "https://")) {
		return nil, fmt.Errorf("%w: base url %q must start with http:// or https://", ErrInvalid, cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.RegisterPath, DefaultRegisterPath)
	def(&cfg.CheckinPath, DefaultCheckinPath)
	def(&cfg.CheckoutPath, DefaultCheckoutPath)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Retries == 0 {
		cfg.Retries = DefaultRetries
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxReply <= 0 {
		cfg.MaxReply = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	hc := cfg.Client
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 32,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	return &HTTP{cfg: cfg, hc: hc}, nil
}

// Name implements Provider.
func (p *HTTP) Name() string { return "http" }

// Register implements Provider. Registering is idempotent, so it is retried after dial
// failures and broken connections / gateway errors, never after a timeout.
func (p *HTTP) Register(ctx context.Context, r Registration) (Reply, error) {
	body, _ := json.Marshal(wireRegister{NIK: r.NIK, Name: r.Name, TrxID: r.TrxID})
	return p.call(ctx, opRegister, p.cfg.RegisterPath, body, r.TrxID, func(err error) bool {
		return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrNoResponse)
	})
}

// Checkin implements Provider. A check-in is not idempotent: it is retried only when the
// connection could not be made, so the service cannot have seen the request.
func (p *HTTP) Checkin(ctx context.Context, c Checkin) (Reply, error) {
	path := p.cfg.CheckinPath
	switch c.Direction {
	case DirectionIn:
	case DirectionOut:
		path = p.cfg.CheckoutPath
	default:
		return Reply{}, fmt.Errorf("%w: direction %q", ErrInvalid, c.Direction)
	}
	at := c.At
	if at.IsZero() {
		at = time.Now()
	}
	body, _ := json.Marshal(wireCheckin{NIK: c.NIK, Venue: c.Venue, Direction: c.Direction,
		Latitude: c.Latitude, Longitude: c.Longitude, TrxID: c.TrxID, Timestamp: at.UTC().Format(time.RFC3339)})
	return p.call(ctx, opCheckin, path, body, c.TrxID, func(err error) bool { return errors.Is(err, ErrUnreachable) })
}

// call posts body, retrying with backoff while retry(err) holds and attempts remain.
func (p *HTTP) call(ctx context.Context, o op, path string, body []byte, trxID string, retry func(error) bool) (Reply, error) {
	delay := p.cfg.Backoff
	for attempt := 0; ; attempt++ {
		r, err := p.once(ctx, o, path, body, trxID)
		if err == nil || attempt >= p.cfg.Retries || !retry(err) {
			return r, err
		}
		d := delay + time.Duration(rand.Int64N(int64(delay)/2+1)) - delay/4
		p.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "check-in retry", slog.String("trx_id", trxID),
			slog.String("path", path), slog.Int("attempt", attempt+1), slog.Duration("backoff", d), slog.String("error", err.Error()))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return Reply{}, fail(ErrTimeout, nil, ctx.Err())
		case <-t.C:
		}
		delay *= 2
	}
}

func (p *HTTP) once(ctx context.Context, o op, path string, body []byte, trxID string) (Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return Reply{}, fail(ErrUnknown, nil, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if p.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.cfg.Token)
	}
	if p.cfg.ClientID != "" {
		req.Header.Set("X-Client-Id", p.cfg.ClientID)
	}
	if trxID != "" {
		req.Header.Set("X-Trx-Id", trxID)
	}
	for k, v := range p.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return Reply{}, transportFailure(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, p.cfg.MaxReply+1))
	if err != nil {
		return Reply{}, transportFailure(ctx, err)
	}
	if int64(len(data)) > p.cfg.MaxReply {
		return Reply{}, fail(ErrMalformed, nil, errors.New("reply too large"))
	}
	return classify(o, resp.StatusCode, data)
}

// transportFailure classifies an error that left no HTTP reply.
func transportFailure(ctx context.Context, err error) error {
	var ne net.Error
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &op) && op.Op == "dial", errors.As(err, &dns):
		// Nothing was sent, whether the dial was refused or timed out.
		return fail(ErrUnreachable, nil, err)
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fail(ErrTimeout, nil, err)
	}
	return fail(ErrNoResponse, nil, err)
}
