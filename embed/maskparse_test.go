package embed

import (
	"errors"
	"math"
	"testing"
)

func TestMaskFeatureDim(t *testing.T) {
	tests := []struct {
		kind uint32
		want int
	}{
		{MaskFeatEmbedding, Dim},
		{MaskFeatLowerFace, lowerDim},
		{MaskFeatBoth, Dim + lowerDim},
		{MaskFeatLowerMap, LowerMapDim},
		{MaskFeatLowerMap | MaskFeatUpperMap, LowerMapDim + UpperMapDim},
		{0, 0},
		{16, 0},
		{MaskFeatLowerMap | 1<<31, 0},
	}
	for _, tc := range tests {
		if got := MaskFeatureDim(tc.kind); got != tc.want {
			t.Errorf("MaskFeatureDim(%d) = %d, want %d", tc.kind, got, tc.want)
		}
	}
}

// A well-sealed file (right checksum) whose contents cannot be what MaskFeatures feeds it,
// or that holds a value no arithmetic can use, is refused as a format error.
func TestParseMaskModelRefusesInconsistentHeads(t *testing.T) {
	good := func() *MaskModel {
		m, err := builtInHead(MaskFile)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name   string
		damage func(m *MaskModel)
	}{
		{"kind without bits", func(m *MaskModel) { m.Kind = 0 }},
		{"unknown kind bit", func(m *MaskModel) { m.Kind |= 16 }},
		{"other kind's width", func(m *MaskModel) { m.Kind = MaskFeatEmbedding }},
		{"width below the kind's", func(m *MaskModel) {
			m.Dim--
			m.Mean, m.Std, m.W2 = m.Mean[1:], m.Std[1:], m.W2[1:]
		}},
		{"NaN mean", func(m *MaskModel) { m.Mean[3] = float32(math.NaN()) }},
		{"infinite weight", func(m *MaskModel) { m.W2[0] = float32(math.Inf(-1)) }},
		{"NaN bias", func(m *MaskModel) { m.B2 = float32(math.NaN()) }},
		{"zero std", func(m *MaskModel) { m.Std[0] = 0 }},
		{"infinite std", func(m *MaskModel) { m.Std[0] = float32(math.Inf(1)) }},
	}
	for _, tc := range tests {
		m := good()
		tc.damage(m)
		b, _ := m.MarshalBinary()
		if _, err := ParseMaskModel(b); !errors.Is(err, errMaskFormat) {
			t.Errorf("%s: %v, want errMaskFormat", tc.name, err)
		}
	}
	b, _ := good().MarshalBinary()
	if _, err := ParseMaskModel(b); err != nil {
		t.Fatalf("the undamaged head: %v", err)
	}
}

func FuzzParseMaskModel(f *testing.F) {
	for _, name := range []string{MaskFile, MaskDetailFile, FacenessFile} {
		if b, err := maskFS.ReadFile(name); err == nil {
			addWeightFileSeeds(f, b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzWeightFile(t, data, maskMagic, errMaskFormat, ParseMaskModel, func(m *MaskModel) {
			_ = m.Prob(make([]float32, m.Dim))
		})
	})
}
