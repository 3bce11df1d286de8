package nn

import (
	"math"
	"testing"
)

// TestRunWorkersMatchesRun: splitting the batch across workers gives Run's outputs bit
// for bit, in order, for even and uneven shares, and falls back to Run where it cannot split.
func TestRunWorkersMatchesRun(t *testing.T) {
	m := loadModel(t, "rnet.tflite")
	const batch = 5
	in := &Tensor{Shape: []int{batch, 24, 24, 3}, Data: goldenInput([]int{batch, 24, 24, 3})}
	want, err := m.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{0, 1, 2, 3, 5, 8} {
		got, err := m.RunWorkers(workers, in)
		if err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		if len(got) != len(want) {
			t.Fatalf("workers %d: %d outputs, want %d", workers, len(got), len(want))
		}
		for i := range want {
			if !equalInts(got[i].Shape, want[i].Shape) || len(got[i].Data) != len(want[i].Data) {
				t.Fatalf("workers %d output %d: shape %v, want %v", workers, i, got[i].Shape, want[i].Shape)
			}
			for j, v := range want[i].Data {
				if math.Float32bits(got[i].Data[j]) != math.Float32bits(v) {
					t.Fatalf("workers %d output %d [%d] = %v, want %v", workers, i, j, got[i].Data[j], v)
				}
			}
		}
	}
	if _, err := m.RunWorkers(2, &Tensor{Shape: []int{2, 24, 24}, Data: make([]float32, 2*24*24)}); err == nil {
		t.Fatal("a bad input shape was accepted")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
