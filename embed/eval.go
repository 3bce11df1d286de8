package embed

import "context"

// PickCentral chooses the face an evaluation protocol means in a centred dataset image
// (LFW): the largest box area minus twice the squared distance of its centre from the image
// centre, insightface's rule and the reference measurement's. It returns -1 for none.
func PickCentral(faces []Face, w, h int) int {
	best, bv := -1, -1e18
	for i, f := range faces {
		area := float64(f.Box.X1-f.Box.X0) * float64(f.Box.Y1-f.Box.Y0)
		dx := float64(f.Box.X0+f.Box.X1)/2 - float64(w)/2
		dy := float64(f.Box.Y0+f.Box.Y1)/2 - float64(h)/2
		if v := area - 2*(dx*dx+dy*dy); v > bv {
			best, bv = i, v
		}
	}
	return best
}

// TemplateFace is a face whose landmarks are the ArcFace template scaled to a w x h image:
// the fallback for a tight face crop the detector misses (mask training images).
func TemplateFace(w, h int) Face {
	var f Face
	sx, sy := float32(w)/AlignSize, float32(h)/AlignSize
	for i, p := range arcface112 {
		f.Landmarks[i] = Point{p.X * sx, p.Y * sy}
	}
	f.Box = Rect{0, 0, float32(w), float32(h)}
	f.Quality.FaceSize = faceSize(f.Landmarks)
	return f
}

// MaskSample prepares one mask training or evaluation image: the largest detected face (or
// the template fallback when none is found, detected false), its aligned crop and embedding.
func (p *Pipeline) MaskSample(ctx context.Context, img *RGB) (crop *RGB, emb []float32, detected bool, err error) {
	d := p.Prepare(img)
	faces, err := p.Detect(ctx, d)
	if err != nil {
		return nil, nil, false, err
	}
	f := TemplateFace(img.W, img.H)
	if len(faces) > 0 {
		f, detected = faces[0], true
	}
	crop = p.AlignFace(d, &f)
	e, err := p.EmbedCrops(crop)
	if err != nil {
		return nil, nil, false, err
	}
	return crop, e[0], detected, nil
}

// SetMaskModel replaces the mask classifier (nil disables it); for evaluation tools.
func (p *Pipeline) SetMaskModel(m *MaskModel) { p.mask = m }

// MaskModel returns the classifier in use, or nil.
func (p *Pipeline) MaskModel() *MaskModel { return p.mask }

// Liveness scores one detected face with the built-in head (see liveness.go).
func (p *Pipeline) Liveness(d *Decoded, f *Face) (float32, error) {
	if p.live == nil {
		return 0, ErrNoLiveness
	}
	return p.live.score(d, f, p.AlignFace(d, f))
}
