//go:build !(goexperiment.simd && amd64)

package jpeg

// simdIDCTs lists the SIMD IDCTs: none without GOEXPERIMENT=simd.
func simdIDCTs() map[string]func(blk *[64]int32, dst []uint8, stride int) { return nil }

// simdIDCT4s lists the SIMD 4x4 IDCTs: none without GOEXPERIMENT=simd.
func simdIDCT4s() map[string]func(blk *[64]int32, dst []uint8, stride int) { return nil }

// simdYCbCrBytesRows lists the SIMD byte-input kernels: none without GOEXPERIMENT=simd.
func simdYCbCrBytesRows() map[string]func(out []uint8, ys, cbs, crs []uint8) {
	return map[string]func(out []uint8, ys, cbs, crs []uint8){}
}

// simdUpsamplers lists the SIMD upsampling kernels: none without GOEXPERIMENT=simd.
func simdUpsamplers() (h2 map[string]func(out, near, far []uint8, cs []uint16), v2 map[string]func(out, near, far []uint8)) {
	return map[string]func(out, near, far []uint8, cs []uint16){}, map[string]func(out, near, far []uint8){}
}
