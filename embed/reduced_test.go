package embed

import (
	"context"
	"testing"
)

// A large photo decoded at a reduced DCT scale gives the same face as the full decode:
// landmarks in original pixels within 1.5 % of the image side, embeddings with cosine
// >= 0.97 (the full decode's work image is box-filtered, the reduced one is DCT-scaled:
// slightly different pixels). The photo is obama-1080p.jpg enlarged to 4000x3000 (decoded
// at 1/4) and 8000x6000 (at 1/8).
func TestReducedDecodeSameFace(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	src, err := Decode(photo(t, "face_recognition/examples/obama-1080p.jpg"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		w, h, scale int
	}{{4000, 3000, 4}, {8000, 6000, 8}} {
		big := Resize(src, tt.w, tt.h) // aspect changes a little; the face stays
		data := jpegOf(t, big)
		d, err := p.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if d.Orig != float32(tt.scale) || max(d.Full.W, d.Full.H) < p.opts.DecodeSide {
			t.Fatalf("%dx%d: decoded at 1/%v to %dx%d", tt.w, tt.h, d.Orig, d.Full.W, d.Full.H)
		}
		full := p.Prepare(big)
		ctx := context.Background()
		var faces [2]Face
		for i, dd := range []*Decoded{d, full} {
			fs, err := p.Detect(ctx, dd)
			if err != nil || len(fs) == 0 {
				t.Fatalf("%dx%d: %d faces, %v", tt.w, tt.h, len(fs), err)
			}
			faces[i] = fs[0]
			if err := p.Complete(ctx, dd, &faces[i]); err != nil {
				t.Fatal(err)
			}
		}
		tol := 0.015 * float32(tt.w)
		for k := range faces[0].Landmarks {
			a, b := faces[0].Landmarks[k], faces[1].Landmarks[k]
			if dx, dy := a.X-b.X, a.Y-b.Y; dx*dx+dy*dy > tol*tol {
				t.Errorf("%dx%d: landmark %d at %v, full decode %v", tt.w, tt.h, k, a, b)
			}
		}
		cos := Cosine(faces[0].Embedding, faces[1].Embedding)
		t.Logf("%dx%d at 1/%d: face size %.0f vs %.0f px, cosine %.4f", tt.w, tt.h, tt.scale,
			faces[0].Quality.FaceSize, faces[1].Quality.FaceSize, cos)
		if cos < 0.97 {
			t.Errorf("%dx%d: cosine %.4f to the full decode's embedding", tt.w, tt.h, cos)
		}
	}
}
