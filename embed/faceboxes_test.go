package embed

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/wajah-id/wajah/models"
)

// TestFaceboxesMatchesTFJS: the cut network plus the Go padding, anchors, decoding and
// suppression give the boxes TF.js gives for the whole graph, control flow included
// (testdata/faceboxes: the top 10 of its own outputs on obama.jpg; ref.js made them). The
// two JPEG decoders differ by a few levels per pixel, hence the tolerances.
func TestFaceboxesMatchesTFJS(t *testing.T) {
	heavy(t)
	fb, err := loadFaceboxes(testPipeline(t).opts.ModelsDir)
	if errors.Is(err, models.ErrMissing) {
		t.Skipf("faceboxes not fetched: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "faceboxes", "obama.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Image         string
		Width, Height int
		Boxes         []struct{ Score, Y0, X0, Y1, X1 float32 }
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	img, err := Decode(photo(t, ref.Image), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if img.W != ref.Width || img.H != ref.Height {
		t.Fatalf("%s is %dx%d, the reference %dx%d", ref.Image, img.W, img.H, ref.Width, ref.Height)
	}
	boxes, err := fb.decode(img, 0.05) // the graph's score floor
	if err != nil {
		t.Fatal(err)
	}
	boxes = suppress(boxes, 0.3)
	for i, r := range ref.Boxes {
		want := blazeBox{x0: r.X0, y0: r.Y0, x1: r.X1, y1: r.Y1, score: r.Score}
		best, bi := float32(0), -1
		for j, b := range boxes[:min(len(boxes), 20)] {
			if v := b.iou(want); v > best {
				best, bi = v, j
			}
		}
		if bi < 0 || best < 0.95 || math.Abs(float64(boxes[bi].score-want.score)) > 0.005 {
			t.Errorf("reference box %d %+v: best match %d with IoU %.3f", i, r, bi, best)
		}
	}
	if b := boxes[0]; b.score < 0.99 || math.Abs(float64(b.x0-ref.Boxes[0].X0)) > 1 || math.Abs(float64(b.y1-ref.Boxes[0].Y1)) > 1 {
		t.Errorf("the face: %+v, reference %+v", b, ref.Boxes[0])
	}
}

// The anchors follow the graph's layout: per cell of the stride-32 layer 16 + 4 + 1, the
// x offset outer and the y offset inner, clipped to the frame (values from TF.js's
// concatenate/concat on a 1152x1024 frame).
func TestFaceboxesAnchors(t *testing.T) {
	a := faceboxesAnchors(1152, 1024)
	if len(a) != 36*32*21+18*16+9*8 {
		t.Fatalf("%d anchors, want 24552", len(a))
	}
	centre := func(b [4]float32) [2]float32 { return [2]float32{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2} }
	for _, tc := range []struct {
		i    int
		want [4]float32 // ymin, xmin, ymax, xmax
	}{
		{0, [4]float32{0, 0, 20, 20}},             // centre (4, 4), 32 px, clipped
		{1, [4]float32{0, 0, 28, 20}},             // centre (12, 4): y moves first
		{4, [4]float32{0, 0, 20, 28}},             // centre (4, 12)
		{17, [4]float32{0, 0, 64, 32}},            // 64 px, centre (32, 0)
		{20, [4]float32{0, 0, 80, 80}},            // 128 px at the cell centre (16, 16)
		{21, [4]float32{0, 20, 20, 52}},           // the next cell: x + 32
		{24192, [4]float32{0, 0, 160, 160}},       // stride 64, 256 px at (32, 32)
		{24551, [4]float32{832, 704, 1152, 1024}}, // stride 128, 512 px at (1088, 960)
	} {
		if a[tc.i] != tc.want {
			t.Errorf("anchor %d: %v (centre %v), want %v", tc.i, a[tc.i], centre(a[tc.i]), tc.want)
		}
	}
}
