package server

import (
	"context"
	"strconv"

	"github.com/wajah-id/wajah/engine"
)

// Read-your-writes across cluster nodes (engine/position.go). A response of a request
// that committed carries change_position (cluster mode only); a request may send it
// back in the X-Change-Position header or, on enrol, verify and identify, as the
// change_position body field, and the node then answers only once it has applied every
// change up to it, or 503 (Retry-After) when its follower is still behind at the
// request's deadline.

// positionHeader carries a change position in a request.
const positionHeader = "X-Change-Position"

// withPositions tracks what c's request commits and applies the header's position.
func withPositions(c *call, ctx context.Context) (context.Context, error) {
	ctx, c.pos = engine.TrackPositions(ctx)
	h := c.fc.Request.Header.Peek(positionHeader)
	if len(h) == 0 {
		return ctx, nil
	}
	p, err := strconv.ParseUint(string(h), 10, 64)
	if err != nil {
		return ctx, failf(codeMalformed, "%s must be a non-negative integer", positionHeader)
	}
	return engine.AtLeast(ctx, p), nil
}

// jpos is change_position: a non-negative integer, as a JSON number or a string of
// digits (positions exceed 2^53, which JSON numbers do not carry exactly in every client).
type jpos struct {
	v   uint64
	bad bool
}

func (p *jpos) UnmarshalJSON(b []byte) error {
	*p = jpos{}
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		p.bad = true
		return nil
	}
	p.v = v
	return nil
}
