package embed

import (
	"testing"
)

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

func TestMaskFeatures(t *testing.T) {
	crop := NewRGB(AlignSize, AlignSize)
	for i := range crop.Pix {
		crop.Pix[i] = 255
	}
	emb := make([]float32, Dim)
	emb[3] = 1
	f := MaskFeatures(MaskFeatBoth, crop, emb)
	if len(f) != Dim+lowerDim {
		t.Fatalf("len = %d, want %d", len(f), Dim+lowerDim)
	}
	if f[3] != 1 || f[Dim] != 1 || f[len(f)-1] != 1 {
		t.Fatalf("features %v %v %v", f[3], f[Dim], f[len(f)-1])
	}
}
