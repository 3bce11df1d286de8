package engine

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Read-your-writes across nodes (cluster mode). Every commit has a change position in
// the shared store's feed (kv.Store.Update). A call made with a context from
// TrackPositions records the highest position it committed; a call made with a context
// from AtLeast first waits until this node's follower has applied every change at or
// below that position, so a verify or identify on node B after an enrolment
// acknowledged by node A sees it. The wait is bounded by the context: a node still
// behind at the deadline fails the call with ErrBehind (the server: busy, 503).
//
// On the embedded Badger store there is one node and its writes are applied before
// they are acknowledged, so nothing is recorded and nothing waits.

type minPosKey struct{}
type trackKey struct{}

// AtLeast returns a context whose Enroll, Verify and Identify calls first wait for
// this node to have applied every change at or below pos (0: no wait).
func AtLeast(ctx context.Context, pos uint64) context.Context {
	if pos == 0 || pos <= MinPosition(ctx) {
		return ctx
	}
	return context.WithValue(ctx, minPosKey{}, pos)
}

// MinPosition is the position AtLeast put in ctx (0 when none).
func MinPosition(ctx context.Context) uint64 {
	p, _ := ctx.Value(minPosKey{}).(uint64)
	return p
}

// Positions collects the change positions of the commits made with one context.
type Positions struct{ max atomic.Uint64 }

// Max is the highest position committed so far (0: nothing committed, or not in
// cluster mode).
func (p *Positions) Max() uint64 { return p.max.Load() }

func (p *Positions) note(pos uint64) {
	for {
		cur := p.max.Load()
		if pos <= cur || p.max.CompareAndSwap(cur, pos) {
			return
		}
	}
}

// TrackPositions returns a context whose calls record their commits' change
// positions in the returned Positions.
func TrackPositions(ctx context.Context) (context.Context, *Positions) {
	p := &Positions{}
	return context.WithValue(ctx, trackKey{}, p), p
}

// notePosition records a commit's position in ctx's Positions, in cluster mode only.
func (e *Engine) notePosition(ctx context.Context, pos uint64) {
	if e.opts.Store == "" || pos == 0 {
		return
	}
	if p, _ := ctx.Value(trackKey{}).(*Positions); p != nil {
		p.note(pos)
	}
}

// awaitPosition waits until the follower has applied the position AtLeast put in
// ctx, or fails with ErrBehind when ctx ends first.
func (e *Engine) awaitPosition(ctx context.Context) error {
	want := MinPosition(ctx)
	if want == 0 || e.opts.Store == "" {
		return nil
	}
	for {
		e.follower.mu.Lock()
		pos, ch := e.follower.pos, e.follower.advanced
		e.follower.mu.Unlock()
		if pos >= want {
			return nil
		}
		if ch == nil { // not following (closed engine)
			return fmt.Errorf("%w: at %d, asked for %d", ErrBehind, pos, want)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: at %d, asked for %d: %w", ErrBehind, pos, want, ctx.Err())
		}
	}
}

// setFollowed publishes the follower's position and wakes the calls waiting for it.
func (e *Engine) setFollowed(pos uint64) {
	e.follower.mu.Lock()
	defer e.follower.mu.Unlock()
	if pos <= e.follower.pos && e.follower.advanced != nil {
		return
	}
	e.follower.pos = pos
	if e.follower.advanced != nil {
		close(e.follower.advanced)
	}
	e.follower.advanced = make(chan struct{})
}
