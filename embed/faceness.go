package embed

// FacenessFile is the built-in faceness head inside maskmodel/: a logistic regression (the
// WMSK frame of mask.go) on MaskFeatLowerMap features that tells a face from what the tight
// crop's last-resort fallback (tight.go) also lets through: hair, shoulders, background.
// Trained by `wajah train-faceness` (embed/maskmodel/README.md).
const FacenessFile = "maskmodel/faceness.wmsk"

// facenessThresh is the head's probability a fallback face needs.
const facenessThresh = 0.5

// DefaultFacenessModel returns the built-in faceness head, or ErrNoMaskModel.
func DefaultFacenessModel() (*MaskModel, error) { return builtInHead(FacenessFile) }

// Faceness is the faceness head's probability that an aligned crop is a face.
func (p *Pipeline) Faceness(crop *RGB) (float32, error) {
	if p.faceness == nil {
		return 0, ErrNoMaskModel
	}
	_, in, err := p.EmbedFaceMask(crop)
	if err != nil {
		return 0, err
	}
	return p.faceness.Predict(in), nil
}

// isFace asks the faceness head about the face with landmarks lm in img.
func (p *Pipeline) isFace(img *RGB, lm [5]Point) (bool, error) {
	s, err := p.Faceness(Align(img, lm))
	return s >= facenessThresh, err
}
