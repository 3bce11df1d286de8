package embed

import "image"

// Fast paths for what image/png (16-bit, palette) and x/image/webp (lossy with alpha) return:
// the generic image.At path costs an interface call and a colour conversion per pixel.
// Transparency is composited over white everywhere, as toRGB does.

// overWhite8 composites an 8-bit non-premultiplied value of alpha a over white.
func overWhite8(v, a uint32) uint8 { return uint8((v*a + 255*(255-a) + 127) / 255) }

// nycbcraToRGB converts lossy WebP with alpha: YCbCr as ycbcrToRGB, then alpha over white.
func nycbcraToRGB(m *image.NYCbCrA, dst *RGB) {
	ycbcrToRGB(&m.YCbCr, dst)
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	for y := 0; y < h; y++ {
		arow := m.A[m.AOffset(b.Min.X, b.Min.Y+y):][:w]
		out := dst.Pix[3*y*w:][:3*w]
		for x, a8 := range arow {
			if a8 == 255 {
				continue
			}
			a := uint32(a8)
			out[3*x] = overWhite8(uint32(out[3*x]), a)
			out[3*x+1] = overWhite8(uint32(out[3*x+1]), a)
			out[3*x+2] = overWhite8(uint32(out[3*x+2]), a)
		}
	}
}

// palettedToRGB looks each index up in a 256-entry table built once from the palette
// (image/png pads short palettes itself; an index beyond one reads as black here).
func palettedToRGB(m *image.Paletted, dst *RGB) {
	var lut [256][3]uint8
	for i, c := range m.Palette {
		if i >= 256 {
			break
		}
		r, g, bb, a := c.RGBA() // premultiplied 16-bit
		ia := 0xffff - a
		lut[i] = [3]uint8{uint8((r + ia) >> 8), uint8((g + ia) >> 8), uint8((bb + ia) >> 8)}
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	for y := 0; y < h; y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+w]
		out := dst.Pix[3*y*w:][:3*w]
		for x, idx := range row {
			p := &lut[idx]
			out[3*x], out[3*x+1], out[3*x+2] = p[0], p[1], p[2]
		}
	}
}

// nrgba64ToRGB converts 16-bit non-premultiplied RGBA (big-endian samples), keeping the
// top 8 bits after compositing over white in 16-bit precision.
func nrgba64ToRGB(pix []uint8, stride, w, h int, dst *RGB) {
	for y := 0; y < h; y++ {
		row := pix[y*stride : y*stride+8*w]
		out := dst.Pix[3*y*w:][:3*w]
		for x := 0; x < w; x++ {
			p := row[8*x:][:8]
			a := uint32(p[6])<<8 | uint32(p[7])
			for c := 0; c < 3; c++ {
				v := uint32(p[2*c])<<8 | uint32(p[2*c+1])
				if a != 0xffff {
					v = (v*a + 0xffff*(0xffff-a)) / 0xffff
				}
				out[3*x+c] = uint8(v >> 8)
			}
		}
	}
}

// rgba64ToRGB converts 16-bit premultiplied RGBA: over white adds (0xffff - a).
func rgba64ToRGB(pix []uint8, stride, w, h int, dst *RGB) {
	for y := 0; y < h; y++ {
		row := pix[y*stride : y*stride+8*w]
		out := dst.Pix[3*y*w:][:3*w]
		for x := 0; x < w; x++ {
			p := row[8*x:][:8]
			ia := 0xffff - (uint32(p[6])<<8 | uint32(p[7]))
			for c := 0; c < 3; c++ {
				v := uint32(p[2*c])<<8 | uint32(p[2*c+1])
				out[3*x+c] = uint8((v + ia) >> 8)
			}
		}
	}
}
