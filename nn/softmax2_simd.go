//go:build goexperiment.simd && amd64

package nn

import "simd/archsimd"

// swapPairs permutes lanes 2r and 2r+1.
var swapPairs = [16]uint32{1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14}

// softmax2 is the two-class softmax over pairs (x[2r], x[2r+1]): y = 1/(1+e^(β·(other-self)))
// per lane, 8 pairs per AVX-512 vector: e^d from a degree-7 polynomial on d - n·ln2 and
// VSCALEFPS for 2^n (expf's method). softmax2Generic is the reference. A tail shorter than
// a vector goes through the same vector code, padded: a pair's value must not depend on
// where it sits, or a sample's scores would change with the batch it is run in (and
// RunAuto's batch split, which depends on load, would move MTCNN's boxes).
func softmax2(y, x []float32, beta float32) {
	if !archsimd.X86.AVX512() {
		softmax2Generic(y, x, beta)
		return
	}
	x = x[:len(y)]
	perm := archsimd.LoadUint32x16Slice(swapPairs[:])
	b := archsimd.BroadcastFloat32x16(beta)
	lo, hi := archsimd.BroadcastFloat32x16(-87.3), archsimd.BroadcastFloat32x16(88.7)
	log2e := archsimd.BroadcastFloat32x16(1.44269504088896341)
	nln2hi, nln2lo := archsimd.BroadcastFloat32x16(-0.693359375), archsimd.BroadcastFloat32x16(2.12194440e-4)
	one := archsimd.BroadcastFloat32x16(1)
	c := [...]archsimd.Float32x16{
		archsimd.BroadcastFloat32x16(1.0 / 720), archsimd.BroadcastFloat32x16(1.0 / 120),
		archsimd.BroadcastFloat32x16(1.0 / 24), archsimd.BroadcastFloat32x16(1.0 / 6),
		archsimd.BroadcastFloat32x16(1.0 / 2),
	}
	c7 := archsimd.BroadcastFloat32x16(1.0 / 5040)
	pairs := func(v archsimd.Float32x16) archsimd.Float32x16 {
		d := v.Permute(perm).Sub(v).Mul(b).Max(lo).Min(hi)
		n := d.Mul(log2e).RoundToEvenScaled(0)
		r := n.MulAdd(nln2hi, d)
		r = n.MulAdd(nln2lo, r)
		p := c7
		for _, k := range c {
			p = p.MulAdd(r, k)
		}
		p = p.MulAdd(r, one)
		p = p.MulAdd(r, one)
		return one.Div(one.Add(p.Scale(n)))
	}
	i := 0
	for ; i+16 <= len(y); i += 16 {
		pairs(archsimd.LoadFloat32x16Slice(x[i:])).StoreSlice(y[i:])
	}
	if i < len(y) {
		// Through a zero-padded vector; padding lanes are whole pairs (i and len(y) are even).
		var in, out [16]float32
		copy(in[:], x[i:])
		pairs(archsimd.LoadFloat32x16Slice(in[:])).StoreSlice(out[:])
		copy(y[i:], out[:len(y)-i])
	}
}
