package nn

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
)

func TestMobileFaceNetBatchIsDynamic(t *testing.T) {
	m := loadModel(t, "MobileFaceNet.tflite")
	if got := m.Inputs()[0].Shape; got[0] != -1 || got[1] != 112 {
		t.Fatalf("input spec %v, want [-1 112 112 3]", got)
	}
	three := &Tensor{Shape: []int{3, 112, 112, 3}, Data: goldenInput([]int{3, 112, 112, 3})}
	out3, err := m.Run(three)
	if err != nil {
		t.Fatal(err)
	}
	const per = 112 * 112 * 3
	for b := 0; b < 3; b++ {
		one := &Tensor{Shape: []int{1, 112, 112, 3}, Data: three.Data[b*per : (b+1)*per]}
		out1, err := m.Run(one)
		if err != nil {
			t.Fatal(err)
		}
		maxErr, cos, peak := compareTensors(out1[0].Data, out3[0].Data[b*192:(b+1)*192])
		if maxErr > 1e-5*peak || cos < 0.999999 {
			t.Errorf("item %d: batch-1 and batch-3 embeddings differ: max err %g, cosine %g", b, maxErr, cos)
		}
	}
}

func TestPnetRunsAtAnySize(t *testing.T) {
	m := loadModel(t, "pnet.tflite")
	if s := m.Inputs()[0].Shape; s[1] != -1 || s[2] != -1 {
		t.Fatalf("pnet input spec %v: height and width should be dynamic", s)
	}
	for _, hw := range [][2]int{{12, 12}, {13, 29}, {100, 57}, {250, 250}} {
		shape := []int{1, hw[0], hw[1], 3}
		out, err := m.Run(&Tensor{Shape: shape, Data: goldenInput(shape)})
		if err != nil {
			t.Fatalf("%v: %v", hw, err)
		}
		// conv3 valid, maxpool 2/2 same, conv3 valid, conv3 valid
		oh, ow := (hw[0]-2+1)/2-4, (hw[1]-2+1)/2-4
		if s := out[0].Shape; s[1] != oh || s[2] != ow || s[3] != 2 {
			t.Errorf("%v: prob shape %v, want [1 %d %d 2]", hw, s, oh, ow)
		}
		for i := 0; i < len(out[0].Data); i += 2 {
			if p := out[0].Data[i] + out[0].Data[i+1]; math.Abs(float64(p-1)) > 1e-5 {
				t.Fatalf("%v: probabilities sum to %g", hw, p)
			}
		}
	}
}

func TestRunRejectsBadInputs(t *testing.T) {
	m := loadModel(t, "rnet.tflite")
	for _, tc := range []struct {
		name string
		in   []*Tensor
	}{
		{"no input", nil},
		{"nil", []*Tensor{nil}},
		{"rank", []*Tensor{{Shape: []int{24, 24, 3}, Data: make([]float32, 24*24*3)}}},
		{"fixed dim", []*Tensor{{Shape: []int{1, 25, 24, 3}, Data: make([]float32, 25*24*3)}}},
		{"data length", []*Tensor{{Shape: []int{1, 24, 24, 3}, Data: make([]float32, 10)}}},
		{"zero batch", []*Tensor{{Shape: []int{0, 24, 24, 3}}}},
	} {
		if _, err := m.Run(tc.in...); !errors.Is(err, ErrShape) {
			t.Errorf("%s: err = %v, want ErrShape", tc.name, err)
		}
	}
}

// TestConcurrentRuns runs MTCNN stages from many goroutines with different shapes and
// checks every result against a sequential run (and, under -race, for data races).
func TestConcurrentRuns(t *testing.T) {
	pnet, rnet := loadModel(t, "pnet.tflite"), loadModel(t, "rnet.tflite")
	type job struct {
		m  *Model
		in *Tensor
	}
	var jobs []job
	for i := 0; i < 6; i++ {
		ps := []int{1, 20 + 3*i, 30 - 2*i, 3}
		rs := []int{1 + i%3, 24, 24, 3}
		jobs = append(jobs, job{pnet, &Tensor{Shape: ps, Data: goldenInput(ps)}}, job{rnet, &Tensor{Shape: rs, Data: goldenInput(rs)}})
	}
	want := make([][]*Tensor, len(jobs))
	for i, j := range jobs {
		out, err := j.m.Run(j.in)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = out
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(jobs))
	for rep := 0; rep < 4; rep++ {
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := j.m.Run(j.in)
				if err != nil {
					errs <- err
					return
				}
				for k := range out {
					for e := range out[k].Data {
						if out[k].Data[e] != want[i][k].Data[e] {
							errs <- fmt.Errorf("job %d output %d differs at %d", i, k, e)
							return
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestBufferReuse checks that the planner shares memory between tensors whose lifetimes do
// not overlap: MobileFaceNet's arena is a fraction of the sum of its activations.
func TestBufferReuse(t *testing.T) {
	m := loadModel(t, "MobileFaceNet.tflite")
	in := &Tensor{Shape: []int{1, 112, 112, 3}, Data: make([]float32, 112*112*3)}
	p, err := m.planFor([]*Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, s := range p.slotSize {
		sum += s
	}
	t.Logf("arena %d floats for %d floats of activations in %d buffers", p.arenaSize, sum, len(p.slotSize))
	if p.arenaSize*3 > sum {
		t.Errorf("arena %d floats is more than a third of the %d floats of activations", p.arenaSize, sum)
	}
	if p.arenaSize < 56*56*128 { // must at least hold the largest tensor
		t.Errorf("arena %d floats is smaller than the largest activation", p.arenaSize)
	}
}
