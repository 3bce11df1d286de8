//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

type dwImpl struct {
	name string
	simd bool
	set  func() (restore func())
}

// dwImpls lists the generic kernel and every SIMD kernel this CPU runs.
func dwImpls() []dwImpl {
	impls := []dwImpl{{name: "generic", set: func() func() { return func() {} }}}
	with512 := func(v bool) func() func() {
		return func() func() {
			old := dwUse512
			dwUse512 = v
			return func() { dwUse512 = old }
		}
	}
	if archsimd.X86.AVX2() {
		impls = append(impls, dwImpl{name: "avx2", simd: true, set: with512(false)})
	}
	if archsimd.X86.AVX512() {
		impls = append(impls, dwImpl{name: "avx512", simd: true, set: with512(true)})
	}
	return impls
}
