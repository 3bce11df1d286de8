package embed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// identityHead whitens nothing: W = I, Mu = 0, so Score must equal MaskedScore on unit
// vectors.
func identityHead(d int) *MaskedHead {
	w := Whitening{Dim: d, Mu: make([]float32, d)}
	for i := range d {
		for j := 0; j <= i; j++ {
			v := float32(0)
			if i == j {
				v = 1
			}
			w.W = append(w.W, v)
		}
	}
	return &MaskedHead{Lambda: 0.3, Plain: w, Overlay: w}
}

func randUnit(rng *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	var n float64
	for i := range v {
		v[i] = float32(rng.NormFloat64())
		n += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

func TestMaskedHeadScore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	probe, enrolled := randUnit(rng, Dim), randUnit(rng, Dim)
	po := [][]float32{randUnit(rng, Dim), randUnit(rng, Dim), randUnit(rng, Dim)}
	eo := [][]float32{randUnit(rng, Dim), randUnit(rng, Dim), randUnit(rng, Dim)}
	want := MaskedScore(probe, po, enrolled, eo)
	var nilHead *MaskedHead
	if got := nilHead.Score(probe, po, enrolled, eo); got != want {
		t.Errorf("nil head: %v, want MaskedScore's %v", got, want)
	}
	if got := identityHead(Dim).Score(probe, po, enrolled, eo); math.Abs(float64(got-want)) > 1e-5 {
		t.Errorf("identity head: %v, want MaskedScore's %v", got, want)
	}
	// A vector of another width is not the head's: MaskedScore, not a panic or a zero.
	short := probe[:Dim-1]
	if got := identityHead(Dim).Score(short, po, enrolled[:Dim-1], eo); got != MaskedScore(short, po, enrolled[:Dim-1], eo) {
		t.Errorf("other width: %v, want MaskedScore's", got)
	}
	// The built-in head changes the score (it is not the identity) and stays a cosine.
	h, err := DefaultMaskedHead()
	if err != nil {
		t.Fatal(err)
	}
	got := h.Score(probe, po, enrolled, eo)
	if got == want || got < -1 || got > 1 {
		t.Errorf("built-in head: %v (MaskedScore %v): want a different cosine in [-1, 1]", got, want)
	}
	if self := h.Score(probe, po, probe, po); math.Abs(float64(self-1)) > 1e-5 {
		t.Errorf("a face against itself scores %v through the head, want 1", self)
	}
}

// Whiten is W (unit(x) - Mu), normalized: checked against the definition on a small head.
func TestWhiteningApply(t *testing.T) {
	w := Whitening{Dim: 3, Mu: []float32{0.1, -0.2, 0.05}, W: []float32{2, 0.5, 1, -1, 0.25, 3}}
	x := []float32{3, 4, 12} // |x| = 13
	u := []float64{3.0 / 13, 4.0 / 13, 12.0 / 13}
	c := []float64{u[0] - 0.1, u[1] + 0.2, u[2] - 0.05}
	y := []float64{2 * c[0], 0.5*c[0] + 1*c[1], -1*c[0] + 0.25*c[1] + 3*c[2]}
	n := math.Sqrt(y[0]*y[0] + y[1]*y[1] + y[2]*y[2])
	got := w.Apply(x)
	for i := range y {
		if math.Abs(float64(got[i])-y[i]/n) > 1e-6 {
			t.Fatalf("Apply = %v, want %v", got, []float64{y[0] / n, y[1] / n, y[2] / n})
		}
	}
	if w.Apply(x[:2]) != nil {
		t.Errorf("a vector of another width was whitened")
	}
}

// ParseMaskedHead refuses a correctly sealed file whose content is wrong: each case would
// otherwise load and score every masked probe with NaN or a foreign model's geometry.
func TestParseMaskedHeadRefuses(t *testing.T) {
	good, err := identityHead(Dim).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseMaskedHead(good); err != nil {
		t.Fatalf("identity head: %v", err)
	}
	body := good[4 : len(good)-4]
	f32 := func(off int, v float32) []byte {
		b := bytes.Clone(body)
		binary.LittleEndian.PutUint32(b[off:], math.Float32bits(v))
		return b
	}
	u32 := func(off int, v uint32) []byte {
		b := bytes.Clone(body)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	const hdr = 12
	tests := []struct {
		name string
		body []byte
	}{
		{"version 2", u32(0, 2)},
		{"width 128", u32(4, 128)},
		{"negative lambda", f32(8, -1)},
		{"NaN lambda", f32(8, float32(math.NaN()))},
		{"NaN mean", f32(hdr, float32(math.NaN()))},
		{"infinite weight", f32(hdr+4*Dim+4, float32(math.Inf(1)))},
		{"zero diagonal", f32(hdr+4*Dim, 0)},
		{"negative overlay diagonal", f32(hdr+4*(2*Dim+Dim*(Dim+1)/2), -1)},
		{"truncated", body[:len(body)-4]},
		{"trailing byte", append(bytes.Clone(body), 0)},
	}
	for _, tt := range tests {
		if _, err := ParseMaskedHead(sealedWeightFile(maskedHeadMagic, tt.body)); !errors.Is(err, errMaskedHeadFormat) {
			t.Errorf("%s: %v, want the format's error", tt.name, err)
		}
	}
	bad := bytes.Clone(good)
	bad[20] ^= 1
	if _, err := ParseMaskedHead(bad); !errors.Is(err, errMaskedHeadFormat) {
		t.Errorf("flipped byte: %v, want a checksum error", err)
	}
}

func FuzzParseMaskedHead(f *testing.F) {
	if h, err := DefaultMaskedHead(); err == nil {
		b, _ := h.MarshalBinary()
		addWeightFileSeeds(f, b)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	probe, o := randUnit(rng, Dim), [][]float32{randUnit(rng, Dim)}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzWeightFile(t, data, maskedHeadMagic, errMaskedHeadFormat, ParseMaskedHead, func(h *MaskedHead) {
			if s := h.Score(probe, o, probe, o); math.IsNaN(float64(s)) {
				t.Errorf("accepted head scores NaN")
			}
		})
	})
}

func BenchmarkMaskedHeadWhiten(b *testing.B) {
	h, err := DefaultMaskedHead()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	v := randUnit(rng, Dim)
	o := [][]float32{randUnit(rng, Dim), randUnit(rng, Dim), randUnit(rng, Dim)}
	for b.Loop() {
		h.Whiten(v, o)
	}
}
