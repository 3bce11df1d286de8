package server

import (
	"errors"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Request body memory. fasthttp reads a request's whole body before any handler runs, so
// the admission queue (slots.go) cannot bound it; bodyBudget does (max-body-mb):
//
//   - fasthttp's HeaderReceived hook reserves, from the declared Content-Length and before
//     a byte of the body is read, the memory fasthttp will allocate for it (bodyCost). A
//     request that does not fit gets a body limit of one byte, so fasthttp refuses it from
//     its Content-Length without reading it (ErrBodyTooLarge) and transportError answers
//     503 + Retry-After, the body of a full queue; the connection is then closed.
//   - The reservation ends with the request: when the handler returns (serve), in
//     transportError (body too large, broken, timed out, client gone mid-body), or, where
//     fasthttp calls neither (a chunked body whose client hangs up between chunks: fasthttp
//     reads io.EOF and closes the connection silently), once the request's read deadline
//     has certainly passed (reclaim). A later request on the same fasthttp context also
//     ends a forgotten one.
//   - A client sending slowly holds its reservation at most read-timeout: fasthttp arms the
//     read deadline when the request's first byte arrives (on a new connection, when it
//     opens), before the hook runs, and a body not read by then is an error.
//
// Server.ReduceMemoryUsage is on: fasthttp otherwise keeps a connection's body buffer for
// its next request, so every idle keep-alive connection would hold the largest body it ever
// sent, outside any budget. With it the buffer goes back to fasthttp's pool after each
// request (which drops outsized buffers and empties with the collector).

// reclaimGrace is how long after a request's read deadline its reservation is taken back
// when fasthttp never handed the request to a handler or the error handler.
const reclaimGrace = time.Second

// errBodyBudget is the cause (logged) of a busy answer to a body the budget had no room for.
var errBodyBudget = errors.New("request body memory budget (max-body-mb) full")

// errBodyBusy answers it: to the client, the same answer as a full queue.
var errBodyBusy = &apiError{code: codeBusy, detail: errQueueFull.detail, retryAfter: busyRetryAfter, cause: errBodyBudget}

// roundUpBuffer is the capacity fasthttp gives a body buffer of n bytes (its
// roundUpForSliceCap): the next power of two, n itself above 100 MiB.
func roundUpBuffer(n int) int64 {
	if n <= 0 {
		return 0
	}
	if n > 100<<20 {
		return int64(n)
	}
	c := int64(1)
	for c < int64(n) {
		c <<= 1
	}
	return c
}

// bodyCost is the memory fasthttp allocates to read a body of declared length n (-1:
// chunked) under the limit maxBody. A declared length is allocated at once, rounded up; a
// chunked body's buffer doubles as chunks arrive, up to maxBody and the last chunk's CRLF,
// so at its largest it is that buffer and the half-size one it was copied from. 0: nothing
// to read (no body; a body without Content-Length or chunking, which fasthttp ignores on
// a request) or a body over maxBody, refused unread from its Content-Length.
func bodyCost(n, maxBody int) int64 {
	switch {
	case n == -1:
		c := roundUpBuffer(maxBody + 2)
		return c + c/2
	case n <= 0 || n > maxBody:
		return 0
	}
	return roundUpBuffer(n)
}

// bodyHold is one request's reservation.
type bodyHold struct {
	n       int64
	since   time.Time // when the header arrived
	reading bool      // not yet handed to a handler: may be reclaimed after the read deadline
	refused bool      // no room: answered busy
}

// bodyBudget counts the body memory reserved by requests in flight.
type bodyBudget struct {
	limit int64         // bytes; 0: unbounded (reservations are still counted)
	stale time.Duration // a hold still reading after this is dead: read-timeout + reclaimGrace
	mu    struct {
		sync.Mutex
		used, peak  int64 // reserved now, and the most ever (tests)
		lastReclaim time.Time
		holds       map[*fasthttp.RequestHeader]*bodyHold
	}
}

func newBodyBudget(limit int64, readTimeout time.Duration) *bodyBudget {
	b := &bodyBudget{limit: max(limit, 0), stale: readTimeout + reclaimGrace}
	b.mu.holds = map[*fasthttp.RequestHeader]*bodyHold{}
	return b
}

// reserve takes n bytes for the request of header h, or records it as refused.
func (b *bodyBudget) reserve(h *fasthttp.RequestHeader, n int64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropLocked(h) // the previous request on this context ended without telling us
	if b.limit > 0 && b.mu.used+n > b.limit && now.Sub(b.mu.lastReclaim) >= 100*time.Millisecond {
		b.reclaimLocked(now)
	}
	if b.limit > 0 && b.mu.used+n > b.limit {
		b.mu.holds[h] = &bodyHold{since: now, reading: true, refused: true}
		return false
	}
	b.mu.used += n
	b.mu.peak = max(b.mu.peak, b.mu.used)
	b.mu.holds[h] = &bodyHold{n: n, since: now, reading: true}
	return true
}

// begin marks h's request as handed to the handler (its body is read) and reports whether
// it was refused.
func (b *bodyBudget) begin(h *fasthttp.RequestHeader) (refused bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if hold := b.mu.holds[h]; hold != nil {
		hold.reading = false
		return hold.refused
	}
	return false
}

// release ends h's reservation and reports whether the request had been refused.
func (b *bodyBudget) release(h *fasthttp.RequestHeader) (refused bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropLocked(h)
}

func (b *bodyBudget) dropLocked(h *fasthttp.RequestHeader) (refused bool) {
	hold := b.mu.holds[h]
	if hold == nil {
		return false
	}
	delete(b.mu.holds, h)
	b.mu.used -= hold.n
	return hold.refused
}

// reclaimLocked ends the reservations of requests whose read deadline passed more than
// reclaimGrace ago without fasthttp handing them on: their connection is gone.
func (b *bodyBudget) reclaimLocked(now time.Time) {
	b.mu.lastReclaim = now
	for h, hold := range b.mu.holds {
		if hold.reading && now.Sub(hold.since) > b.stale {
			delete(b.mu.holds, h)
			b.mu.used -= hold.n
		}
	}
}

// reserved is the body memory reserved now (after reclaiming dead reservations).
func (b *bodyBudget) reserved() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reclaimLocked(time.Now())
	return b.mu.used
}

// peak is the most body memory ever reserved at once.
func (b *bodyBudget) peak() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mu.peak
}

// headerReceived is fasthttp's HeaderReceived hook: reserve the body's memory before it is
// read, or give the request a body limit it cannot meet so that it is refused unread.
func (s *Server) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	n := bodyCost(h.ContentLength(), s.opts.MaxBodyBytes)
	if n == 0 {
		s.body.release(h)
		return fasthttp.RequestConfig{}
	}
	if !s.body.reserve(h, n, time.Now()) {
		return fasthttp.RequestConfig{MaxRequestBodySize: 1}
	}
	return fasthttp.RequestConfig{}
}

// endBody ends the request's reservation.
func (s *Server) endBody(fc *fasthttp.RequestCtx) (refused bool) {
	return s.body.release(&fc.Request.Header)
}
