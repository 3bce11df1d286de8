package embed

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestSimilarityRecoversTransform(t *testing.T) {
	tests := []struct {
		name          string
		scale, theta  float64
		tx, ty        float64
		reflectSource bool
	}{
		{"identity", 1, 0, 0, 0, false},
		{"shift", 1, 0, 10, -5, false},
		{"scale rotate", 2.5, 0.3, 100, 40, false},
		{"upside down", 0.4, math.Pi, -3, 7, false},
	}
	for _, tt := range tests {
		c, s := tt.scale*math.Cos(tt.theta), tt.scale*math.Sin(tt.theta)
		want := affine{c, -s, tt.tx, s, c, tt.ty}
		var dst [5]Point
		for i, p := range arcface112 {
			dst[i] = want.apply(p)
		}
		got := similarity(arcface112[:], dst[:])
		for i, pair := range [][2]float64{{got.A, want.A}, {got.B, want.B}, {got.C, want.C}, {got.D, want.D}, {got.E, want.E}, {got.F, want.F}} {
			if !near(pair[0], pair[1], 1e-4) {
				t.Errorf("%s: coefficient %d = %v, want %v", tt.name, i, pair[0], pair[1])
			}
		}
	}
}

// A mirrored point set has no exact similarity; the least-squares fit must still be a
// proper rotation (no reflection), as Umeyama's det correction guarantees.
func TestSimilarityNoReflection(t *testing.T) {
	var mirrored [5]Point
	for i, p := range arcface112 {
		mirrored[i] = Point{112 - p.X, p.Y}
	}
	m := similarity(mirrored[:], arcface112[:])
	if det := m.A*m.E - m.B*m.D; det <= 0 {
		t.Fatalf("det = %v, want > 0", det)
	}
	if !near(m.A, m.E, 1e-9) || !near(m.B, -m.D, 1e-9) {
		t.Fatalf("not a similarity: %+v", m)
	}
}

func TestAffineInvert(t *testing.T) {
	m := affine{1.2, -0.4, 10, 0.4, 1.2, -3}
	inv, ok := m.invert()
	if !ok {
		t.Fatal("invertible matrix reported singular")
	}
	p := Point{17, -4}
	q := inv.apply(m.apply(p))
	if !near(float64(q.X), 17, 1e-4) || !near(float64(q.Y), -4, 1e-4) {
		t.Fatalf("round trip = %v", q)
	}
	if _, ok := (affine{}).invert(); ok {
		t.Fatal("zero matrix reported invertible")
	}
}

func TestWarpAffine(t *testing.T) {
	src := NewRGB(50, 40)
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	// Pure translation by whole pixels copies pixels exactly; outside is black.
	m := affine{1, 0, -5, 0, 1, -3} // dst(u,v) = src(u+5, v+3)
	dst := warpAffine(src, m, 20, 20)
	for v := 0; v < 20; v++ {
		for u := 0; u < 20; u++ {
			for c := 0; c < 3; c++ {
				want := src.Pix[3*((v+3)*50+u+5)+c]
				if got := dst.Pix[3*(v*20+u)+c]; got != want {
					t.Fatalf("(%d,%d,%d) = %d, want %d", u, v, c, got, want)
				}
			}
		}
	}
	out := warpAffine(src, affine{1, 0, 100, 0, 1, 100}, 10, 10)
	for _, v := range out.Pix {
		if v != 0 {
			t.Fatal("pixels outside the source are not black")
		}
	}
	// Half-pixel shift averages neighbours.
	h := warpAffine(src, affine{1, 0, -0.5, 0, 1, 0}, 4, 1)
	want := (float64(src.Pix[0]) + float64(src.Pix[3])) / 2
	if !near(float64(h.Pix[0]), want, 1) {
		t.Fatalf("half-pixel = %d, want %.1f", h.Pix[0], want)
	}
}

func TestAlignTemplate(t *testing.T) {
	// Landmarks of a face twice the template size, shifted: aligning maps them onto the
	// template, so the crop of an image scaled 2x equals the original within rounding.
	src := NewRGB(112, 112)
	for y := 0; y < 112; y++ {
		for x := 0; x < 112; x++ {
			src.Pix[3*(y*112+x)] = uint8(x * 2)
			src.Pix[3*(y*112+x)+1] = uint8(y * 2)
		}
	}
	big := resizeBilinear(src, 224, 224)
	var lm [5]Point
	for i, p := range arcface112 {
		lm[i] = Point{p.X*2 + 0.5, p.Y*2 + 0.5} // pixel centres of the 2x image
	}
	crop := Align(big, lm)
	for _, xy := range [][2]int{{20, 20}, {56, 56}, {90, 100}} {
		i := 3 * (xy[1]*112 + xy[0])
		if d := int(crop.Pix[i]) - int(src.Pix[i]); d > 2 || d < -2 {
			t.Errorf("crop %v red = %d, want %d", xy, crop.Pix[i], src.Pix[i])
		}
	}
}

func TestResizeBilinear(t *testing.T) {
	src := NewRGB(4, 1)
	for x, v := range []uint8{0, 100, 200, 250} {
		src.Pix[3*x] = v
	}
	up := resizeBilinear(src, 8, 1)
	// OpenCV INTER_LINEAR: dst x maps to (x+0.5)/2-0.5 in the source.
	want := []uint8{0, 25, 75, 125, 175, 213, 238, 250}
	for x, w := range want {
		if d := int(up.Pix[3*x]) - int(w); d > 1 || d < -1 {
			t.Errorf("x=%d: %d, want %d", x, up.Pix[3*x], w)
		}
	}
	same := resizeBilinear(src, 4, 1)
	for x := 0; x < 4; x++ {
		if same.Pix[3*x] != src.Pix[3*x] {
			t.Errorf("identity resize changed x=%d", x)
		}
	}
}
