package embed

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
)

//go:embed maskmodel
var maskFS embed.FS

// MaskFile is the built-in weights file inside maskmodel/.
const MaskFile = "maskmodel/mask.wmsk"

// Mask feature kinds: what the classifier looks at.
const (
	MaskFeatEmbedding = 1 // the 192-d MobileFaceNet embedding
	MaskFeatLowerFace = 2 // the lower half of the aligned crop, 8x8-pixel block means
	MaskFeatBoth      = 3
	MaskFeatLowerMap  = 4 // MobileFaceNet's own 14x14 feature map under the nose (LowerMapDim)
	MaskFeatUpperMap  = 8 // the same map above it: forehead, eyes, nose (UpperMapDim)
)

// MaskInput is one aligned face as the mask heads see it; Pipeline.EmbedFaceMask makes it.
type MaskInput struct {
	Crop     *RGB       // the aligned 112x112 crop
	Emb      []float32  // the crop's own (un-flipped) normalized embedding
	LowerMap []float32  // LowerMapDim values from the same MobileFaceNet run (lowerMapFeatures)
	maps     []float32  // the same run's whole map (lowerMapLen), pooled only when a head asks (UpperMap)
	mirror   *MaskInput // the mirrored crop's, when the same run had it (FlipTTA; MaskScore)
}

// UpperMap is the map above the lower-face bands (UpperMapDim values), pooled on demand
// since no built-in head reads it; nil for an input not made from a MobileFaceNet run.
func (in MaskInput) UpperMap() []float32 {
	if in.maps == nil {
		return nil
	}
	return upperMapFeatures(in.maps)
}

// MaskModel is a logistic regression (Hidden == 0) or a one-hidden-layer ReLU MLP on
// standardized features.
type MaskModel struct {
	Kind      uint32
	Dim       int
	Hidden    int
	Mean, Std []float32
	W1        []float32 // Hidden x Dim (absent for logistic regression)
	B1        []float32
	W2        []float32 // Hidden, or Dim for logistic regression
	B2        float32
}

const maskMagic = "WMSK"
const maskVersion = 1

// Lower-face window of the 112x112 aligned crop: from just below the nose tip (template
// y 71.7) to the chin, 8x8 blocks.
const (
	lowerY0, lowerY1 = 64, 112
	lowerX0, lowerX1 = 16, 96
	lowerBlock       = 8
	lowerDim         = ((lowerY1 - lowerY0) / lowerBlock) * ((lowerX1 - lowerX0) / lowerBlock) * 3
)

// maskFeatAll is every feature bit MaskFeatures knows.
const maskFeatAll = MaskFeatEmbedding | MaskFeatLowerFace | MaskFeatLowerMap | MaskFeatUpperMap

// MaskFeatureDim is the length of MaskFeatures' vector for a kind, or 0 for a kind with no
// bits or with bits MaskFeatures does not know.
func MaskFeatureDim(kind uint32) int {
	if kind == 0 || kind&^maskFeatAll != 0 {
		return 0
	}
	n := 0
	if kind&MaskFeatEmbedding != 0 {
		n += Dim
	}
	if kind&MaskFeatLowerFace != 0 {
		n += lowerDim
	}
	if kind&MaskFeatLowerMap != 0 {
		n += LowerMapDim
	}
	if kind&MaskFeatUpperMap != 0 {
		n += UpperMapDim
	}
	return n
}

// MaskFeatures builds the feature vector of a kind from an aligned face.
func MaskFeatures(kind uint32, in MaskInput) []float32 {
	var f []float32
	crop := in.Crop
	if kind&MaskFeatEmbedding != 0 {
		f = append(f, in.Emb...)
	}
	if kind&MaskFeatLowerFace != 0 {
		for by := lowerY0; by < lowerY1; by += lowerBlock {
			for bx := lowerX0; bx < lowerX1; bx += lowerBlock {
				var s [3]float32
				for y := by; y < by+lowerBlock; y++ {
					for x := bx; x < bx+lowerBlock; x++ {
						i := 3 * (y*crop.W + x)
						s[0] += float32(crop.Pix[i])
						s[1] += float32(crop.Pix[i+1])
						s[2] += float32(crop.Pix[i+2])
					}
				}
				for c := range s {
					f = append(f, s[c]/(255*lowerBlock*lowerBlock))
				}
			}
		}
	}
	if kind&MaskFeatLowerMap != 0 {
		f = append(f, in.LowerMap...)
	}
	if kind&MaskFeatUpperMap != 0 {
		f = append(f, in.UpperMap()...)
	}
	return f
}

// Predict returns the probability of a mask for an aligned face.
func (m *MaskModel) Predict(in MaskInput) float32 {
	return m.Prob(MaskFeatures(m.Kind, in))
}

// Prob returns the probability of a mask for a raw (unstandardized) feature vector.
func (m *MaskModel) Prob(x []float32) float32 {
	if len(x) != m.Dim {
		return 0
	}
	z := make([]float32, m.Dim)
	for i := range x {
		z[i] = (x[i] - m.Mean[i]) / m.Std[i]
	}
	return sigmoid(m.logit(z))
}

// logit on standardized input.
func (m *MaskModel) logit(z []float32) float32 {
	if m.Hidden == 0 {
		s := m.B2
		for i, v := range z {
			s += m.W2[i] * v
		}
		return s
	}
	s := m.B2
	for h := 0; h < m.Hidden; h++ {
		a := m.B1[h]
		row := m.W1[h*m.Dim : (h+1)*m.Dim]
		for i, v := range z {
			a += row[i] * v
		}
		if a > 0 {
			s += m.W2[h] * a
		}
	}
	return s
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// MarshalBinary writes "WMSK", version, kind, dim, hidden, the float32 arrays and a CRC-32
// (IEEE) of everything before it, little-endian.
func (m *MaskModel) MarshalBinary() ([]byte, error) {
	b := newWeightFile(maskMagic)
	putLE(b, uint32(maskVersion), m.Kind, uint32(m.Dim), uint32(m.Hidden))
	putLE(b, m.Mean, m.Std, m.W1, m.B1, m.W2, m.B2)
	return sealWeightFile(b), nil
}

// ParseMaskModel reads MarshalBinary's format, checking version, checksum, that the feature
// count is the kind's (a head for other features would score every face "no mask", since
// Prob fails closed on a length mismatch), and that every value is finite.
func ParseMaskModel(data []byte) (*MaskModel, error) {
	r, err := openWeightFile(data, maskMagic, 24, errMaskFormat)
	if err != nil {
		return nil, err
	}
	var hdr [4]uint32
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return nil, errMaskFormat
	}
	if hdr[0] != maskVersion {
		return nil, fmt.Errorf("%w: version %d", errMaskFormat, hdr[0])
	}
	m := &MaskModel{Kind: hdr[1], Dim: int(hdr[2]), Hidden: int(hdr[3])}
	if d := MaskFeatureDim(m.Kind); d == 0 || m.Dim != d {
		return nil, fmt.Errorf("%w: kind %d with %d features", errMaskFormat, m.Kind, m.Dim)
	}
	if m.Hidden < 0 || m.Hidden > 1<<12 {
		return nil, fmt.Errorf("%w: sizes", errMaskFormat)
	}
	w2 := m.Hidden
	if w2 == 0 {
		w2 = m.Dim
	}
	want := 2*m.Dim + m.Hidden*m.Dim + m.Hidden + w2 + 1
	if r.Len() != 4*want {
		return nil, fmt.Errorf("%w: length", errMaskFormat)
	}
	m.Mean, m.Std, m.W1, m.B1, m.W2 = readLE(r, m.Dim), readLE(r, m.Dim), readLE(r, m.Hidden*m.Dim), readLE(r, m.Hidden), readLE(r, w2)
	m.B2 = readLE(r, 1)[0]
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errMaskFormat
	}
	for _, s := range m.Std {
		if !(s > 0) || math.IsInf(float64(s), 1) {
			return nil, fmt.Errorf("%w: std", errMaskFormat)
		}
	}
	for _, a := range [][]float32{m.Mean, m.W1, m.B1, m.W2, {m.B2}} {
		for _, v := range a {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%w: values", errMaskFormat)
			}
		}
	}
	return m, nil
}

// DefaultMaskModel returns the built-in weights, or ErrNoMaskModel.
func DefaultMaskModel() (*MaskModel, error) { return builtInHead(MaskFile) }

// builtInHead parses one of maskmodel/'s WMSK files, or returns ErrNoMaskModel when the
// build carries none.
func builtInHead(name string) (*MaskModel, error) {
	data, err := builtInFile(name)
	if err != nil {
		return nil, err
	}
	return ParseMaskModel(data)
}

// builtInFile reads one of maskmodel/'s files, ErrNoMaskModel when the build carries none.
func builtInFile(name string) ([]byte, error) {
	data, err := fs.ReadFile(maskFS, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoMaskModel
	}
	return data, err
}
