// Package plsim simulates the PeduliLindungi check-in service for tests and demos. It speaks
// the wire protocol documented in package pedulilindungi (wire.go): POST JSON, bearer token,
// replies in the envelope {"success","code","message","data","apiVersion":"v1"}.
//
// Routes (paths match pedulilindungi.HTTPConfig's defaults):
//
//	POST /api/v1/register  {"nik","name"}                         -> data {nik, name, user_status}
//	POST /api/v1/checkin   {"nik","venue_id","latitude","longitude"} -> data {nik, venue_id, venue_name, direction, user_status, timestamp}
//	POST /api/v1/checkout  same as checkin
//	POST /_plsim/fault     {"fault":"delay","count":1}  queue a fault for the next count requests (0: until cleared with "")
//	POST /_plsim/status    {"nik","status"}             set a person's colour
//	GET  /_plsim/checkins                               the recorded check-ins
//
// Faults come from the X-Plsim-Fault request header, the fault queue, or Config.Fault, in
// that order. Each produces one wajah code: see the Fault constants.
package plsim

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wajah-id/wajah/pedulilindungi"
)

// Fault is an injected failure; the comment names the code wajah's HTTP provider maps it to.
type Fault string

const (
	FaultNone       Fault = ""
	FaultDelay      Fault = "delay"       // answer after Config.Delay: 604 when that exceeds the client timeout
	Fault500        Fault = "500"         // HTTP 500 with an error envelope: 600
	Fault5xx        Fault = "5xx"         // HTTP 503 from a "gateway", not JSON: 605
	FaultHangup     Fault = "hangup"      // close the connection without replying: 605
	FaultMalformed  Fault = "malformed"   // HTTP 200, truncated JSON: 609
	FaultIncomplete Fault = "incomplete"  // HTTP 200, envelope without data: 608
	Fault404        Fault = "404"         // HTTP 404, not JSON (wrong path): 610
	FaultExpired    Fault = "expired"     // HTTP 401 token expired: 611
	FaultUnknownNIK Fault = "unknown-nik" // HTTP 404 envelope, NIK not registered: 606
	FaultReject     Fault = "reject"      // HTTP 422 envelope, NIK and name do not match: 603 (register)
)

// Faults lists every fault, for flags and tests. Unreachable (607) is not a server
// behaviour: stop the simulator or point the client at a closed port.
var Faults = []Fault{FaultDelay, Fault500, Fault5xx, FaultHangup, FaultMalformed, FaultIncomplete,
	Fault404, FaultExpired, FaultUnknownNIK, FaultReject}

// Person is a seeded or registered person.
type Person struct {
	NIK, Name, Status string
}

// Venue is a place with a QR code "checkin:<ID>".
type Venue struct {
	ID, Name            string
	Latitude, Longitude float64
}

// Record is one check-in the simulator accepted.
type Record struct {
	NIK       string    `json:"nik"`
	Venue     string    `json:"venue_id"`
	Direction string    `json:"direction"`
	Status    string    `json:"user_status"`
	At        time.Time `json:"timestamp"`
}

// DefaultDelay is Config.Delay's default.
const DefaultDelay = 5 * time.Second

// Config configures the simulator. Zero fields take defaults.
type Config struct {
	Token  string        // bearer token required on service routes; "" accepts any
	People []Person      // default Seed()
	Venues []Venue       // default SeedVenues()
	Fault  Fault         // applied to every request when nothing else is injected
	Delay  time.Duration // for FaultDelay; default 5s
	Logger *slog.Logger
}

// Server is the simulator; it is an http.Handler.
type Server struct {
	cfg Config
	mu  struct {
		sync.Mutex
		people   map[string]Person
		venues   map[string]Venue
		queue    Fault
		count    int // remaining queued faults; -1 = unlimited
		checkins []Record
	}
}

// Seed returns the default people: NIKs ending in their colour's index, one per colour and
// a few more greens.
func Seed() []Person {
	return []Person{
		{"3174010101900001", "Budi Santoso", pedulilindungi.Green},
		{"3174010101900002", "Siti Rahayu", pedulilindungi.Yellow},
		{"3174010101900003", "Agus Wijaya", pedulilindungi.Red},
		{"3174010101900004", "Dewi Lestari", pedulilindungi.Black},
		{"3174010101900005", "Rina Kurniawati", pedulilindungi.Green},
		{"3174010101900006", "Joko Susilo", pedulilindungi.Green},
	}
}

// SeedVenues returns the default venues.
func SeedVenues() []Venue {
	return []Venue{
		{"VENUE-001", "Mall Kota Kasablanka", -6.2243, 106.8431},
		{"VENUE-002", "Stasiun Gambir", -6.1767, 106.8306},
		{"VENUE-003", "Kantor Pusat", -6.2088, 106.8456},
	}
}

// New returns a simulator with cfg's seed.
func New(cfg Config) *Server {
	if cfg.People == nil {
		cfg.People = Seed()
	}
	if cfg.Venues == nil {
		cfg.Venues = SeedVenues()
	}
	if cfg.Delay <= 0 {
		cfg.Delay = DefaultDelay
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg}
	s.mu.people = make(map[string]Person, len(cfg.People))
	for _, p := range cfg.People {
		s.mu.people[p.NIK] = p
	}
	s.mu.venues = make(map[string]Venue, len(cfg.Venues))
	for _, v := range cfg.Venues {
		s.mu.venues[v.ID] = v
	}
	return s
}

// SetFault queues f for the next n requests (n <= 0: until cleared with FaultNone).
func (s *Server) SetFault(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.queue, s.mu.count = f, n
	if n <= 0 {
		s.mu.count = -1
	}
}

// SetStatus sets a person's colour, registering the NIK when unknown.
func (s *Server) SetStatus(nik, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mu.people[nik]
	p.NIK, p.Status = nik, status
	s.mu.people[nik] = p
}

// Checkins returns a copy of the recorded check-ins.
func (s *Server) Checkins() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.mu.checkins...)
}

// fault picks the fault for this request.
func (s *Server) fault(r *http.Request) (Fault, time.Duration) {
	delay := s.cfg.Delay
	h := r.Header.Get("X-Plsim-Fault")
	if name, d, ok := strings.Cut(h, "="); ok {
		h = name
		if v, err := time.ParseDuration(d); err == nil {
			delay = v
		}
	}
	if h != "" {
		return Fault(h), delay
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.count != 0 && s.mu.queue != FaultNone {
		if s.mu.count > 0 {
			s.mu.count--
		}
		return s.mu.queue, delay
	}
	return s.cfg.Fault, delay
}

// envelope is the reply shape.
type envelope struct {
	Success    bool   `json:"success"`
	Code       int    `json:"code"`
	Message    string `json:"message"`
	Data       any    `json:"data,omitempty"`
	APIVersion string `json:"apiVersion"`
}

func reply(w http.ResponseWriter, status int, success bool, msg string, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(envelope{Success: success, Code: status, Message: msg, Data: data, APIVersion: "v1"})
}
