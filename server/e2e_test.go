package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/pedulilindungi"
	"github.com/wajah-id/wajah/pedulilindungi/plsim"
)

const facesSmall = "../../shared/data/faces-small"

// e2eStack is the real engine and face pipeline over loopback TCP, with the check-in
// simulator as the provider.
type e2eStack struct {
	url   string
	token string
	other string // a second tenant's token
	sim   *plsim.Server
}

func newE2E(t *testing.T, pipeOpts ...embed.Options) *e2eStack {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real face pipeline; skipped in -short")
	}
	if _, err := os.Stat(facesSmall); err != nil {
		t.Skipf("test data %s not present: %v", facesSmall, err)
	}
	pipe, err := embed.New(append(pipeOpts, embed.Options{})[0])
	if errors.Is(err, models.ErrMissing) {
		t.Skipf("models missing: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(engine.Options{Dir: t.TempDir(), NoSyncWrites: true, MemTableSize: 4 << 20,
		VLogFileSize: 4 << 20, Logger: quiet}, pipe)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	ctx := context.Background()
	s := &e2eStack{}
	if s.token, err = eng.CreateToken(ctx, "kiosk-a"); err != nil {
		t.Fatal(err)
	}
	if s.other, err = eng.CreateToken(ctx, "kiosk-b"); err != nil {
		t.Fatal(err)
	}
	s.sim = plsim.New(plsim.Config{Token: "sim", Logger: quiet})
	ts := httptest.NewServer(s.sim)
	t.Cleanup(ts.Close)
	prov, err := pedulilindungi.NewHTTP(pedulilindungi.HTTPConfig{BaseURL: ts.URL, Token: "sim", Retries: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{Logger: quiet, RequestTimeout: 5 * time.Minute}, eng, prov) // -race slows the pipeline 10x
	if err != nil {
		t.Fatal(err)
	}
	s.url = "http://" + serveLoopback(t, srv, 10*time.Second)
	return s
}

func (s *e2eStack) post(t *testing.T, method, path, token string, body map[string]any) map[string]any {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(data))
	req.Header.Set("Accesstoken", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: content type %q", path, resp.Header.Get("Content-Type"))
	}
	return out
}

func photo(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(facesSmall, rel))
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// TestE2E: enrol, list, verify the same person (verified, user_status from the provider),
// verify someone else (411, no check-in), a failed check-in (no state change), delete,
// verify again (415), tenant isolation, compare.
func TestE2E(t *testing.T) {
	s := newE2E(t)
	const nik, gal = "3201777700000001", "venue-e2e"
	// Small photos keep the test quick under -race: another photo of the same person, and
	// someone else.
	obama, obama2, other := photo(t, "face_recognition/examples/obama.jpg"),
		photo(t, "face_recognition/examples/obama-480p.jpg"), photo(t, "face_recognition/examples/knn_examples/train/kit_harington/john2.jpeg")
	visit := func(img string) map[string]any {
		return map[string]any{"nik": nik, "facegallery_id": gal, "image": img, "trx_id": "e2e",
			"qrCode": "checkin:VENUE-001", "latitude": -6.2243, "longitude": 106.8431}
	}
	r := s.post(t, "POST", "/pedulilindungi/enroll-face", s.token, map[string]any{"nik": nik, "user_name": "Barack Obama",
		"facegallery_id": gal, "image": obama, "trx_id": "e2e-enroll"})
	if r["status"] != "200" || r["trx_id"] != "e2e-enroll" {
		t.Fatalf("enroll: %v", r)
	}
	s.sim.SetStatus(nik, pedulilindungi.Yellow)
	r = s.post(t, "POST", "/pedulilindungi/list-faces", s.token, map[string]any{"facegallery_id": gal})
	if faces, _ := r["faces"].([]any); r["status"] != "200" || len(faces) != 1 || faces[0].(map[string]any)["nik"] != nik ||
		faces[0].(map[string]any)["user_name"] != "Barack Obama" {
		t.Fatalf("list: %v", r)
	}
	r = s.post(t, "POST", "/pedulilindungi/verify-checkin-checkout", s.token, visit(obama2))
	if r["status"] != "200" || r["verified"] != true || r["user_status"] != "yellow" {
		t.Fatalf("verify same person: %v", r)
	}
	if sim, _ := r["similarity"].(float64); sim < 0.75 || sim > 1 {
		t.Errorf("similarity %v", r["similarity"])
	}
	if len(s.sim.Checkins()) != 1 {
		t.Fatalf("check-ins %v", s.sim.Checkins())
	}
	r = s.post(t, "POST", "/pedulilindungi/verify-checkin-checkout", s.token, visit(other))
	if r["status"] != "411" || r["verified"] != false {
		t.Fatalf("verify someone else: %v", r)
	}
	if len(s.sim.Checkins()) != 1 {
		t.Errorf("a face that did not verify was checked in")
	}
	s.sim.SetFault(plsim.FaultExpired, 1)
	if r = s.post(t, "POST", "/pedulilindungi/verify-checkin-checkout", s.token, visit(obama2)); r["status"] != "611" {
		t.Errorf("expired token at the check-in service: %v", r)
	}
	if len(s.sim.Checkins()) != 1 {
		t.Errorf("a failed check-in was recorded")
	}
	if r = s.post(t, "POST", "/pedulilindungi/list-faces", s.other, map[string]any{"facegallery_id": gal}); r["status"] != "416" {
		t.Errorf("another tenant listed the gallery: %v", r)
	}
	r = s.post(t, "POST", "/compare-images", s.token, map[string]any{"source_image": obama, "target_image": obama2})
	if r["status"] != "200" || r["verified"] != true {
		t.Errorf("compare: %v", r)
	}
	if r = s.post(t, "DELETE", "/pedulilindungi/delete-face", s.token, map[string]any{"nik": nik, "facegallery_id": gal}); r["status"] != "200" {
		t.Fatalf("delete: %v", r)
	}
	if r = s.post(t, "POST", "/pedulilindungi/verify-checkin-checkout", s.token, visit(obama2)); r["status"] != "415" {
		t.Errorf("verify after delete: %v", r)
	}
}
