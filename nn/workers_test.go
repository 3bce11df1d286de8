package nn

import (
	"math"
	"math/rand/v2"
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

// TestSampleSameInAnyBatch: MTCNN's refinement stages score each candidate face the same
// bits alone as in a batch of any size, run whole or split across workers: RunAuto picks
// the split from load, and a score that moved with it moved the boxes with it.
func TestSampleSameInAnyBatch(t *testing.T) {
	for _, c := range []struct {
		name string
		side int
	}{{"rnet.tflite", 24}, {"onet.tflite", 48}} {
		m := loadModel(t, c.name)
		const most = 20
		shape := []int{most, c.side, c.side, 3}
		all := goldenInput(shape)
		per := len(all) / most
		alone := make([][]*Tensor, most)
		for k := range alone {
			out, err := m.Run(&Tensor{Shape: []int{1, c.side, c.side, 3}, Data: all[k*per : (k+1)*per]})
			if err != nil {
				t.Fatal(err)
			}
			alone[k] = out
		}
		for batch := 2; batch <= most; batch++ {
			in := &Tensor{Shape: []int{batch, c.side, c.side, 3}, Data: all[:batch*per]}
			for _, workers := range []int{1, 2, 3} {
				got, err := m.RunWorkers(workers, in)
				if err != nil {
					t.Fatal(err)
				}
				for k := 0; k < batch; k++ {
					for i, want := range alone[k] {
						n := len(want.Data)
						for j, v := range want.Data {
							if g := got[i].Data[k*n+j]; math.Float32bits(g) != math.Float32bits(v) {
								t.Fatalf("%s batch %d workers %d: sample %d output %d [%d] = %v, alone %v", c.name, batch, workers, k, i, j, g, v)
							}
						}
					}
				}
			}
		}
	}
}

// TestRunWorkersSplitsLayers: batch-1 runs split inside every splittable layer (the size
// threshold lowered to zero) give Run's outputs bit for bit, for even and uneven shares,
// more workers than rows included.
func TestRunWorkersSplitsLayers(t *testing.T) {
	old := splitMinMACs
	splitMinMACs = 0
	defer func() { splitMinMACs = old }()
	rng := rand.New(rand.NewPCG(9, 9))
	blazeBlock, err := FromGraph(dwBlockGraph(rng, 13, 11, 24, 24, 3, 1, ActRelu, true, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		m     *Model
		shape []int
	}{
		{"pnet", loadModel(t, "pnet.tflite"), []int{1, 61, 47, 3}},
		{"rnet", loadModel(t, "rnet.tflite"), []int{1, 24, 24, 3}},
		{"mobilefacenet", loadModel(t, "MobileFaceNet.tflite"), []int{1, 112, 112, 3}},
		{"dwblock", blazeBlock, []int{1, 13, 11, 24}},
	} {
		in := &Tensor{Shape: c.shape, Data: goldenInput(c.shape)}
		want, err := c.m.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{2, 3, 7, 64} {
			got, err := c.m.RunWorkers(workers, in)
			if err != nil {
				t.Fatalf("%s workers %d: %v", c.name, workers, err)
			}
			for i := range want {
				if !equalInts(got[i].Shape, want[i].Shape) {
					t.Fatalf("%s workers %d output %d: shape %v, want %v", c.name, workers, i, got[i].Shape, want[i].Shape)
				}
				for j, v := range want[i].Data {
					if math.Float32bits(got[i].Data[j]) != math.Float32bits(v) {
						t.Fatalf("%s workers %d output %d [%d] = %v, want %v", c.name, workers, i, j, got[i].Data[j], v)
					}
				}
			}
		}
	}
}

// TestClaimCores: a lone caller borrows every core, later callers get what is left and
// at least one, and releasing returns them.
func TestClaimCores(t *testing.T) {
	base := coresBusy.Load()
	a := claimCores(4)
	b := claimCores(4)
	if a != 4 || b != 1 {
		t.Fatalf("claimed %d then %d of 4 cores, want 4 then 1", a, b)
	}
	coresBusy.Add(-int64(a))
	if c := claimCores(4); c != 3 {
		t.Fatalf("after a release: claimed %d, want 3", c)
	}
	coresBusy.Store(base)
}
