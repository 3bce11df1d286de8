package embed

import (
	"fmt"
	"math"

	"github.com/wajah-id/wajah/models"
	"github.com/wajah-id/wajah/nn"
	"github.com/wajah-id/wajah/nn/tfjs"
)

// BlazeFace-family detectors as first stages or fallbacks: one network run proposes face
// boxes, and MTCNN's ONet, run twice on each box (the first pass moves the box to ONet's own
// framing, the second reads the landmarks), supplies the five landmarks the alignment needs.
// Decoding follows ../shared/oracle/README.md. Three networks are used:
//   - human-models' blazeface-back (256x256; strides 16 and 32), Options.Detector;
//   - MediaPipe's short-range face detector as human-models ships it
//     (facemesh-detection-short, 128x128; strides 8 and 16, the layers joined into one
//     [N,896,17] output), the masked-face fallback of tight.go;
//   - MediaPipe's full-range face detector (facemesh-detection-full, 192x192; one layer of
//     stride 4, one anchor per cell, [N,2304,17] "Identity"; its "Identity_1" of the same
//     shape is a person head, not read), Options.Detector, measured as a candidate.
const (
	blazeThresh    = 0.5 // sigmoid score
	blazeNMS       = 0.3 // IoU
	blazeBoxExpand = 1.2 // ONet expects MTCNN's looser, square framing (forehead to chin)
)

// blazeSpec describes one network of the family: its square input side, its anchor layers
// (stride, anchors per cell; split outputs need two) and, where several outputs have the
// joined shape, the name of the face one.
type blazeSpec struct {
	name   string
	size   int
	layers [][2]int
	output string
}

var (
	blazeBack  = blazeSpec{name: "blazeface-back", size: 256, layers: [][2]int{{16, 2}, {32, 6}}}
	blazeShort = blazeSpec{name: "facemesh-detection-short", size: 128, layers: [][2]int{{8, 2}, {16, 6}}}
	blazeFull  = blazeSpec{name: "facemesh-detection-full", size: 192, layers: [][2]int{{4, 1}}, output: "Identity"}
)

type blazeface struct {
	net     runner
	size    int
	anchors [][2]float32 // centres in input pixels: the first layer's cells, then the second's
	// Output positions: either split (logits and regressors of each layer, blazeface-back)
	// or joined (one [N, anchors, 17] output, logit first, facemesh-detection).
	logit, reg [2]int
	joined     int
}

func newBlazeFace(m *nn.Model, spec blazeSpec) (*blazeface, error) {
	b := &blazeface{net: autoRunner{m}, size: spec.size, logit: [2]int{-1, -1}, reg: [2]int{-1, -1}, joined: -1}
	if len(spec.layers) < 1 || len(spec.layers) > 2 {
		return nil, fmt.Errorf("%s: %d anchor layers, want 1 or 2", spec.name, len(spec.layers))
	}
	cells := make([]int, len(spec.layers))
	for li, l := range spec.layers {
		g := spec.size / l[0]
		cells[li] = g * g * l[1]
		for gy := 0; gy < g; gy++ {
			for gx := 0; gx < g; gx++ {
				for range l[1] {
					b.anchors = append(b.anchors, [2]float32{float32(l[0]) * (float32(gx) + 0.5), float32(l[0]) * (float32(gy) + 0.5)})
				}
			}
		}
	}
	// The outputs are told apart by shape: [1,cells,1|16] or [1,all,17].
	for i, o := range m.Outputs() {
		if len(o.Shape) != 3 {
			continue
		}
		for li := range cells {
			switch [2]int{o.Shape[1], o.Shape[2]} {
			case [2]int{cells[li], 1}:
				b.logit[li] = i
			case [2]int{cells[li], 16}:
				b.reg[li] = i
			}
		}
		if o.Shape[1] == len(b.anchors) && o.Shape[2] == 17 && (spec.output == "" || o.Name == spec.output) {
			b.joined = i
		}
	}
	if b.joined < 0 && (len(cells) != 2 || b.logit[0] < 0 || b.logit[1] < 0 || b.reg[0] < 0 || b.reg[1] < 0) {
		return nil, fmt.Errorf("%s: unexpected outputs %v", spec.name, m.Outputs())
	}
	return b, nil
}

// loadBlazeFace loads a detector of the family from the models folder.
func loadBlazeFace(dir string, spec blazeSpec) (*blazeface, error) {
	path, err := models.PathIn(dir, spec.name+".json")
	if err != nil {
		return nil, err
	}
	m, err := tfjs.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", spec.name, err)
	}
	return newBlazeFace(m, spec)
}

// blazeBox is a proposal in image pixels.
type blazeBox struct {
	x0, y0, x1, y1 float32
	score          float32
}

func (b blazeBox) iou(o blazeBox) float32 {
	w := min(b.x1, o.x1) - max(b.x0, o.x0)
	h := min(b.y1, o.y1) - max(b.y0, o.y0)
	if w <= 0 || h <= 0 {
		return 0
	}
	in := w * h
	return in / ((b.x1-b.x0)*(b.y1-b.y0) + (o.x1-o.x0)*(o.y1-o.y0) - in)
}

// propose runs the network on img letterboxed into its square input (longer side scaled to
// the input side, the rest zero) and returns boxes scoring at least thresh after NMS, best
// first, in img's pixels. Human squeezes the image to the square instead; on a portrait
// photo that halves the face's height, and the network still answers with a square box,
// twice too tall once mapped back.
func (b *blazeface) propose(img *RGB, thresh float32) ([]blazeBox, error) {
	n := b.size
	scale := float32(n) / float32(max(img.W, img.H))
	w := min(n, max(1, int(float32(img.W)*scale+0.5)))
	h := min(n, max(1, int(float32(img.H)*scale+0.5)))
	small := resizeBilinear(img, w, h)
	in := &nn.Tensor{Shape: []int{1, n, n, 3}, Data: make([]float32, n*n*3)}
	for y := 0; y < h; y++ {
		row := in.Data[3*n*y:]
		for i, v := range small.Pix[3*w*y : 3*w*(y+1)] {
			row[i] = float32(v)/127.5 - 1
		}
	}
	out, err := b.net.Run(in)
	if err != nil {
		return nil, fmt.Errorf("blazeface: %w", err)
	}
	row := func(a int) (float32, []float32) { // logit and [dx, dy, w, h] of anchor a
		if b.joined >= 0 {
			r := out[b.joined].Data[17*a : 17*a+17]
			return r[0], r[1:5]
		}
		li := 0
		if first := len(out[b.logit[0]].Data); a >= first {
			li, a = 1, a-first
		}
		return out[b.logit[li]].Data[a], out[b.reg[li]].Data[16*a : 16*a+4]
	}
	s := 1 / scale
	var boxes []blazeBox
	for a, anc := range b.anchors {
		l, r := row(a)
		score := float32(1 / (1 + math.Exp(-float64(max(min(l, 100), -100)))))
		if score < thresh {
			continue
		}
		cx, cy := r[0]+anc[0], r[1]+anc[1]
		boxes = append(boxes, blazeBox{
			x0: (cx - r[2]/2) * s, y0: (cy - r[3]/2) * s,
			x1: (cx + r[2]/2) * s, y1: (cy + r[3]/2) * s,
			score: score,
		})
	}
	return suppress(boxes, blazeNMS), nil
}

// proposer is a first stage that proposes face boxes without landmarks: the BlazeFace
// family and FaceBoxes; ONet reads the landmarks (detectBlaze).
type proposer interface {
	propose(img *RGB, thresh float32) ([]blazeBox, error)
}

// detectBlaze finds faces of at least minSize pixels (box side) with a proposer's boxes
// refined by two ONet passes.
func (m *mtcnn) detectBlaze(bf proposer, img *RGB, minSize int) ([]mbox, error) {
	props, err := bf.propose(img, blazeThresh)
	if err != nil || len(props) == 0 {
		return nil, err
	}
	boxes := make([]mbox, 0, len(props))
	for _, p := range props {
		side := blazeBoxExpand * max(p.x1-p.x0, p.y1-p.y0)
		if side < float32(minSize) {
			continue
		}
		cx, cy := (p.x0+p.x1)/2, (p.y0+p.y1)/2
		boxes = append(boxes, mbox{
			x0: int(cx - side/2), y0: int(cy - side/2),
			x1: int(cx + side/2), y1: int(cy + side/2), score: p.score,
		})
	}
	squareLimit(boxes, img.W, img.H)
	if boxes, err = m.stageONet(img, boxes); err != nil {
		return nil, err
	}
	squareLimit(boxes, img.W, img.H)
	// The proposal's framing is not ONet's, so the second reading is always taken here.
	return boxes, m.refineONet(img, boxes)
}
