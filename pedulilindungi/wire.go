package pedulilindungi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
)

// The wire protocol of the check-in service, as the HTTP provider reads it and the simulator
// (package plsim) speaks it. Requests are POST with a JSON body and `Authorization: Bearer`.
// Every reply is the envelope {"success","code","message","data","apiVersion"}.
//
// How a reply maps to a failure mode (first match wins):
//
//	transport: deadline passed                         604 ErrTimeout
//	transport: dial / DNS failure                      607 ErrUnreachable
//	transport: connection broken, no complete reply    605 ErrNoResponse
//	HTTP 401, or envelope code 401                     611 ErrTokenExpired
//	HTTP 404 with a valid envelope (unknown NIK)       606 ErrNotEnrolled
//	HTTP 404 without an envelope (wrong path)          610 ErrNotFound
//	HTTP 502, 503, 504 (gateway failures)              605 ErrNoResponse
//	HTTP 400, 409, 422 with an envelope, on register   603 ErrRejected
//	other non-2xx                                      600 ErrUnknown
//	2xx, body not an envelope                          609 ErrMalformed
//	2xx, success false                                 600 ErrUnknown
//	2xx, data missing / user_status missing            608 ErrIncomplete
//	2xx, user_status not a known colour                609 ErrMalformed

// Wire request bodies.
type (
	wireRegister struct {
		NIK   string `json:"nik"`
		Name  string `json:"name"`
		TrxID string `json:"trx_id,omitempty"`
	}
	wireCheckin struct {
		NIK       string  `json:"nik"`
		Venue     string  `json:"venue_id"`
		Direction string  `json:"direction"`
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		TrxID     string  `json:"trx_id,omitempty"`
		Timestamp string  `json:"timestamp"`
	}
)

// envelope is the reply as decoded: pointers tell missing from zero.
type envelope struct {
	Success    *bool           `json:"success"`
	Code       *int            `json:"code"`
	Message    string          `json:"message"`
	Data       json.RawMessage `json:"data"`
	APIVersion string          `json:"apiVersion"`
}

// replyData are the data fields wajah reads.
type replyData struct {
	UserStatus *string `json:"user_status"`
}

type op int

const (
	opRegister op = iota
	opCheckin
)

// parseEnvelope decodes body as an envelope; ok is false when it is not one.
func parseEnvelope(body []byte) (Reply, bool) {
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil || e.Success == nil || e.Code == nil {
		return Reply{}, false
	}
	r := Reply{Success: *e.Success, Code: *e.Code, Message: e.Message, APIVersion: e.APIVersion}
	if len(e.Data) > 0 && !bytes.Equal(e.Data, []byte("null")) {
		r.Data = e.Data
	}
	var buf bytes.Buffer
	if json.Compact(&buf, body) == nil {
		r.Raw = buf.Bytes()
	}
	return r, true
}

// classify turns an HTTP status and body into a Reply or a failure (see the table above).
func classify(o op, status int, body []byte) (Reply, error) {
	r, ok := parseEnvelope(body)
	var rp *Reply
	if ok {
		rp = &r
	}
	switch {
	case status == http.StatusUnauthorized || (ok && r.Code == http.StatusUnauthorized):
		return Reply{}, fail(ErrTokenExpired, rp, nil)
	case status == http.StatusNotFound && ok:
		return Reply{}, fail(ErrNotEnrolled, rp, nil)
	case status == http.StatusNotFound:
		return Reply{}, fail(ErrNotFound, nil, nil)
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return Reply{}, fail(ErrNoResponse, rp, errors.New(http.StatusText(status)))
	case o == opRegister && ok && (status == http.StatusBadRequest || status == http.StatusConflict || status == http.StatusUnprocessableEntity):
		return Reply{}, fail(ErrRejected, rp, nil)
	case status < 200 || status > 299:
		return Reply{}, fail(ErrUnknown, rp, errors.New(http.StatusText(status)))
	case !ok:
		return Reply{}, fail(ErrMalformed, nil, nil)
	case !r.Success:
		return Reply{}, fail(ErrUnknown, rp, errors.New(r.Message))
	case r.Data == nil:
		return Reply{}, fail(ErrIncomplete, rp, errors.New("no data"))
	}
	var d replyData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return Reply{}, fail(ErrMalformed, rp, err)
	}
	if d.UserStatus == nil {
		if o == opCheckin {
			return Reply{}, fail(ErrIncomplete, rp, errors.New("no data.user_status"))
		}
		return r, nil
	}
	if !ValidStatus(*d.UserStatus) {
		return Reply{}, fail(ErrMalformed, rp, errors.New("unknown user_status"))
	}
	r.UserStatus = *d.UserStatus
	return r, nil
}
