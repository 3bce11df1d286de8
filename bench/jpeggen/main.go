// Command jpeggen writes a PPM for bench/jpeg_compare.sh and internal/jpeg's testdata: a
// photo cover-cropped and resized to W x H (-src), or, without -src, a synthetic image
// (gradients, a disc, per-pixel noise).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/wajah-id/wajah/embed"
)

func main() {
	w := flag.Int("w", 640, "width")
	h := flag.Int("h", 480, "height")
	src := flag.String("src", "", "source photo (JPEG, PNG or WebP); empty: synthetic")
	out := flag.String("o", "out.ppm", "output PPM")
	flag.Parse()
	if err := run(*src, *w, *h, *out); err != nil {
		fmt.Fprintln(os.Stderr, "jpeggen:", err)
		os.Exit(1)
	}
}

func run(src string, w, h int, out string) error {
	var img *embed.RGB
	if src == "" {
		img = synthetic(w, h)
	} else {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		m, err := embed.Decode(data, embed.Limits{})
		if err != nil {
			return err
		}
		img = cover(m, w, h)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	fmt.Fprintf(bw, "P6\n%d %d\n255\n", img.W, img.H)
	bw.Write(img.Pix)
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cover scales m to cover w x h and crops the centre.
func cover(m *embed.RGB, w, h int) *embed.RGB {
	f := math.Max(float64(w)/float64(m.W), float64(h)/float64(m.H))
	sw, sh := max(w, int(float64(m.W)*f+0.5)), max(h, int(float64(m.H)*f+0.5))
	s := embed.Resize(m, sw, sh)
	out := embed.NewRGB(w, h)
	x0, y0 := (sw-w)/2, (sh-h)/2
	for y := 0; y < h; y++ {
		copy(out.Pix[3*y*w:3*(y+1)*w], s.Pix[3*((y+y0)*sw+x0):])
	}
	return out
}

func synthetic(w, h int) *embed.RGB {
	m := embed.NewRGB(w, h)
	seed := uint32(1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed = seed*1664525 + 1013904223
			n := float64(int(seed>>24) % 24)
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 128 + 100*math.Sin(6*fx+3*fy)
			g := 128 + 100*math.Cos(5*fy-2*fx)
			b := 255 * fx * fy
			if dx, dy := fx-0.5, fy-0.5; dx*dx+dy*dy < 0.05 {
				r, g, b = 230, 200, 170
			}
			i := 3 * (y*w + x)
			m.Pix[i], m.Pix[i+1], m.Pix[i+2] = uint8(min(255, r+n)), uint8(min(255, g+n)), uint8(min(255, b+n))
		}
	}
	return m
}
