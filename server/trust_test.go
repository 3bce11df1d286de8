package server

import (
	"strings"
	"testing"
)

// Attacks of issue 9 through the HTTP API.

func TestNonFiniteNumbersRefused(t *testing.T) {
	h := newHarness(t, nil, Options{})
	if r := h.do("POST", plEnroll, "tok-a", enrollBody("g1", "3201000000000001", "alice")); r.status() != "200" {
		t.Fatalf("enrol: %s", r.raw)
	}
	for _, tc := range []struct{ field, value string }{
		{"latitude", "nan"}, {"latitude", "NaN"}, {"longitude", "inf"}, {"longitude", "-Infinity"},
		{"minimum_confidence_level", "nan"},
	} {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			h.fake.mu.Lock()
			before := len(h.fake.checkins)
			h.fake.mu.Unlock()
			r := h.do("POST", plVerify, "tok-a", with(verifyBody("g1", "3201000000000001", "alice"), tc.field, tc.value))
			if r.status() != "400" || r.http != 400 || !strings.Contains(r.raw, tc.field) {
				t.Fatalf("got %s (HTTP %d)", r.raw, r.http)
			}
			h.fake.mu.Lock()
			defer h.fake.mu.Unlock()
			if len(h.fake.checkins) != before {
				t.Fatal("a check-in was recorded")
			}
		})
	}
}

// The real engine and pipeline: re-enrolment of another face under an existing NIK is
// 411 with nothing stored; a duplicate face under a second NIK is 417 naming the first;
// replace is honoured; a request threshold below the floor is ignored.
func TestEnrolmentAttacksE2E(t *testing.T) {
	s := newE2E(t)
	const nik, nik2, gal = "3174010101900001", "3201999900000002", "venue-trust"
	obama, obama2, other := photo(t, "face_recognition/examples/obama.jpg"),
		photo(t, "face_recognition/examples/obama-480p.jpg"), photo(t, "face_recognition/examples/knn_examples/train/kit_harington/john2.jpeg")
	enrol := func(id, image string, extra ...any) map[string]any {
		b := map[string]any{"nik": id, "user_name": "Budi Santoso", "facegallery_id": gal, "image": image, "trx_id": "t"}
		for i := 0; i+1 < len(extra); i += 2 {
			b[extra[i].(string)] = extra[i+1]
		}
		return s.post(t, "POST", "/pedulilindungi/enroll-face", s.token, b)
	}
	if r := enrol(nik, obama); r["status"] != "200" {
		t.Fatalf("enrol: %v", r)
	}
	if r := enrol(nik, other); r["status"] != "411" {
		t.Errorf("re-enrolment with another face: %v, want 411", r)
	}
	if r := enrol(nik2, obama2, "force_register", true); r["status"] != "417" || !strings.Contains(r["status_message"].(string), nik) {
		t.Errorf("same face under a second NIK: %v, want 417 naming %s", r, nik)
	}
	// The other tenant's same face is not this tenant's business (and never named to it).
	r := s.post(t, "POST", "/facegallery/enroll-face", s.other, map[string]any{"user_id": nik2, "user_name": "x",
		"facegallery_id": gal, "image": obama2, "trx_id": "t"})
	if r["status"] != "416" && r["status"] != "200" { // general enrol needs an existing gallery
		t.Fatalf("other tenant: %v", r)
	}
	verify := func(image string, extra ...any) map[string]any {
		b := map[string]any{"nik": nik, "facegallery_id": gal, "image": image, "trx_id": "t",
			"qrCode": "checkin:VENUE-001", "latitude": -6.2, "longitude": 106.8}
		for i := 0; i+1 < len(extra); i += 2 {
			b[extra[i].(string)] = extra[i+1]
		}
		return s.post(t, "POST", "/pedulilindungi/verify-checkin-checkout", s.token, b)
	}
	if r := verify(other, "minimum_confidence_level", 0.0001); r["status"] != "411" || r["verified"] != false {
		t.Errorf("stranger at a threshold below the floor: %v, want 411", r)
	}
	if r := enrol(nik, other, "replace", true); r["status"] != "200" {
		t.Fatalf("replace: %v", r)
	}
	if r := verify(other); r["status"] != "200" || r["verified"] != true {
		t.Fatalf("new face after replace: %v", r)
	}
	if r := verify(obama2); r["status"] != "411" {
		t.Fatalf("old face after replace: %v", r)
	}
}
