package index

import (
	"math"
	"math/rand/v2"
	"testing"
)

var awkward = []int{0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 100, 127, 128, 129, 192, 255, 512, 513}

// guarded returns n normal values followed, beyond the slice's length but inside its
// capacity, by a band of NaNs: a kernel reading past its slice picks one up.
func guarded(r *rand.Rand, n int) []float32 {
	const guard = 16
	v := make([]float32, n+guard)
	for i := range n {
		v[i] = float32(r.NormFloat64())
	}
	for i := n; i < n+guard; i++ {
		v[i] = float32(math.NaN())
	}
	return v[:n]
}

// TestDotKernels compares each SIMD kernel with the generic one at awkward sizes, with
// NaN guard bands after each operand: a kernel reading past its slice would pick one up.
func TestDotKernels(t *testing.T) {
	kernels := simdKernels()
	if len(kernels) == 0 {
		t.Skip("no SIMD kernels in this build (GOEXPERIMENT=simd on amd64 enables them)")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for name, k := range kernels {
		for _, n := range awkward {
			a, b := guarded(r, n), guarded(r, n)
			want := dotGeneric(a, b)
			got := k(a, b)
			if d := math.Abs(float64(got - want)); d > 1e-4*math.Sqrt(float64(n+1)) {
				t.Errorf("%s n=%d: got %v want %v", name, n, got, want)
			}
		}
	}
}

func TestDotGeneric(t *testing.T) {
	for _, n := range awkward {
		a, b := make([]float32, n), make([]float32, n)
		var want float64
		for i := range n {
			a[i], b[i] = float32(i%7)-3, float32(i%5)-2
			want += float64(a[i]) * float64(b[i])
		}
		if got := dotGeneric(a, b); float64(got) != want {
			t.Errorf("n=%d: got %v want %v", n, got, want)
		}
	}
}

// FuzzDot checks the chosen kernel against the generic one on arbitrary bytes.
func FuzzDot(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, cut uint8) {
		n := len(raw) / 2
		a, b := make([]float32, n), make([]float32, n)
		for i := range n {
			a[i], b[i] = float32(int8(raw[i]))/16, float32(int8(raw[n+i]))/16
		}
		for name, k := range simdKernels() {
			want, got := dotGeneric(a, b), k(a, b)
			if math.Abs(float64(got-want)) > 1e-3 {
				t.Fatalf("%s n=%d: got %v want %v", name, n, got, want)
			}
		}
	})
}

func BenchmarkDot(b *testing.B) {
	for _, n := range []int{128, 192, 512} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = 1, 0.5
		}
		kernels := simdKernels()
		if kernels == nil {
			kernels = map[string]func(a, b []float32) float32{}
		}
		kernels["generic"] = dotGeneric
		for name, k := range kernels {
			b.Run(name+"/"+itoa(n), func(b *testing.B) {
				for b.Loop() {
					k(x, y)
				}
			})
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestDot4Kernels checks the four-way kernels against four generic products, with NaN
// guard bands behind every operand.
func TestDot4Kernels(t *testing.T) {
	kernels := simdKernels4()
	if len(kernels) == 0 {
		t.Skip("no SIMD kernels in this build")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for name, k := range kernels {
		for _, n := range awkward {
			ops := make([][]float32, 5)
			for j := range ops {
				ops[j] = guarded(r, n)
			}
			got := [4]float32{}
			got[0], got[1], got[2], got[3] = k(ops[0], ops[1], ops[2], ops[3], ops[4])
			for j := range 4 {
				want := dotGeneric(ops[0], ops[j+1])
				if d := math.Abs(float64(got[j] - want)); d > 1e-4*math.Sqrt(float64(n+1)) {
					t.Errorf("%s n=%d operand %d: got %v want %v", name, n, j, got[j], want)
				}
			}
		}
	}
}

func BenchmarkDot4(b *testing.B) {
	for _, n := range []int{128, 192} {
		v := make([][]float32, 5)
		for i := range v {
			v[i] = make([]float32, n)
			for j := range v[i] {
				v[i][j] = float32(j%7) * 0.1
			}
		}
		kernels := simdKernels4()
		if kernels == nil {
			kernels = map[string]func(q, a, b, c, d []float32) (float32, float32, float32, float32){}
		}
		kernels["generic"] = dot4Generic
		for name, k := range kernels {
			b.Run(name+"/"+itoa(n), func(b *testing.B) {
				for b.Loop() {
					k(v[0], v[1], v[2], v[3], v[4])
				}
			})
		}
	}
}
