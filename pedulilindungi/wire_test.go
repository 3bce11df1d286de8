package pedulilindungi

import (
	"testing"
)

func TestClassify(t *testing.T) {
	ok := `{"success":true,"code":200,"message":"ok","data":{"user_status":"green"},"apiVersion":"v1"}`
	tests := []struct {
		name   string
		o      op
		status int
		body   string
		code   int // 0: success
		colour string
	}{
		{"ok", opCheckin, 200, ok, 0, Green},
		{"register without status", opRegister, 200, `{"success":true,"code":200,"data":{"nik":"1"}}`, 0, ""},
		{"401", opCheckin, 401, `whatever`, 611, ""},
		{"envelope 401", opCheckin, 200, `{"success":false,"code":401,"message":"expired"}`, 611, ""},
		{"unknown nik", opCheckin, 404, `{"success":false,"code":404,"message":"nik"}`, 606, ""},
		{"wrong path", opCheckin, 404, `404 page not found`, 610, ""},
		{"502", opCheckin, 502, `<html>`, 605, ""},
		{"503", opRegister, 503, ``, 605, ""},
		{"504", opRegister, 504, ``, 605, ""},
		{"rejected", opRegister, 422, `{"success":false,"code":422,"message":"mismatch"}`, 603, ""},
		{"checkin 422", opCheckin, 422, `{"success":false,"code":422,"message":"venue"}`, 600, ""},
		{"500", opCheckin, 500, `{"success":false,"code":500}`, 600, ""},
		{"302", opCheckin, 302, ``, 600, ""},
		{"not json", opCheckin, 200, `<html>`, 609, ""},
		{"truncated", opCheckin, 200, `{"success":true,"code":200,"data":{"us`, 609, ""},
		{"no code", opCheckin, 200, `{"success":true,"data":{"user_status":"green"}}`, 609, ""},
		{"success false", opCheckin, 200, `{"success":false,"code":200,"message":"no"}`, 600, ""},
		{"no data", opCheckin, 200, `{"success":true,"code":200}`, 608, ""},
		{"null data", opCheckin, 200, `{"success":true,"code":200,"data":null}`, 608, ""},
		{"no status", opCheckin, 200, `{"success":true,"code":200,"data":{"nik":"1"}}`, 608, ""},
		{"data not object", opCheckin, 200, `{"success":true,"code":200,"data":[1]}`, 609, ""},
		{"odd colour", opCheckin, 200, `{"success":true,"code":200,"data":{"user_status":"purple"}}`, 609, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := classify(tt.o, tt.status, []byte(tt.body))
			if Code(err) != tt.code {
				t.Fatalf("code %d (%v), want %d", Code(err), err, tt.code)
			}
			if err == nil && (r.UserStatus != tt.colour || len(r.Raw) == 0) {
				t.Errorf("reply %+v", r)
			}
		})
	}
}

// FuzzClassify: any reply maps to success or one of the 6xx codes, never anything else.
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
		switch c := Code(err); {
		case err == nil:
			if o == opCheckin && !ValidStatus(r.UserStatus) {
				t.Fatalf("success without a colour: %+v", r)
			}
			if status < 200 || status > 299 || !r.Success {
				t.Fatalf("success from status %d / %+v", status, r)
			}
		case c < 600 || c > 611 || c == 601 || c == 602:
			t.Fatalf("code %d from %d %q", c, status, body)
		}
	})
}
