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
	// The crop alone, even with FlipTTA: the head reads the map, not the embedding.
	raw, maps, err := p.embedRaw(crop)
	if err != nil {
		return 0, err
	}
	return p.faceness.Predict(maskInput(crop, raw, maps)), nil
}

// gateReady reports whether the gated detection stages (tight.go) may run: a faceness head
// is built in, or Experimental.NoFacenessGate measures them ungated.
func (p *Pipeline) gateReady() bool {
	return p.faceness != nil || p.opts.Experimental.NoFacenessGate
}

// gatePasses reports whether a face a gated stage found at landmarks lm of img stands: the
// faceness head's verdict, or true when NoFacenessGate is set.
func (p *Pipeline) gatePasses(img *RGB, lm [5]Point) (bool, error) {
	if p.opts.Experimental.NoFacenessGate {
		return true, nil
	}
	s, err := p.Faceness(Align(img, lm))
	return s >= facenessThresh, err
}
