package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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
type maskedFake struct {
	*fakeEmb
	images *sync.Map // &Embedding[0] -> image, for CompleteOverlays
}

func newMaskedFake() maskedFake { return maskedFake{newFake(), &sync.Map{}} }

func (f maskedFake) MaskedSimilarity(c float32) float64 { return f.Similarity(2 * c) }

// MaskedWhiten is the identity: the fake has no trained head.
func (f maskedFake) MaskedWhiten(v []float32, o [][]float32) ([]float32, [][]float32) { return v, o }

// CompleteOverlays gives a face the overlays its enrolment would have had: the fake finds
// the image a face came from by its embedding's backing array (Extract records it).
func (f maskedFake) CompleteOverlays(face *embed.Face) error {
	if face.MaskedTemplates != nil {
		return nil
	}
	s, ok := f.images.Load(&face.Embedding[0])
	if !ok {
		return embed.ErrNoAlignedCrop
	}
	face.MaskedTemplates = f.overlays(s.(string))
	return nil
}

// overlays are the fake's MaskedTemplates of an image: two looks of its person's masked
// face.
func (f maskedFake) overlays(s string) [][]float32 {
	return [][]float32{f.look(s, s+"#t0"), f.look(s, s+"#t1")}
}

// look is the person's "masked look" plus noise seeded by noise.
func (f maskedFake) look(s, noise string) []float32 {
	person, _, _ := strings.Cut(s, "/")
	base, n := gauss(person+"#masked", f.dim), gauss(noise, f.dim)
	v := make([]float32, f.dim)
	for i := range v {
		v[i] = base[i] + 0.15*n[i]
	}
	return unit(v)
}

func (f maskedFake) Extract(ctx context.Context, image []byte, o embed.ExtractOptions) (embed.Face, error) {
	s := string(image)
	hidden := strings.HasSuffix(s, "+maskonly")
	face, err := f.fakeEmb.Extract(ctx, []byte(strings.TrimSuffix(s, "only")), o)
	if err != nil {
		return face, err
	}
	if face.Masked {
		face.Embedding = f.look(s, s)
		face.Masked = !hidden
	}
	if o.Purpose == embed.PurposeEnroll || face.Masked {
		face.MaskedTemplates = f.overlays(s)
	}
	f.images.Store(&face.Embedding[0], s)
	return face, nil
}

func TestMaskedPath(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newMaskedFake())
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

// plainMaskedFake has a masked-probe mapping 0.5 below the plain one and no masked path,
// so that a test can tell which mapping identify and compare used where there are no
// overlays to compare.
type plainMaskedFake struct{ *fakeEmb }

func (f plainMaskedFake) MaskedPlainSimilarity(c float32) float64 {
	return max(0, f.Similarity(c)-0.5)
}

// Without a masked path, identify and compare score a masked probe by its plain cosine on
// the embedder's masked-probe mapping (probeSimilarity); unmasked probes keep the plain
// mapping.
func TestMaskedProbePlainMapping(t *testing.T) {
	for _, tt := range []struct {
		name   string
		emb    Embedder
		masked bool // want a masked probe of the same person matched
	}{
		{"no masked-probe mapping", newFake(), true},
		{"masked-probe mapping", plainMaskedFake{newFake()}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := openTest(t, testOptions(t, t.TempDir()), tt.emb)
			defer e.Close()
			enroll(t, e, "acme", "g", "alice", "alice/1")
			enroll(t, e, "acme", "g", "bob", "bob/1")
			r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("alice/2+mask")})
			if got := err == nil && len(r.Matches) > 0 && r.Matches[0].Person.ID == "alice"; got != tt.masked || !r.Masker {
				t.Errorf("identify masked probe: matched %v (%v, %+v), want %v", got, err, r.Matches, tt.masked)
			}
			c, err := e.Compare(ctx, img("alice/1"), img("alice/2+mask"))
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

// A masked probe is identified and compared by the masked path: maskedFake's masked
// probes are far from everyone's plain embedding, so only the overlays find their owner.
func TestMaskedIdentifyAndCompare(t *testing.T) {
	e := openTest(t, testOptions(t, t.TempDir()), newMaskedFake())
	defer e.Close()
	people := []string{"alice", "bob", "carol", "dave"}
	for _, id := range people {
		enroll(t, e, "acme", "g", id, id+"/1")
	}
	for _, tt := range []struct{ image, want string }{
		{"alice/2+mask", "alice"},
		{"dave/2+mask", "dave"},
		{"erin/1+mask", ""},      // not enrolled
		{"alice/2+maskonly", ""}, // the classifier says unmasked: plain path, no match
		{"bob/2", "bob"},         // unmasked: plain path
	} {
		r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img(tt.image), K: 3})
		var got []string
		for _, m := range r.Matches {
			got = append(got, m.Person.ID)
		}
		switch {
		case tt.want == "" && !errors.Is(err, ErrNotVerified):
			t.Errorf("identify %s: %v %v, want ErrNotVerified", tt.image, got, err)
		case tt.want != "" && (err != nil || !slices.Equal(got, []string{tt.want})):
			t.Errorf("identify %s: %v %v, want [%s]", tt.image, got, err, tt.want)
		case r.Masker != strings.HasSuffix(tt.image, "+mask"):
			t.Errorf("identify %s: masker %v", tt.image, r.Masker)
		}
	}
	for _, tt := range []struct {
		source, target string
		verified       bool
	}{
		{"alice/1", "alice/2+mask", true}, // masked target: the source's overlays are computed
		{"alice/2+mask", "alice/1", true}, // masked source: the target's
		{"alice/2+mask", "alice/3+mask", true},
		{"alice/1", "bob/2+mask", false},
		{"bob/2+mask", "alice/1", false},
		{"alice/1", "alice/2+maskonly", false}, // called unmasked: plain cosine
		{"bob/2", "bob/3", true},
	} {
		c, err := e.Compare(ctx, img(tt.source), img(tt.target))
		masked := strings.HasSuffix(tt.source, "+mask") || strings.HasSuffix(tt.target, "+mask")
		if err != nil || c.Verified != tt.verified || c.Masker != masked {
			t.Errorf("compare %s, %s: verified %v masker %v (similarity %.3f, %v); want verified %v", tt.source, tt.target, c.Verified, c.Masker, c.Similarity, err, tt.verified)
		}
	}
}

// A masked probe's search re-scores a pool of at least maskedRerankHits faces, so that its
// owner is found among people the plain cosine ranks above them.
func TestMaskedIdentifyPool(t *testing.T) {
	o := testOptions(t, t.TempDir())
	e := openTest(t, o, newMaskedFake())
	defer e.Close()
	if n := e.identifyHits(1, false); n != o.EnsureDefaults().MaxTemplates {
		t.Errorf("unmasked k 1: %d hits, want MaxTemplates", n)
	}
	if n := e.identifyHits(1, true); n != maskedRerankHits {
		t.Errorf("masked k 1: %d hits, want %d", n, maskedRerankHits)
	}
	if n := e.identifyHits(maxIdentifyK, true); n != maxIdentifyK*o.EnsureDefaults().MaxTemplates {
		t.Errorf("masked k %d: %d hits", maxIdentifyK, n)
	}
	// 40 people: the masked probe's plain cosine ranks alice anywhere among them.
	for i := range 40 {
		enroll(t, e, "acme", "g", fmt.Sprintf("p%02d", i), fmt.Sprintf("p%02d/1", i))
	}
	enroll(t, e, "acme", "g", "alice", "alice/1")
	r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("alice/2+mask")})
	if err != nil || len(r.Matches) != 1 || r.Matches[0].Person.ID != "alice" {
		t.Fatalf("masked probe among 41 people: %+v %v", r.Matches, err)
	}
}

// plainPathOnly hides maskedFake's masked path (the engine then scores masked probes by
// their plain cosine): the baseline of BenchmarkIdentifyMasked.
type plainPathOnly struct{ *fakeEmb }

// BenchmarkIdentifyMasked: what re-scoring costs a masked probe's identify (the pool of
// maskedRerankHits faces, each person's overlays opened and scored) in a 10,000-person
// gallery, against the plain path on the same store; and what it costs an unmasked probe,
// whose people are re-scored for masked enrolments (maskedenrol.go): in the k x
// MaxTemplates pool by default, in the masked path's pool under MaskedEnrolAllow.
func BenchmarkIdentifyMasked(b *testing.B) {
	dir := b.TempDir()
	fake := newMaskedFake()
	fillGalleryWith(b, dir, 10000, fake)
	for _, tc := range []struct {
		name, probe, policy string
		emb                 Embedder
	}{
		{"masked-path", "+mask", "", fake}, {"plain", "+mask", "", plainPathOnly{fake.fakeEmb}},
		{"unmasked/masked-path", "", "", fake}, {"unmasked/masked-path-allow", "", MaskedEnrolAllow, fake},
		{"unmasked/plain", "", "", plainPathOnly{fake.fakeEmb}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			o := testOptions(b, dir)
			o.MaskedEnrolment = tc.policy
			e := openTest(b, o, tc.emb)
			defer e.Close()
			b.ReportAllocs()
			cpu := startCPU()
			i := 0
			for b.Loop() {
				_, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img(fmt.Sprintf("p%d/probe%s", i%10000, tc.probe))})
				if err != nil && !errors.Is(err, ErrNotVerified) {
					b.Fatal(err)
				}
				i++
			}
			cpu.report(b)
		})
	}
}

// collapsingHead is a masked fake whose masked-path space (MaskedWhiten) puts every face on
// one vector: if the engine took both sides through it, every masked pair scores 1.
type collapsingHead struct{ maskedFake }

func (c collapsingHead) MaskedWhiten(v []float32, o [][]float32) ([]float32, [][]float32) {
	one := make([]float32, len(v))
	one[0] = 1
	out := make([][]float32, len(o))
	for i := range o {
		out[i] = one
	}
	return one, out
}

// Every masked-path comparison (verify, identify, compare, and an unmasked probe against a
// masked enrolment) scores the faces in the embedder's masked space, both sides: with a
// head that collapses every face, someone else's masked face verifies, is identified and
// compares as the same person, which the identity head refuses (TestMaskedPath). The plain
// path does not go through it.
func TestMaskedPathUsesTheEmbeddersHead(t *testing.T) {
	o := testOptions(t, t.TempDir())
	o.MaskedEnrolment = MaskedEnrolAllow
	e := openTest(t, o, collapsingHead{newMaskedFake()})
	defer e.Close()
	enroll(t, e, "acme", "g", "alice", "alice/1")
	enroll(t, e, "acme", "g", "carol", "carol/1+mask")
	r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "alice", Image: img("bob/2+mask")})
	if err != nil || !r.Verified {
		t.Errorf("masked verify through the collapsing head: verified %v (similarity %.3f), err %v; want verified", r.Verified, r.Similarity, err)
	}
	if r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "alice", Image: img("bob/2")}); err != nil || r.Verified {
		t.Errorf("unmasked verify: verified %v, err %v; the plain path must not use the head", r.Verified, err)
	}
	if r, err := e.Verify(ctx, VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "carol", Image: img("bob/3")}); err != nil || !r.Verified {
		t.Errorf("unmasked probe vs masked enrolment through the collapsing head: verified %v, err %v; want verified", r.Verified, err)
	}
	c, err := e.Compare(ctx, img("bob/2+mask"), img("alice/4"))
	if err != nil || !c.Verified {
		t.Errorf("masked compare through the collapsing head: verified %v (similarity %.3f), err %v; want verified", c.Verified, c.Similarity, err)
	}
	id, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img("erin/1+mask"), K: 3})
	if err != nil || len(id.Matches) == 0 {
		t.Errorf("masked identify of someone unenrolled through the collapsing head: %v, %v; want matches", id.Matches, err)
	}
}
