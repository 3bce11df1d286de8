package embed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/wajah-id/wajah/index"
)

// The masked path's trained head (`wajah train-wccn`, embed/maskmodel/README.md): within-
// class covariance normalisation (WCCN) of the embeddings MaskedScore compares, learned
// with people as classes on masked and unmasked photos of the same people, so that the
// directions a mask moves an embedding along count for less. One whitening for the plain
// embeddings, one for the synthetic-mask overlays: x -> W (unit(x) - mu), normalized,
// with W = L^-1 and L L^T the within-class covariance plus a ridge (W is stored rather than
// L so that applying it is a product, not a sequential solve). MaskedScore's rule is unchanged;
// it runs on the whitened vectors (MaskedHead.Score).

// MaskedHeadFile is the built-in head inside maskmodel/.
const MaskedHeadFile = "maskmodel/masked.wwcn"

const (
	maskedHeadMagic   = "WWCN"
	maskedHeadVersion = 1
)

var errMaskedHeadFormat = errors.New("masked head: bad file")

// Whitening is one WCCN transform of Dim-wide unit vectors: Mu, and W, the inverse of the
// lower-triangular Cholesky factor of the regularized within-class covariance (itself lower
// triangular), packed row by row (row i holds W[i][0..i]).
type Whitening struct {
	Dim int
	Mu  []float32
	W   []float32
}

// Apply returns the whitened unit vector of x (x itself is normalized first); nil for a
// vector of another width.
func (w *Whitening) Apply(x []float32) []float32 {
	if len(x) != w.Dim {
		return nil
	}
	var n float64
	for _, v := range x {
		n += float64(v) * float64(v)
	}
	n = math.Sqrt(max(n, 1e-24))
	c := make([]float32, w.Dim)
	for i, v := range x {
		c[i] = float32(float64(v)/n) - w.Mu[i]
	}
	out := make([]float32, w.Dim)
	var s2 float64
	for i, row := 0, 0; i < w.Dim; i, row = i+1, row+i+1 {
		out[i] = index.Dot(w.W[row:row+i+1], c[:i+1])
		s2 += float64(out[i]) * float64(out[i])
	}
	inv := float32(1 / math.Sqrt(max(s2, 1e-24)))
	for i := range out {
		out[i] *= inv
	}
	return out
}

// MaskedHead is the masked path's pair of whitenings and how it was fitted.
type MaskedHead struct {
	Lambda  float32 // ridge, times the mean within-class variance
	Plain   Whitening
	Overlay Whitening
}

// Whiten returns the whitened embedding and overlays (nil, nil for vectors of another width
// than the head's).
func (h *MaskedHead) Whiten(v []float32, overlays [][]float32) ([]float32, [][]float32) {
	wv := h.Plain.Apply(v)
	if wv == nil {
		return nil, nil
	}
	wo := make([][]float32, len(overlays))
	for k, t := range overlays {
		if wo[k] = h.Overlay.Apply(t); wo[k] == nil {
			return nil, nil
		}
	}
	return wv, wo
}

// Score is MaskedScore on whitened vectors: the mean of the plain cosine and the mean
// style-by-style overlay cosine. A nil head, or vectors of another width than the head's,
// score as MaskedScore does.
func (h *MaskedHead) Score(probe []float32, probeOverlays [][]float32, enrolled []float32, enrolledOverlays [][]float32) float32 {
	if h == nil {
		return MaskedScore(probe, probeOverlays, enrolled, enrolledOverlays)
	}
	wp, wpo := h.Whiten(probe, probeOverlays)
	we, weo := h.Whiten(enrolled, enrolledOverlays)
	if wp == nil || we == nil {
		return MaskedScore(probe, probeOverlays, enrolled, enrolledOverlays)
	}
	return MaskedScore(wp, wpo, we, weo)
}

// MarshalBinary writes "WWCN", version, dim, lambda, the plain Mu and W, the overlay Mu
// and W, and a CRC-32 (IEEE) of everything before it, little-endian.
func (h *MaskedHead) MarshalBinary() ([]byte, error) {
	d := h.Plain.Dim
	if h.Overlay.Dim != d || len(h.Plain.Mu) != d || len(h.Overlay.Mu) != d || len(h.Plain.W) != d*(d+1)/2 || len(h.Overlay.W) != d*(d+1)/2 {
		return nil, fmt.Errorf("%w: inconsistent sizes", errMaskedHeadFormat)
	}
	b := newWeightFile(maskedHeadMagic)
	putLE(b, uint32(maskedHeadVersion), uint32(d), h.Lambda)
	putLE(b, h.Plain.Mu, h.Plain.W, h.Overlay.Mu, h.Overlay.W)
	return sealWeightFile(b), nil
}

// ParseMaskedHead reads MarshalBinary's format, checking version, checksum, that the width
// is the embedding's (a head for another model would compare nothing it knows), that every
// value is finite and every diagonal of W positive (W is the inverse of a Cholesky factor).
func ParseMaskedHead(data []byte) (*MaskedHead, error) {
	r, err := openWeightFile(data, maskedHeadMagic, 20, errMaskedHeadFormat)
	if err != nil {
		return nil, err
	}
	var hdr struct {
		Version, Dim uint32
		Lambda       float32
	}
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return nil, errMaskedHeadFormat
	}
	if hdr.Version != maskedHeadVersion {
		return nil, fmt.Errorf("%w: version %d", errMaskedHeadFormat, hdr.Version)
	}
	d := int(hdr.Dim)
	if d != Dim {
		return nil, fmt.Errorf("%w: width %d, the embedding's is %d", errMaskedHeadFormat, d, Dim)
	}
	tri := d * (d + 1) / 2
	if r.Len() != 4*2*(d+tri) {
		return nil, fmt.Errorf("%w: length", errMaskedHeadFormat)
	}
	h := &MaskedHead{Lambda: hdr.Lambda}
	for _, w := range []*Whitening{&h.Plain, &h.Overlay} {
		w.Dim, w.Mu, w.W = d, readLE(r, d), readLE(r, tri)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errMaskedHeadFormat
	}
	if !finite32(h.Lambda) || h.Lambda < 0 {
		return nil, fmt.Errorf("%w: lambda", errMaskedHeadFormat)
	}
	for _, w := range []*Whitening{&h.Plain, &h.Overlay} {
		for _, a := range [][]float32{w.Mu, w.W} {
			for _, v := range a {
				if !finite32(v) {
					return nil, fmt.Errorf("%w: values", errMaskedHeadFormat)
				}
			}
		}
		for i, row := 0, 0; i < d; i, row = i+1, row+i+1 {
			if !(w.W[row+i] > 0) {
				return nil, fmt.Errorf("%w: diagonal", errMaskedHeadFormat)
			}
		}
	}
	return h, nil
}

func finite32(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// DefaultMaskedHead returns the built-in head, or ErrNoMaskModel when the build carries
// none.
func DefaultMaskedHead() (*MaskedHead, error) {
	data, err := builtInFile(MaskedHeadFile)
	if err != nil {
		return nil, err
	}
	return ParseMaskedHead(data)
}
