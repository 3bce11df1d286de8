package engine

import (
	"errors"
	"reflect"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

var (
	sampleToken    = tokenRecord{Client: "kiosk-1", Created: 4, Expires: 9}
	sampleSnapHead = snapHead{Format: snapFormat, Seq: 8, Nonce: 3, Parts: 2, Size: 900, ModelID: "m-1", Dim: 192, M: 16, EfC: 200, Created: 6}
)

func sampleRecords() map[string][]byte {
	return map[string][]byte{
		"meta":    metaRecord{Schema: 1, Metric: "ip", M: 16, EfConstruction: 200, HashKey: []byte("k"), Created: 5}.encode(),
		"tenant":  tenantRecord{Name: "acme", Created: 7}.encode(),
		"gallery": galleryRecord{Tenant: "acme", Name: "g", GID: 3, ModelID: "m-1", Dim: 128, Created: 9}.encode(),
		"person":  personRecord{SealedID: []byte{0, 'x'}, SealedName: []byte{0}, Created: 1, Updated: 2, Faces: []uint64{4, 5}}.encode(),
		"face":    faceRecord{PersonHash: make([]byte, 16), ModelID: "m-1", Quality: embed.Quality{FaceSize: 80}, Score: 0.9, Created: 3, SealedEmbedding: []byte{0, 1, 2, 3, 4}}.encode(),
		"status":  statusRecord{Status: "red", Updated: 3}.encode(),
		"ledger":  ledgerRecord{Tenant: "a", SealedNIK: []byte{0, '1'}, Direction: "checkin", Latitude: -6.2, At: 11}.encode(),
		"audit":   auditRecord{TrxID: "t", Op: "enroll", Outcome: "ok", Subject: []byte{1}, Total: 5}.encode(),
		"seq":     seqValue(42),
		"change":  changeRecord{Adds: []uint64{7}, Dels: []uint64{1, 2}}.encode(),
		"token":   sampleToken.encode(),
		"snap":    sampleSnapHead.encode(),
	}
}

// decodeAny runs every decoder over b and returns the errors; none may panic.
func decodeAny(b []byte) []error {
	_, e1 := decodeMeta(b)
	_, e2 := decodeTenant(b)
	_, e3 := decodeGallery(b)
	_, e4 := decodePerson(b)
	_, e5 := decodeFace(b)
	_, e6 := decodeStatus(b)
	_, e7 := decodeLedger(b)
	_, e8 := decodeAudit(b)
	_, e9 := decodeSeq(b)
	_, e10 := decodeChange(b)
	_, e11 := decodeToken(b)
	_, e12 := decodeSnapHead(b)
	return []error{e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12}
}

func TestRecordRoundTrip(t *testing.T) {
	p := personRecord{SealedID: []byte{0, 'x'}, SealedName: []byte{0}, Created: 1, Updated: 2, Faces: []uint64{4, 5}}
	got, err := decodePerson(p.encode())
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("person: %+v %v", got, err)
	}
	f := faceRecord{PersonHash: make([]byte, 16), ModelID: "m", Quality: embed.Quality{FaceSize: 1, Blur: 2, Yaw: 3, Pitch: 4, Exposure: 5}, Score: 6, Masked: true, Created: 7, SealedEmbedding: []byte{9}}
	gf, err := decodeFace(f.encode())
	if err != nil || !reflect.DeepEqual(gf, f) {
		t.Fatalf("face: %+v %v", gf, err)
	}
	if got, err := decodeToken(sampleToken.encode()); err != nil || got != sampleToken {
		t.Fatalf("token: %+v %v", got, err)
	}
	if got, err := decodeSnapHead(sampleSnapHead.encode()); err != nil || got != sampleSnapHead {
		t.Fatalf("snapshot head: %+v %v", got, err)
	}
	// Every single-bit flip and every truncation of every record is caught.
	for name, v := range sampleRecords() {
		for i := range len(v) * 8 {
			b := append([]byte(nil), v...)
			b[i/8] ^= 1 << (i % 8)
			if _, err := openEnvelope(b); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s: bit %d flipped not caught", name, i)
			}
		}
		for n := range len(v) {
			if _, err := openEnvelope(v[:n]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s: truncation to %d not caught", name, n)
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range sampleRecords() {
		f.Add(v)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, err := range decodeAny(b) {
			if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
		}
		// Payloads with a valid envelope reach the field decoders.
		for _, err := range decodeAny(sealEnvelope(append([]byte{recordVersion}, b...))) {
			if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
		}
	})
}
