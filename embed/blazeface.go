package embed

import (
	"fmt"
	"math"
	"sort"

	"github.com/wajah-id/wajah/nn"
)

// BlazeFace (human-models' blazeface-back, 256x256 input) as an alternative first stage:
// one network run proposes face boxes, and MTCNN's ONet, run twice on each box (the first
// pass moves the box to ONet's own framing, the second reads the landmarks), supplies the
// five landmarks the alignment needs. Decoding follows ../shared/oracle/README.md.
const (
	blazeSize      = 256
	blazeThresh    = 0.5 // sigmoid score
	blazeNMS       = 0.3 // IoU
	blazeBoxExpand = 1.2 // ONet expects MTCNN's looser, square framing (forehead to chin)
)

type blazeface struct {
	net     runner
	anchors [][2]float32 // 896 centres in 256-pixel units: stride 16 (2 per cell), then stride 32 (6)
	// Output positions: logits and regressors of the stride-16 and stride-32 layers.
	logit16, logit32, reg16, reg32 int
}

func newBlazeFace(m *nn.Model) (*blazeface, error) {
	b := &blazeface{net: autoRunner{m}, logit16: -1, logit32: -1, reg16: -1, reg32: -1}
	for _, l := range []struct{ stride, per int }{{16, 2}, {32, 6}} {
		g := blazeSize / l.stride
		for gy := 0; gy < g; gy++ {
			for gx := 0; gx < g; gx++ {
				for range l.per {
					b.anchors = append(b.anchors, [2]float32{float32(l.stride) * (float32(gx) + 0.5), float32(l.stride) * (float32(gy) + 0.5)})
				}
			}
		}
	}
	// The outputs are told apart by shape: [1,512|384,1|16].
	for i, o := range m.Outputs() {
		if len(o.Shape) != 3 {
			continue
		}
		switch [2]int{o.Shape[1], o.Shape[2]} {
		case [2]int{512, 1}:
			b.logit16 = i
		case [2]int{384, 1}:
			b.logit32 = i
		case [2]int{512, 16}:
			b.reg16 = i
		case [2]int{384, 16}:
			b.reg32 = i
		}
	}
	if b.logit16 < 0 || b.logit32 < 0 || b.reg16 < 0 || b.reg32 < 0 {
		return nil, fmt.Errorf("blazeface: unexpected outputs %v", m.Outputs())
	}
	return b, nil
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

// propose runs the network on img letterboxed into 256x256 (longer side scaled to 256, the
// rest zero) and returns boxes above blazeThresh after NMS, best first, in img's pixels.
// Human squeezes the image to 256x256 instead; on a portrait photo that halves the face's
// height, and the network still answers with a square box, twice too tall once mapped back.
func (b *blazeface) propose(img *RGB) ([]blazeBox, error) {
	scale := float32(blazeSize) / float32(max(img.W, img.H))
	w := min(blazeSize, max(1, int(float32(img.W)*scale+0.5)))
	h := min(blazeSize, max(1, int(float32(img.H)*scale+0.5)))
	small := resizeBilinear(img, w, h)
	in := &nn.Tensor{Shape: []int{1, blazeSize, blazeSize, 3}, Data: make([]float32, blazeSize*blazeSize*3)}
	for y := 0; y < h; y++ {
		row := in.Data[3*blazeSize*y:]
		for i, v := range small.Pix[3*w*y : 3*w*(y+1)] {
			row[i] = float32(v)/127.5 - 1
		}
	}
	out, err := b.net.Run(in)
	if err != nil {
		return nil, fmt.Errorf("blazeface: %w", err)
	}
	sx, sy := 1/scale, 1/scale
	var boxes []blazeBox
	a := 0
	for _, layer := range [][2]int{{b.logit16, b.reg16}, {b.logit32, b.reg32}} {
		logits, regs := out[layer[0]].Data, out[layer[1]].Data
		for i, l := range logits {
			anc := b.anchors[a+i]
			score := float32(1 / (1 + math.Exp(-float64(max(min(l, 100), -100)))))
			if score < blazeThresh {
				continue
			}
			r := regs[16*i : 16*i+4]
			cx, cy := r[0]+anc[0], r[1]+anc[1]
			boxes = append(boxes, blazeBox{
				x0: (cx - r[2]/2) * sx, y0: (cy - r[3]/2) * sy,
				x1: (cx + r[2]/2) * sx, y1: (cy + r[3]/2) * sy,
				score: score,
			})
		}
		a += len(logits)
	}
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].score > boxes[j].score })
	kept := boxes[:0]
	for _, c := range boxes {
		ok := true
		for _, k := range kept {
			if c.iou(k) > blazeNMS {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// detectBlaze finds faces of at least minSize pixels (box side) with BlazeFace proposals
// refined by two ONet passes.
func (m *mtcnn) detectBlaze(bf *blazeface, img *RGB, minSize int) ([]mbox, error) {
	props, err := bf.propose(img)
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
