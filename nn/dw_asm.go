//go:build goexperiment.simd && amd64

package nn

// 3x3 stride-1 depthwise row kernels in Go assembly (dw_amd64.s, written by gen_dw_amd64.go;
// see there why assembly).

//go:generate go run gen_dw_amd64.go

//go:noescape
func dw3x3V1(n, xstep, ystep int, x *float32, rs, cs int, wt, b, alpha, dst *float32, act int)

//go:noescape
func dw3x3V2(n, xstep, ystep int, x *float32, rs, cs int, wt, b, alpha, dst *float32, act int)

//go:noescape
func dw3x3V3(n, xstep, ystep int, x *float32, rs, cs int, wt, b, alpha, dst *float32, act int)

// dwAsm reports whether the assembly row kernels exist (AVX-512 CPUs; tests clear
// dwUse512 to run the other kernels).
func dwAsm() bool { return dwUse512 }

// dwRow3x3 runs the V-vector kernel (V = len(b)/16, 1..3) over n steps: the V·16 floats
// at dst[i·ystep:] get act(b + Σ_t x[i·xstep + ky·rs + kx·cs:]·wt[t·V·16:]),
// act 0 none, 1 ReLU, 2 ReLU6, 3 PReLU (alpha, V·16 values). Every value the kernel reads
// or writes is indexed first, so a bad call panics like a Go index.
func dwRow3x3(n, xstep, ystep int, x []float32, rs, cs int, wt, b, alpha, dst []float32, act int) {
	if n <= 0 {
		return
	}
	vl := len(b)
	_ = x[(n-1)*xstep+2*rs+2*cs+vl-1]
	_ = dst[(n-1)*ystep+vl-1]
	_ = wt[9*vl-1]
	ap := &b[0]
	if act == 3 {
		ap = &alpha[:vl][0]
	}
	// vl/16 outside 1..3 is an index panic.
	dwRowKernels[vl/16-1](n, xstep, ystep, &x[0], rs, cs, &wt[0], &b[0], ap, &dst[0], act)
}

var dwRowKernels = [...]func(n, xstep, ystep int, x *float32, rs, cs int, wt, b, alpha, dst *float32, act int){dw3x3V1, dw3x3V2, dw3x3V3}
