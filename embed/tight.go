package embed

import (
	"cmp"
	"slices"
)

// Detection fallbacks for masked faces. First, a frame the default thresholds find nothing
// in is searched again with lower ones (retryThresholds). Then the tight-crop fallback: a
// photo cropped tightly around a face (the face fills the frame, as in
// ../shared/data/masked-pairs and mask-train's masked crops) defeats MTCNN: the box it
// regresses to reaches past the chin and forehead, so it does not fit in the frame and the
// cascade drops it, and a mask hides the mouth that PNet keys on. When the detector finds
// nothing in a frame whose shorter side is at most tightMaxSide working pixels, Detect
// retries on the frame padded by tightPad of its side on every side (edge pixels
// replicated, which continues hair and background instead of adding a black border PNet
// reads as an edge); failing that, it asks ONet whether the frame itself, squared, is a
// face (score >= tightONetThresh), and takes ONet's landmarks. Either way the face is then
// aligned from detected landmarks like any other; measured in embed/README.md ("Masked
// faces"). Frames larger than tightMaxSide skip the tight-crop fallback. Two last stages are
// gated by the faceness head (faceness.go), since their candidates alone are no face test:
// the ONet floor for small near-square crops (tightFloorDefault) and, for any frame, the
// deep retry (deepRetryThresholds). A kiosk frame with no face pays the retries before its
// 412 (640x480: 13.5 -> 19.1 ms of detection with the deep retry).
const (
	tightMaxSide    = 640
	tightPad        = 0.3
	tightONetThresh = 0.5
)

// padReplicate returns img with pad pixels added on every side, copying the nearest edge
// pixel.
func padReplicate(img *RGB, pad int) *RGB {
	w, h := img.W+2*pad, img.H+2*pad
	out := NewRGB(w, h)
	for y := 0; y < h; y++ {
		sy := min(max(y-pad, 0), img.H-1)
		src := img.Pix[3*sy*img.W : 3*(sy+1)*img.W]
		row := out.Pix[3*y*w : 3*(y+1)*w]
		for x := 0; x < pad; x++ {
			copy(row[3*x:3*x+3], src[:3])
			copy(row[3*(pad+img.W+x):3*(pad+img.W+x)+3], src[3*(img.W-1):])
		}
		copy(row[3*pad:3*(pad+img.W)], src)
	}
	return out
}

// retryThresholds are the PNet, RNet and ONet thresholds of the second look at a frame the
// default thresholds found nothing in. A mask takes away the mouth RNet keys on, so masked
// faces die there; lowering the thresholds for every frame would find more of them but also
// more false faces next to real ones (on unmasked LFW train images the share of frames with
// a second face rose from 11.6% to 14.0%, and a false face can outsize the real one or make
// an enrolment ambiguous), so the lower thresholds are only tried where nothing was found.
// Chosen with `wajah eval detect` on LFW train masked probes and mask-train's masked crops
// (embed/README.md "Masked faces").
var retryThresholds = [3]float32{0.6, 0.4, 0.5}

// detectTight runs the fallbacks on a working image the detector found nothing in: the
// same image with retryThresholds, then (tight frames only) padded, then ONet on the frame,
// then the gated floor; last, for any frame, the gated deep retry.
func (p *Pipeline) detectTight(img *RGB, minBox int) ([]mbox, error) {
	boxes, err := p.fallbacks(img, minBox)
	if err != nil || len(boxes) > 0 {
		return boxes, err
	}
	return p.deepRetry(img, minBox)
}

// deepRetry looks once more with thresholds low enough to find most masked faces and
// many non-faces, and returns the best-scored candidate the faceness head calls a face
// (asking about deepRetryMax candidates at most): one face, so that a frame no other stage
// found anything in cannot turn into an ambiguous enrolment (414).
func (p *Pipeline) deepRetry(img *RGB, minBox int) ([]mbox, error) {
	thr := p.opts.Experimental.DeepThresholds
	if thr == ([3]float32{}) {
		thr = deepRetryThresholds
	}
	if thr[0] < 0 || !p.gateReady() || p.blaze != nil {
		return nil, nil
	}
	m := *p.det
	m.thr = thr
	boxes, err := m.detect(img, minBox)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(boxes, func(a, b mbox) int { return cmp.Compare(b.score, a.score) })
	for i := range boxes[:min(len(boxes), deepRetryMax)] {
		ok, err := p.gatePasses(img, boxes[i].lm)
		if err != nil {
			return nil, err
		}
		if ok {
			return boxes[i : i+1], nil
		}
	}
	return nil, nil
}

// deepRetryMax bounds the faceness runs of one deep retry.
const deepRetryMax = 3

// deepRetryThresholds are the deep retry's PNet, RNet and ONet thresholds, chosen with
// `wajah eval detect --deep-thresholds` on LFW View 1 train masked probes, mask-train's masked
// crops, masked-pairs and the LFW corner patches (embed/README.md "Masked faces"): at
// 0.2/0.05/0.05 the train probes found go 0.973 -> 0.998 and corner patches given a face
// 0.0234 -> 0.0239. A frame with no face pays it: 640x480, 13.5 -> 19.1 ms of detection.
var deepRetryThresholds = [3]float32{0.2, 0.05, 0.05}

// fallbacks are detectTight's stages before the deep retry.
func (p *Pipeline) fallbacks(img *RGB, minBox int) ([]mbox, error) {
	if p.blaze == nil {
		m := *p.det // a shallow copy shares the (concurrency-safe) models
		for i, t := range retryThresholds {
			m.thr[i] = min(m.thr[i], t)
		}
		boxes, err := m.detect(img, minBox)
		if err != nil || len(boxes) > 0 {
			return boxes, err
		}
	}
	if min(img.W, img.H) > tightMaxSide || min(img.W, img.H) < 12 {
		return nil, nil
	}
	pad := int(tightPad * float32(max(img.W, img.H)))
	padded := padReplicate(img, pad)
	boxes, err := p.det.detect(padded, minBox)
	if err != nil {
		return nil, err
	}
	if len(boxes) > 0 {
		for i := range boxes {
			b := &boxes[i]
			b.x0, b.y0, b.x1, b.y1 = b.x0-pad, b.y0-pad, b.x1-pad, b.y1-pad
			for j := range b.lm {
				b.lm[j].X -= float32(pad)
				b.lm[j].Y -= float32(pad)
			}
		}
		return boxes, nil
	}
	boxes, err = p.det.frameONet(img, tightONetThresh)
	if err != nil || len(boxes) > 0 || !tightCrop(img) {
		return boxes, err
	}
	if p.short != nil {
		// Two weak face tests together: on 80-90 px LFW corner patches the detector at 0.5
		// alone passes 3.2% of non-faces, ONet at 0.05 alone 12.4%, both 1.4%.
		props, err := p.short.propose(padded, p.opts.Experimental.ShortRange)
		if err != nil {
			return nil, err
		}
		if len(props) > 0 {
			if boxes, err = p.det.frameONet(img, shortRangeONetFloor); err != nil || len(boxes) > 0 {
				return boxes, err
			}
		}
	}
	floor := p.opts.Experimental.TightCropFloor
	switch {
	case floor < 0:
		return nil, nil
	case floor == 0:
		floor = tightFloorDefault
	}
	if !p.gateReady() {
		return nil, nil // no head built in: the floor alone is no face test
	}
	boxes, err = p.det.frameONet(img, floor)
	if err != nil || len(boxes) == 0 {
		return boxes, err
	}
	if ok, err := p.gatePasses(img, boxes[0].lm); err != nil || !ok {
		return nil, err
	}
	return boxes, nil
}

// tightFloorDefault is the last-resort fallback's ONet floor. ONet alone at this floor is no
// face test (it passes a quarter of 80-90 px non-face corners of LFW photos); the faceness
// head behind it is. Chosen with `wajah train-faceness` and `wajah eval detect`
// (embed/README.md, "Masked faces").
const tightFloorDefault = 0.02

// shortRangeONetFloor is the ONet score the short-range fallback (Experimental.ShortRange)
// also asks of the frame.
const shortRangeONetFloor = 0.05

// tightCropMaxSide and tightCropAspect bound what the last-resort crop fallback
// (tightFloorDefault, Experimental.TightCropFloor) calls a tight face crop: a small,
// near-square frame such as masked-pairs' 160x160 and mask-train's 50-250 px crops, never a
// camera frame.
const (
	tightCropMaxSide = 320
	tightCropAspect  = 1.25
)

func tightCrop(img *RGB) bool {
	lo, hi := min(img.W, img.H), max(img.W, img.H)
	return hi <= tightCropMaxSide && float32(hi) <= tightCropAspect*float32(lo)
}

// frameONet asks ONet whether the centred square of img is a face (score >= thresh),
// reading its landmarks twice (the second time on the box ONet regressed, as refineONet does).
func (m *mtcnn) frameONet(img *RGB, thresh float32) ([]mbox, error) {
	s := min(img.W, img.H)
	b := mbox{x0: (img.W - s) / 2, y0: (img.H - s) / 2}
	b.x1, b.y1 = b.x0+s-1, b.y0+s-1
	for pass := 0; pass < 2; pass++ {
		prob, reg, lmk, err := m.runONet(cropTensor(img, []mbox{b}, 48), 1)
		if err != nil {
			return nil, err
		}
		if prob[1] < thresh {
			if pass == 0 {
				return nil, nil
			}
			break // the second look keeps the first reading, as refineONet
		}
		b.readONet(prob, reg, lmk, 0)
		if pass == 0 {
			nb := b
			nb.calibrate()
			nb.square()
			nb.limit(img.W, img.H)
			if !nb.inside(img) {
				break
			}
			b = nb
		}
	}
	return []mbox{b}, nil
}
