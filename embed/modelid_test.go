package embed

import (
	"testing"

	"github.com/wajah-id/wajah/nn"
)

// TestModelID: the default keeps the id existing galleries carry, and each option that
// changes vectors gives another id; the admission options do not.
func TestModelID(t *testing.T) {
	if got := ModelID(Options{}); got != "mobilefacenet-expo-1.0.24" {
		t.Fatalf("default id %q: existing stores would refuse it", got)
	}
	seen := map[string]string{}
	for _, tc := range []struct {
		name string
		o    Options
		same bool // same id as the default
	}{
		{"default", Options{}, true},
		{"mtcnn named", Options{Detector: DetectorMTCNN}, true},
		{"admission options", Options{WorkSide: 640, MinFaceSize: 60, MinDetect: 30, MultiFaceRatio: 0.5, NoMask: true, NoLiveness: true, Experimental: Experimental{DetectFrac: 0.2}}, true},
		{"blazeface", Options{Detector: DetectorBlazeFace}, false},
		{"flip", Options{FlipTTA: true}, false},
		{"blazeface flip", Options{Detector: DetectorBlazeFace, FlipTTA: true}, false},
		{"fp32 named", Options{Precision: PrecisionFP32}, true},
		{"bf16", Options{Precision: PrecisionBF16}, false},
		{"bf16 flip", Options{Precision: PrecisionBF16, FlipTTA: true}, false},
	} {
		id := ModelID(tc.o)
		if (id == BaseModelID) != tc.same {
			t.Errorf("%s: id %q", tc.name, id)
		}
		if prev, ok := seen[id]; ok && !tc.same {
			t.Errorf("%s and %s share id %q", tc.name, prev, id)
		}
		seen[id] = tc.name
	}
}

// TestModelIDAutoPrecision: auto records what it resolved to on this CPU.
func TestModelIDAutoPrecision(t *testing.T) {
	want := ModelID(Options{})
	if nn.BF16Native() {
		want = ModelID(Options{Precision: PrecisionBF16})
	}
	if got := ModelID(Options{Precision: PrecisionAuto}); got != want {
		t.Fatalf("auto: %q, want %q", got, want)
	}
}
