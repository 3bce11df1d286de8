package engine

import (
	"bytes"
	"errors"
	"image/jpeg"
	"math"
	"testing"

	"github.com/wajah-id/wajah/embed"
)

// maskedCopy draws a synthetic mask (embed.SynthMask, the dev sets' generator) on the face
// of a faces-small photo, from its detected landmarks, and returns it as a JPEG.
func maskedCopy(t testing.TB, p *embed.Pipeline, rel string, style embed.MaskStyle) []byte {
	t.Helper()
	img, err := embed.Decode(photo(t, rel), embed.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	faces, err := p.Detect(ctx, p.Prepare(img))
	if err != nil || len(faces) == 0 {
		t.Fatalf("%s: no face (%v)", rel, err)
	}
	m, _ := embed.SynthMask(img, faces[0].Landmarks, style, 7)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m.Image(), &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// With the real pipeline, a masked photo is identified and compared by the masked path,
// and the three endpoints agree: compare gives a pair the same similarity whichever image
// comes first, identify the same as verify, and verify against a person enrolled from the
// other image nearly the same as compare (enrolment detects at every scale, verify's
// coarse search first: the same photo's landmarks differ by a fraction of a pixel).
func TestMaskedIdentifyCompareReal(t *testing.T) {
	e := openReal(t, nil)
	for _, r := range []EnrollRequest{enrollReq("obama", obamaA, t), enrollReq("biden", biden, t), enrollReq("kit", kit, t)} {
		if _, err := e.Enroll(ctx, r); err != nil {
			t.Fatalf("enrol %s: %v", r.PersonID, err)
		}
	}
	masked := maskedCopy(t, realEmbedder(t), obamaB, embed.MaskSurgical)

	id, err := e.Identify(ctx, IdentifyRequest{Tenant: "venue", Gallery: "g", Image: masked, K: 3})
	if err != nil || !id.Masker || len(id.Matches) != 1 || id.Matches[0].Person.ID != "obama" {
		t.Fatalf("identify masked obama: masker %v, matches %+v, %v", id.Masker, id.Matches, err)
	}
	v, err := e.Verify(ctx, VerifyRequest{Tenant: "venue", Gallery: "g", PersonID: "obama", Image: masked})
	if err != nil || !v.Verified || !v.Masker {
		t.Fatalf("verify masked obama: %+v %v", v, err)
	}
	ab, err := e.Compare(ctx, photo(t, obamaA), masked)
	if err != nil {
		t.Fatal(err)
	}
	ba, err := e.Compare(ctx, masked, photo(t, obamaA))
	if err != nil {
		t.Fatal(err)
	}
	if !ab.Verified || !ab.Masker || ab.Similarity != ba.Similarity || math.Abs(ab.Similarity-v.Similarity) > 0.01 || id.Matches[0].Similarity != v.Similarity {
		t.Errorf("similarities: compare %.6f / reversed %.6f (verified %v, masker %v), verify %.6f, identify %.6f; want compare symmetric, identify = verify, verify within 0.01 of compare",
			ab.Similarity, ba.Similarity, ab.Verified, ab.Masker, v.Similarity, id.Matches[0].Similarity)
	}
	other, err := e.Compare(ctx, photo(t, biden), masked)
	if err != nil || other.Verified || !other.Masker {
		t.Errorf("compare biden with masked obama: %+v %v", other, err)
	}
	if _, err := e.Identify(ctx, IdentifyRequest{Tenant: "venue", Gallery: "g", Image: maskedCopy(t, realEmbedder(t), obamaC, embed.MaskN95)}); err != nil {
		t.Errorf("identify another masked obama photo: %v", err)
	}
	if _, err := e.Identify(ctx, IdentifyRequest{Tenant: "venue", Gallery: "g", Image: maskedCopy(t, realEmbedder(t), "face_recognition/examples/alex-lacamoire.png", embed.MaskCloth)}); !errors.Is(err, ErrNotVerified) {
		t.Errorf("identify a masked stranger: %v, want ErrNotVerified", err)
	}
}

// BenchmarkCompareMasked: what the masked path adds to compare-images (real pipeline, one
// goroutine), against the same pairs without it: nothing for two unmasked photos, the
// unmasked side's overlays (three embedding runs on its aligned crop) when one is masked.
func BenchmarkCompareMasked(b *testing.B) {
	pipe := realEmbedder(b)
	plain, other := photo(b, obamaA), photo(b, obamaB)
	masked := maskedCopy(b, pipe, obamaB, embed.MaskSurgical)
	for _, path := range []struct {
		name string
		emb  Embedder
	}{{"masked-path", pipe}, {"plain", embed.PlainMatching{P: pipe}}} {
		o := testOptions(b, b.TempDir())
		o.NoSyncWrites = true
		e := openTest(b, o, path.emb)
		defer e.Close()
		for _, bc := range []struct {
			name           string
			source, target []byte
		}{{"unmasked", plain, other}, {"source-masked", masked, plain}, {"target-masked", plain, masked}} {
			b.Run(path.name+"/"+bc.name, func(b *testing.B) {
				c := startCPU()
				for b.Loop() {
					if _, err := e.Compare(ctx, bc.source, bc.target); err != nil {
						b.Fatal(err)
					}
				}
				c.report(b)
			})
		}
	}
}

// With the real pipeline and MaskedEnrolAllow, an unmasked photo meets a masked enrolment
// on the masked path: verify and identify give it compare's similarity of the same pair
// (within the detection difference of the test above).
func TestMaskedEnrolmentUnmaskedProbeReal(t *testing.T) {
	e := openReal(t, func(o *Options) { o.MaskedEnrolment = MaskedEnrolAllow })
	masked := maskedCopy(t, realEmbedder(t), obamaB, embed.MaskSurgical)
	r := enrollReq("obama", obamaB, t)
	r.Image = masked
	for _, r := range []EnrollRequest{r, enrollReq("biden", biden, t), enrollReq("kit", kit, t)} {
		if _, err := e.Enroll(ctx, r); err != nil {
			t.Fatalf("enrol %s: %v", r.PersonID, err)
		}
	}
	v, err := e.Verify(ctx, VerifyRequest{Tenant: "venue", Gallery: "g", PersonID: "obama", Image: photo(t, obamaA)})
	if err != nil || !v.Verified || v.Masker {
		t.Fatalf("verify unmasked obama against the masked enrolment: %+v %v", v, err)
	}
	c, err := e.Compare(ctx, photo(t, obamaA), masked)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.Identify(ctx, IdentifyRequest{Tenant: "venue", Gallery: "g", Image: photo(t, obamaA), K: 3})
	if err != nil || len(id.Matches) != 1 || id.Matches[0].Person.ID != "obama" || id.Matches[0].Similarity != v.Similarity {
		t.Fatalf("identify unmasked obama: %+v %v; want obama alone at verify's %.4f", id.Matches, err, v.Similarity)
	}
	plain, err := e.Compare(ctx, photo(t, obamaA), photo(t, obamaB))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(v.Similarity-c.Similarity) > 0.01 {
		t.Errorf("verify %.4f, compare %.4f: want within 0.01", v.Similarity, c.Similarity)
	}
	if r, err := e.Verify(ctx, VerifyRequest{Tenant: "venue", Gallery: "g", PersonID: "obama", Image: photo(t, biden)}); err != nil || r.Verified {
		t.Errorf("verify biden as the masked obama: %+v %v", r, err)
	}
	if _, err := e.Identify(ctx, IdentifyRequest{Tenant: "venue", Gallery: "g", Image: photo(t, "face_recognition/examples/alex-lacamoire.png")}); !errors.Is(err, ErrNotVerified) {
		t.Errorf("identify a stranger: %v, want ErrNotVerified", err)
	}
	t.Logf("obama A against masked B: verify %.4f, compare %.4f; unmasked B: %.4f", v.Similarity, c.Similarity, plain.Similarity)
}
