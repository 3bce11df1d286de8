//go:build !(goexperiment.simd && amd64)

package jpeg

// simdYCbCrRows lists the SIMD kernels: none without GOEXPERIMENT=simd.
func simdYCbCrRows() map[string]func(out []uint8, ys, cbs, crs []int32) { return nil }

// simdIDCTs lists the SIMD IDCTs: none without GOEXPERIMENT=simd.
func simdIDCTs() map[string]func(blk *[64]int32, dst []uint8, stride int) { return nil }

// simdYCbCrBytesRows lists the SIMD byte-input kernels: none without GOEXPERIMENT=simd.
func simdYCbCrBytesRows() map[string]func(out []uint8, ys, cbs, crs []uint8) {
	return map[string]func(out []uint8, ys, cbs, crs []uint8){}
}
