package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/wajah-id/wajah/models"
)

// TestBlazeFaceDetector checks the alternative first stage against MTCNN on the same
// photos: the same faces, landmarks within a few pixels, and the same verdicts.
func TestBlazeFaceDetector(t *testing.T) {
	heavy(t)
	ref := testPipeline(t)
	bp, err := New(Options{Detector: DetectorBlazeFace})
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
				t.Fatalf("faces: blazeface %d, mtcnn %d, want %d", len(got), len(want), tt.faces)
			}
			for i := range got {
				size := float64(want[i].Quality.FaceSize)
				for j, l := range got[i].Landmarks {
					w := want[i].Landmarks[j]
					if d := math.Hypot(float64(l.X-w.X), float64(l.Y-w.Y)); d > 0.1*size {
						t.Errorf("face %d landmark %d: blazeface %v, mtcnn %v (%.1f px apart, face size %.0f)", i, j, l, w, d, size)
					}
				}
				if c := Cosine(got[i].Embedding, want[i].Embedding); c < 0.9 {
					t.Errorf("face %d: embeddings of the two detectors' crops have cosine %.3f", i, c)
				}
			}
		})
	}
	if _, err := New(Options{Detector: "retina"}); err == nil {
		t.Fatal("unknown detector accepted")
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
