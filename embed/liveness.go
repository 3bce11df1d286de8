package embed

import (
	"fmt"

	"github.com/wajah-id/wajah/nn"
)

// Model input sides.
const (
	fasInput       = 256 // FaceAntiSpoofing.tflite
	humanCropSide  = 192 // human's face tensor (facemesh input), which its face models resize
	antispoofInput = 128 // human-models antispoof
	livenessInput  = 32  // human-models liveness
)

// humanCropScale: human cuts the face as the detector box enlarged 1.5x and squared
// (facemeshutil enlargeBox + squarifyBox), at 192x192, in [0,1]. MTCNN boxes are close to
// BlazeFace's, so the same factor is applied to ours.
const humanCropScale = 1.5

// runFAS runs FaceAntiSpoofing.tflite as FaceAntiSpoofing.kt does: the face box scaled to
// side x side, RGB/255; the spoof score is sum(|class_i| * leafMask_i) (the Kotlin code calls
// a face fake above 0.2). It returns 1 - score clamped to [0,1], higher meaning live.
func runFAS(m runner, class, leaf int, img *RGB, box Rect, side int) (float32, error) {
	x0, y0 := max(0, int(box.X0)), max(0, int(box.Y0))
	x1, y1 := min(img.W, int(box.X1)), min(img.H, int(box.Y1))
	if x1-x0 < 2 || y1-y0 < 2 {
		return 0, nil
	}
	crop := NewRGB(side, side)
	resizeBilinearInto(img, x0, y0, x1-x0, y1-y0, crop)
	out, err := m.Run(toTensor(crop))
	if err != nil {
		return 0, fmt.Errorf("FaceAntiSpoofing: %w", err)
	}
	if len(out) < 2 || len(out[class].Data) != 8 || len(out[leaf].Data) != 8 {
		return 0, fmt.Errorf("FaceAntiSpoofing: unexpected outputs")
	}
	var score float32
	for i := 0; i < 8; i++ {
		c := out[class].Data[i]
		if c < 0 {
			c = -c
		}
		score += c * out[leaf].Data[i]
	}
	return max(0, min(1, 1-score)), nil
}

// toTensor converts an RGB image to a 1 x H x W x 3 tensor in [0,1].
func toTensor(img *RGB) *nn.Tensor {
	t := &nn.Tensor{Shape: []int{1, img.H, img.W, 3}, Data: make([]float32, len(img.Pix))}
	for i, v := range img.Pix {
		t.Data[i] = float32(v) / 255
	}
	return t
}

// humanFaceCrop cuts the square of side humanCropScale x the box's longer side around the
// box centre, resampled to humanCropSide; outside the image it is black, as
// tf.image.cropAndResize extrapolates.
func humanFaceCrop(img *RGB, box Rect) *RGB {
	x0, y0, side := humanCropSquare(box)
	return cropSquare(img, x0, y0, side, humanCropSide)
}

// humanCropSquare is the square humanFaceCrop cuts: its top-left corner and side.
func humanCropSquare(box Rect) (x0, y0, side float32) {
	side = humanCropScale * max(box.X1-box.X0, box.Y1-box.Y0)
	return (box.X0+box.X1)/2 - side/2, (box.Y0+box.Y1)/2 - side/2, side
}

// cropSquare bilinearly samples the square (x0, y0, side) of img into an n x n image,
// black outside img.
func cropSquare(img *RGB, x0, y0, side float32, n int) *RGB {
	dst := NewRGB(n, n)
	s := side / float32(n)
	at := func(x, y, c int) float32 {
		if x < 0 || y < 0 || x >= img.W || y >= img.H {
			return 0
		}
		return float32(img.Pix[3*(y*img.W+x)+c])
	}
	for j := 0; j < n; j++ {
		fy := y0 + (float32(j)+0.5)*s - 0.5
		iy := floorInt(fy)
		g := fy - float32(iy)
		for i := 0; i < n; i++ {
			fx := x0 + (float32(i)+0.5)*s - 0.5
			ix := floorInt(fx)
			f := fx - float32(ix)
			for c := 0; c < 3; c++ {
				top := at(ix, iy, c) + f*(at(ix+1, iy, c)-at(ix, iy, c))
				bot := at(ix, iy+1, c) + f*(at(ix+1, iy+1, c)-at(ix, iy+1, c))
				dst.Pix[3*(j*n+i)+c] = uint8(top + g*(bot-top) + 0.5)
			}
		}
	}
	return dst
}

// runHuman resizes human's 192x192 face crop to side x side (as its antispoof.ts and
// liveness.ts do) and returns the model's first output value.
func runHuman(m runner, crop *RGB, side int) (float32, error) {
	out, err := m.Run(toTensor(resizeBilinear(crop, side, side)))
	if err != nil {
		return 0, err
	}
	if len(out) == 0 || len(out[0].Data) == 0 {
		return 0, fmt.Errorf("no output")
	}
	return out[0].Data[0], nil
}

// liveScorer is the pipeline's liveness score: the built-in head over the outputs of the
// models it reads and, when it reads them, the texture cues of the aligned crop.
type liveScorer struct {
	probe   *LivenessProbe
	head    *LiveHead
	texture bool
}

func newLiveScorer() (*liveScorer, error) {
	h, err := DefaultLiveHead()
	if err != nil {
		return nil, err
	}
	l := &liveScorer{head: h}
	var models []int
	for _, k := range h.Feats {
		if k < LiveFeatCount {
			models = append(models, k)
		} else {
			l.texture = true
		}
	}
	if len(models) > 0 {
		if l.probe, err = NewLivenessProbe(models...); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// LiveFeatures returns the LiveColumns feature vector of face f of d from the probe's
// models (0 where not loaded; all 0 for a nil probe) and the texture cues of its aligned
// crop (0 when crop is nil).
func LiveFeatures(probe *LivenessProbe, d *Decoded, f *Face, crop *RGB) ([]float32, error) {
	feat := make([]float32, LiveFeatCount, LiveColumns)
	if probe != nil {
		var err error
		if feat, err = probe.Scores(d, f); err != nil {
			return nil, err
		}
	}
	if crop == nil {
		return append(feat, make([]float32, LiveColumns-LiveFeatCount)...), nil
	}
	return append(feat, LiveTexture(crop)...), nil
}

func (l *liveScorer) score(d *Decoded, f *Face, crop *RGB) (float32, error) {
	if !l.texture {
		crop = nil
	}
	feat, err := LiveFeatures(l.probe, d, f, crop)
	if err != nil {
		return 0, err
	}
	return l.head.Prob(feat), nil
}

// DefaultLivenessThreshold is the gate's default on the head's P(live) (livemodel/live.wliv,
// lr+lbp1+quality): chosen inside the training folds of a subject-wise 5-fold CV on
// spoof-dev at APCER <= 5% (`wajah eval liveness --only lr+lbp1+quality`); held out there:
// APCER 3.0%, BPCER 0.14%, LFW and faces-small live photos 0% refused (embed/README.md,
// "Liveness"). Print attacks only: screens and replays are unmeasured.
const DefaultLivenessThreshold = 0.3671
