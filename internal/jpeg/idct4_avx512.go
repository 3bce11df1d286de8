//go:build goexperiment.simd && amd64

package jpeg

import (
	"encoding/binary"
	"simd/archsimd"
)

// idct4AVX512 is idct4 on one 16-lane vector holding the 4x4 block (lane a*4+b): each pass
// is four permutes that broadcast one input row across the lanes that need it, times the
// matching cos4 entries, summed; the same products, sums and rounding as idct4, so the
// result is identical (the tests compare them).
func idct4AVX512(blk *[64]int32, dst []uint8, stride int) {
	lo := archsimd.LoadInt32x16((*[16]int32)(blk[0:16]))  // coefficient rows 0, 1
	hi := archsimd.LoadInt32x16((*[16]int32)(blk[16:32])) // rows 2, 3
	t := &idct4Tabs
	// Columns: ws[x*4+u] = sum_v cos4[x][v] F(v,u).
	ws := lo.ConcatPermute(hi, archsimd.LoadUint32x16(&t.colIdx[0])).Mul(archsimd.LoadInt32x16(&t.colM[0]))
	for v := 1; v < 4; v++ {
		ws = ws.Add(lo.ConcatPermute(hi, archsimd.LoadUint32x16(&t.colIdx[v])).Mul(archsimd.LoadInt32x16(&t.colM[v])))
	}
	ws = ws.Add(archsimd.BroadcastInt32x16(1 << 10)).ShiftAllRight(11)
	// Rows: out[y*4+x] = sum_u cos4[x][u] ws[y*4+u].
	o := ws.Permute(archsimd.LoadUint32x16(&t.rowIdx[0])).Mul(archsimd.LoadInt32x16(&t.rowM[0]))
	for u := 1; u < 4; u++ {
		o = o.Add(ws.Permute(archsimd.LoadUint32x16(&t.rowIdx[u])).Mul(archsimd.LoadInt32x16(&t.rowM[u])))
	}
	const sh = 13 + 2
	o = o.Add(archsimd.BroadcastInt32x16(1<<(sh-1) + 128<<sh)).ShiftAllRight(sh)
	o = o.Max(archsimd.BroadcastInt32x16(0)).Min(archsimd.BroadcastInt32x16(255))
	px := o.TruncateToInt8().AsUint32x4()
	binary.LittleEndian.PutUint32(dst[0:], px.GetElem(0))
	binary.LittleEndian.PutUint32(dst[stride:], px.GetElem(1))
	binary.LittleEndian.PutUint32(dst[2*stride:], px.GetElem(2))
	binary.LittleEndian.PutUint32(dst[3*stride:], px.GetElem(3))
}

// idct4Tabs are idct4AVX512's permutes and weights, one vector per term.
var idct4Tabs = func() (t struct {
	colIdx, rowIdx [4][16]uint32
	colM, rowM     [4][16]int32
}) {
	for k := 0; k < 4; k++ {
		for a := 0; a < 4; a++ {
			for b := 0; b < 4; b++ {
				l := a*4 + b
				// Column term v=k at lane (x=a, u=b): F(k, b) = blk[k*8+b] (of lo:hi), cos4[a][k].
				t.colIdx[k][l], t.colM[k][l] = uint32(k*8+b), cos4[a][k]
				// Row term u=k at lane (y=a, x=b): ws[a*4+k], cos4[b][k].
				t.rowIdx[k][l], t.rowM[k][l] = uint32(a*4+k), cos4[b][k]
			}
		}
	}
	return t
}()
