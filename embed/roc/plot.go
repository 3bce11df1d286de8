package roc

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The plots are drawn by gonum.org/v1/plot (labelled axes, ticks, legend) as 640x480 PNGs.

const (
	plotW, plotH = 640, 480 // pixels
	plotDPI      = 96
)

var palette = []color.Color{
	color.RGBA{30, 90, 200, 255},  // blue
	color.RGBA{210, 50, 40, 255},  // red
	color.RGBA{20, 150, 60, 255},  // green
	color.RGBA{0, 0, 0, 255},      // black
	color.RGBA{230, 140, 20, 255}, // orange
}

// Series is one polyline of PlotLines; points outside the axes' range are clamped. Name is
// its legend entry (none when empty); Color, when set, replaces the palette's.
type Series struct {
	Name   string
	Points [][2]float64
	Dashed bool
	Color  color.Color
}

// Axes describe PlotLines' frame. Ticks are labelled where given, else chosen by the plot.
type Axes struct {
	Title, XLabel, YLabel string
	X0, X1, Y0, Y1        float64
	LogX                  bool
	XTicks, YTicks        []float64
	LegendBottom          bool // legend in the lower corner instead of the upper one
	LegendLeft            bool // legend on the left instead of the right
}

// PlotLines draws each series in its own colour (blue, red, green, black, ...) as PNG.
func PlotLines(w io.Writer, a Axes, series ...Series) error {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = a.Title, a.XLabel, a.YLabel
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = a.X0, a.X1, a.Y0, a.Y1
	if a.LogX {
		p.X.Scale = plot.LogScale{}
	}
	if len(a.XTicks) > 0 {
		p.X.Tick.Marker = ticks(a.XTicks)
	}
	if len(a.YTicks) > 0 {
		p.Y.Tick.Marker = ticks(a.YTicks)
	}
	p.Add(plotter.NewGrid())
	// The legend sits inside the axes, clear of the frame.
	p.Legend.Top, p.Legend.Left = !a.LegendBottom, a.LegendLeft
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(45), vg.Points(40)
	if p.Legend.Left {
		p.Legend.XOffs = vg.Points(60)
	}
	if p.Legend.Top {
		p.Legend.YOffs = -vg.Points(30)
	}
	for i, s := range series {
		xy := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			xy[j].X, xy[j].Y = min(max(pt[0], a.X0), a.X1), min(max(pt[1], a.Y0), a.Y1)
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("roc: series %d: %w", i, err)
		}
		l.Color, l.Width = palette[i%len(palette)], vg.Points(1.5)
		if s.Color != nil {
			l.Color = s.Color
		}
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(4)}
		}
		p.Add(l)
		if s.Name != "" {
			p.Legend.Add(s.Name, l)
		}
	}
	return writePNG(w, p)
}

// PlotROC draws TAR against FAR (log scale, 1e-4..1) as PNG.
func PlotROC(w io.Writer, title string, curve []Point) error {
	pts := make([][2]float64, len(curve))
	for i, c := range curve {
		pts[i] = [2]float64{max(c.FAR, 1e-4), c.TAR}
	}
	return PlotLines(w, Axes{Title: title, XLabel: "false accept rate (log scale)", YLabel: "true accept rate",
		X0: 1e-4, X1: 1, Y0: 0, Y1: 1, LogX: true, LegendBottom: true,
		XTicks: []float64{1e-4, 1e-3, 1e-2, 1e-1, 1}, YTicks: []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		Series{Name: "ROC", Points: pts})
}

// PlotHistogram draws the same-pair and different-pair score histograms over [lo, hi] (the
// fraction of each set's pairs per bin) with a vertical line at thr, as PNG.
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
	same, diff := make([][2]float64, bins), make([][2]float64, bins)
	for b := range bins {
		x := lo + (float64(b)+0.5)*(hi-lo)/bins
		same[b] = [2]float64{x, float64(hs[b]) / float64(max(ns, 1))}
		diff[b] = [2]float64{x, float64(hd[b]) / float64(max(nd, 1))}
		top = max(top, same[b][1], diff[b][1])
	}
	top = max(top*1.1, 1e-9)
	var xt []float64
	for i := 0; i <= 7; i++ {
		xt = append(xt, lo+float64(i)*(hi-lo)/7)
	}
	return PlotLines(w, Axes{Title: title, XLabel: "score", YLabel: "fraction of pairs", X0: lo, X1: hi, Y0: 0, Y1: top,
		XTicks: xt, LegendLeft: true},
		Series{Name: fmt.Sprintf("different person (%d pairs)", nd), Points: diff},
		Series{Name: fmt.Sprintf("same person (%d pairs)", ns), Points: same, Color: palette[2]},
		Series{Name: fmt.Sprintf("threshold %.3g", thr), Points: [][2]float64{{thr, 0}, {thr, top}}, Dashed: true, Color: palette[3]})
}

// ticks labels exactly the given values.
func ticks(vs []float64) plot.ConstantTicks {
	t := make(plot.ConstantTicks, len(vs))
	for i, v := range vs {
		t[i] = plot.Tick{Value: v, Label: trim(math.Round(v*1e9) / 1e9)} // -6e-17 is 0
	}
	return t
}

func trim(v float64) string {
	if v != 0 && (v < 0.01 && v > -0.01 || v >= 1e4) {
		return fmt.Sprintf("%.0e", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// writePNG renders p at plotW x plotH pixels.
func writePNG(w io.Writer, p *plot.Plot) error {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(plotW)*vg.Inch/plotDPI, vg.Length(plotH)*vg.Inch/plotDPI), vgimg.UseDPI(plotDPI))
	p.Draw(draw.New(c))
	_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}
