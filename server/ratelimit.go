package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit bounds token issue (POST /oauth/client/token) with token buckets
// (golang.org/x/time/rate): one per client_id and one per source address; an attempt needs a
// token from both. A failed attempt (unknown client or wrong secret) costs FailureCost tokens
// in all, so guessing runs FailureCost times slower than honest use. Refusals answer 429
// with Retry-After. Zero fields take the defaults in brackets.
type RateLimit struct {
	PerMinute   float64 // refill of each bucket, attempts per minute [10]
	Burst       int     // bucket size [5]
	FailureCost int     // tokens a failed attempt costs, 1..Burst [3]
}

func (r RateLimit) withDefaults() RateLimit {
	if r.PerMinute <= 0 {
		r.PerMinute = 10
	}
	if r.Burst <= 0 {
		r.Burst = 5
	}
	if r.FailureCost <= 0 {
		r.FailureCost = 3
	}
	r.FailureCost = min(r.FailureCost, r.Burst)
	return r
}

// maxLimitKeys bounds the bucket table: source addresses are chosen by the client, so the
// table is swept of full (idle) buckets when it grows past this, and what is still over it
// shares one overflow bucket rather than growing memory.
const maxLimitKeys = 4096

// issueLimits holds the buckets. Keys: "c:" + a configured client_id ("c:?" for every
// unknown one, so invented ids cannot grow the table), "a:" + source address.
type issueLimits struct {
	cfg RateLimit
	mu  struct {
		sync.Mutex
		m         map[string]*rate.Limiter
		lastSweep time.Time
	}
}

func newIssueLimits(cfg RateLimit) *issueLimits {
	l := &issueLimits{cfg: cfg.withDefaults()}
	l.mu.m = make(map[string]*rate.Limiter)
	return l
}

// limiterLocked returns key's bucket; l.mu is held.
func (l *issueLimits) limiterLocked(key string, now time.Time) *rate.Limiter {
	if lim, ok := l.mu.m[key]; ok {
		return lim
	}
	if len(l.mu.m) >= maxLimitKeys && now.Sub(l.mu.lastSweep) >= time.Second { // sweeps are O(table)
		l.mu.lastSweep = now
		for k, lim := range l.mu.m {
			if lim.TokensAt(now) >= float64(l.cfg.Burst) {
				delete(l.mu.m, k) // full again: the same as a new bucket
			}
		}
	}
	if len(l.mu.m) >= maxLimitKeys {
		key = "overflow"
		if lim, ok := l.mu.m[key]; ok {
			return lim
		}
	}
	lim := rate.NewLimiter(rate.Limit(l.cfg.PerMinute/60), l.cfg.Burst)
	l.mu.m[key] = lim
	return lim
}

// allow takes one token from each key's bucket, or none and says how long to wait.
func (l *issueLimits) allow(now time.Time, keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	res := make([]*rate.Reservation, 0, len(keys))
	var wait time.Duration
	for _, k := range keys {
		r := l.limiterLocked(k, now).ReserveN(now, 1)
		res = append(res, r)
		wait = max(wait, r.DelayFrom(now))
	}
	if wait > 0 {
		for _, r := range res {
			r.CancelAt(now)
		}
		return false, wait
	}
	return true, 0
}

// fail charges a failed attempt's extra cost to each key's bucket, which may go into debt:
// the next attempt then waits for the refill.
func (l *issueLimits) fail(now time.Time, keys ...string) {
	if l.cfg.FailureCost <= 1 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.limiterLocked(k, now).ReserveN(now, l.cfg.FailureCost-1)
	}
}
