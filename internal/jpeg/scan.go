package jpeg

import (
	"encoding/binary"
	"math/bits"
)

// scanComp is one component of a scan with its tables.
type scanComp struct {
	ci     int
	dc, ac *huffTable
	// Baseline only: by zigzag index, the dequantization factor and the natural index the
	// coefficient goes to, or 64 (a spare slot) when the decode scale drops it.
	qz  [64]int32
	nat [64]uint8
}

// coefStore keeps a progressive file's coefficients at the decode scale: kk values per block
// (the k x k lowest frequencies, natural order within the k x k square) and a bit per
// zigzag position saying whether the coefficient is nonzero (refinement scans read a
// correction bit for every nonzero coefficient, kept or not).
type coefStore struct {
	coef []int16
	nz   []uint64
}

// scan decodes one SOS whose header body is hdr; the entropy data starts at d.pos.
func (d *decoder) scan(hdr []byte, st *state) error {
	if len(hdr) < 1 {
		return formatErr("short SOS")
	}
	ns := int(hdr[0])
	if ns < 1 || ns > 4 || len(hdr) < 1+2*ns+3 {
		return formatErr("bad SOS")
	}
	var sc [4]scanComp
	for i := 0; i < ns; i++ {
		id, tt := hdr[1+2*i], hdr[2+2*i]
		ci := -1
		for j := range d.comps {
			if d.comps[j].id == id {
				ci = j
			}
		}
		if ci < 0 {
			return formatErr("SOS names an unknown component")
		}
		for j := 0; j < i; j++ {
			if sc[j].ci == ci {
				return formatErr("component twice in a scan")
			}
		}
		td, ta := int(tt>>4), int(tt&15)
		if td > 3 || ta > 3 {
			return formatErr("bad table selector")
		}
		sc[i] = scanComp{ci: ci, dc: &d.dc[td], ac: &d.ac[ta]}
	}
	for i := 0; i < ns; i++ {
		s := &sc[i]
		q, cs := &d.quant[d.comps[s.ci].tq], &st.sc[s.ci]
		for z := 0; z < 64; z++ {
			s.qz[z] = int32(q[zigzag[z]])
			s.nat[z] = 64
			if cs.keep[z] {
				s.nat[z] = zigzag[z]
			}
		}
	}
	p := hdr[1+2*ns:]
	ss, se, ah, al := int(p[0]), int(p[1]), int(p[2]>>4), uint(p[2]&15)
	if !d.progressive {
		if ss != 0 || se != 63 || ah != 0 || al != 0 {
			// Tolerated by libjpeg for baseline; the values do not change decoding.
			ss, se, ah, al = 0, 63, 0, 0
		}
	} else {
		if ss > se || se > 63 || al > 13 || (ss == 0 && se != 0) || (ss > 0 && ns != 1) {
			return formatErr("bad progression parameters")
		}
	}
	if ns > 1 {
		blocks := 0
		for i := 0; i < ns; i++ {
			c := &d.comps[sc[i].ci]
			blocks += c.h * c.v
		}
		if blocks > 10 {
			return formatErr("MCU over 10 blocks")
		}
	}
	// Tables the scan needs must exist.
	for i := 0; i < ns; i++ {
		needDC := !d.progressive || (ss == 0 && ah == 0)
		needAC := !d.progressive || ss > 0
		if needDC && !sc[i].dc.ok || needAC && !sc[i].ac.ok {
			return formatErr("scan uses an undefined Huffman table")
		}
		if !d.quantSet[d.comps[sc[i].ci].tq] {
			return formatErr("undefined quantization table")
		}
	}
	if !d.progressive && st.cv == nil { // the first scan of a sequential file
		st.allocPlanes(d, st.img, !d.progressive && ns == len(d.comps))
	}
	br := &st.br
	br.reset(d.data, d.pos)
	var pred [4]int32
	eobrun := int32(0)
	var blkBuf [65]int32 // [64]: where dropped coefficients go
	blk := (*[64]int32)(blkBuf[:64])

	// The block visiting order: interleaved MCUs, or one component's data blocks.
	nx, ny := d.mcusX, d.mcusY
	if ns == 1 {
		c := &d.comps[sc[0].ci]
		nx, ny = c.dataBW, c.dataBH
	}
	done := 0
	for my := 0; my < ny; my++ {
		for mx := 0; mx < nx; mx++ {
			if d.restart > 0 && done > 0 && done%d.restart == 0 {
				if br.overrun() || !br.restartMarker() {
					return formatErr("missing restart marker")
				}
				pred = [4]int32{}
				eobrun = 0
			}
			for i := 0; i < ns; i++ {
				s := &sc[i]
				c := &d.comps[s.ci]
				bh, bv := 1, 1
				if ns > 1 {
					bh, bv = c.h, c.v
				}
				for v := 0; v < bv; v++ {
					for h := 0; h < bh; h++ {
						bx, by := mx*bh+h, my*bv+v
						var err error
						switch {
						case !d.progressive:
							var lastZ int
							lastZ, err = baselineBlock(br, s, &pred[i], &blkBuf)
							if err == nil {
								st.emit(s.ci, bx, by, blk, lastZ)
							}
						case ss == 0 && ah == 0:
							err = st.dcFirst(br, s, &pred[i], al, s.ci, bx, by)
						case ss == 0:
							st.dcRefine(br, al, s.ci, bx, by)
						case ah == 0:
							err = st.acFirst(br, s, ss, se, al, &eobrun, s.ci, bx, by)
						default:
							err = st.acRefine(br, s, ss, se, al, &eobrun, s.ci, bx, by)
						}
						if err != nil {
							return err
						}
					}
				}
			}
			done++
			if done&63 == 0 && br.overrun() {
				return formatErr("truncated scan")
			}
		}
		if st.stream {
			st.cv.rows(st.cv.ready(d, st, my))
		}
	}
	if br.overrun() {
		return formatErr("truncated scan")
	}
	// Continue at the next marker after the entropy data.
	q := br.pos
	for q+1 < len(d.data) && !(d.data[q] == 0xFF && d.data[q+1] != 0 && !(d.data[q+1] >= 0xD0 && d.data[q+1] <= 0xD7)) {
		q++
	}
	d.pos = q
	return nil
}

// baselineBlock decodes one sequential block into blk (natural order, dequantized; the
// coefficients the decode scale drops go to blk[64]; blk is all zero on entry and is left
// for emit to clear). lastZ is the zigzag index of the last coefficient decoded (0: DC only).
//
// The bit buffer lives in locals for the whole block (the compiler keeps them in registers;
// through br every symbol would store and reload them, a store-forwarding delay on the
// chain from one code to the next) and goes back to br around the rare slow calls.
func baselineBlock(br *bitReader, s *scanComp, pred *int32, blk *[65]int32) (lastZ int, err error) {
	acc, n := br.acc, br.n
	if n < 32 {
		acc, n = br.refill(acc, n)
	}
	// DC: its code (<= 16 bits) and magnitude (<= 11) fit in the >= 32 bits present.
	var t uint
	if e := s.dc.look[acc>>(64-lookBits)]; e != 0 {
		l := uint(e >> 8)
		acc <<= l
		n -= l
		t = uint(e & 0xff)
	} else {
		br.acc, br.n = acc, n
		v, ok := br.decode(s.dc)
		acc, n = br.acc, br.n
		if !ok {
			return 0, formatErr("bad DC code")
		}
		t = uint(v)
	}
	if t > 11 {
		return 0, formatErr("bad DC code")
	}
	if t > 0 {
		if n < t {
			acc, n = br.refill(acc, n)
		}
		v := int32(acc >> (64 - t))
		acc <<= t
		n -= t
		if v < 1<<(t-1) {
			v += -1<<t + 1
		}
		*pred += v
	}
	blk[0] = *pred * s.qz[0]
	ac := s.ac
	qz, nat := &s.qz, &s.nat
	// After a refill there are at least 57 bits; a code plus its magnitude bits take at
	// most 16 + 15, so one refill per symbol check suffices. Short code + magnitude pairs
	// come from the fast table in one read; the rest take the lookahead or the slow walk.
	data := br.data
	z := 1
	for z < 64 {
		if n < 31 {
			// refill, its common case inline
			if p := br.pos; p+8 <= len(data) && !br.atMark {
				x := binary.BigEndian.Uint64(data[p:])
				if y := ^x; (y-0x0101010101010101)&^y&0x8080808080808080 == 0 {
					k := (64 - n) >> 3
					br.pos = p + int(k)
					acc |= x >> n
					n += 8 * k
				} else {
					acc, n = br.refill(acc, n)
				}
			} else {
				acc, n = br.refill(acc, n)
			}
		}
		if e := ac.fast[acc>>(64-fastBits)]; e != 0 {
			l := uint(e & 0xff)
			acc <<= l
			n -= l
			z += int(e>>8) & 0xff
			if z > 63 {
				return 0, formatErr("AC run past the block")
			}
			blk[nat[z&63]] = (e >> 16) * qz[z&63]
			lastZ = z
			z++
			continue
		}
		var rs uint8
		if e := ac.look[acc>>(64-lookBits)]; e != 0 {
			l := uint(e >> 8)
			acc <<= l
			n -= l
			rs = uint8(e)
		} else {
			br.acc, br.n = acc, n
			v, ok := br.decode(ac)
			acc, n = br.acc, br.n
			if !ok {
				return 0, formatErr("bad AC code")
			}
			rs = v
		}
		r, sz := int(rs>>4), uint(rs&15)
		if sz == 0 {
			if r != 15 {
				break
			}
			z += 16
			continue
		}
		z += r
		if z > 63 {
			return 0, formatErr("AC run past the block")
		}
		v := int32(acc >> (64 - sz))
		acc <<= sz
		n -= sz
		if v < 1<<(sz-1) {
			v += -1<<sz + 1
		}
		blk[nat[z&63]] = v * qz[z&63]
		lastZ = z
		z++
	}
	br.acc, br.n = acc, n
	return lastZ, nil
}

func (st *state) dcFirst(br *bitReader, s *scanComp, pred *int32, al uint, ci, bx, by int) error {
	t, ok := br.decode(s.dc)
	if !ok || t > 11 {
		return formatErr("bad DC code")
	}
	*pred += br.receiveExtend(uint(t))
	cs := &st.coefs[ci]
	b := by*st.bw[ci] + bx
	cs.coef[b*st.sc[ci].kk] = int16(*pred * (1 << al))
	return nil
}

func (st *state) dcRefine(br *bitReader, al uint, ci, bx, by int) {
	if br.bit() != 0 {
		cs := &st.coefs[ci]
		b := by*st.bw[ci] + bx
		cs.coef[b*st.sc[ci].kk] |= int16(1 << al)
	}
}

func (st *state) acFirst(br *bitReader, s *scanComp, ss, se int, al uint, eobrun *int32, ci, bx, by int) error {
	if *eobrun > 0 {
		*eobrun--
		return nil
	}
	cs := &st.coefs[ci]
	b := by*st.bw[ci] + bx
	kk, slot := st.sc[ci].kk, &st.sc[ci].slot
	coef := cs.coef[b*kk : (b+1)*kk]
	nz := cs.nz[b]
	for z := ss; z <= se; z++ {
		rs, ok := br.decode(s.ac)
		if !ok {
			return formatErr("bad AC code")
		}
		r, sz := int(rs>>4), uint(rs&15)
		if sz == 0 {
			if r < 15 {
				*eobrun = 1<<r - 1
				if r > 0 {
					*eobrun += int32(br.bits(uint(r)))
				}
				break
			}
			z += 15
			continue
		}
		z += r
		if z > se {
			return formatErr("AC run past the band")
		}
		v := br.receiveExtend(sz) * (1 << al)
		if sl := slot[z]; sl >= 0 {
			coef[sl] = int16(v)
		}
		nz |= 1 << uint(z)
	}
	cs.nz[b] = nz
	return nil
}

func (st *state) acRefine(br *bitReader, s *scanComp, ss, se int, al uint, eobrun *int32, ci, bx, by int) error {
	cs := &st.coefs[ci]
	b := by*st.bw[ci] + bx
	kk, slot := st.sc[ci].kk, &st.sc[ci].slot
	coef := cs.coef[b*kk : (b+1)*kk]
	nz := cs.nz[b]
	p1 := int16(1 << al)
	m1 := int16(-1 << al)
	correct := func(z int) {
		if br.bit() != 0 {
			if sl := slot[z]; sl >= 0 {
				c := coef[sl]
				if c&p1 == 0 {
					if c >= 0 {
						coef[sl] = c + p1
					} else {
						coef[sl] = c + m1
					}
				}
			}
		}
	}
	z := ss
	if *eobrun == 0 {
		for ; z <= se; z++ {
			rs, ok := br.decode(s.ac)
			if !ok {
				return formatErr("bad AC code")
			}
			r, sz := int(rs>>4), rs&15
			var val int16
			if sz != 0 {
				if sz != 1 {
					return formatErr("refinement coefficient larger than 1")
				}
				if br.bit() != 0 {
					val = p1
				} else {
					val = m1
				}
			} else if r != 15 {
				*eobrun = 1 << r
				if r > 0 {
					*eobrun += int32(br.bits(uint(r)))
				}
				break
			}
			for ; z <= se; z++ {
				if nz&(1<<uint(z)) != 0 {
					correct(z)
				} else {
					r--
					if r < 0 {
						break
					}
				}
			}
			if val != 0 {
				if z > se {
					return formatErr("refinement past the band")
				}
				if sl := slot[z]; sl >= 0 {
					coef[sl] = val
				}
				nz |= 1 << uint(z)
			}
		}
	}
	if *eobrun > 0 {
		// Only nonzero coefficients in the band get a correction bit.
		band := nz & bandMask(z, se)
		for band != 0 {
			zz := bits.TrailingZeros64(band)
			band &= band - 1
			correct(zz)
		}
		*eobrun--
	}
	cs.nz[b] = nz
	return nil
}

// bandMask has bits lo..hi set (empty when lo > hi).
func bandMask(lo, hi int) uint64 {
	if lo > hi {
		return 0
	}
	m := ^uint64(0) >> uint(63-hi)
	return m &^ (1<<uint(lo) - 1)
}
