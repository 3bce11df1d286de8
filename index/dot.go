package index

import "math"

// dot is the inner-product kernel chosen once at start-up (dot_simd.go picks AVX-512 or
// AVX2 when built with GOEXPERIMENT=simd); dotGeneric is its specification.
var (
	dot     = dotGeneric
	dot4    = dot4Generic
	dotName = "generic"
)

// KernelName reports the dot-product kernel in use ("avx512", "avx2" or "generic").
func KernelName() string { return dotName }

// Dot is the inner product of a and b[:len(a)] on the kernel in use, for other packages'
// dense products (embed's masked-path whitening) so that they need no SIMD code of their own.
func Dot(a, b []float32) float32 { return dot(a, b) }

// dotGeneric is the pure-Go reference: four accumulators so the compiler can pipeline.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dot4Generic is the reference for the four-way kernels.
func dot4Generic(q, a, b, c, d []float32) (float32, float32, float32, float32) {
	return dotGeneric(q, a), dotGeneric(q, b), dotGeneric(q, c), dotGeneric(q, d)
}

// normalizeInto writes v/|v| into dst (len(dst) == len(v)). The squared norm comes
// from the SIMD kernel (float32 lanes: |v| = 1 within ~1e-6 for embedding sizes), which
// matters for per-query cost on small galleries.
func normalizeInto(dst, v []float32) error {
	ss := float64(dot(v, v))
	if ss == 0 || math.IsInf(ss, 0) || math.IsNaN(ss) {
		return ErrZeroVector
	}
	inv := 1 / math.Sqrt(ss)
	for i, x := range v {
		dst[i] = float32(float64(x) * inv)
	}
	return nil
}
