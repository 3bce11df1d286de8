package embed

import (
	"fmt"
	"time"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tfjs"
	"github.com/wajah-id/wajah/nn/tflite"
)

// LiveFeat indexes the raw anti-spoof outputs a LivenessProbe reports for one face.
const (
	// FaceAntiSpoofing.tflite at 256x256, 1 - spoof score. Its input cannot shrink: the
	// tree head flattens an 8x8x32 map into 2048 values, so 256 is the only size it plans at.
	LiveFeatFAS256    = iota
	LiveFeatAntispoof // human-models antispoof: P(real), 128x128 input
	LiveFeatLiveness  // human-models liveness: output[0], 32x32 input
	LiveFeatCount
)

// LiveFeatNames names the LiveFeat columns for reports.
var LiveFeatNames = [LiveFeatCount]string{"fas256", "antispoof", "liveness"}

// LivenessProbe runs candidate anti-spoof models on a face: `wajah eval liveness` measures
// them all with it, and the pipeline runs the ones its head reads. It is safe for
// concurrent use (nn models are).
type LivenessProbe struct {
	fas                 *nn.Model // nil unless a FAS column is wanted
	fasClass, fasLeaf   int
	antispoof, liveness *nn.Model
	want                [LiveFeatCount]bool
}

// NewLivenessProbe loads the models behind the given LiveFeat columns (all when none).
func NewLivenessProbe(feats ...int) (*LivenessProbe, error) {
	lp := &LivenessProbe{}
	if len(feats) == 0 {
		feats = []int{LiveFeatFAS256, LiveFeatAntispoof, LiveFeatLiveness}
	}
	for _, k := range feats {
		if k < 0 || k >= LiveFeatCount {
			return nil, fmt.Errorf("embed: liveness feature %d unknown", k)
		}
		lp.want[k] = true
	}
	var err error
	if lp.want[LiveFeatFAS256] {
		if lp.fas, lp.fasClass, lp.fasLeaf, err = loadFAS(); err != nil {
			return nil, err
		}
	}
	if lp.want[LiveFeatAntispoof] {
		if lp.antispoof, err = loadTFJS("antispoof.json"); err != nil {
			return nil, err
		}
	}
	if lp.want[LiveFeatLiveness] {
		if lp.liveness, err = loadTFJS("liveness.json"); err != nil {
			return nil, err
		}
	}
	return lp, nil
}

// Scores returns the LiveFeatCount raw outputs for face f of d (0 for columns not loaded).
func (lp *LivenessProbe) Scores(d *Decoded, f *Face) ([]float32, error) {
	return lp.ScoresTimed(d, f, nil)
}

// ScoresTimed is Scores that also adds each model's milliseconds (its crop included) to
// ms when ms is not nil.
func (lp *LivenessProbe) ScoresTimed(d *Decoded, f *Face, ms *[LiveFeatCount]float64) ([]float32, error) {
	box := fullBox(d, f.Box) // f.Box is in original pixels, d.Full may be a reduced decode
	out := make([]float32, LiveFeatCount)
	t := time.Now()
	lap := func(k int) {
		if ms != nil {
			ms[k] += float64(time.Since(t).Microseconds()) / 1000
		}
		t = time.Now()
	}
	var err error
	if lp.want[LiveFeatFAS256] {
		if out[LiveFeatFAS256], err = runFAS(lp.fas, lp.fasClass, lp.fasLeaf, d.Full, box, fasInput); err != nil {
			return nil, err
		}
		lap(LiveFeatFAS256)
	}
	var crop *RGB
	if lp.want[LiveFeatAntispoof] {
		crop = humanFaceCrop(d.Full, box)
		if out[LiveFeatAntispoof], err = runHuman(lp.antispoof, crop, antispoofInput); err != nil {
			return nil, fmt.Errorf("antispoof: %w", err)
		}
		lap(LiveFeatAntispoof)
	}
	if lp.want[LiveFeatLiveness] {
		if crop == nil || ms != nil { // timed with its own crop when measuring
			crop = humanFaceCrop(d.Full, box)
		}
		if out[LiveFeatLiveness], err = runHuman(lp.liveness, crop, livenessInput); err != nil {
			return nil, fmt.Errorf("liveness: %w", err)
		}
		lap(LiveFeatLiveness)
	}
	return out, nil
}

func loadTFJS(name string) (*nn.Model, error) {
	path, err := models.Path(name)
	if err != nil {
		return nil, err
	}
	m, err := tfjs.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	return m, nil
}

// loadFAS loads FaceAntiSpoofing.tflite and finds its class and leaf-mask outputs.
func loadFAS() (m *nn.Model, class, leaf int, err error) {
	path, err := models.Path("FaceAntiSpoofing.tflite")
	if err != nil {
		return nil, 0, 0, err
	}
	if m, err = tflite.Load(path); err != nil {
		return nil, 0, 0, fmt.Errorf("load FaceAntiSpoofing.tflite: %w", err)
	}
	class, leaf = 0, 1
	for i, o := range m.Outputs() {
		switch o.Name {
		case "Identity":
			class = i
		case "Identity_1":
			leaf = i
		}
	}
	return m, class, leaf, nil
}

// fullBox maps a box in original pixels onto d.Full, which a reduced JPEG decode made
// smaller by d.Orig.
func fullBox(d *Decoded, b Rect) Rect {
	o := d.orig()
	return Rect{X0: b.X0 / o, Y0: b.Y0 / o, X1: b.X1 / o, Y1: b.Y1 / o}
}
