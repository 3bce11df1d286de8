package roc

import (
	"bytes"
	"image/png"
	"math"
	"testing"
)

func pairs(same, diff []float64) []Labeled {
	var p []Labeled
	for _, s := range same {
		p = append(p, Labeled{s, true})
	}
	for _, s := range diff {
		p = append(p, Labeled{s, false})
	}
	return p
}

func TestAUC(t *testing.T) {
	tests := []struct {
		name       string
		same, diff []float64
		want       float64
	}{
		{"separated", []float64{0.9, 0.8}, []float64{0.1, 0.2}, 1},
		{"reversed", []float64{0.1, 0.2}, []float64{0.9, 0.8}, 0},
		{"all tied", []float64{0.5, 0.5}, []float64{0.5, 0.5}, 0.5},
		{"one swap", []float64{0.9, 0.3}, []float64{0.4, 0.1}, 0.75},
	}
	for _, tt := range tests {
		if got := AUC(pairs(tt.same, tt.diff)); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: AUC = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBestThreshold(t *testing.T) {
	p := pairs([]float64{0.9, 0.8, 0.35}, []float64{0.4, 0.3, 0.1})
	thr, acc := BestThreshold(p)
	// Accepting 0.9, 0.8 gives 5/6; accepting down to 0.35 also 5/6 (0.4 false accept);
	// the first best found is kept: between 0.8 and 0.4.
	if math.Abs(acc-5.0/6) > 1e-12 || math.Abs(thr-0.6) > 1e-12 {
		t.Fatalf("BestThreshold = %v, %v; want 0.6, 5/6", thr, acc)
	}
	if a := Accuracy(p, thr); math.Abs(a-acc) > 1e-12 {
		t.Fatalf("Accuracy at best threshold = %v, want %v", a, acc)
	}
}

func TestTARAtFAR(t *testing.T) {
	diff := make([]float64, 100)
	for i := range diff {
		diff[i] = float64(i) / 100 // 0 .. 0.99
	}
	same := []float64{0.995, 0.985, 0.975, 0.5}
	tar, thr, far := TARAtFAR(pairs(same, diff), 0.01) // one false accept allowed
	if thr != 0.98 || far != 0.01 || tar != 0.5 {
		t.Fatalf("TARAtFAR = %v, %v, %v; want 0.5, 0.98, 0.01", tar, thr, far)
	}
}

func TestTenFold(t *testing.T) {
	var p []Labeled
	var fold []int
	for i := 0; i < 100; i++ {
		p = append(p, Labeled{0.6 + float64(i%7)/100, true}, Labeled{0.3 - float64(i%5)/100, false})
		fold = append(fold, i%10, i%10)
	}
	mean, std := TenFold(p, fold)
	if mean != 1 || std != 0 {
		t.Fatalf("TenFold on separable data = %v ± %v, want 1 ± 0", mean, std)
	}
}

func TestPlots(t *testing.T) {
	p := pairs([]float64{0.9, 0.7, 0.6}, []float64{0.2, 0.4, 0.1})
	for name, draw := range map[string]func(*bytes.Buffer) error{
		"roc":  func(b *bytes.Buffer) error { return PlotROC(b, "roc", Curve(p)) },
		"hist": func(b *bytes.Buffer) error { return PlotHistogram(b, "hist", p, -0.2, 1, 0.5) },
	} {
		var b bytes.Buffer
		if err := draw(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := png.Decode(&b)
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", name, err)
		}
		if m.Bounds().Dx() != plotW || m.Bounds().Dy() != plotH {
			t.Fatalf("%s: size %v", name, m.Bounds())
		}
	}
}
