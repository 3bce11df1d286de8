package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const spoofDev = "../../shared/data/spoof-dev"

func spoofDevPhoto(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(spoofDev, rel))
	if os.IsNotExist(err) {
		t.Skipf("%s absent (needs ../shared/data/spoof-dev)", spoofDev)
	}
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// postStatus is post that also returns the HTTP status.
func (s *e2eStack) postStatus(t *testing.T, path string, body map[string]any) (map[string]any, int) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(data))
	req.Header.Set("Accesstoken", s.token)
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out, resp.StatusCode
}

// TestE2ELiveness: with the default configuration (liveness on), a printed-photo attack
// from spoof-dev (one the head scores clearly; most pass, see embed/README.md) is refused with 418 (HTTP 400) at enrol, verify and identify and nothing
// is stored or checked in; a live capture of the same subject enrols and verifies.
func TestE2ELiveness(t *testing.T) {
	s := newE2E(t)
	const nik, gal = "3201777700000009", "venue-live"
	live := spoofDevPhoto(t, "live/0004/0004_01_00_01_62.jpg")
	attack := spoofDevPhoto(t, "spoof/0004/0004_01_00_01_120.jpg")
	enroll := func(img string) map[string]any {
		return map[string]any{"nik": nik, "user_name": "Subject 4", "facegallery_id": gal, "image": img, "trx_id": "live-enroll"}
	}
	visit := func(img string) map[string]any {
		return map[string]any{"nik": nik, "facegallery_id": gal, "image": img, "trx_id": "live-visit",
			"qrCode": "checkin:VENUE-001", "latitude": -6.2243, "longitude": 106.8431}
	}
	refused := func(what string, r map[string]any, status int) {
		t.Helper()
		if r["status"] != "418" || status != http.StatusBadRequest || r["status_message"] != "Presentation attack suspected" {
			t.Fatalf("%s: HTTP %d %v, want 418 / HTTP 400", what, status, r)
		}
	}
	r, st := s.postStatus(t, "/pedulilindungi/enroll-face", enroll(attack))
	refused("enrol a printed photo", r, st)
	if r, _ = s.postStatus(t, "/pedulilindungi/list-faces", map[string]any{"facegallery_id": gal}); r["status"] != "416" {
		t.Fatalf("a refused enrolment created the gallery: %v", r)
	}
	if r, st = s.postStatus(t, "/pedulilindungi/enroll-face", enroll(live)); r["status"] != "200" {
		t.Fatalf("enrol a live capture: HTTP %d %v", st, r)
	}
	r, st = s.postStatus(t, "/pedulilindungi/verify-checkin-checkout", visit(attack))
	refused("verify a printed photo", r, st)
	identify := visit(attack)
	delete(identify, "nik")
	r, st = s.postStatus(t, "/pedulilindungi/identify-checkin-checkout", identify)
	refused("identify a printed photo", r, st)
	if n := len(s.sim.Checkins()); n != 0 {
		t.Fatalf("%d check-ins after refused attacks", n)
	}
	if r, st = s.postStatus(t, "/pedulilindungi/verify-checkin-checkout", visit(live)); r["status"] != "200" || r["verified"] != true {
		t.Fatalf("verify the live capture: HTTP %d %v", st, r)
	}
}
