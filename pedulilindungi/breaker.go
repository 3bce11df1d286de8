package pedulilindungi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerConfig configures the circuit breaker in front of a check-in provider.
type BreakerConfig struct {
	Failures int           // consecutive failed calls that open the circuit [5]
	Cooldown time.Duration // how long it stays open before one probe call [10s]
	Logger   *slog.Logger  // state changes are logged at warn [discard]
}

// Breaker is a Provider behind a circuit breaker (sony/gobreaker): after Failures
// consecutive calls that show the service down (604 timeout, 605 no response, 607
// unreachable, 600 server error), the circuit opens and every call fails at once with
// ErrUnreachable (607) for Cooldown; then one probe call is let through (half-open): its
// success closes the circuit, its failure opens it again. A dead service so costs
// microseconds per request instead of retries x timeouts, and stops being hammered.
// Answers that show the service up (rejected, not enrolled, malformed data, expired
// credentials) count as successes; a caller's own cancellation counts as nothing.
type Breaker struct {
	p  Provider
	cb *gobreaker.CircuitBreaker[Reply]
}

var _ Provider = (*Breaker)(nil)

// errCircuitOpen is the logged cause of calls refused while the breaker is open; callers
// see ErrUnreachable (607).
var errCircuitOpen = errors.New("circuit breaker open: check-in service failing, not called")

// NewBreaker wraps p.
func NewBreaker(p Provider, cfg BreakerConfig) *Breaker {
	if cfg.Failures <= 0 {
		cfg.Failures = DefaultBreakerFailures
	}
	if cfg.Cooldown <= 0 {
		cfg.Cooldown = DefaultBreakerCooldown
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	n := uint32(cfg.Failures)
	return &Breaker{p: p, cb: gobreaker.NewCircuitBreaker[Reply](gobreaker.Settings{
		Name:        p.Name(),
		MaxRequests: 1, // one probe in half-open
		Timeout:     cfg.Cooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= n },
		IsSuccessful: func(err error) bool {
			return !serviceDown(err)
		},
		IsExcluded: func(err error) bool {
			return errors.Is(err, context.Canceled)
		},
		OnStateChange: func(name string, from, to gobreaker.State) {
			cfg.Logger.Warn("check-in circuit breaker", "provider", name, "from", from.String(), "to", to.String())
		},
	})}
}

// serviceDown: the error says the service did not answer usefully at all.
func serviceDown(err error) bool {
	for _, down := range []error{ErrTimeout, ErrNoResponse, ErrUnreachable, ErrUnknown} {
		if errors.Is(err, down) {
			return true
		}
	}
	return false
}

func (b *Breaker) Name() string { return b.p.Name() }

// State is the breaker's state: "closed", "half-open" or "open".
func (b *Breaker) State() string { return b.cb.State().String() }

func (b *Breaker) Register(ctx context.Context, r Registration) (Reply, error) {
	return b.run(func() (Reply, error) { return b.p.Register(ctx, r) })
}

func (b *Breaker) Checkin(ctx context.Context, c Checkin) (Reply, error) {
	return b.run(func() (Reply, error) { return b.p.Checkin(ctx, c) })
}

func (b *Breaker) run(fn func() (Reply, error)) (Reply, error) {
	rep, err := b.cb.Execute(fn)
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return Reply{}, fail(ErrUnreachable, nil, fmt.Errorf("%w (%v)", errCircuitOpen, err))
	}
	return rep, err
}
