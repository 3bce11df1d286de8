package embed

import (
	"fmt"
	"math"
	"sort"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tfjs"
)

// FaceBoxes (human-models' faceboxes, the TensorFlow implementation of Zhang et al. 2017)
// as a measured first-stage candidate (Options.Detector "faceboxes"). Its graph pads the
// frame to a multiple of 128, then decodes and suppresses boxes inside TensorFlow control
// flow, which nn does not run; so the network is loaded cut between its standardized
// input and its six prediction heads (tfjs.LoadCut), and the padding, anchors, decoding
// and suppression are done here as the graph does them (constants read from its weights:
// input 2x/255-1, box scales 10 and 5, anchors clipped to the padded frame). The decoded
// boxes match TF.js's own output of the whole graph (TestFaceboxesMatchesTFJS).
type faceboxes struct {
	net runner
}

// faceboxesPad: the graph pads height and width up to a multiple of its coarsest stride.
const faceboxesPad = 128

// faceboxesLayer is one prediction head: its stride and, per cell, anchors of (size,
// densification n: an n x n grid of anchors spaced size/n about the cell centre).
type faceboxesLayer struct {
	stride int
	specs  [][2]int
}

var faceboxesLayers = []faceboxesLayer{
	{32, [][2]int{{32, 4}, {64, 2}, {128, 1}}},
	{64, [][2]int{{256, 1}}},
	{128, [][2]int{{512, 1}}},
}

var faceboxesOutputs = []string{
	"prediction_layers/class_predictor_0/BiasAdd", "prediction_layers/class_predictor_1/BiasAdd", "prediction_layers/class_predictor_2/BiasAdd",
	"prediction_layers/box_encoding_predictor_0/BiasAdd", "prediction_layers/box_encoding_predictor_1/BiasAdd", "prediction_layers/box_encoding_predictor_2/BiasAdd",
}

func loadFaceboxes(dir string) (*faceboxes, error) {
	path, err := models.PathIn(dir, "faceboxes.json")
	if err != nil {
		return nil, err
	}
	m, err := tfjs.LoadCut(path, tfjs.Cut{Input: "standardize_input/mul", InputShape: []int{-1, -1, -1, 3}, Outputs: faceboxesOutputs})
	if err != nil {
		return nil, fmt.Errorf("load faceboxes: %w", err)
	}
	return &faceboxes{net: autoRunner{m}}, nil
}

// faceboxesAnchors lists a padded frame's anchors in the heads' order (layer, row, column,
// then the cell's anchors: spec, then the x offset, then the y offset), as
// [ymin, xmin, ymax, xmax] in pixels clipped to the frame.
func faceboxesAnchors(h, w int) [][4]float32 {
	var out [][4]float32
	for _, l := range faceboxesLayers {
		for gy := 0; gy < h/l.stride; gy++ {
			for gx := 0; gx < w/l.stride; gx++ {
				cy, cx := (float32(gy)+0.5)*float32(l.stride), (float32(gx)+0.5)*float32(l.stride)
				for _, s := range l.specs {
					size, n := float32(s[0]), s[1]
					step := size / float32(n)
					for jx := range n {
						for iy := range n {
							ay := cy + (float32(iy)-float32(n-1)/2)*step
							ax := cx + (float32(jx)-float32(n-1)/2)*step
							out = append(out, [4]float32{
								clampF(ay-size/2, 0, float32(h)), clampF(ax-size/2, 0, float32(w)),
								clampF(ay+size/2, 0, float32(h)), clampF(ax+size/2, 0, float32(w)),
							})
						}
					}
				}
			}
		}
	}
	return out
}

func clampF(v, lo, hi float32) float32 { return min(max(v, lo), hi) }

// faceboxesInput pads img to multiples of faceboxesPad (zeros at the bottom and right, as
// pad_to_bounding_box does) and scales it as the graph's standardize_input/mul does
// (2 x x/255 in the graph's float16 constant).
func faceboxesInput(img *RGB) (*nn.Tensor, int, int) {
	ph := (img.H + faceboxesPad - 1) / faceboxesPad * faceboxesPad
	pw := (img.W + faceboxesPad - 1) / faceboxesPad * faceboxesPad
	in := &nn.Tensor{Shape: []int{1, ph, pw, 3}, Data: make([]float32, ph*pw*3)}
	const scale = 2 * 0.0039215087890625
	for y := range img.H {
		row := in.Data[3*pw*y:]
		for i, v := range img.Pix[3*img.W*y : 3*img.W*(y+1)] {
			row[i] = float32(v) * scale
		}
	}
	return in, ph, pw
}

// propose returns faceboxes' boxes with a face probability of at least thresh after
// suppression at IoU 0.3 (the graph's), best first, in img's pixels.
func (f *faceboxes) propose(img *RGB, thresh float32) ([]blazeBox, error) {
	boxes, err := f.decode(img, thresh)
	if err != nil {
		return nil, err
	}
	return suppress(boxes, 0.3), nil
}

// decode runs the network and decodes every anchor whose face probability reaches thresh.
func (f *faceboxes) decode(img *RGB, thresh float32) ([]blazeBox, error) {
	in, ph, pw := faceboxesInput(img)
	out, err := f.net.Run(in)
	if err != nil {
		return nil, fmt.Errorf("faceboxes: %w", err)
	}
	if len(out) != 6 {
		return nil, fmt.Errorf("faceboxes: %d outputs, want 6", len(out))
	}
	anchors := faceboxesAnchors(ph, pw)
	var logits, regs []float32
	for k := range 3 {
		logits, regs = append(logits, out[k].Data...), append(regs, out[3+k].Data...)
	}
	if len(logits) != 2*len(anchors) || len(regs) != 4*len(anchors) {
		return nil, fmt.Errorf("faceboxes: %d scores and %d regressions for %d anchors", len(logits)/2, len(regs)/4, len(anchors))
	}
	var boxes []blazeBox
	for a, an := range anchors {
		score := sigmoid(logits[2*a+1] - logits[2*a]) // the two-class softmax's face class
		if score < thresh {
			continue
		}
		r := regs[4*a : 4*a+4] // ty, tx, th, tw
		ha, wa := an[2]-an[0], an[3]-an[1]
		cy := r[0]*0.0999755859375*ha + an[0] + ha/2
		cx := r[1]*0.0999755859375*wa + an[1] + wa/2
		h := float32(math.Exp(float64(r[2]*0.199951171875))) * ha
		w := float32(math.Exp(float64(r[3]*0.199951171875))) * wa
		// The graph clips to the padded frame, renormalizes to the unpadded one and clips
		// again: one clip to the frame, which lies inside the padded one.
		boxes = append(boxes, blazeBox{
			y0: clampF(cy-h/2, 0, float32(img.H)), x0: clampF(cx-w/2, 0, float32(img.W)),
			y1: clampF(cy+h/2, 0, float32(img.H)), x1: clampF(cx+w/2, 0, float32(img.W)),
			score: score,
		})
	}
	return boxes, nil
}

// suppress is greedy non-maximum suppression, best score first.
func suppress(boxes []blazeBox, iou float32) []blazeBox {
	sort.SliceStable(boxes, func(i, j int) bool { return boxes[i].score > boxes[j].score })
	kept := boxes[:0]
	for _, c := range boxes {
		ok := true
		for _, k := range kept {
			if c.iou(k) > iou {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, c)
		}
	}
	return kept
}
