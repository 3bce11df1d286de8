package server

import "testing"

// masker_detail (API.md) is an optional field next to masker: verify-face, compare-images
// and the PL verify carry the engine's value; masker stays true for a mask worn incorrectly.
func TestMaskerDetailInResponses(t *testing.T) {
	h := newHarness(t, nil, Options{})
	if r := h.do("POST", "/facegallery/create-facegallery", "tok-a", map[string]any{"facegallery_id": "g"}); r.status() != "200" {
		t.Fatalf("create: %s", r.raw)
	}
	if r := h.do("POST", "/facegallery/enroll-face", "tok-a", map[string]any{"user_id": "u1", "user_name": "Ana", "facegallery_id": "g", "image": img("face:ana")}); r.status() != "200" {
		t.Fatalf("enroll: %s", r.raw)
	}
	if r := h.do("POST", plEnroll, "tok-a", enrollBody("pl", "3201000000000000", "ana")); r.status() != "200" {
		t.Fatalf("pl enroll: %s", r.raw)
	}
	cases := []struct {
		probe, detail string
		masker        bool
	}{
		{"face:ana", "none", false},
		{"mask:ana", "correct", true},
		{"maskx:ana", "incorrect", true},
	}
	for _, c := range cases {
		r := h.do("POST", "/facegallery/verify-face", "tok-a", map[string]any{"user_id": "u1", "facegallery_id": "g", "image": img(c.probe)})
		if r.status() != "200" || r.body["masker_detail"] != c.detail || r.body["masker"] != c.masker {
			t.Errorf("verify-face %s: %s, want masker %v, masker_detail %q", c.probe, r.raw, c.masker, c.detail)
		}
		r = h.do("POST", "/compare-images", "tok-a", map[string]any{"source_image": img(c.probe), "target_image": img("face:ana")})
		if r.status() != "200" || r.body["masker_detail"] != c.detail || r.body["masker"] != c.masker {
			t.Errorf("compare-images %s: %s, want masker %v, masker_detail %q", c.probe, r.raw, c.masker, c.detail)
		}
		body := verifyBody("pl", "3201000000000000", "ana")
		body["image"] = img(c.probe)
		r = h.do("POST", plVerify, "tok-a", body)
		if r.status() != "200" || r.body["masker_detail"] != c.detail || r.body["masker"] != c.masker {
			t.Errorf("pl verify %s: %s, want masker %v, masker_detail %q", c.probe, r.raw, c.masker, c.detail)
		}
	}
}
