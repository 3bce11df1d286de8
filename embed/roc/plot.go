package roc

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

const (
	plotW, plotH = 640, 480
	marginL      = 60
	marginR      = 20
	marginT      = 30
	marginB      = 50
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
	grey  = color.RGBA{210, 210, 210, 255}
	blue  = color.RGBA{30, 90, 200, 255}
	red   = color.RGBA{210, 50, 40, 255}
	green = color.RGBA{20, 150, 60, 255}
)

type canvas struct {
	*image.RGBA
	x0, x1, y0, y1 float64 // data ranges
	logX           bool
}

func newCanvas(title string, x0, x1, y0, y1 float64, logX bool) *canvas {
	c := &canvas{RGBA: image.NewRGBA(image.Rect(0, 0, plotW, plotH)), x0: x0, x1: x1, y0: y0, y1: y1, logX: logX}
	for i := range c.Pix {
		c.Pix[i] = 255
	}
	c.text(plotW/2-len(title)*7/2, 14, title, black)
	return c
}

func (c *canvas) px(x, y float64) (int, int) {
	fx := (x - c.x0) / (c.x1 - c.x0)
	if c.logX {
		fx = (math.Log10(max(x, c.x0)) - math.Log10(c.x0)) / (math.Log10(c.x1) - math.Log10(c.x0))
	}
	fy := (y - c.y0) / (c.y1 - c.y0)
	return marginL + int(fx*float64(plotW-marginL-marginR)), plotH - marginB - int(fy*float64(plotH-marginT-marginB))
}

func (c *canvas) line(x0, y0, x1, y1 int, col color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		c.SetRGBA(x0, y0, col)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e // both tests use the error before this step
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func (c *canvas) thick(x0, y0, x1, y1 int, col color.RGBA) {
	c.line(x0, y0, x1, y1, col)
	c.line(x0, y0+1, x1, y1+1, col)
	c.line(x0+1, y0, x1+1, y1, col)
}

func (c *canvas) text(x, y int, s string, col color.RGBA) {
	d := font.Drawer{Dst: c.RGBA, Src: image.NewUniform(col), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func (c *canvas) axes(xlabel, ylabel string, xticks, yticks []float64) {
	for _, t := range xticks {
		x, _ := c.px(t, c.y0)
		_, yt := c.px(t, c.y1)
		c.line(x, yt, x, plotH-marginB, grey)
		c.text(x-12, plotH-marginB+16, trim(t), black)
	}
	for _, t := range yticks {
		_, y := c.px(c.x0, t)
		c.line(marginL, y, plotW-marginR, y, grey)
		c.text(4, y+4, trim(t), black)
	}
	c.line(marginL, plotH-marginB, plotW-marginR, plotH-marginB, black)
	c.line(marginL, marginT, marginL, plotH-marginB, black)
	c.text(plotW/2-len(xlabel)*3, plotH-12, xlabel, black)
	c.text(4, marginT-4, ylabel, black)
}

func trim(v float64) string {
	if v != 0 && math.Abs(v) < 0.01 {
		return fmt.Sprintf("%.0e", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// PlotROC draws TAR against FAR (log scale, 1e-4..1) as PNG.
func PlotROC(w io.Writer, title string, curve []Point) error {
	c := newCanvas(title, 1e-4, 1, 0, 1, true)
	c.axes("false accept rate (log)", "true accept rate", []float64{1e-4, 1e-3, 1e-2, 1e-1, 1}, []float64{0, 0.2, 0.4, 0.6, 0.8, 1})
	var lx, ly int
	for i, p := range curve {
		x, y := c.px(max(p.FAR, 1e-4), p.TAR)
		if i > 0 {
			c.thick(lx, ly, x, y, blue)
		}
		lx, ly = x, y
	}
	return png.Encode(w, c.RGBA)
}

// PlotHistogram draws the same-pair and different-pair score histograms over [lo, hi] with
// a vertical line at thr, as PNG.
func PlotHistogram(w io.Writer, title string, p []Labeled, lo, hi, thr float64) error {
	const bins = 50
	var hs, hd [bins]int
	ns, nd := 0, 0
	for _, x := range p {
		b := int((x.Score - lo) / (hi - lo) * bins)
		b = max(0, min(bins-1, b))
		if x.Same {
			hs[b]++
			ns++
		} else {
			hd[b]++
			nd++
		}
	}
	top := 0.0
	for b := 0; b < bins; b++ {
		top = max(top, float64(hs[b])/float64(max(ns, 1)), float64(hd[b])/float64(max(nd, 1)))
	}
	top = max(top*1.1, 1e-9)
	c := newCanvas(title, lo, hi, 0, top, false)
	var xt []float64
	for i := 0; i <= 5; i++ {
		xt = append(xt, lo+float64(i)*(hi-lo)/5)
	}
	c.axes("score (green: same, red: different, black: threshold)", "fraction", xt, []float64{0, top / 2, top})
	for _, h := range []struct {
		v   [bins]int
		n   int
		col color.RGBA
	}{{hd, nd, red}, {hs, ns, green}} {
		var lx, ly int
		for b := 0; b < bins; b++ {
			x, y := c.px(lo+(float64(b)+0.5)*(hi-lo)/bins, float64(h.v[b])/float64(max(h.n, 1)))
			if b > 0 {
				c.thick(lx, ly, x, y, h.col)
			}
			lx, ly = x, y
		}
	}
	tx, _ := c.px(thr, 0)
	_, ty := c.px(thr, top)
	c.line(tx, ty, tx, plotH-marginB, black)
	return png.Encode(w, c.RGBA)
}
