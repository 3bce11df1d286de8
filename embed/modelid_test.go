package embed

import (
	"reflect"
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
		{"admission options", Options{ModelsDir: "/elsewhere", Limits: Limits{MaxBytes: 1 << 20}, WorkSide: 640, DecodeSide: 320, MaxDecodeBytes: 1 << 30,
			MinFaceSize: 60, MinDetect: 30, MultiFaceRatio: 0.5, NoMask: true, NoLiveness: true}, true},
		{"detection experiments", Options{Experimental: Experimental{DetectFrac: 0.2, NoTightFallback: true, MTCNNThresholds: [3]float32{0.6, 0.4, 0.5}, TightCropFloor: 0.05, ShortRange: 0.5}}, true},
		{"masked five named", Options{Experimental: Experimental{MaskedAlign: MaskedAlignFive}}, true},
		{"masked eyes-nose", Options{Experimental: Experimental{MaskedAlign: MaskedAlignEyesNose}}, false},
		{"masked eyes", Options{Experimental: Experimental{MaskedAlign: MaskedAlignEyes}}, false},
		{"masked eyes flip", Options{FlipTTA: true, Experimental: Experimental{MaskedAlign: MaskedAlignEyes}}, false},
		{"masked facemesh", Options{Experimental: Experimental{MaskedAlign: MaskedAlignFacemesh}}, false},
		{"blazeface", Options{Detector: DetectorBlazeFace}, false},
		{"flip", Options{FlipTTA: true}, false},
		{"blazeface flip", Options{Detector: DetectorBlazeFace, FlipTTA: true}, false},
		{"fp32 named", Options{Precision: PrecisionFP32}, true},
		{"bf16", Options{Precision: PrecisionBF16}, false},
		{"bf16 flip", Options{Precision: PrecisionBF16, FlipTTA: true}, false},
		{"bf16 masked eyes", Options{Precision: PrecisionBF16, Experimental: Experimental{MaskedAlign: MaskedAlignEyes}}, false},
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

// TestModelIDKeepsRecordedIDs: ids that galleries already carry do not move when an
// option is added to ModelID.
func TestModelIDKeepsRecordedIDs(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{}, "mobilefacenet-expo-1.0.24"},
		{Options{Detector: DetectorBlazeFace, FlipTTA: true}, "mobilefacenet-expo-1.0.24+blazeface+flip"},
		{Options{Detector: DetectorFullRange}, "mobilefacenet-expo-1.0.24+fullrange"},
		{Options{Detector: DetectorFaceBoxes}, "mobilefacenet-expo-1.0.24+faceboxes"},
		{Options{FlipTTA: true, Precision: PrecisionBF16}, "mobilefacenet-expo-1.0.24+flip+bf16"},
		{Options{Experimental: Experimental{MaskedAlign: MaskedAlignEyesNose}}, "mobilefacenet-expo-1.0.24+masked-eyes-nose"},
	} {
		if got := ModelID(tc.o); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.o, got, tc.want)
		}
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

// TestModelIDClassifiesEveryOption: every field of Options and Experimental is sorted into
// "changes the vectors" (named by ModelID) or not ("changes which photos pass", or how two
// stored faces are compared: ModelID's doc),
// so a field added later fails here until someone decides which it is.
func TestModelIDClassifiesEveryOption(t *testing.T) {
	vectors := map[string]bool{"Detector": true, "FlipTTA": true, "Precision": true, "Experimental.MaskedAlign": true}
	admission := map[string]bool{"ModelsDir": true, "Limits": true, "WorkSide": true, "DecodeSide": true, "MaxDecodeBytes": true,
		"MinFaceSize": true, "MinDetect": true, "MultiFaceRatio": true, "NoMask": true, "NoLiveness": true,
		"Experimental.DetectFrac": true, "Experimental.NoTightFallback": true, "Experimental.MTCNNThresholds": true,
		"Experimental.TightCropFloor": true, "Experimental.ShortRange": true, "Experimental.NoFacenessGate": true, "Experimental.DeepThresholds": true,
		"Experimental.NoMaskedHead": true}
	var fields []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for f := range typ.Fields() {
			if f.Type == reflect.TypeFor[Experimental]() {
				walk(prefix+f.Name+".", f.Type)
				continue
			}
			fields = append(fields, prefix+f.Name)
		}
	}
	walk("", reflect.TypeFor[Options]())
	for _, name := range fields {
		if vectors[name] == admission[name] {
			t.Errorf("Options.%s: say in ModelID (and here) whether it changes the vectors", name)
		}
		delete(vectors, name)
		delete(admission, name)
	}
	for name := range vectors {
		t.Errorf("ModelID lists %s, which Options no longer has", name)
	}
	for name := range admission {
		t.Errorf("admission list names %s, which Options no longer has", name)
	}
}
