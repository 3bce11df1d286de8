package plsim

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wajah-id/wajah/pedulilindungi"
)

// ServeHTTP routes a request, applying any injected fault first.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_plsim/") {
		s.admin(w, r)
		return
	}
	f, delay := s.fault(r)
	s.cfg.Logger.Info("plsim request", "path", r.URL.Path, "trx_id", r.Header.Get("X-Trx-Id"), "fault", string(f))
	if s.inject(w, r, f, delay) {
		return
	}
	if s.cfg.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.cfg.Token {
		reply(w, http.StatusUnauthorized, false, "token expired", nil)
		return
	}
	if r.Method != http.MethodPost {
		reply(w, http.StatusMethodNotAllowed, false, "method not allowed", nil)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		reply(w, http.StatusBadRequest, false, "cannot read body", nil)
		return
	}
	switch r.URL.Path {
	case "/api/v1/register":
		s.register(w, body, f)
	case "/api/v1/checkin":
		s.checkin(w, body, pedulilindungi.DirectionIn, f)
	case "/api/v1/checkout":
		s.checkin(w, body, pedulilindungi.DirectionOut, f)
	default:
		http.NotFound(w, r)
	}
}

// inject writes the fault's reply and reports whether it did. Delay only waits, then the
// request goes on; unknown-nik and reject are decided by the routes.
func (s *Server) inject(w http.ResponseWriter, r *http.Request, f Fault, delay time.Duration) bool {
	switch f {
	case FaultDelay:
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	case Fault500:
		reply(w, http.StatusInternalServerError, false, "internal server error", nil)
		return true
	case Fault5xx:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "<html><body><h1>503 Service Unavailable</h1></body></html>")
		return true
	case FaultHangup:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return true
			}
		}
		// Not hijackable (HTTP/2): a gateway error is the nearest reply, also 605.
		w.WriteHeader(http.StatusBadGateway)
		return true
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success": true, "code": 200, "data": {"user_st`)
		return true
	case FaultIncomplete:
		reply(w, http.StatusOK, true, "OK", nil)
		return true
	case Fault404:
		http.NotFound(w, r)
		return true
	case FaultExpired:
		reply(w, http.StatusUnauthorized, false, "token expired", nil)
		return true
	}
	return false
}

type registerBody struct {
	NIK  string `json:"nik"`
	Name string `json:"name"`
}

func (s *Server) register(w http.ResponseWriter, body []byte, f Fault) {
	var b registerBody
	if err := json.Unmarshal(body, &b); err != nil || b.NIK == "" || b.Name == "" {
		reply(w, http.StatusBadRequest, false, "nik and name are required", nil)
		return
	}
	s.mu.Lock()
	p, known := s.mu.people[b.NIK]
	switch {
	case f == FaultReject || (known && p.Name != "" && !strings.EqualFold(p.Name, b.Name)):
		s.mu.Unlock()
		reply(w, http.StatusUnprocessableEntity, false, "nik and name do not match", nil)
		return
	case f == FaultUnknownNIK:
		s.mu.Unlock()
		reply(w, http.StatusNotFound, false, "nik not registered", nil)
		return
	case !known:
		p = Person{NIK: b.NIK, Name: b.Name, Status: pedulilindungi.Green}
	case p.Name == "":
		p.Name = b.Name
	}
	if p.Status == "" {
		p.Status = pedulilindungi.Green
	}
	s.mu.people[b.NIK] = p
	s.mu.Unlock()
	reply(w, http.StatusOK, true, "registered", map[string]string{"nik": p.NIK, "name": p.Name, "user_status": p.Status})
}

type checkinBody struct {
	NIK       string  `json:"nik"`
	Venue     string  `json:"venue_id"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

func (s *Server) checkin(w http.ResponseWriter, body []byte, dir string, f Fault) {
	var b checkinBody
	if err := json.Unmarshal(body, &b); err != nil || b.NIK == "" || b.Venue == "" {
		reply(w, http.StatusBadRequest, false, "nik and venue_id are required", nil)
		return
	}
	s.mu.Lock()
	p, known := s.mu.people[b.NIK]
	v, venue := s.mu.venues[b.Venue]
	if !known || f == FaultUnknownNIK {
		s.mu.Unlock()
		reply(w, http.StatusNotFound, false, "nik not registered", nil)
		return
	}
	if !venue {
		s.mu.Unlock()
		reply(w, http.StatusBadRequest, false, "unknown venue", nil)
		return
	}
	rec := Record{NIK: p.NIK, Venue: v.ID, Direction: dir, Status: p.Status, At: time.Now().UTC()}
	s.mu.checkins = append(s.mu.checkins, rec)
	s.mu.Unlock()
	reply(w, http.StatusOK, true, dir+" success", map[string]string{"nik": p.NIK, "venue_id": v.ID,
		"venue_name": v.Name, "direction": dir, "user_status": p.Status, "timestamp": rec.At.Format(time.RFC3339)})
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Fault  Fault  `json:"fault"`
		Count  int    `json:"count"`
		NIK    string `json:"nik"`
		Status string `json:"status"`
	}
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&b); err != nil {
			reply(w, http.StatusBadRequest, false, "bad json", nil)
			return
		}
	}
	switch r.URL.Path {
	case "/_plsim/fault":
		s.SetFault(b.Fault, b.Count)
		s.cfg.Logger.Info("plsim fault set", slog.String("fault", string(b.Fault)), slog.Int("count", b.Count))
		reply(w, http.StatusOK, true, "fault set", nil)
	case "/_plsim/status":
		if !pedulilindungi.ValidStatus(b.Status) || b.NIK == "" {
			reply(w, http.StatusBadRequest, false, "nik and a status colour are required", nil)
			return
		}
		s.SetStatus(b.NIK, b.Status)
		reply(w, http.StatusOK, true, "status set", nil)
	case "/_plsim/checkins":
		reply(w, http.StatusOK, true, "checkins", s.Checkins())
	default:
		http.NotFound(w, r)
	}
}
