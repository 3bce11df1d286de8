package server

import (
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/valyala/fasthttp"
)

// healthz: the process is up. No authentication.
func (s *Server) healthz(fc *fasthttp.RequestCtx) {
	writeRaw(fc, http.StatusOK, "application/json", []byte(`{"status":"200","status_message":"ok"}`))
}

// readyz: the store is open and the models are loaded, and the server is not shutting down.
// A failure answers HTTP 503 through toStatus like every error; its cause is logged, never sent.
func (s *Server) readyz(fc *fasthttp.RequestCtx) {
	var err error
	if s.closing.Load() {
		err = &apiError{code: codeServerError, detail: "shutting down", http: http.StatusServiceUnavailable}
	} else if cause := s.svc.Ready(); cause != nil {
		err = &apiError{code: codeServerError, detail: "not ready", http: http.StatusServiceUnavailable, cause: cause}
	}
	if err != nil {
		s.writeOpsError(fc, err)
		return
	}
	body, _ := json.Marshal(&head{Status: codeOK.String(), Message: "ready"})
	writeRaw(fc, http.StatusOK, "application/json", body)
}

// writeOpsError answers an ops endpoint (no request life cycle of its own) with err mapped
// by toStatus, and logs the cause.
func (s *Server) writeOpsError(fc *fasthttp.RequestCtx, err error) {
	c, status, msg := toStatus(err)
	body, _ := json.Marshal(&head{Status: c.String(), Message: msg})
	writeRaw(fc, status, "application/json", body)
	s.log.Warn("request", slog.String("endpoint", string(fc.Path())), slog.String("status", c.String()),
		slog.Int("http_status", status), slog.String("error", err.Error()), slog.String("remote", fc.RemoteIP().String()))
}

//go:embed openapi.json
var openapiJSON []byte

func (s *Server) openapi(fc *fasthttp.RequestCtx) {
	writeRaw(fc, http.StatusOK, "application/json", openapiJSON)
}

func (s *Server) docs(fc *fasthttp.RequestCtx) {
	writeRaw(fc, http.StatusOK, "text/html; charset=utf-8", docsHTML())
}
