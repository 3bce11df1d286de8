package server

import (
	"context"
	"errors"
	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// Overload control. Two bounded semaphores:
//
//   - queue (MaxInflight + MaxQueue) admits a request at all. When it is full the request is
//     answered 503 with Retry-After at once, so a flood costs a few microseconds per request
//     instead of every request waiting until its deadline, and at most MaxInflight+MaxQueue
//     bodies are decoded into images. The raw bodies are read by fasthttp before any
//     handler runs, so the queue cannot bound them: the body memory budget (max-body-mb,
//     bodybudget.go) does, reserved from each Content-Length in fasthttp's HeaderReceived
//     hook before the body is read; a body that does not fit gets the same 503 unread.
//   - slots (MaxInflight) are the CPU worker slots. A request holds one only while it does CPU
//     work (decode, detect, embed, search; argon2id on token issue). Check-in service calls
//     release it first (timedProvider), so a slow provider never idles a CPU slot.
//
// A request that was admitted but finds no slot before its deadline also gets 503.

// busyRetryAfter is what a busy answer tells clients to wait: one face operation takes tens
// of milliseconds, so a second is enough for the queue to move without inviting a stampede.
const busyRetryAfter = time.Second

// errQueueFull answers a request that found the admission queue full.
var errQueueFull = &apiError{code: codeBusy, detail: "queue full", retryAfter: busyRetryAfter}

func (s *Server) admit() bool {
	select {
	case s.queue <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *Server) leave() { <-s.queue }

// slotHold is one request's hold on a CPU slot. A request runs on one goroutine (the engine
// calls BeforeCommit, and so the provider, on the caller's goroutine), so no lock is needed.
type slotHold struct {
	slots chan struct{}
	held  bool
}

type slotKey struct{}

func withSlot(ctx context.Context, h *slotHold) context.Context {
	return context.WithValue(ctx, slotKey{}, h)
}

// holdSlot takes a CPU slot for the request of ctx, waiting at most until its deadline.
// Contexts that are not a request's (no slotHold) pass.
func holdSlot(ctx context.Context) error {
	h, _ := ctx.Value(slotKey{}).(*slotHold)
	if h == nil || h.held {
		return nil
	}
	select {
	case h.slots <- struct{}{}:
		h.held = true
		return nil
	default:
	}
	select {
	case h.slots <- struct{}{}:
		h.held = true
		return nil
	case <-ctx.Done():
		return &apiError{code: codeBusy, detail: "no worker free before the deadline", retryAfter: busyRetryAfter, cause: ctx.Err()}
	}
}

// releaseSlot gives the request's CPU slot back, if it holds one.
func releaseSlot(ctx context.Context) {
	if h, _ := ctx.Value(slotKey{}).(*slotHold); h != nil {
		h.release()
	}
}

func (h *slotHold) release() {
	if h.held {
		h.held = false
		<-h.slots
	}
}

// setRetryAfter sets the Retry-After header for errors that carry one (429, 503).
func setRetryAfter(fc *fasthttp.RequestCtx, err error) {
	var ae *apiError
	wait := time.Duration(0)
	switch {
	case errors.As(err, &ae) && ae.retryAfter > 0:
		wait = ae.retryAfter
	case errors.Is(err, engine.ErrCommitUnknown):
		return
	case errors.Is(err, embed.ErrBusy), errors.Is(err, engine.ErrStoreUnavailable), errors.Is(err, engine.ErrBehind):
		wait = busyRetryAfter
	default:
		return
	}
	secs := int((wait + time.Second - 1) / time.Second)
	fc.Response.Header.Set("Retry-After", strconv.Itoa(secs))
}
