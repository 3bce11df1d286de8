package jpeg

// converter upsamples the component planes and converts them into img (RGB), a band of
// rows at a time as the planes fill. Chroma that is subsampled 2:1 in a direction is
// upsampled as libjpeg's "fancy" upsampling does (3/4 of the nearer and 1/4 of the farther
// sample; the same arithmetic as embed's YCbCr path), other ratios take the nearest sample.
// YCbCr uses image/color's 16.16 fixed-point constants.
type converter struct {
	img       *Image
	grey, rgb bool
	up        [3]upsampler
	bufs      [3][]uint8
	y         int // next output row
}

func (d *decoder) newConverter(st *state, img *Image) *converter {
	cv := &converter{img: img, grey: len(d.comps) == 1}
	cv.rgb = d.adobe && d.adobeXform == 0 ||
		!cv.grey && d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B'
	for i := range d.comps {
		c, sc := &d.comps[i], &st.sc[i]
		// A component decoded at a larger IDCT size needs that much less upsampling.
		cv.up[i] = newUpsampler(st.plane[i], st.bw[i]*sc.kx, st.rowMask[i],
			d.cfg.HMax/c.h*st.k/sc.kx, d.cfg.VMax/c.v*st.k/sc.ky, img.W, img.H)
		cv.bufs[i] = make([]uint8, 2*img.W+64)
	}
	return cv
}

// ready is how many output rows can be converted once MCU row m is in the planes: a row
// whose vertical neighbour (fancy upsampling) is in the next MCU row waits for it.
func (cv *converter) ready(d *decoder, st *state, m int) int {
	if m >= d.mcusY-1 {
		return cv.img.H
	}
	n := cv.img.H
	for i := range d.comps {
		rows := (m + 1) * d.comps[i].v * st.sc[i].ky // component rows decoded
		switch fy := cv.up[i].fy; fy {
		case 2:
			n = min(n, 2*rows-2)
		default:
			n = min(n, rows*fy)
		}
	}
	return n
}

// rows converts output rows up to limit (exclusive).
func (cv *converter) rows(limit int) {
	w := cv.img.W
	limit = min(limit, cv.img.H)
	var rows [3][]uint8
	for y := cv.y; y < limit; y++ {
		out := cv.img.Pix[3*y*w : 3*(y+1)*w]
		if cv.grey {
			greyRow(out, cv.up[0].line(y)[:w])
			continue
		}
		// Every upsampled sample rounds back to a byte ((16 x value + 8) >> 4), so each
		// output row is three byte rows (the plane's own row where no upsampling is needed).
		for i := range rows {
			rows[i] = cv.up[i].rowBytes(y, cv.bufs[i])
		}
		if cv.rgb {
			rgbBytesRow(out, rows[0], rows[1], rows[2])
		} else {
			ycbcrBytesRow(out, rows[0], rows[1], rows[2])
		}
	}
	cv.y = max(cv.y, limit)
}

func greyRow(out []uint8, in []uint8) {
	for x, v := range in {
		out[3*x], out[3*x+1], out[3*x+2] = v, v, v
	}
}

// upsampler produces full-width rows of one component, each sample x16.
type upsampler struct {
	p         []uint8
	stride    int
	rowMask   int // component row -> row of p (a ring of a power of two rows, or -1)
	fx, fy    int
	cw, ch    int // samples of this component that cover the output
	near, far []int32
	wnear     []int32 // horizontal weight of the near sample (4, or 3 with far 1)
	vtmp      []int32
	cs        []uint16 // rowBytes' scratch (fx 2)
	tmp       []int32  // rowBytes' scratch (other ratios)
}

func newUpsampler(p []uint8, stride, rowMask, fx, fy, w, h int) upsampler {
	u := upsampler{p: p, stride: stride, rowMask: rowMask, fx: fx, fy: fy, cw: (w + fx - 1) / fx, ch: (h + fy - 1) / fy}
	u.near, u.far, u.wnear = make([]int32, w), make([]int32, w), make([]int32, w)
	for x := 0; x < w; x++ {
		switch fx {
		case 1:
			u.near[x], u.far[x], u.wnear[x] = int32(x), int32(x), 4
		case 2:
			c := x / 2
			f := c - 1
			if x%2 == 1 {
				f = c + 1
			}
			u.near[x], u.far[x], u.wnear[x] = int32(c), int32(max(0, min(u.cw-1, f))), 3
		default:
			u.near[x], u.far[x], u.wnear[x] = int32(x/fx), int32(x/fx), 4
		}
	}
	u.vtmp = make([]int32, u.cw)
	return u
}

// line returns component row r (from its start to the end of p).
func (u *upsampler) line(r int) []uint8 {
	return u.p[(r&u.rowMask)*u.stride:]
}

// rowBytes returns output row y as bytes: the values of row rounded ((x + 8) >> 4), which
// the colour kernels take. buf holds at least 2*w + 64 bytes; the row is the plane's own
// memory when no upsampling is needed. The 2:1 cases (h2v1, h2v2, h1v2) take byte kernels,
// the SIMD build's where it has them; other ratios go through row.
func (u *upsampler) rowBytes(y int, buf []uint8) []uint8 {
	w := len(u.near)
	if u.fx == 1 && u.fy == 1 {
		return u.line(y)[:w]
	}
	rn, rf := u.line(y/u.fy), []uint8(nil)
	switch u.fy {
	case 1:
		rf = rn
	case 2:
		c := y / 2
		f := c - 1
		if y%2 == 1 {
			f = c + 1
		}
		rf = u.line(max(0, min(u.ch-1, f)))
	}
	switch {
	case u.fx == 2 && rf != nil:
		if u.cs == nil {
			u.cs = make([]uint16, u.cw+2)
		}
		h2RowBytes(buf[:2*u.cw], rn[:u.cw], rf[:u.cw], u.cs)
	case u.fx == 1 && u.fy == 2:
		v2RowBytes(buf[:w], rn[:w], rf[:w])
	default:
		if u.tmp == nil {
			u.tmp = make([]int32, w)
		}
		u.row(y, u.tmp)
		for x, v := range u.tmp {
			buf[x] = uint8((v + 8) >> 4)
		}
	}
	return buf[:w]
}

// h2RowBytes is h2Row on the vertical blend 3 near + far (far = near without a vertical
// step: 4 near), rounded to bytes: out[2i] = (3 s[i] + s[i-1] + 8) >> 4 and out[2i+1] =
// (3 s[i] + s[i+1] + 8) >> 4 with the edges repeating s's first and last samples. cs is
// scratch of len(near) + 2; out holds 2 len(near) bytes. The SIMD build replaces it.
var h2RowBytes = h2RowBytesGeneric

// h2RowBytesGeneric is the specification of h2RowBytes' SIMD kernels.
func h2RowBytesGeneric(out, near, far []uint8, cs []uint16) {
	n := len(near)
	far, cs, out = far[:n], cs[:n+2], out[:2*n]
	for i, v := range near {
		cs[i+1] = 3*uint16(v) + uint16(far[i])
	}
	cs[0], cs[n+1] = cs[1], cs[n]
	h2Pass(out, cs)
}

// h2Pass is h2RowBytesGeneric's horizontal step on the padded vertical blend cs.
func h2Pass(out []uint8, cs []uint16) {
	n := len(cs) - 2
	out = out[:2*n]
	for i := 0; i < n; i++ {
		c := 3*cs[i+1] + 8
		out[2*i] = uint8((c + cs[i]) >> 4)
		out[2*i+1] = uint8((c + cs[i+2]) >> 4)
	}
}

// v2RowBytes is the vertical-only step (h1v2): (4 (3 near + far) + 8) >> 4.
var v2RowBytes = v2RowBytesGeneric

func v2RowBytesGeneric(out, near, far []uint8) {
	far, out = far[:len(near)], out[:len(near)]
	for i, v := range near {
		out[i] = uint8((3*uint16(v) + uint16(far[i]) + 2) >> 2)
	}
}

// row writes output row y: 16 x the (interpolated) sample.
func (u *upsampler) row(y int, out []int32) {
	var rn, rf []uint8
	vn, vf := int32(4), int32(0)
	switch u.fy {
	case 1:
		rn = u.line(y)
		rf = rn
	case 2:
		c := y / 2
		f := c - 1
		if y%2 == 1 {
			f = c + 1
		}
		f = max(0, min(u.ch-1, f))
		rn, rf = u.line(c), u.line(f)
		vn, vf = 3, 1
	default:
		rn = u.line(y / u.fy)
		rf = rn
	}
	if u.fx == 1 && u.fy == 1 {
		for x := range out {
			out[x] = int32(rn[x]) << 4
		}
		return
	}
	v := u.vtmp
	rn, rf = rn[:len(v)], rf[:len(v)]
	for i := range v {
		v[i] = vn*int32(rn[i]) + vf*int32(rf[i])
	}
	if u.fx == 2 {
		h2Row(out, v)
		return
	}
	u.hRowGeneric(out)
}

// hRowGeneric is the horizontal step by table: near and far sample per output pixel.
func (u *upsampler) hRowGeneric(out []int32) {
	v := u.vtmp
	for x := range out {
		hn := u.wnear[x]
		out[x] = hn*v[u.near[x]] + (4-hn)*v[u.far[x]]
	}
}

// h2Row doubles v horizontally: out[2i] = 3 v[i] + v[i-1], out[2i+1] = 3 v[i] + v[i+1],
// the edges repeating v's first and last samples; the same values as hRowGeneric for fx 2.
func h2Row(out, v []int32) {
	n := len(v)
	w := len(out)
	if n == 1 {
		for x := range out {
			out[x] = 4 * v[0]
		}
		return
	}
	out[0] = 3*v[0] + v[0]
	if w > 1 {
		out[1] = 3*v[0] + v[1]
	}
	for i := 1; i < n-1 && 2*i+1 < w; i++ {
		c := 3 * v[i]
		out[2*i] = c + v[i-1]
		out[2*i+1] = c + v[i+1]
	}
	if i := n - 1; 2*i < w {
		out[2*i] = 3*v[i] + v[i-1]
		if 2*i+1 < w {
			out[2*i+1] = 3*v[i] + v[i]
		}
	}
}

// clamp16 converts a 16.16 fixed-point value to a byte, clamping to [0,255].
func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// ycbcrBytesRow converts one row of byte samples at the output resolution (the planes' own
// rows or the upsampler's); the SIMD build replaces it.
var ycbcrBytesRow = ycbcrBytesRowGeneric

// ycbcrBytesRowGeneric is the specification of its SIMD kernels: image/color's 16.16
// constants on byte samples (the upsampler's x16 values rounded, as embed's YCbCr path does).
func ycbcrBytesRowGeneric(out []uint8, ys, cbs, crs []uint8) {
	out = out[:3*len(ys)]
	cbs, crs = cbs[:len(ys)], crs[:len(ys)]
	for x, yv := range ys {
		yy := int32(yv) * 0x10101
		cb := int32(cbs[x]) - 128
		cr := int32(crs[x]) - 128
		out[3*x] = clamp16(yy + 91881*cr)
		out[3*x+1] = clamp16(yy - 22554*cb - 46802*cr)
		out[3*x+2] = clamp16(yy + 116130*cb)
	}
}

func rgbBytesRow(out []uint8, rs, gs, bs []uint8) {
	out = out[:3*len(rs)]
	gs, bs = gs[:len(rs)], bs[:len(rs)]
	for x := range rs {
		out[3*x], out[3*x+1], out[3*x+2] = rs[x], gs[x], bs[x]
	}
}
