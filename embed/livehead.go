package embed

import (
	"math"
)

// LiveHead is a logistic regression over a face's liveness feature vector (LiveColumns:
// anti-spoof model outputs, then LiveTexture's cues): P(live) = sigmoid(B + sum W_i *
// (g_i(x_i) - Mean_i) / Std_i), where g_i is the logit for a model output (a probability)
// and the identity for a texture cue. Trained by `wajah eval liveness --head`; see
// embed/livemodel/README.md.
type LiveHead struct {
	Feats     []int // LiveFeat columns used
	Mean, Std []float32
	W         []float32
	B         float32
	version   uint32 // file version it was read from (0: new, written as liveVersion)
}

// LiveInput maps a raw output to the regression's input: the logit of a probability
// clamped to [1e-4, 1-1e-4] (the models saturate; logits keep their ranking and spread).
func LiveInput(k int, v float32) float64 {
	if k >= LiveFeatCount {
		return float64(v)
	}
	p := min(max(float64(v), 1e-4), 1-1e-4)
	return math.Log(p / (1 - p))
}

// Prob returns P(live) for a full LiveColumns feature vector; 0 (an attack: the gate fails
// closed) for a vector too short for the head's columns.
func (h *LiveHead) Prob(feat []float32) float32 {
	for _, k := range h.Feats {
		if k < 0 || k >= len(feat) {
			return 0
		}
	}
	z := float64(h.B)
	for i, k := range h.Feats {
		z += float64(h.W[i]) * (LiveInput(k, feat[k]) - float64(h.Mean[i])) / float64(h.Std[i])
	}
	return float32(1 / (1 + math.Exp(-z)))
}
