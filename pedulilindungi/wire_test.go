package pedulilindungi

import (
	"errors"
	"slices"
	"testing"
)

var failures = []error{ErrUnknown, ErrRejected, ErrTimeout, ErrNoResponse, ErrNotEnrolled, ErrUnreachable,
	ErrIncomplete, ErrMalformed, ErrNotFound, ErrTokenExpired}

func TestClassify(t *testing.T) {
	ok := `{"success":true,"code":200,"message":"ok","data":{"user_status":"green"},"apiVersion":"v1"}`
	tests := []struct {
		name   string
		o      op
		status int
		body   string
		want   error // nil: success
		colour string
	}{
		{"ok", opCheckin, 200, ok, nil, Green},
		{"register without status", opRegister, 200, `{"success":true,"code":200,"data":{"nik":"1"}}`, nil, ""},
		{"401", opCheckin, 401, `whatever`, ErrTokenExpired, ""},
		{"envelope 401", opCheckin, 200, `{"success":false,"code":401,"message":"expired"}`, ErrTokenExpired, ""},
		{"unknown nik", opCheckin, 404, `{"success":false,"code":404,"message":"nik"}`, ErrNotEnrolled, ""},
		{"wrong path", opCheckin, 404, `404 page not found`, ErrNotFound, ""},
		{"502", opCheckin, 502, `<html>`, ErrNoResponse, ""},
		{"503", opRegister, 503, ``, ErrNoResponse, ""},
		{"504", opRegister, 504, ``, ErrNoResponse, ""},
		{"rejected", opRegister, 422, `{"success":false,"code":422,"message":"mismatch"}`, ErrRejected, ""},
		{"checkin 422", opCheckin, 422, `{"success":false,"code":422,"message":"venue"}`, ErrUnknown, ""},
		{"500", opCheckin, 500, `{"success":false,"code":500}`, ErrUnknown, ""},
		{"302", opCheckin, 302, ``, ErrUnknown, ""},
		{"not json", opCheckin, 200, `<html>`, ErrMalformed, ""},
		{"truncated", opCheckin, 200, `{"success":true,"code":200,"data":{"us`, ErrMalformed, ""},
		{"no code", opCheckin, 200, `{"success":true,"data":{"user_status":"green"}}`, ErrMalformed, ""},
		{"success false", opCheckin, 200, `{"success":false,"code":200,"message":"no"}`, ErrUnknown, ""},
		{"no data", opCheckin, 200, `{"success":true,"code":200}`, ErrIncomplete, ""},
		{"null data", opCheckin, 200, `{"success":true,"code":200,"data":null}`, ErrIncomplete, ""},
		{"no status", opCheckin, 200, `{"success":true,"code":200,"data":{"nik":"1"}}`, ErrIncomplete, ""},
		{"data not object", opCheckin, 200, `{"success":true,"code":200,"data":[1]}`, ErrMalformed, ""},
		{"odd colour", opCheckin, 200, `{"success":true,"code":200,"data":{"user_status":"purple"}}`, ErrMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := classify(tt.o, tt.status, []byte(tt.body))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err == nil && (r.UserStatus != tt.colour || len(r.Raw) == 0) {
				t.Errorf("reply %+v", r)
			}
		})
	}
}

// FuzzClassify: any reply maps to success or one of the failure sentinels, never anything else.
func FuzzClassify(f *testing.F) {
	f.Add(200, []byte(`{"success":true,"code":200,"data":{"user_status":"red"}}`), true)
	f.Add(404, []byte(`{"success":false,"code":404}`), false)
	f.Add(200, []byte(`{"success":"yes","code":"200"}`), false)
	f.Fuzz(func(t *testing.T, status int, body []byte, register bool) {
		o := opCheckin
		if register {
			o = opRegister
		}
		r, err := classify(o, status, body)
		switch {
		case err == nil:
			if o == opCheckin && !ValidStatus(r.UserStatus) {
				t.Fatalf("success without a colour: %+v", r)
			}
			if status < 200 || status > 299 || !r.Success {
				t.Fatalf("success from status %d / %+v", status, r)
			}
		case !slices.ContainsFunc(failures, func(f error) bool { return errors.Is(err, f) }):
			t.Fatalf("%v from %d %q", err, status, body)
		}
	})
}
