package roc

import (
	"image/color"
	"image/png"
	"io"
)

// Series is one polyline of PlotLines; points outside the axes' range are clamped.
type Series struct {
	Points [][2]float64
	Dashed bool
}

// Axes describe PlotLines' frame.
type Axes struct {
	Title, XLabel, YLabel string
	X0, X1, Y0, Y1        float64
	LogX                  bool
	XTicks, YTicks        []float64
}

var palette = []color.RGBA{blue, red, green, black}

// PlotLines draws each series in its own colour (blue, red, green, black, ...) as PNG.
func PlotLines(w io.Writer, a Axes, series ...Series) error {
	c := newCanvas(a.Title, a.X0, a.X1, a.Y0, a.Y1, a.LogX)
	c.axes(a.XLabel, a.YLabel, a.XTicks, a.YTicks)
	for i, s := range series {
		col := palette[i%len(palette)]
		var lx, ly int
		for j, p := range s.Points {
			x, y := c.px(min(max(p[0], a.X0), a.X1), min(max(p[1], a.Y0), a.Y1))
			if j > 0 && (!s.Dashed || j%2 == 0) {
				c.thick(lx, ly, x, y, col)
			}
			lx, ly = x, y
		}
	}
	return png.Encode(w, c.RGBA)
}
