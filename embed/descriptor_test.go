package embed

import (
	"errors"
	"testing"

	"github.com/wajah-id/wajah/models"
)

func TestParseDescriptorName(t *testing.T) {
	for _, c := range []struct {
		in   string
		name string
		zoom float32
		ok   bool
	}{
		{"faceres", DescFaceres, 1.6, true},
		{"faceres@1.0", DescFaceres, 1, true},
		{"faceres-deep", DescFaceresDeep, 1.6, true},
		{"mobileface", DescMobileFace, 1, true},
		{"mobilefacenet", "", 0, false}, // the human-models file broken for identity
		{"faceres@0.1", "", 0, false},
		{"faceres@x", "", 0, false},
		{"", "", 0, false},
	} {
		name, zoom, err := ParseDescriptorName(c.in)
		if (err == nil) != c.ok || name != c.name || zoom != c.zoom {
			t.Errorf("%q: got %q %v %v, want %q %v ok=%v", c.in, name, zoom, err, c.name, c.zoom, c.ok)
		}
	}
}

// At zoom 1 and side 112 the descriptor crop is MobileFaceNet's aligned crop, so the
// template arithmetic (scale about the crop centre) is right; each model gives unit vectors
// of its size, and a second photo of the same person is nearer than someone else's.
func TestDescriptors(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	dA, fA := firstFace(t, p, exObama)
	dB, fB := firstFace(t, p, exObama2)
	dC, fC := firstFace(t, p, exBiden)
	for _, name := range []string{"mobileface", "faceres@1.0", "faceres", "faceres-deep"} {
		ds, err := LoadDescriptor(name)
		if errors.Is(err, models.ErrMissing) {
			t.Skipf("%s not fetched: %v", name, err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if ds.spec.side == AlignSize && ds.spec.zoom == 1 {
			got, want := ds.Crop(dA.Full, fA.Landmarks), Align(dA.Full, fA.Landmarks)
			for i := range got.Pix {
				if d := int(got.Pix[i]) - int(want.Pix[i]); d > 1 || d < -1 {
					t.Fatalf("%s: crop differs from Align at byte %d: %d vs %d", name, i, got.Pix[i], want.Pix[i])
				}
			}
		}
		var v [3][]float32
		for i, df := range []struct {
			d *Decoded
			f *Face
		}{{dA, fA}, {dB, fB}, {dC, fC}} {
			if v[i], err = ds.DescribeFace(df.d, df.f); err != nil {
				t.Fatal(err)
			}
			if len(v[i]) != ds.spec.dim {
				t.Fatalf("%s: %d values, want %d", name, len(v[i]), ds.spec.dim)
			}
			if n := Cosine(v[i], v[i]); n < 0.999 || n > 1.001 {
				t.Fatalf("%s: |v|^2 = %v", name, n)
			}
		}
		same, other := Cosine(v[0], v[1]), Cosine(v[0], v[2])
		t.Logf("%s (%s): obama-obama2 %.3f, obama-biden %.3f", name, ds.ID(), same, other)
		if same <= other {
			t.Errorf("%s: same person %.3f not above another %.3f", name, same, other)
		}
	}
}
