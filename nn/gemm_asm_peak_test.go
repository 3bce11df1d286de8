//go:build goexperiment.simd && amd64

package nn

import (
	"fmt"
	"testing"
)

// BenchmarkGemmAsmKernel times one micro-kernel call on L1-resident operands: the
// kernel's ceiling, without packing, blocking or memory traffic.
func BenchmarkGemmAsmKernel(b *testing.B) {
	for _, impl := range []gemmImpl{asmGemm32, asmGemm16, asmGemm8, avx512Gemm} {
		for _, kc := range []int{64, 128, 256} {
			b.Run(fmt.Sprintf("%s/kc%d", impl.name, kc), func(b *testing.B) {
				a := goldenInput([]int{impl.mr, kc})
				bp := goldenInput([]int{kc, impl.nr})
				c := make([]float32, impl.mr*impl.nr)
				for b.Loop() {
					impl.kern(impl.mr, kc, a, kc, bp, c, impl.nr)
				}
				b.ReportMetric(2*float64(impl.mr*impl.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
