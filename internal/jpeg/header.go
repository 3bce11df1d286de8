package jpeg

import "encoding/binary"

// component is one colour channel of the frame.
type component struct {
	id     byte
	h, v   int // sampling factors 1..4
	tq     int // quantization table
	bw, bh int // blocks per line / column, padded to whole MCUs
	// Blocks that hold image data (a non-interleaved scan codes only these).
	dataBW, dataBH int
}

// Config is what the header says, before any pixel is decoded.
type Config struct {
	Width, Height int
	Components    int
	Progressive   bool
	// HMax, VMax are the largest sampling factors (2,2 for 4:2:0; 1,1 for 4:4:4).
	HMax, VMax int
}

// decoder holds the state of one decode.
type decoder struct {
	data []byte
	pos  int

	cfg         Config
	comps       []component
	quant       [4][64]uint16 // natural order
	quantSet    [4]bool
	dc, ac      [4]huffTable
	dcSet       [4]bool
	acSet       [4]bool
	restart     int
	mcusX       int
	mcusY       int
	adobe       bool
	adobeXform  byte
	jfif        bool
	sofSeen     bool
	eoiSeen     bool
	progressive bool
}

// marker returns the next marker code at d.pos, skipping fill bytes; it reports false at
// the end of data or on a byte that is not 0xFF.
func (d *decoder) marker() (byte, bool) {
	if d.pos >= len(d.data) || d.data[d.pos] != 0xFF {
		return 0, false
	}
	for d.pos < len(d.data) && d.data[d.pos] == 0xFF {
		d.pos++
	}
	if d.pos >= len(d.data) {
		return 0, false
	}
	m := d.data[d.pos]
	d.pos++
	return m, true
}

// segment returns the body of the marker segment at d.pos and advances past it.
func (d *decoder) segment() ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, formatErr("truncated segment length")
	}
	n := int(binary.BigEndian.Uint16(d.data[d.pos:]))
	if n < 2 || d.pos+n > len(d.data) {
		return nil, formatErr("bad segment length")
	}
	b := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) parseSOF(b []byte, m byte) error {
	if d.sofSeen {
		return formatErr("two frames")
	}
	d.sofSeen = true
	switch m {
	case 0xC0, 0xC1:
	case 0xC2:
		d.progressive = true
	case 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
		return ErrArithmetic
	default: // C3 lossless, C5-C7 hierarchical
		return ErrUnsupported
	}
	if len(b) < 6 {
		return formatErr("short SOF")
	}
	if b[0] != 8 {
		return ErrUnsupported // 12-bit samples
	}
	h := int(binary.BigEndian.Uint16(b[1:]))
	w := int(binary.BigEndian.Uint16(b[3:]))
	nc := int(b[5])
	if h == 0 {
		return ErrUnsupported // height from DNL
	}
	if w == 0 {
		return formatErr("zero width")
	}
	if nc != 1 && nc != 3 && nc != 4 {
		return formatErr("component count")
	}
	if len(b) < 6+3*nc {
		return formatErr("short SOF")
	}
	d.cfg = Config{Width: w, Height: h, Components: nc, Progressive: d.progressive, HMax: 1, VMax: 1}
	d.comps = make([]component, nc)
	for i := range d.comps {
		c := &d.comps[i]
		c.id = b[6+3*i]
		c.h, c.v = int(b[7+3*i]>>4), int(b[7+3*i]&15)
		c.tq = int(b[8+3*i])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return formatErr("bad component")
		}
		for j := 0; j < i; j++ {
			if d.comps[j].id == c.id {
				return formatErr("duplicate component id")
			}
		}
		d.cfg.HMax, d.cfg.VMax = max(d.cfg.HMax, c.h), max(d.cfg.VMax, c.v)
	}
	if nc == 1 { // a single component is never interleaved: its MCU is one block
		d.comps[0].h, d.comps[0].v = 1, 1
		d.cfg.HMax, d.cfg.VMax = 1, 1
	}
	d.mcusX = (w + 8*d.cfg.HMax - 1) / (8 * d.cfg.HMax)
	d.mcusY = (h + 8*d.cfg.VMax - 1) / (8 * d.cfg.VMax)
	for i := range d.comps {
		c := &d.comps[i]
		if d.cfg.HMax%c.h != 0 || d.cfg.VMax%c.v != 0 {
			return ErrUnsupported // fractional sampling ratios
		}
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		cw := (w*c.h + d.cfg.HMax - 1) / d.cfg.HMax
		ch := (h*c.v + d.cfg.VMax - 1) / d.cfg.VMax
		c.dataBW, c.dataBH = (cw+7)/8, (ch+7)/8
	}
	return nil
}

func (d *decoder) parseDQT(b []byte) error {
	for len(b) > 0 {
		pq, tq := b[0]>>4, int(b[0]&15)
		if tq > 3 || pq > 1 {
			return formatErr("bad DQT")
		}
		b = b[1:]
		n := 64 << pq
		if len(b) < n {
			return formatErr("short DQT")
		}
		for k := 0; k < 64; k++ {
			var q uint16
			if pq == 0 {
				q = uint16(b[k])
			} else {
				q = binary.BigEndian.Uint16(b[2*k:])
			}
			d.quant[tq][zigzag[k]] = q
		}
		d.quantSet[tq] = true
		b = b[n:]
	}
	return nil
}

func (d *decoder) parseDHT(b []byte) error {
	for len(b) > 0 {
		if len(b) < 17 {
			return formatErr("short DHT")
		}
		tc, th := b[0]>>4, int(b[0]&15)
		if tc > 1 || th > 3 {
			return formatErr("bad DHT")
		}
		var counts [16]int
		total := 0
		for i := range counts {
			counts[i] = int(b[1+i])
			total += counts[i]
		}
		if total > 256 || len(b) < 17+total {
			return formatErr("bad DHT")
		}
		t := &d.dc[th]
		if tc == 1 {
			t = &d.ac[th]
			d.acSet[th] = true
		} else {
			d.dcSet[th] = true
		}
		if err := t.build(counts, b[17:17+total]); err != nil {
			return err
		}
		b = b[17+total:]
	}
	return nil
}

func (d *decoder) parseApp14(b []byte) {
	if len(b) >= 12 && string(b[:5]) == "Adobe" {
		d.adobe = true
		d.adobeXform = b[11]
	}
}

// header walks the markers up to the first SOS (left at d.pos, marker consumed).
func (d *decoder) header(stopAtSOF bool) error {
	if len(d.data) < 2 || d.data[0] != 0xFF || d.data[1] != 0xD8 {
		return formatErr("no SOI")
	}
	d.pos = 2
	for {
		m, ok := d.marker()
		if !ok {
			return formatErr("missing marker")
		}
		if err := d.handleMarker(m); err != nil {
			return err
		}
		if m == 0xDA {
			return nil
		}
		if stopAtSOF && d.sofSeen {
			return nil
		}
	}
}

// handleMarker processes one table/misc marker; for SOS it only checks order.
func (d *decoder) handleMarker(m byte) error {
	switch {
	case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7):
		return nil // SOI again, TEM, stray RST: no body
	case m == 0xD9:
		d.eoiSeen = true
		return nil
	case m == 0xDA:
		if !d.sofSeen {
			return formatErr("SOS before SOF")
		}
		return nil
	}
	b, err := d.segment()
	if err != nil {
		return err
	}
	switch {
	case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
		return d.parseSOF(b, m)
	case m == 0xC4:
		return d.parseDHT(b)
	case m == 0xCC:
		return ErrArithmetic // DAC: arithmetic conditioning
	case m == 0xDB:
		return d.parseDQT(b)
	case m == 0xDD:
		if len(b) < 2 {
			return formatErr("short DRI")
		}
		d.restart = int(binary.BigEndian.Uint16(b))
	case m == 0xEE:
		d.parseApp14(b)
	case m == 0xE0:
		d.jfif = len(b) >= 5 && string(b[:5]) == "JFIF\x00"
	}
	return nil
}

// DecodeConfig reads the frame header only.
func DecodeConfig(data []byte) (Config, error) {
	d := decoder{data: data}
	if err := d.header(true); err != nil {
		return Config{}, err
	}
	if !d.sofSeen {
		return Config{}, formatErr("no frame")
	}
	return d.cfg, nil
}

// zigzag[k] is the natural (row-major) index of the k-th coefficient in zigzag order.
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}
