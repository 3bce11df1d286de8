package nn

import (
	"errors"
	"math"
	"testing"
)

func TestParsePrecision(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Precision
		err  bool
	}{
		{"", FP32, false}, {"fp32", FP32, false}, {"bf16", BF16, false},
		{"int8", FP32, true}, {"BF16", FP32, true}, {"fp16", FP32, true},
	} {
		got, err := ParsePrecision(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParsePrecision(%q) = %v, %v", c.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrPrecision) {
			t.Errorf("ParsePrecision(%q): error %v is not ErrPrecision", c.in, err)
		}
		if err == nil && c.in != "" && got.String() != c.in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
}

// TestBF16MobileFaceNet runs MobileFaceNet in bf16 beside fp32 on the golden input (batch 2).
// Stated tolerance of the bf16 path: the embedding's cosine to fp32 >= 0.999 (the accuracy
// gate; LFW figures in the README). The outputs must also differ from fp32's, or the bf16
// kernels were not used, and the fp32 model must be unchanged by WithPrecision.
func TestBF16MobileFaceNet(t *testing.T) {
	m := loadModel(t, "MobileFaceNet.tflite")
	shape := []int{2, 112, 112, 3}
	in := &Tensor{Shape: shape, Data: goldenInput(shape)}
	ref, err := m.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := m.WithPrecision(BF16)
	if err != nil {
		t.Fatal(err)
	}
	if mb.Precision() != BF16 || m.Precision() != FP32 {
		t.Fatalf("precisions %v, %v", mb.Precision(), m.Precision())
	}
	got, err := mb.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	per := len(ref[0].Data) / 2
	for b := 0; b < 2; b++ {
		r, g := ref[0].Data[b*per:(b+1)*per], got[0].Data[b*per:(b+1)*per]
		var dot, nr, ng float64
		same := true
		for i := range r {
			dot += float64(r[i]) * float64(g[i])
			nr += float64(r[i]) * float64(r[i])
			ng += float64(g[i]) * float64(g[i])
			same = same && r[i] == g[i]
			if again[0].Data[b*per+i] != r[i] {
				t.Fatalf("fp32 model changed after WithPrecision at %d", i)
			}
		}
		cos := dot / math.Sqrt(nr*ng)
		t.Logf("item %d: cosine bf16 vs fp32 %.6f", b, cos)
		if same {
			t.Fatalf("item %d: bf16 output equals fp32: bf16 kernels not used", b)
		}
		if cos < 0.999 {
			t.Fatalf("item %d: cosine %.6f < 0.999", b, cos)
		}
	}
	if _, err := m.WithPrecision(Precision(7)); !errors.Is(err, ErrPrecision) {
		t.Fatalf("WithPrecision(7): %v", err)
	}
}
