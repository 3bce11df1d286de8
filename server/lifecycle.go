package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/wajah-id/wajah/engine"
)

// A request's life cycle: route, admit, authenticate, run the handler, write, log, count.
// The routes themselves are in routes.go.

// call is one API request as the handlers see it.
type call struct {
	ctx    context.Context
	fc     *fasthttp.RequestCtx
	tenant string
	trx    string // trx_id once parsed
	nik    string // NIK or user_id, logged only as a keyed hash
	st     *stages
	pos    *engine.Positions // what the request committed (cluster mode; position.go)
}

// serve is the fasthttp handler: route, authenticate, run, write, log, count.
func (s *Server) serve(fc *fasthttp.RequestCtx) {
	start := time.Now()
	defer s.endBody(fc)
	if s.body.begin(&fc.Request.Header) {
		// Refused by the body budget, yet its body (a byte or none) was within the limit.
		s.finish(nil, &call{fc: fc, st: &stages{}}, nil, errBodyBusy, start)
		return
	}
	path := fc.Path()
	if len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	r := s.routes[string(path)]
	if r == nil {
		s.finish(nil, &call{fc: fc, st: &stages{}}, nil, &apiError{code: codeMalformed, detail: "unknown endpoint", http: http.StatusNotFound}, start)
		return
	}
	if !methodAllowed(r, fc.Method()) {
		fc.Response.Header.Set("Allow", strings.Join(r.methods, ", "))
		s.finish(r, &call{fc: fc, st: &stages{}}, nil, &apiError{code: codeMalformed, detail: "method not allowed", http: http.StatusMethodNotAllowed}, start)
		return
	}
	if r.raw != nil {
		r.raw(s, fc)
		s.metrics.observe(r.idx, fc.Response.StatusCode(), nil, time.Since(start))
		return
	}
	s.metrics.inflight.Add(1)
	defer s.metrics.inflight.Add(-1)
	ctx, cancel := context.WithTimeout(s.base, s.opts.RequestTimeout)
	defer cancel()
	c := &call{fc: fc, st: &stages{}}
	var err error
	hold := &slotHold{slots: s.slots}
	defer hold.release()
	c.ctx = withSlot(withStages(ctx, c.st), hold)
	if c.ctx, err = withPositions(c, c.ctx); err != nil {
		s.finish(r, c, nil, err, start)
		return
	}
	var resp response
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		// Admission first: a full queue answers 503 at once, before auth or any work.
		if !s.admit() {
			err = errQueueFull
			return
		}
		defer s.leave()
		if r.auth {
			if err = s.authenticate(c); err != nil {
				return
			}
		}
		resp, err = r.h(s, c)
	}()
	s.finish(r, c, resp, err, start)
}

// authenticate resolves the Accesstoken header to the tenant. A refused request still gets
// its trx_id echoed, read with a cheap decode of that field alone.
func (s *Server) authenticate(c *call) error {
	tok := c.fc.Request.Header.Peek("Accesstoken")
	if len(tok) == 0 {
		c.trx = peekTrxID(c.fc.PostBody())
		return &apiError{code: codeUnauthorized, detail: "Accesstoken header missing"}
	}
	t0 := time.Now()
	tenant, err := s.svc.Authenticate(c.ctx, string(tok))
	c.st.add(stageAuth, time.Since(t0))
	if err != nil {
		c.trx = peekTrxID(c.fc.PostBody())
		return err
	}
	c.tenant = tenant
	return nil
}

func peekTrxID(body []byte) string {
	var v struct {
		TrxID jtrx `json:"trx_id"`
	}
	if len(body) == 0 || decodeObject(body, &v) != nil || utf8.RuneCountInString(v.TrxID.v) > maxIdentifier {
		return ""
	}
	return v.TrxID.v
}

// decode parses the body into v (a request struct), timing the decode stage, and takes
// its trx_id for the echo and the log. A trx_id over 120 characters is refused (400) and
// neither echoed nor logged.
func (c *call) decode(v any) error {
	t0 := time.Now()
	err := decodeJSON(c.fc.PostBody(), v)
	c.st.add(stageDecode, time.Since(t0))
	if err != nil {
		return err
	}
	rv := reflect.ValueOf(v).Elem()
	if f, ok := fieldsOf(rv.Type()).index["trx_id"]; ok {
		t := rv.Field(f).Interface().(jtrx)
		if utf8.RuneCountInString(t.v) > maxIdentifier {
			return failf(codeMalformed, "trx_id longer than %d characters", maxIdentifier)
		}
		c.trx = t.v
	}
	if f, ok := fieldsOf(rv.Type()).index["change_position"]; ok {
		p := rv.Field(f).Interface().(jpos)
		if p.bad {
			return failf(codeMalformed, "change_position must be a non-negative integer")
		}
		c.ctx = engine.AtLeast(c.ctx, p.v)
	}
	return nil
}

// finish writes the body, then logs one line and counts the request.
func (s *Server) finish(r *route, c *call, resp response, err error, start time.Time) {
	fc := c.fc
	code, status, msg := toStatus(err)
	if resp == nil {
		resp = &head{}
	}
	h := resp.header()
	h.Status, h.Message, h.TrxID = code.String(), msg, c.trx
	if c.pos != nil && c.pos.Max() > 0 {
		h.Position = strconv.FormatUint(c.pos.Max(), 10)
	}
	t0 := time.Now()
	body, merr := json.Marshal(resp)
	if merr != nil {
		code, status = codeServerError, http.StatusInternalServerError
		body, _ = json.Marshal(&head{Status: code.String(), Message: messages[code], TrxID: c.trx})
		err = merr
	}
	fc.SetStatusCode(status)
	fc.SetContentType("application/json")
	fc.Response.Header.Set("X-Request-Id", s.requestID(fc))
	setRetryAfter(fc, err)
	fc.SetBody(body)
	c.st.add(stageWrite, time.Since(t0))
	dur := time.Since(start)

	idx := -1
	name := "unknown"
	if r != nil {
		idx, name = r.idx, r.name
	}
	s.metrics.observe(idx, status, &code, dur)
	for st, d := range c.st.d {
		if d > 0 {
			s.metrics.stage(stage(st), d)
		}
	}
	level := slog.LevelInfo
	if code >= 500 {
		level = slog.LevelError
		if code >= 600 || code == codeBusy {
			level = slog.LevelWarn
		}
	}
	if !s.log.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String("trx_id", c.trx),
		slog.String("req_id", s.requestID(fc)),
		slog.String("method", string(fc.Method())),
		slog.String("endpoint", name),
		slog.String("status", code.String()),
		slog.Int("http_status", status),
		slog.Float64("ms", msec(dur)),
		slog.String("remote", fc.RemoteIP().String()),
	)
	if c.tenant != "" {
		attrs = append(attrs, slog.String("tenant", c.tenant))
	}
	if c.nik != "" {
		attrs = append(attrs, slog.String("nik_hash", s.nik.hash(c.nik)))
	}
	attrs = c.st.attrs(attrs)
	if err != nil && code != codeOK {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.log.LogAttrs(context.Background(), level, "request", attrs...)
}

// requestID is per response: a process prefix and the connection's request number.
func (s *Server) requestID(fc *fasthttp.RequestCtx) string {
	if v := fc.UserValue(reqIDKey{}); v != nil {
		return v.(string)
	}
	id := s.reqBase + fmt.Sprint(s.reqSeq.Add(1))
	fc.SetUserValue(reqIDKey{}, id)
	return id
}

type reqIDKey struct{}

// transportError answers requests fasthttp could not read: too large, broken, timed out,
// or refused unread by the body budget (bodybudget.go). The answer goes through toStatus
// like every other: 400 with a detail we wrote, or the busy answer with Retry-After.
func (s *Server) transportError(fc *fasthttp.RequestCtx, err error) {
	var aerr error
	if s.endBody(fc) {
		aerr = errBodyBusy
	} else {
		detail := "cannot read request"
		if errors.Is(err, fasthttp.ErrBodyTooLarge) {
			detail = fmt.Sprintf("body larger than %d bytes", s.opts.MaxBodyBytes)
		}
		aerr = &apiError{code: codeMalformed, detail: detail, cause: err}
	}
	code, status, msg := toStatus(aerr)
	body, _ := json.Marshal(&head{Status: code.String(), Message: msg})
	fc.SetStatusCode(status)
	fc.SetContentType("application/json")
	setRetryAfter(fc, aerr)
	fc.SetBody(body)
	s.metrics.observe(-1, status, &code, 0)
	s.log.Warn("request", slog.String("trx_id", ""), slog.String("status", code.String()), slog.Int("http_status", status),
		slog.String("error", aerr.Error()), slog.String("remote", fc.RemoteAddr().String()))
}

func msec(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// writeRaw writes a non-API body.
func writeRaw(fc *fasthttp.RequestCtx, status int, contentType string, body []byte) {
	fc.SetStatusCode(status)
	fc.SetContentType(contentType)
	fc.SetBody(body)
}
