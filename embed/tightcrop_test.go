package embed

import (
	"context"
	"errors"
	"testing"
)

func TestTightCropShape(t *testing.T) {
	for _, c := range []struct {
		w, h int
		want bool
	}{
		{160, 160, true}, {50, 50, true}, {320, 256, true}, {250, 250, true},
		{321, 321, false}, // larger than a crop
		{640, 480, false}, // a camera frame
		{200, 120, false}, // too oblong
	} {
		if got := tightCrop(NewRGB(c.w, c.h)); got != c.want {
			t.Errorf("%dx%d: tightCrop %v, want %v", c.w, c.h, got, c.want)
		}
	}
	for _, c := range []struct {
		floor float32
		ok    bool
	}{{0, true}, {0.05, true}, {-1, true}, {tightONetThresh, false}, {0.9, false}} {
		if err := (Experimental{MaskedAlign: MaskedAlignFive, TightCropFloor: c.floor}).validate(); (err == nil) != c.ok {
			t.Errorf("TightCropFloor %v: %v, want ok=%v", c.floor, err, c.ok)
		}
	}
}

// The faceness head gates the tight-crop floor: of the 64, 80 and 96 px corner patches of
// faces-small photos (hair, background, clothes) that the ungated floor takes as faces, it
// refuses most, and each refused patch then gets ErrNoFace (412) from Extract.
func TestFacenessGate(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	if p.faceness == nil {
		t.Fatal("no faceness head built in")
	}
	ungated, err := New(Options{Experimental: Experimental{NoFacenessGate: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	seen := map[string]bool{}
	var frames, floorFaces, refused int
	var rels []string
	for _, pr := range readTestPairs(t) {
		for _, rel := range pr[:2] {
			if !seen[rel] {
				seen[rel] = true
				rels = append(rels, rel)
			}
		}
	}
	for _, rel := range rels {
		img := decodeFull(t, p, rel).Full
		for _, s := range []int{64, 80, 96} {
			if img.W < 2*s || img.H < 2*s {
				continue
			}
			for _, c := range [][2]int{{0, 0}, {img.W - s, 0}, {0, img.H - s}, {img.W - s, img.H - s}} {
				patch := NewRGB(s, s)
				for y := range s {
					copy(patch.Pix[3*s*y:3*s*(y+1)], img.Pix[3*(img.W*(c[1]+y)+c[0]):3*(img.W*(c[1]+y)+c[0]+s)])
				}
				frames++
				uf, err := ungated.Detect(ctx, ungated.Prepare(patch))
				if err != nil {
					t.Fatal(err)
				}
				gf, err := p.Detect(ctx, p.Prepare(patch))
				if err != nil {
					t.Fatal(err)
				}
				if len(gf) > len(uf) {
					t.Fatalf("%s corner %v/%d: the gate added a face", rel, c, s)
				}
				if len(uf) == 0 || len(gf) > 0 {
					continue
				}
				floorFaces++
				if _, err := p.Extract(ctx, jpegOf(t, patch), ExtractOptions{}); !errors.Is(err, ErrNoFace) {
					continue // the JPEG round trip may move ONet across the floor; counted as not refused
				}
				refused++
			}
		}
	}
	t.Logf("%d corner patches: the ungated floor took %d more as faces than the gated pipeline; %d of them answer ErrNoFace", frames, floorFaces, refused)
	if floorFaces < 10 || refused < floorFaces*3/4 {
		t.Fatalf("gate refused %d patches (%d answer ErrNoFace) of %d; want >= 10, three quarters answering ErrNoFace", floorFaces, refused, frames)
	}
}
