package server

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/pedulilindungi/plsim"
)

const (
	plEnroll   = "/pedulilindungi/enroll-face"
	plList     = "/pedulilindungi/list-faces"
	plVerify   = "/pedulilindungi/verify-checkin-checkout"
	plIdentify = "/pedulilindungi/identify-checkin-checkout"
	plDelete   = "/pedulilindungi/delete-face"
	nikA       = "3201000000000001"
)

type codeCase struct {
	name   string
	method string
	path   string
	token  string
	body   any
	code   string
	http   int
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// TestEveryEngineCode provokes each non-6xx code of the contract through the in-process
// server and the fake engine (6xx: TestCheckinCodes).
func TestEveryEngineCode(t *testing.T) {
	h := newHarness(t, nil, Options{})
	if r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", nikA, "alice")); r.status() != "200" {
		t.Fatalf("setup enroll: %v", r.raw)
	}
	enr := enrollBody("g1", "p2", "bob")
	ver := verifyBody("g1", nikA, "alice")
	cmp := map[string]any{"source_image": img("face:alice"), "target_image": img("face:alice"), "trx_id": "c1"}
	gif := b64("GIF89a....")
	cases := []codeCase{
		{"ok", "POST", plVerify, "tok-a", ver, "200", 200},
		{"not json", "POST", plEnroll, "tok-a", "{nik:", "400", 400},
		{"array body", "POST", plEnroll, "tok-a", "[1,2]", "400", 400},
		{"JSON whitespace around the body", "POST", plList, "tok-a", " \t\r\n{\"facegallery_id\":\"g1\"}\n", "200", 200},
		{"vertical tab before the body", "POST", plList, "tok-a", "\v{\"facegallery_id\":\"g1\"}", "400", 400},
		{"no-break space after the body", "POST", plList, "tok-a", "{\"facegallery_id\":\"g1\"}\u00a0", "400", 400},
		{"long trx_id", "POST", plList, "tok-a", map[string]any{"facegallery_id": "g1", "trx_id": strings.Repeat("é", 121)}, "400", 400},
		{"long nik", "POST", plEnroll, "tok-a", with(enr, "nik", strings.Repeat("9", 121)), "400", 400},
		{"bad qr", "POST", plVerify, "tok-a", with(ver, "qrCode", "enter:x"), "400", 400},
		{"lat type", "POST", plVerify, "tok-a", with(ver, "latitude", true), "400", 400},
		{"lat range", "POST", plVerify, "tok-a", with(ver, "latitude", 91), "400", 400},
		{"gallery exists", "POST", "/facegallery/create-facegallery", "tok-a", map[string]any{"facegallery_id": "g1"}, "400", 400},
		{"bool type", "POST", plEnroll, "tok-a", with(enr, "force_pl", "yes"), "400", 400},
		{"no token", "POST", plEnroll, "", enr, "401", 401},
		{"bad token", "POST", plEnroll, "nope", enr, "401", 401},
		{"not verified", "POST", plVerify, "tok-a", verifyBody("g1", nikA, "mallory"), "411", 400},
		{"identify nobody", "POST", plIdentify, "tok-a", with(verifyBody("g1", "", "mallory"), "nik", nil), "411", 400},
		{"no face", "POST", plEnroll, "tok-a", with(enr, "image", img("noface")), "412", 400},
		{"too small", "POST", plEnroll, "tok-a", with(enr, "image", img("small")), "413", 400},
		{"multiple", "POST", plEnroll, "tok-a", with(enr, "image", img("multi")), "414", 400},
		{"presentation attack", "POST", plVerify, "tok-a", with(ver, "image", img("spoof")), "418", 400},
		{"unknown nik", "POST", plVerify, "tok-a", verifyBody("g1", "nobody", "alice"), "415", 400},
		{"duplicate face", "POST", plEnroll, "tok-a", with(enr, "image", img("duplicate")), "417", 400},
		{"masked enrolment", "POST", plEnroll, "tok-a", with(enr, "image", img("maskenrol")), "419", 400},
		{"unknown gallery", "POST", plList, "tok-a", map[string]any{"facegallery_id": "nope"}, "416", 400},
		{"other tenant's gallery", "POST", plList, "tok-b", map[string]any{"facegallery_id": "g1"}, "416", 400},
		{"image missing", "POST", plEnroll, "tok-a", with(enr, "image", nil), "451", 400},
		{"image null", "POST", plEnroll, "tok-a", `{"nik":"p2","user_name":"B","facegallery_id":"g1","image":null}`, "451", 400},
		{"nik null", "POST", plEnroll, "tok-a", `{"nik":null,"user_name":"B","facegallery_id":"g1","image":"/9j/"}`, "452", 400},
		{"image number", "POST", plEnroll, "tok-a", with(enr, "image", 7), "451", 400},
		{"image empty", "POST", plEnroll, "tok-a", with(enr, "image", ""), "451", 400},
		{"nik missing", "POST", plEnroll, "tok-a", with(enr, "nik", nil), "452", 400},
		{"nik number", "POST", plEnroll, "tok-a", with(enr, "nik", 3174), "452", 400},
		{"user_id missing", "POST", "/facegallery/verify-face", "tok-a", map[string]any{"facegallery_id": "g1", "image": img("face:alice")}, "452", 400},
		{"name missing", "POST", plEnroll, "tok-a", with(enr, "user_name", nil), "453", 400},
		{"name object", "POST", plEnroll, "tok-a", with(enr, "user_name", map[string]any{}), "453", 400},
		{"gallery missing", "POST", plEnroll, "tok-a", with(enr, "facegallery_id", nil), "454", 400},
		{"gallery missing list", "POST", plList, "tok-a", map[string]any{}, "454", 400},
		{"target missing", "POST", "/compare-images", "tok-a", with(cmp, "target_image", nil), "455", 400},
		{"source missing", "POST", "/compare-images", "tok-a", with(cmp, "source_image", nil), "456", 400},
		{"image base64", "POST", plEnroll, "tok-a", with(enr, "image", "!!!not base64!!!"), "490", 400},
		{"image type", "POST", plEnroll, "tok-a", with(enr, "image", gif), "491", 400},
		{"image type by engine", "POST", plEnroll, "tok-a", with(enr, "image", img("type")), "491", 400},
		{"target base64", "POST", "/compare-images", "tok-a", with(cmp, "target_image", "%%%"), "492", 400},
		{"image corrupt", "POST", plEnroll, "tok-a", with(enr, "image", img("corrupt")), "493", 400},
		{"image too large", "POST", plEnroll, "tok-a", with(enr, "image", img("large")), "493", 400},
		{"target type", "POST", "/compare-images", "tok-a", with(cmp, "target_image", gif), "493", 400},
		{"target corrupt", "POST", "/compare-images", "tok-a", with(cmp, "target_image", img("corrupt")), "493", 400},
		{"source base64", "POST", "/compare-images", "tok-a", with(cmp, "source_image", "%%%"), "494", 400},
		{"source type", "POST", "/compare-images", "tok-a", with(cmp, "source_image", gif), "495", 400},
		{"source type by engine", "POST", "/compare-images", "tok-a", with(cmp, "source_image", img("type")), "495", 400},
		{"engine panic", "POST", plList, "tok-a", map[string]any{"facegallery_id": "panic"}, "500", 500},
		{"server error", "POST", plList, "tok-a", map[string]any{"facegallery_id": "boom", "trx_id": "t500"}, "500", 500},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, tc.token, tc.body)
			if r.status() != tc.code || r.http != tc.http {
				t.Fatalf("got status %q http %d, want %q %d: %s", r.status(), r.http, tc.code, tc.http, r.raw)
			}
			if r.ct != "application/json" {
				t.Errorf("content type %q", r.ct)
			}
			if msg, _ := r.body["status_message"].(string); msg == "" || strings.Contains(msg, "fire") {
				t.Errorf("status_message %q", msg)
			}
			seen[tc.code] = true
		})
	}
	for _, c := range codes {
		// 429 and 503 need a limit or an overload: TestTokenIssueRateLimit, TestOverload.
		// 403 is in the contract but wajah never answers it (another tenant's gallery is 416).
		if c < 600 && c != codeRateLimited && c != codeBusy && c != codeForbidden && !seen[c.String()] {
			t.Errorf("code %d not provoked", c)
		}
	}
	if !strings.Contains(h.logs.String(), "disk on fire") {
		t.Errorf("the 500's cause is not in the log")
	}
}

// TestCheckinCodes provokes every 6xx code through the HTTP provider and the simulator,
// on verify (check-in) and enroll (registration), and checks that no state changed.
func TestCheckinCodes(t *testing.T) {
	sim := plsim.New(plsim.Config{Token: "sim", Delay: 3 * time.Second, Logger: quiet})
	h := newHarness(t, simProvider(t, sim, time.Second), Options{}) // delay 3s > timeout 1s: 604
	if r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", nikA, "alice")); r.status() != "200" {
		t.Fatalf("setup enroll: %v", r.raw)
	}
	if r := h.do("POST", plVerify, "tok-a", verifyBody("g1", nikA, "alice")); r.status() != "200" || r.body["user_status"] != "green" {
		t.Fatalf("verify through the simulator: %v", r.raw)
	}
	cases := []struct {
		fault     plsim.Fault
		verify    string
		enroll    string
		verifyHTP int
	}{
		{plsim.Fault500, "600", "600", 502},
		{plsim.FaultReject, "", "603", 0},
		{plsim.FaultDelay, "604", "604", 504},
		{plsim.Fault5xx, "605", "605", 502},
		{plsim.FaultHangup, "605", "605", 502},
		{plsim.FaultUnknownNIK, "606", "606", 502},
		{plsim.FaultIncomplete, "608", "608", 502},
		{plsim.FaultMalformed, "609", "609", 502},
		{plsim.Fault404, "610", "610", 502},
		{plsim.FaultExpired, "611", "611", 502},
	}
	for _, tc := range cases {
		t.Run(string(tc.fault), func(t *testing.T) {
			before, simBefore := h.fake.snapshot(), len(sim.Checkins())
			if tc.verify != "" {
				sim.SetFault(tc.fault, 1)
				r := h.do("POST", plVerify, "tok-a", verifyBody("g1", nikA, "alice"))
				if r.status() != tc.verify || r.http != tc.verifyHTP {
					t.Errorf("verify: %q http %d, want %q %d: %s", r.status(), r.http, tc.verify, tc.verifyHTP, r.raw)
				}
				if r.body["verified"] != true {
					t.Errorf("verify: the comparison is missing from a check-in failure: %s", r.raw)
				}
			}
			sim.SetFault(tc.fault, 1)
			r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", "3201000000000002", "rina"))
			if r.status() != tc.enroll {
				t.Errorf("enroll: %q, want %q: %s", r.status(), tc.enroll, r.raw)
			}
			sim.SetFault(plsim.FaultNone, 0)
			if after := h.fake.snapshot(); after != before {
				t.Errorf("a failed check-in changed the store:\n%s\n%s", before, after)
			}
			if tc.fault != plsim.FaultDelay && len(sim.Checkins()) != simBefore {
				t.Errorf("the simulator recorded a failed check-in")
			}
		})
	}
	// force_pl enrols despite the failure and still reports it in pl_data.
	sim.SetFault(plsim.Fault500, 1)
	r := h.do("POST", plEnroll, "tok-a", with(enrollBody("g1", "3201000000000002", "rina"), "force_pl", true))
	if r.status() != "200" || r.body["pl_data"] == nil {
		t.Errorf("force_pl: %s", r.raw)
	}
	// Not verified: 411 and no check-in call.
	n := len(sim.Checkins())
	if r := h.do("POST", plVerify, "tok-a", verifyBody("g1", nikA, "mallory")); r.status() != "411" || r.body["verified"] != false {
		t.Errorf("not verified: %s", r.raw)
	}
	if len(sim.Checkins()) != n {
		t.Errorf("check-in recorded for a face that did not verify")
	}
}

func TestCheckinUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	h := newHarness(t, func(*fakeEngine) pedulilindungi.Provider {
		p, _ := pedulilindungi.NewHTTP(pedulilindungi.HTTPConfig{BaseURL: "http://" + addr, Retries: -1})
		return p
	}, Options{})
	r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", nikA, "alice"))
	if r.status() != "607" || r.http != 502 {
		t.Fatalf("got %q %d: %s", r.status(), r.http, r.raw)
	}
	if h.fake.snapshot() != "" {
		t.Errorf("enrolment stored despite 607: %s", h.fake.snapshot())
	}
}
