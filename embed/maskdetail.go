package embed

// MaskDetailFile is the built-in weights of the masker_detail head inside maskmodel/: a
// second MaskModel (same WMSK frame and features) that tells a mask worn incorrectly (nose
// or chin uncovered) from one worn correctly. It runs only on faces the mask classifier
// calls masked (embed/maskmodel/README.md, "masker_detail").
const MaskDetailFile = "maskmodel/detail.wmsk"

// Mask detail values (the API's masker_detail). Masked stays true for both correct and
// incorrect.
const (
	MaskDetailNone      = "none"
	MaskDetailCorrect   = "correct"
	MaskDetailIncorrect = "incorrect"
)

// DefaultMaskDetailModel returns the built-in detail head, or ErrNoMaskModel.
func DefaultMaskDetailModel() (*MaskModel, error) { return builtInHead(MaskDetailFile) }

// maskDetail is the masker_detail of a face: none when the classifier calls it unmasked,
// else the head's verdict at probability 0.5; "" when there is no head.
func maskDetail(head *MaskModel, masked bool, in MaskInput) string {
	switch {
	case head == nil:
		return ""
	case !masked:
		return MaskDetailNone
	case head.Predict(in) >= 0.5:
		return MaskDetailIncorrect
	default:
		return MaskDetailCorrect
	}
}

// SetMaskDetailModel replaces the detail head (nil: MaskDetail stays empty); for tests
// and evaluation tools.
func (p *Pipeline) SetMaskDetailModel(m *MaskModel) { p.maskDetail = m }
