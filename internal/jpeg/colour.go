package jpeg

// colour upsamples the component planes and converts them into img (RGB). Chroma that is
// subsampled 2:1 in a direction is upsampled as libjpeg's "fancy" upsampling does (3/4 of
// the nearer and 1/4 of the farther sample; the same arithmetic as embed's YCbCr path), other
// ratios take the nearest sample. YCbCr uses image/color's 16.16 fixed-point constants.
func (d *decoder) colour(st *state, img *Image) {
	w, h := img.W, img.H
	if len(d.comps) == 1 {
		p, stride := st.plane[0], st.bw[0]*st.sc[0].k
		for y := 0; y < h; y++ {
			greyRow(img.Pix[3*y*w:3*(y+1)*w], p[y*stride:y*stride+w])
		}
		return
	}
	rgb := d.adobe && d.adobeXform == 0 ||
		d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B'
	var up [3]upsampler
	for i := 0; i < 3; i++ {
		c := &d.comps[i]
		// A component decoded at a larger IDCT size needs that much less upsampling.
		sc := &st.sc[i]
		up[i] = newUpsampler(st.plane[i], st.bw[i]*sc.kx, d.cfg.HMax/c.h*st.k/sc.kx, d.cfg.VMax/c.v*st.k/sc.ky, w, h)
	}
	if !rgb && up[0].unit() && up[1].unit() && up[2].unit() {
		for y := 0; y < h; y++ {
			ycbcrBytesRow(img.Pix[3*y*w:3*(y+1)*w], up[0].p[y*up[0].stride:][:w],
				up[1].p[y*up[1].stride:][:w], up[2].p[y*up[2].stride:][:w])
		}
		return
	}
	var rows [3][]int32 // x16 fixed point (4 x vertical weight x 4 x horizontal weight)
	for i := range rows {
		rows[i] = make([]int32, w)
	}
	for y := 0; y < h; y++ {
		for i := 0; i < 3; i++ {
			up[i].row(y, rows[i])
		}
		out := img.Pix[3*y*w : 3*(y+1)*w]
		if rgb {
			rgbRow(out, rows[0], rows[1], rows[2])
		} else {
			ycbcrRow(out, rows[0], rows[1], rows[2])
		}
	}
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
	fx, fy    int
	cw, ch    int // samples of this component that cover the output
	near, far []int32
	wnear     []int32 // horizontal weight of the near sample (4, or 3 with far 1)
	vtmp      []int32
}

func newUpsampler(p []uint8, stride, fx, fy, w, h int) upsampler {
	u := upsampler{p: p, stride: stride, fx: fx, fy: fy, cw: (w + fx - 1) / fx, ch: (h + fy - 1) / fy}
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

// unit reports whether the component is at the output resolution (no upsampling).
func (u *upsampler) unit() bool { return u.fx == 1 && u.fy == 1 }

// row writes output row y: 16 x the (interpolated) sample.
func (u *upsampler) row(y int, out []int32) {
	var rn, rf []uint8
	vn, vf := int32(4), int32(0)
	switch u.fy {
	case 1:
		rn = u.p[y*u.stride:]
		rf = rn
	case 2:
		c := y / 2
		f := c - 1
		if y%2 == 1 {
			f = c + 1
		}
		f = max(0, min(u.ch-1, f))
		rn, rf = u.p[c*u.stride:], u.p[f*u.stride:]
		vn, vf = 3, 1
	default:
		rn = u.p[(y/u.fy)*u.stride:]
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

// ycbcrRow converts one row; the SIMD build replaces it (colour_simd.go).
var ycbcrRow = ycbcrRowGeneric

// ycbcrRowGeneric converts one row (inputs x16, rounded to 8 bits as embed's YCbCr path
// does). It is the specification of the SIMD kernels.
func ycbcrRowGeneric(out []uint8, ys, cbs, crs []int32) {
	out = out[:3*len(ys)]
	cbs, crs = cbs[:len(ys)], crs[:len(ys)]
	for x, yv := range ys {
		yy := ((yv + 8) >> 4) * 0x10101
		cb := (cbs[x]+8)>>4 - 128
		cr := (crs[x]+8)>>4 - 128
		out[3*x] = clamp16(yy + 91881*cr)
		out[3*x+1] = clamp16(yy - 22554*cb - 46802*cr)
		out[3*x+2] = clamp16(yy + 116130*cb)
	}
}

// ycbcrBytesRow converts one row whose three components are all at the output resolution
// (4:4:4, and every reduced scale of 4:2:0 and 4:4:4); the SIMD build replaces it.
var ycbcrBytesRow = ycbcrBytesRowGeneric

// ycbcrBytesRowGeneric is ycbcrRowGeneric on unscaled samples (x16 and rounded back is the
// sample itself), without the upsampler's int32 rows. It is the specification of its SIMD
// kernels.
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

func rgbRow(out []uint8, rs, gs, bs []int32) {
	out = out[:3*len(rs)]
	for x := range rs {
		out[3*x] = uint8((rs[x] + 8) >> 4)
		out[3*x+1] = uint8((gs[x] + 8) >> 4)
		out[3*x+2] = uint8((bs[x] + 8) >> 4)
	}
}
