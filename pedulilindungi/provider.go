// Package pedulilindungi is wajah's side of the check-in service: one Provider interface and
// three implementations. HTTP talks to the external service (or to the simulator in package
// plsim); Local keeps a ledger in wajah's own store. Gate runs the enrol and check-in flows
// over an engine.Service and a Provider, so the server's handlers stay free of logic.
package pedulilindungi

import (
	"context"
	"encoding/json"
	"time"
)

// Directions of a check-in QR code ("checkin:<venue>" / "checkout:<venue>").
const (
	DirectionIn  = "checkin"
	DirectionOut = "checkout"
)

// User status colours: green and yellow may enter, red and black may not.
const (
	Green  = "green"
	Yellow = "yellow"
	Red    = "red"
	Black  = "black"
)

// ValidStatus reports whether s is one of the four colours.
func ValidStatus(s string) bool {
	switch s {
	case Green, Yellow, Red, Black:
		return true
	}
	return false
}

// Registration registers a person (NIK + name) with the check-in service.
type Registration struct {
	Tenant, Gallery string
	NIK, Name       string
	TrxID           string
}

// Checkin checks a person in or out of a venue.
type Checkin struct {
	Tenant, Gallery string
	NIK             string
	Venue           string
	Direction       string // DirectionIn or DirectionOut
	Latitude        float64
	Longitude       float64
	TrxID           string
	At              time.Time // zero means now
}

// Reply is the service's JSON envelope. Raw holds the reply as received (compact JSON) and is
// what the API returns as pl_data; UserStatus is data.user_status when present.
type Reply struct {
	Success    bool            `json:"success"`
	Code       int             `json:"code"`
	Message    string          `json:"message"`
	Data       json.RawMessage `json:"data,omitempty"`
	APIVersion string          `json:"apiVersion"`

	UserStatus string          `json:"-"`
	Raw        json.RawMessage `json:"-"`
}

// Provider is a check-in service. Errors wrap one of the sentinels of errors.go, and carry the
// reply when one was received (ReplyOf).
type Provider interface {
	Register(ctx context.Context, r Registration) (Reply, error)
	Checkin(ctx context.Context, c Checkin) (Reply, error)
	Name() string
}

// newReply builds a successful envelope with raw JSON filled in.
func newReply(message string, data any) Reply {
	r := Reply{Success: true, Code: 200, Message: message, APIVersion: "v1"}
	if data != nil {
		r.Data, _ = json.Marshal(data)
	}
	r.Raw, _ = json.Marshal(r)
	return r
}
