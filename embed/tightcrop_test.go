package embed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wajah-id/wajah/models"
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
	var frames, floorFaces, refused int
	for _, patch := range cornerPatches(t, p) {
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
			t.Fatalf("patch %d: the gate added a face", frames)
		}
		if len(uf) == 0 || len(gf) > 0 {
			continue
		}
		floorFaces++
		if _, err := p.Extract(ctx, jpegOf(t, patch), ExtractOptions{}); errors.Is(err, ErrNoFace) {
			refused++ // the JPEG round trip may move ONet across the floor: then not counted
		}
	}
	t.Logf("%d corner patches: the ungated floor took %d more as faces than the gated pipeline; %d of them answer ErrNoFace", frames, floorFaces, refused)
	if floorFaces < 10 || refused < floorFaces*3/4 {
		t.Fatalf("gate refused %d patches (%d answer ErrNoFace) of %d; want >= 10, three quarters answering ErrNoFace", floorFaces, refused, frames)
	}
}

// The deep retry's candidates on frames without a face (80 and 90 px corner patches of LFW
// View 1 test photos: hair, shoulders, background; the tight-crop floor off on both sides so
// that only the retry differs) are
// refused by the faceness head: the ungated retry takes many as faces, the default few, and
// neither returns more than one face per frame.
func TestDeepRetryGate(t *testing.T) {
	heavy(t)
	gated, err := New(Options{Experimental: Experimental{TightCropFloor: -1}})
	if errors.Is(err, models.ErrMissing) {
		t.Skipf("models not fetched: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ungated, err := New(Options{Experimental: Experimental{NoFacenessGate: true, TightCropFloor: -1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var frames, ungatedFaces, gatedFaces int
	for _, patch := range lfwCorners(t, 60) {
		frames++
		uf, err := ungated.Detect(ctx, ungated.Prepare(patch))
		if err != nil {
			t.Fatal(err)
		}
		gf, err := gated.Detect(ctx, gated.Prepare(patch))
		if err != nil {
			t.Fatal(err)
		}
		if len(uf) > 1 || len(gf) > 1 {
			t.Fatalf("patch %d: %d ungated, %d gated faces; the deep retry returns one at most", frames, len(uf), len(gf))
		}
		ungatedFaces += len(uf)
		gatedFaces += len(gf)
	}
	t.Logf("%d corner patches: ungated deep retry finds a face in %d, the gated one in %d", frames, ungatedFaces, gatedFaces)
	if ungatedFaces < 10 || gatedFaces > ungatedFaces/3 {
		t.Fatalf("ungated %d, gated %d of %d patches: want the ungated retry to fire (>= 10) and the head to refuse two thirds", ungatedFaces, gatedFaces, frames)
	}
}

// cornerPatches cuts the 64, 80 and 96 px corners of every faces-small photo of the test
// pairs: hair, background, clothes, each its own tight crop.
func cornerPatches(t *testing.T, p *Pipeline) []*RGB {
	seen := map[string]bool{}
	var out []*RGB
	for _, pr := range readTestPairs(t) {
		for _, rel := range pr[:2] {
			if seen[rel] {
				continue
			}
			seen[rel] = true
			img := decodeFull(t, p, rel).Full
			for _, s := range []int{64, 80, 96} {
				if img.W < 2*s || img.H < 2*s {
					continue
				}
				for _, c := range [][2]int{{0, 0}, {img.W - s, 0}, {0, img.H - s}, {img.W - s, img.H - s}} {
					out = append(out, square(img, c[0], c[1], s))
				}
			}
		}
	}
	return out
}

// lfwCorners cuts the top-left, top-right and bottom-left 80 and 90 px corners of the first n
// images of LFW View 1's test pairs (as `wajah eval detect --corners`).
func lfwCorners(t *testing.T, n int) []*RGB {
	const dir = "../../shared/data/lfw-view1"
	b, err := os.ReadFile(filepath.Join(dir, "pairs_test.tsv"))
	if os.IsNotExist(err) {
		t.Skipf("%s absent (needs ../shared/data/lfw-view1)", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []*RGB
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		if i == n {
			break
		}
		data, err := os.ReadFile(filepath.Join(dir, strings.Split(line, "\t")[0]))
		if err != nil {
			t.Fatal(err)
		}
		img, err := Decode(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []int{80, 90} {
			for _, c := range [][2]int{{0, 0}, {img.W - s, 0}, {0, img.H - s}} {
				out = append(out, square(img, c[0], c[1], s))
			}
		}
	}
	return out
}

// square copies the s x s square of img at (x0, y0).
func square(img *RGB, x0, y0, s int) *RGB {
	out := NewRGB(s, s)
	for y := range s {
		copy(out.Pix[3*s*y:3*s*(y+1)], img.Pix[3*(img.W*(y0+y)+x0):3*(img.W*(y0+y)+x0+s)])
	}
	return out
}
