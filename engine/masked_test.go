package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// maskedFake is fakeEmb with a masked path: a face carries two overlays (the person's
// "masked look", a base vector of its own, plus noise) at enrolment and when masked, and a
// "+mask" probe's plain embedding is that masked look too, far from the person's plain
// vector, so only the overlays recognise it. "+maskonly" is the same embedding with the
// classifier saying "no mask": it must take the plain path and fail. MaskedScore averages
// a plain cosine near 0 with overlay cosines near 1, so the fake's masked scale doubles
// the score before the plain mapping.
type maskedFake struct{ *fakeEmb }

func (f maskedFake) MaskedSimilarity(c float32) float64 { return f.Similarity(2 * c) }

func (f maskedFake) Extract(ctx context.Context, image []byte, o embed.ExtractOptions) (embed.Face, error) {
	s := string(image)
	hidden := strings.HasSuffix(s, "+maskonly")
	face, err := f.fakeEmb.Extract(ctx, []byte(strings.TrimSuffix(s, "only")), o)
	if err != nil {
		return face, err
	}
	person, _, _ := strings.Cut(s, "/")
	look := func(noise string) []float32 {
		base, n := gauss(person+"#masked", f.dim), gauss(noise, f.dim)
		v := make([]float32, f.dim)
		for i := range v {
			v[i] = base[i] + 0.15*n[i]
		}
		return unit(v)
	}
	if face.Masked {
		face.Embedding = look(s)
		face.Masked = !hidden
	}
	if o.Purpose == embed.PurposeEnroll || face.Masked {
		face.MaskedTemplates = [][]float32{look(s + "#t0"), look(s + "#t1")}
	}
	return face, nil
}

func TestMaskedPath(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), maskedFake{newFake()})
	defer e.Close()
	enroll(t, e, "acme", "g", "alice", "alice/1")
	enroll(t, e, "acme", "g", "bob", "bob/1")
	tests := []struct {
		id, image string
		verified  bool
	}{
		{"alice", "alice/2", true},           // plain path
		{"alice", "alice/2+mask", true},      // masked probe meets the masked templates
		{"alice", "bob/2+mask", false},       // someone else's masked face
		{"bob", "alice/3+mask", false},       // and the reverse
		{"alice", "alice/2+maskonly", false}, // classifier says unmasked: plain path only
	}
	for _, tt := range tests {
		r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: tt.id, Image: img(tt.image)})
		if err != nil {
			t.Fatalf("%s vs %s: %v", tt.image, tt.id, err)
		}
		if r.Verified != tt.verified || r.Masker != strings.HasSuffix(tt.image, "+mask") {
			t.Errorf("%s vs %s: verified %v (similarity %.3f) masker %v; want verified %v", tt.image, tt.id, r.Verified, r.Similarity, r.Masker, tt.verified)
		}
	}
}

// An engine whose embedder has no masked path (or faces enrolled before it) scores a
// masked probe on the plain path, as before.
func TestMaskedPathWithoutTemplates(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	enroll(t, e, "acme", "g", "alice", "alice/1")
	r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "alice", Image: img("alice/2+mask")})
	if err != nil || !r.Verified || !r.Masker {
		t.Fatalf("verified %v masker %v err %v", r.Verified, r.Masker, err)
	}
}

func TestFaceRecordMaskedField(t *testing.T) {
	base := faceRecord{PersonHash: []byte{1, 2}, ModelID: "m", Created: 5, SealedEmbedding: []byte{9, 9}}
	with := base
	with.SealedMasked = []byte{7, 7, 7}
	for _, fr := range []faceRecord{base, with} {
		got, err := decodeFace(fr.encode())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.SealedMasked, fr.SealedMasked) || !bytes.Equal(got.SealedEmbedding, fr.SealedEmbedding) {
			t.Errorf("round trip: got %+v, want %+v", got, fr)
		}
	}
	e := openTest(t, testOptions(t, t.TempDir()), newFake())
	defer e.Close()
	fk := faceKey(1, 2)
	face := embed.Face{MaskedTemplates: [][]float32{unit(gauss("a", 128)), unit(gauss("b", 128))}}
	sealed := e.sealMasked(face, 128, fk)
	ts, err := e.openMasked(sealed, 128, fk)
	if err != nil || len(ts) != 2 {
		t.Fatalf("openMasked: %d templates, %v", len(ts), err)
	}
	if _, err := e.openMasked(sealed, 128, faceKey(1, 3)); err == nil && e.keys.aead != nil {
		t.Error("masked templates opened under another face's key")
	}
	if _, err := e.openMasked(sealed, 64, fk); err == nil {
		t.Error("wrong dimension accepted")
	}
	if e.sealMasked(embed.Face{MaskedTemplates: [][]float32{make([]float32, 128)}}, 128, fk) != nil {
		t.Error("a zero template was sealed")
	}
}

// strictMaskedFake has a masked-probe mapping 0.5 below the plain one, so that a test can
// tell which mapping identify and compare used.
type strictMaskedFake struct{ maskedFake }

func (f strictMaskedFake) MaskedPlainSimilarity(c float32) float64 {
	return max(0, f.Similarity(c)-0.5)
}

// Identify and compare score a masked probe by its plain cosine on the embedder's
// masked-probe mapping (probeSimilarity); unmasked probes keep the plain mapping.
func TestMaskedProbePlainMapping(t *testing.T) {
	for _, tt := range []struct {
		name   string
		emb    Embedder
		masked bool // want a masked probe of the same person matched
	}{
		{"no masked-probe mapping", maskedFake{newFake()}, true},
		{"masked-probe mapping", strictMaskedFake{maskedFake{newFake()}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions(t, t.TempDir())
			o.MaskedEnrolment = MaskedEnrolAllow // a masked template, as stored before the gate
			e := openTest(t, o, tt.emb)
			defer e.Close()
			enroll(t, e, "acme", "g", "alice", "alice/1+mask")
			enroll(t, e, "acme", "g", "bob", "bob/1")
			r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("alice/2+mask")})
			if got := err == nil && len(r.Matches) > 0 && r.Matches[0].Person.ID == "alice"; got != tt.masked || !r.Masker {
				t.Errorf("identify masked probe: matched %v (%v, %+v), want %v", got, err, r.Matches, tt.masked)
			}
			c, err := e.Compare(ctx, img("alice/1+mask"), img("alice/2+mask"))
			if err != nil || c.Verified != tt.masked || !c.Masker {
				t.Errorf("compare masked: verified %v (similarity %.3f, %v), want %v", c.Verified, c.Similarity, err, tt.masked)
			}
			if c, err := e.Compare(ctx, img("bob/2"), img("bob/3")); err != nil || !c.Verified || c.Masker {
				t.Errorf("compare unmasked: verified %v masker %v (%v), want verified", c.Verified, c.Masker, err)
			}
			if r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("bob/2")}); err != nil || r.Matches[0].Person.ID != "bob" {
				t.Errorf("identify unmasked: %+v %v", r.Matches, err)
			}
		})
	}
}
