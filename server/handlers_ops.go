package server

import (
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/valyala/fasthttp"
)

// healthz: the process is up. No authentication.
func (s *Server) healthz(fc *fasthttp.RequestCtx) {
	writeRaw(fc, http.StatusOK, "application/json", []byte(`{"status":"200","status_message":"ok"}`))
}

// readyz: the store is open and the models are loaded, and the server is not shutting down.
func (s *Server) readyz(fc *fasthttp.RequestCtx) {
	msg := "ready"
	status := http.StatusOK
	if s.closing.Load() {
		msg, status = "shutting down", http.StatusServiceUnavailable
	} else if err := s.svc.Ready(); err != nil {
		msg, status = "not ready: "+err.Error(), http.StatusServiceUnavailable
	}
	c := codeOK
	if status != http.StatusOK {
		c = codeServerError
	}
	body, _ := json.Marshal(&head{Status: c.String(), Message: msg})
	writeRaw(fc, status, "application/json", body)
}

//go:embed openapi.json
var openapiJSON []byte

func (s *Server) openapi(fc *fasthttp.RequestCtx) {
	writeRaw(fc, http.StatusOK, "application/json", openapiJSON)
}

func (s *Server) docs(fc *fasthttp.RequestCtx) {
	writeRaw(fc, http.StatusOK, "text/html; charset=utf-8", docsHTML())
}
