package jpeg

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Options choose the output size and bound what is accepted; zero fields take defaults.
type Options struct {
	// Scale divides both sides: 1, 2, 4 or 8 (default 1). The output is
	// ceil(Width/Scale) x ceil(Height/Scale).
	Scale int
	// MaxPixels and MaxSide refuse a declared size with ErrTooLarge before any pixel
	// memory is allocated (0: no limit).
	MaxPixels int
	MaxSide   int
}

// Image is packed 8-bit RGB, 3 bytes per pixel, row-major.
type Image struct {
	W, H int
	Pix  []uint8
}

// OutputSize is the size Decode produces at scale s.
func OutputSize(cfg Config, s int) (w, h int) {
	return (cfg.Width + s - 1) / s, (cfg.Height + s - 1) / s
}

// EstimateBytes is the pixel and coefficient memory Decode allocates for cfg at scale s
// (within a few kilobytes for progressive files; an upper bound for baseline ones): the RGB
// output, the component planes at the decode scale, and for progressive files the kept
// coefficients and nonzero masks. Planes are rings of two MCU rows where blocks arrive in
// MCU-row order (progressive files, and baseline files whose first scan is interleaved);
// a baseline file may code its components in separate scans (the header does not say
// before the first SOS), so baseline is counted at whole planes.
func EstimateBytes(cfg Config, s int) int64 {
	if s != 1 && s != 2 && s != 4 && s != 8 {
		s = 1
	}
	k := int64(8 / s)
	hm, vm := int64(max(cfg.HMax, 1)), int64(max(cfg.VMax, 1))
	mx := (int64(cfg.Width) + 8*hm - 1) / (8 * hm)
	my := (int64(cfg.Height) + 8*vm - 1) / (8 * vm)
	w, h := OutputSize(cfg, s)
	total := 3 * int64(w) * int64(h)
	// Without sampling factors per component, assume the common layouts: component 0 at
	// HMax x VMax, the others at 1 x 1.
	for i := 0; i < cfg.Components; i++ {
		bw, bh, v := mx, my, int64(1)
		if i == 0 {
			bw, bh, v = mx*hm, my*vm, vm
		}
		if cfg.Progressive {
			total += bw*min(bh, 2*v)*k*k + bw*bh*(2*k*k+8)
		} else {
			total += bw * bh * k * k
		}
	}
	return total
}

// compScale is how one component is reduced: k x k pixels per block from the k x k lowest
// frequencies.
type compScale struct {
	k, kk  int // k = kx; kk = kx*ky
	kx, ky int
	keep   [64]bool // by zigzag index: used at this scale
	slot   [64]int8 // by zigzag index: position in the kept k x k block, or -1
	lastZ  int      // largest kept zigzag index
	idct   func(blk *[64]int32, dst []uint8, stride int)
}

func newCompScale(kx, ky int) compScale {
	k := kx
	cs := compScale{k: kx, kk: kx * ky, kx: kx, ky: ky}
	for z := 0; z < 64; z++ {
		n := int(zigzag[z])
		if n/8 < ky && n%8 < kx {
			cs.keep[z] = true
			cs.slot[z] = int8((n/8)*kx + n%8)
			cs.lastZ = max(cs.lastZ, z)
		} else {
			cs.slot[z] = -1
		}
	}
	switch {
	case kx != ky:
		cs.idct = func(blk *[64]int32, dst []uint8, stride int) { idctRect(blk, dst, stride, kx, ky) }
	case k == 8:
		cs.idct = idct8
	case k == 4:
		cs.idct = idct4
	case k == 2:
		cs.idct = idct2
	default:
		cs.idct = idct1
	}
	return cs
}

// state is the per-decode working memory.
type state struct {
	br    bitReader
	k     int // output pixels per luma-sized block side
	sc    [4]compScale
	coefs [4]coefStore
	bw    [4]int
	plane [4][]uint8 // per component, stride bw*sc.kx
	// rowMask maps a component row to its plane row: the planes are rings of at least two
	// MCU rows (a power of two, mask rows-1) when blocks arrive in MCU-row order and cv
	// converts behind them; -1 for a whole plane (a baseline file whose first scan lacks a
	// component, or an image of under a ring's rows).
	rowMask [4]int
	stream  bool // the planes are rings and cv converts after each MCU row
	img     *Image
	cv      *converter
}

// allocPlanes makes the component planes (rings of two MCU rows when stream) and the
// converter that reads them into img.
func (st *state) allocPlanes(d *decoder, img *Image, stream bool) {
	st.stream = stream
	for i := range d.comps {
		c, sc := &d.comps[i], &st.sc[i]
		rows := c.bh * sc.ky
		st.rowMask[i] = -1
		if r := 1 << bits.Len(uint(2*c.v*sc.ky-1)); stream && r < rows {
			rows = r
			st.rowMask[i] = r - 1
		}
		st.plane[i] = make([]uint8, c.bw*sc.kx*rows)
	}
	st.cv = d.newConverter(st, img)
}

// setScale picks each component's IDCT size: k for full-resolution components; a
// component subsampled by f in both directions gets k*f (up to 8), so that at reduced
// scales its plane is already at the output resolution and needs no upsampling (as
// libjpeg does), keeping the chroma detail the coefficients hold.
func (st *state) setScale(d *decoder, k int) {
	st.k = k
	for i := range d.comps {
		c := &d.comps[i]
		fx, fy := d.cfg.HMax/c.h, d.cfg.VMax/c.v
		kx, ky := k, k
		if k*fx <= 8 {
			kx = k * fx
		}
		if k*fy <= 8 {
			ky = k * fy
		}
		st.sc[i] = newCompScale(kx, ky)
	}
}

// emit runs the IDCT of one dequantized block into its place and clears blk. lastZ is the
// zigzag index of its last nonzero coefficient, or larger (64 when unknown): a block of DC
// only (the most common kind) is one value, filled without the transform.
func (st *state) emit(ci, bx, by int, blk *[64]int32, lastZ int) {
	sc := &st.sc[ci]
	stride := st.bw[ci] * sc.kx
	row := by * sc.ky & st.rowMask[ci] // a block never straddles the wrap: ky divides the ring
	dst := st.plane[ci][row*stride+bx*sc.kx:]
	if lastZ == 0 {
		v := uint64(sc.dcPixel(blk[0])) * 0x0101010101010101
		blk[0] = 0
		switch sc.kx {
		case 8:
			for y := 0; y < sc.ky; y++ {
				binary.LittleEndian.PutUint64(dst[y*stride:], v)
			}
		case 4:
			for y := 0; y < sc.ky; y++ {
				binary.LittleEndian.PutUint32(dst[y*stride:], uint32(v))
			}
		default:
			for y := 0; y < sc.ky; y++ {
				row := dst[y*stride : y*stride+sc.kx]
				for x := range row {
					row[x] = uint8(v)
				}
			}
		}
		return
	}
	sc.idct(blk, dst, stride)
	*blk = [64]int32{}
}

// dcPixel is the value every pixel of a DC-only block gets from sc.idct (the tests check it
// against the transforms for every DC value).
func (sc *compScale) dcPixel(dc int32) uint8 {
	if sc.kx == sc.ky && sc.kx != 4 {
		// islow (idct8) keeps dc<<2 between passes; idct2 and idct1 divide by 8.
		return clampByte((dc + 4 + 128<<3) >> 3)
	}
	// idct4 and idctRect: the 1.13 weight 2896 (1/sqrt 8) along each axis.
	t := (2896*dc + 1<<10) >> 11
	return clampByte((2896*t + 1<<14 + 128<<15) >> 15)
}

// maxScans bounds the scans of one file.
const maxScans = 128

// Decode decodes a JPEG at opts.Scale.
func Decode(data []byte, opts Options) (*Image, error) {
	img := &Image{}
	if err := DecodeInto(img, data, opts); err != nil {
		return nil, err
	}
	return img, nil
}

// DecodeInto is Decode into dst, reusing dst.Pix when its capacity holds the output (it is
// grown otherwise). A caller decoding photo after photo keeps one Image and saves, per
// large photo, the zeroing and first touch of a fresh output (at 12 MP, 36 MB: a tenth of
// a scale-1 decode). Every output pixel is written, so nothing of the previous image
// remains; on an error dst's size is unchanged and its pixels are undefined.
func DecodeInto(dst *Image, data []byte, opts Options) error {
	s := opts.Scale
	if s == 0 {
		s = 1
	}
	if s != 1 && s != 2 && s != 4 && s != 8 {
		return fmt.Errorf("jpeg: scale %d: want 1, 2, 4 or 8", s)
	}
	d := &decoder{data: data}
	if err := d.header(false); err != nil {
		return err
	}
	cfg := d.cfg
	if opts.MaxSide > 0 && (cfg.Width > opts.MaxSide || cfg.Height > opts.MaxSide) ||
		opts.MaxPixels > 0 && int64(cfg.Width)*int64(cfg.Height) > int64(opts.MaxPixels) {
		return fmt.Errorf("%w: %dx%d", ErrTooLarge, cfg.Width, cfg.Height)
	}
	if cfg.Components == 4 {
		return ErrCMYK
	}
	st := &state{}
	st.setScale(d, 8/s)
	for i := range d.comps {
		c := &d.comps[i]
		kk := st.sc[i].kk
		st.bw[i] = c.bw
		if d.progressive {
			st.coefs[i] = coefStore{coef: make([]int16, c.bw*c.bh*kk), nz: make([]uint64, c.bw*c.bh)}
		}
	}
	w, h := OutputSize(cfg, s)
	img := &Image{W: w, H: h, Pix: dst.Pix}
	if n := 3 * w * h; cap(img.Pix) >= n {
		img.Pix = img.Pix[:n]
	} else {
		img.Pix = make([]uint8, n)
	}
	st.img = img
	// d.pos is just past the first SOS marker. Each scan visits every block, so a file of
	// many tiny scans would cost CPU out of all proportion to its size: refuse beyond
	// maxScans (libjpeg-turbo's progressive encoder writes 10 for colour).
	for scans := 0; ; scans++ {
		if scans >= maxScans {
			return formatErr("too many scans")
		}
		hdr, err := d.segment()
		if err != nil {
			return err
		}
		if err := d.scan(hdr, st); err != nil {
			return err
		}
		if st.stream {
			// One interleaved baseline scan held every component and cv has converted it
			// all; a later scan (not valid in a sequential file) is not read.
			goto finish
		}
		// Tables and further scans until EOI (or the end: a missing EOI is tolerated).
		next := false
		for !next {
			m, ok := d.marker()
			if !ok || m == 0xD9 {
				if !ok && d.progressive && d.pos < len(d.data) {
					return formatErr("garbage between scans")
				}
				goto finish
			}
			if m == 0xDA {
				next = true
				break
			}
			if err := d.handleMarker(m); err != nil {
				return err
			}
		}
	}
finish:
	if d.progressive {
		st.finishProgressive(d)
	}
	st.cv.rows(h)
	*dst = *img
	return nil
}

// finishProgressive dequantizes the kept coefficients and runs the IDCTs an MCU row at a
// time into plane rings, converting behind them.
func (st *state) finishProgressive(d *decoder) {
	st.allocPlanes(d, st.img, true)
	var blk [64]int32
	for my := 0; my < d.mcusY; my++ {
		for ci := range d.comps {
			st.finishRow(d, ci, my, &blk)
		}
		st.cv.rows(st.cv.ready(d, st, my))
	}
}

// finishRow runs the IDCTs of component ci's blocks in MCU row my.
func (st *state) finishRow(d *decoder, ci, my int, blk *[64]int32) {
	c := &d.comps[ci]
	q := &d.quant[c.tq]
	cs := &st.coefs[ci]
	kx, ky, kk := st.sc[ci].kx, st.sc[ci].ky, st.sc[ci].kk
	for by := my * c.v; by < (my+1)*c.v; by++ {
		for bx := 0; bx < c.bw; bx++ {
			b := by*c.bw + bx
			src := cs.coef[b*kk : (b+1)*kk]
			for r := 0; r < ky; r++ {
				for col := 0; col < kx; col++ {
					n := r*8 + col
					blk[n] = int32(src[r*kx+col]) * int32(q[n])
				}
			}
			lastZ := 64
			if cs.nz[b] == 0 { // no AC coefficient was ever nonzero
				lastZ = 0
			}
			st.emit(ci, bx, by, blk, lastZ)
		}
	}
}
