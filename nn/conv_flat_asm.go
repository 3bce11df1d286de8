//go:build goexperiment.simd && amd64

package nn

// Flat-lane convolution kernels in Go assembly (conv_flat_amd64.s, written by
// gen_conv_flat_amd64.go; see there why assembly).

//go:generate go run gen_conv_flat_amd64.go

//go:noescape
func convFlatV1A1(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV2A1(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV2A2(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV3A1(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV3A2(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV3A3(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV4A1(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV4A2(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV4A3(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV4A4(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV5A1(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV5A2(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV5A3(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV5A4(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV5A5(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV6A1(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV6A2(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV6A3(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV6A4(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV6A5(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV6A6(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV7A1(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV7A2(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV7A3(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV7A4(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV7A5(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV7A6(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatV7A7(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatB1(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatB2(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatB3(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatB4(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatB5(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatB6(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

//go:noescape
func convFlatB7(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32)

// Masked one-pixel-group kernels (Cout not a multiple of 16), convFlatM<V>G<G>.

//go:noescape
func convFlatM1G2(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G3(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G4(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G5(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G6(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G7(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G8(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G9(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G10(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G11(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM1G12(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G2(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G3(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G4(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G5(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G6(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G7(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G8(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G9(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G10(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G11(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM2G12(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM3G2(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM3G3(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM3G4(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM3G5(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM3G6(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM3G7(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM3G8(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM4G2(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM4G3(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM4G4(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM4G5(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

//go:noescape
func convFlatM4G6(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32)

// convFlatMasked[V-1][G-flatMaskedMinG] is the masked kernel for V vectors and G pixels.
var convFlatMasked = [flatMaskedVecs][]func(nblk int, x *float32, xstep, ostep int, taps *int, ntaps int, w *float32, mask int, bias, alpha, dst *float32){
	{convFlatM1G2, convFlatM1G3, convFlatM1G4, convFlatM1G5, convFlatM1G6, convFlatM1G7, convFlatM1G8, convFlatM1G9, convFlatM1G10, convFlatM1G11, convFlatM1G12},
	{convFlatM2G2, convFlatM2G3, convFlatM2G4, convFlatM2G5, convFlatM2G6, convFlatM2G7, convFlatM2G8, convFlatM2G9, convFlatM2G10, convFlatM2G11, convFlatM2G12},
	{convFlatM3G2, convFlatM3G3, convFlatM3G4, convFlatM3G5, convFlatM3G6, convFlatM3G7, convFlatM3G8},
	{convFlatM4G2, convFlatM4G3, convFlatM4G4, convFlatM4G5, convFlatM4G6},
}

// convFlatBcast[V-1] is the one-pixel-group kernel for V vectors.
var convFlatBcast = [...]func(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32){
	convFlatB1, convFlatB2, convFlatB3, convFlatB4, convFlatB5, convFlatB6, convFlatB7,
}

// convFlatKernels[V-1][na-1] is the kernel for V vectors, na of them on window A.
var convFlatKernels = [...][]func(nblk int, x *float32, xstep, winb int, taps *int, ntaps int, w *float32, idx *int32, bias, alpha, dst *float32){
	{convFlatV1A1},
	{convFlatV2A1, convFlatV2A2},
	{convFlatV3A1, convFlatV3A2, convFlatV3A3},
	{convFlatV4A1, convFlatV4A2, convFlatV4A3, convFlatV4A4},
	{convFlatV5A1, convFlatV5A2, convFlatV5A3, convFlatV5A4, convFlatV5A5},
	{convFlatV6A1, convFlatV6A2, convFlatV6A3, convFlatV6A4, convFlatV6A5, convFlatV6A6},
	{convFlatV7A1, convFlatV7A2, convFlatV7A3, convFlatV7A4, convFlatV7A5, convFlatV7A6, convFlatV7A7},
}

// flatAsm reports whether the assembly kernels run (AVX-512; tests clear flatUseAsm).
func flatAsm() bool { return flatUseAsm }

// flatAsmAvail is the CPU's answer; flatUseAsm what runs.
var flatAsmAvail = dwUse512

var flatUseAsm = flatAsmAvail

// flatKernel runs the assembly kernel after bounds checks on everything it touches (a bad
// call panics like a Go index); the Go twin without AVX-512.
func flatKernel(f *flatConv, nblk int, x, dst []float32) {
	if !flatUseAsm || f.grp != f.asmGroups() {
		flatGeneric(f, nblk, x, dst)
		return
	}
	if nblk <= 0 {
		return
	}
	vl := f.vecs * 16
	_ = x[f.need(nblk)-1]
	_ = dst[nblk*f.grp*f.groupOut()-1]
	_ = f.w[len(f.taps)*vl-1]
	_, _, _ = f.idx[vl-1], f.bias[vl-1], f.alpha[vl-1]
	if f.masked {
		convFlatMasked[f.vecs-1][f.grp-flatMaskedMinG](nblk, &x[0], f.xstep, f.cout, &f.taps[0], len(f.taps), &f.w[0], f.mask, &f.bias[0], &f.alpha[0], &dst[0])
		return
	}
	kern := convFlatBcast[f.vecs-1]
	if f.pix > 1 {
		kern = convFlatKernels[f.vecs-1][f.na-1]
	}
	kern(nblk, &x[0], f.xstep, f.winB, &f.taps[0], len(f.taps), &f.w[0], &f.idx[0], &f.bias[0], &f.alpha[0], &dst[0])
}
