package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/wajah-id/wajah/models"
)

// TestBlazeFaceDetector checks the alternative first stages against MTCNN on the same
// photos: the same faces, landmarks within a few pixels, and the same verdicts.
func TestBlazeFaceDetector(t *testing.T) {
	heavy(t)
	for _, det := range []string{DetectorBlazeFace, DetectorFullRange, DetectorFaceBoxes} {
		t.Run(det, func(t *testing.T) { testBlazeFaceDetector(t, det) })
	}
	if _, err := New(Options{Detector: "retina"}); err == nil {
		t.Fatal("unknown detector accepted")
	}
}

func testBlazeFaceDetector(t *testing.T, detector string) {
	ref := testPipeline(t)
	bp, err := New(Options{Detector: detector})
	if errors.Is(err, models.ErrMissing) {
		t.Skipf("models not fetched: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		rel   string
		faces int
	}{{exObama, 1}, {exObama2, 1}, {exBiden, 1}, {exTwo, 2}} {
		t.Run(tt.rel, func(t *testing.T) {
			data := photo(t, tt.rel)
			got, err := bp.Faces(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.Faces(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.faces || len(want) != tt.faces {
				t.Fatalf("faces: %s %d, mtcnn %d, want %d", detector, len(got), len(want), tt.faces)
			}
			for i := range got {
				size := float64(want[i].Quality.FaceSize)
				for j, l := range got[i].Landmarks {
					w := want[i].Landmarks[j]
					if d := math.Hypot(float64(l.X-w.X), float64(l.Y-w.Y)); d > 0.1*size {
						t.Errorf("face %d landmark %d: %s %v, mtcnn %v (%.1f px apart, face size %.0f)", i, j, detector, l, w, d, size)
					}
				}
				if c := Cosine(got[i].Embedding, want[i].Embedding); c < 0.9 {
					t.Errorf("face %d: embeddings of the two detectors' crops have cosine %.3f", i, c)
				}
			}
		})
	}
}

// BenchmarkDetectBlazeFace is detect/ of BenchmarkStages with the BlazeFace first stage.
func BenchmarkDetectBlazeFace(b *testing.B) {
	testPipeline(b) // skips when models are missing
	p, err := New(Options{Detector: DetectorBlazeFace, NoMask: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, sz := range [][2]int{{640, 480}, {1920, 1080}} {
		d, err := p.Decode(benchPhoto(b, sz[0], sz[1]))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			for b.Loop() {
				faces, err := p.Detect(context.Background(), d)
				if err != nil || len(faces) != 1 {
					b.Fatalf("detect: %d faces, %v", len(faces), err)
				}
			}
		})
	}
}

// One 256-pixel look at a letterboxed 1920x1080 frame still finds a face at the quality
// gate's minimum size (40 px eye to mouth). Measured while choosing the default: found
// down to 34 px, missed at 26 px, where MTCNN's pyramid still finds 17 px faces.
func TestBlazeFaceAtGateSizeIn1080p(t *testing.T) {
	heavy(t)
	ref := testPipeline(t)
	bp, err := New(Options{Detector: DetectorBlazeFace, NoMask: true})
	if err != nil {
		t.Fatal(err)
	}
	src, err := Decode(photo(t, exObama), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []int{1040, 440} { // face about 99 and 41 px eye to mouth
		w := src.W * h / src.H
		small := Resize(src, w, h)
		frame := NewRGB(1920, 1080)
		for i := range frame.Pix {
			frame.Pix[i] = 90
		}
		for y := range h {
			copy(frame.Pix[3*(y*1920+300):], small.Pix[3*y*w:3*(y+1)*w])
		}
		want, err := ref.Detect(context.Background(), ref.Prepare(frame))
		if err != nil || len(want) != 1 {
			t.Fatalf("photo height %d: mtcnn found %d faces, %v", h, len(want), err)
		}
		got, err := bp.Detect(context.Background(), bp.Prepare(frame))
		if err != nil || len(got) != 1 {
			t.Fatalf("photo height %d (face %.0f px): blazeface found %d faces, %v", h, want[0].Quality.FaceSize, len(got), err)
		}
		if d := got[0].Quality.FaceSize - want[0].Quality.FaceSize; d > 3 || d < -3 {
			t.Errorf("photo height %d: face size %.1f (blazeface) vs %.1f (mtcnn)", h, got[0].Quality.FaceSize, want[0].Quality.FaceSize)
		}
	}
}

// TestShortRangeProposals: MediaPipe's short-range detector (facemesh-detection-short,
// through the TF.js importer's constant-batch reshape rewrite) finds each faces-small face
// where MTCNN does: one proposal per face whose box holds MTCNN's eyes and nose.
func TestShortRangeProposals(t *testing.T) {
	ref := testPipeline(t)
	short, err := loadBlazeFace(models.Dir(), blazeShort)
	if errors.Is(err, models.ErrMissing) {
		t.Skipf("models not fetched: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{exObama, exObama2, exBiden, exTwo} {
		d, err := ref.Decode(photo(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.Detect(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := short.propose(d.Work, blazeThresh)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d proposals, MTCNN %d faces", rel, len(got), len(want))
		}
		s := d.Scale * d.orig()
		for _, f := range want {
			inside := 0
			for _, b := range got {
				ok := true
				for _, l := range f.Landmarks[:3] {
					x, y := l.X/s, l.Y/s
					ok = ok && x > b.x0 && x < b.x1 && y > b.y0 && y < b.y1
				}
				if ok {
					inside++
				}
			}
			if inside != 1 {
				t.Errorf("%s: face at %v is inside %d proposals of %v", rel, f.Box, inside, got)
			}
		}
	}
}
