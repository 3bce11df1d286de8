// Hooks for the offline tools (embed/train, cmd/wajah eval): the template-landmark face,
// the classifier swap and the liveness score of one face.
package embed

import (
	"context"
	"crypto/sha256"
	"fmt"
)

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

// MaskID names what decides Face.MaskScore: a prefix of the classifier's weights' sha256
// and the second-look margin (masklook.go), or "none". Evaluation caches that store mask
// scores are keyed by it, so that retrained weights or a new rule are never read from an
// old cache.
func (p *Pipeline) MaskID() string {
	if p.mask == nil {
		return "none"
	}
	b, err := p.mask.MarshalBinary()
	if err != nil {
		return "unmarshalable"
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%x/look-%g", sum[:6], maskSecondLookMargin)
}

// PlainMatching is a pipeline with its masked path hidden: an engine over it scores a
// masked probe by its plain cosine (MaskedPlainSimilarity) in verify, identify and compare,
// and compare computes no overlays: the baseline `eval engine` and the engine's benchmarks
// measure the masked path against.
type PlainMatching struct{ P *Pipeline }

func (w PlainMatching) Extract(ctx context.Context, b []byte, o ExtractOptions) (Face, error) {
	return w.P.Extract(ctx, b, o)
}
func (w PlainMatching) ModelID() string                         { return w.P.ModelID() }
func (w PlainMatching) Dim() int                                { return w.P.Dim() }
func (w PlainMatching) Similarity(c float32) float64            { return w.P.Similarity(c) }
func (w PlainMatching) MaskedPlainSimilarity(c float32) float64 { return w.P.MaskedPlainSimilarity(c) }
