package jpeg_test

import (
	"bytes"
	"errors"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/internal/jpeg"
)

// Tolerances, in 8-bit levels per channel, against image/jpeg's pixels put through embed's
// YCbCr conversion (the same fancy upsampling and colour constants). The two decoders use
// different integer IDCTs (libjpeg islow here, a Chen-Wang variant there): at scale 1 they
// differ by at most 1 in Y/Cb/Cr, which the colour matrix can turn into up to 3 in R or B.
const (
	tolScale1Max  = 4
	tolScale1Mean = 0.5
	// At 1/2..1/8 the reference is image/jpeg box-filtered over s x s pixels; the reduced
	// IDCT is a band-limited resampling, not a box, so edges differ more.
	tolScaledMean = 3.5
)

var files = []string{"s1x1.jpg", "s2x1.jpg", "s2x2.jpg", "s1x2.jpg", "s1x1-prog.jpg", "s2x1-prog.jpg",
	"s2x2-prog.jpg", "s1x2-prog.jpg", "s2x2-rst.jpg", "grey.jpg", "grey-prog.jpg",
	"rgb.jpg", "optimized.jpg"}

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reference decodes with image/jpeg and converts as embed does.
func reference(t testing.TB, data []byte) *embed.RGB {
	m, err := stdjpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return embed.FromImage(m)
}

// boxDown averages s x s cells (partial cells at the right and bottom edges).
func boxDown(m *embed.RGB, s int) *embed.RGB {
	w, h := (m.W+s-1)/s, (m.H+s-1)/s
	out := embed.NewRGB(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				sum, n := 0, 0
				for yy := y * s; yy < min(m.H, (y+1)*s); yy++ {
					for xx := x * s; xx < min(m.W, (x+1)*s); xx++ {
						sum += int(m.Pix[3*(yy*m.W+xx)+c])
						n++
					}
				}
				out.Pix[3*(y*w+x)+c] = uint8((sum + n/2) / n)
			}
		}
	}
	return out
}

func compare(t *testing.T, name string, got *jpeg.Image, want *embed.RGB) (maxd int, mean float64) {
	t.Helper()
	if got.W != want.W || got.H != want.H {
		t.Fatalf("%s: %dx%d, want %dx%d", name, got.W, got.H, want.W, want.H)
	}
	sum := 0
	for i := range got.Pix {
		d := int(got.Pix[i]) - int(want.Pix[i])
		if d < 0 {
			d = -d
		}
		maxd = max(maxd, d)
		sum += d
	}
	return maxd, float64(sum) / float64(len(got.Pix))
}

func TestAgainstImageJPEG(t *testing.T) {
	for _, f := range files {
		data := read(t, f)
		ref := reference(t, data)
		for _, s := range []int{1, 2, 4, 8} {
			got, err := jpeg.Decode(data, jpeg.Options{Scale: s})
			if err != nil {
				t.Fatalf("%s 1/%d: %v", f, s, err)
			}
			if s == 1 {
				maxd, mean := compare(t, f, got, ref)
				t.Logf("%s 1/1: max %d mean %.3f", f, maxd, mean)
				if maxd > tolScale1Max || mean > tolScale1Mean {
					t.Errorf("%s scale 1: max diff %d (tol %d), mean %.3f (tol %.1f)", f, maxd, tolScale1Max, mean, tolScale1Mean)
				}
				continue
			}
			maxd, mean := compare(t, f, got, boxDown(ref, s))
			t.Logf("%s 1/%d: max %d mean %.3f", f, s, maxd, mean)
			if mean > tolScaledMean {
				t.Errorf("%s scale 1/%d: mean diff %.3f against the box filter (tol %.1f)", f, s, mean, tolScaledMean)
			}
		}
	}
}

// A progressive file and its baseline twin (cjpeg, same quality: the same quantized
// coefficients) decode to identical pixels at every scale. s2x2-prog-rst.jpg (progressive
// with a restart interval of one MCU row) is checked this way only: image/jpeg refuses it.
func TestProgressiveEqualsBaseline(t *testing.T) {
	for _, p := range [][2]string{{"s1x1-prog.jpg", "s1x1.jpg"}, {"s2x1-prog.jpg", "s2x1.jpg"}, {"s2x2-prog.jpg", "s2x2.jpg"},
		{"s1x2-prog.jpg", "s1x2.jpg"}, {"s2x2-prog-rst.jpg", "s2x2-rst.jpg"}, {"grey-prog.jpg", "grey.jpg"}} {
		for _, s := range []int{1, 2, 4, 8} {
			a, err := jpeg.Decode(read(t, p[0]), jpeg.Options{Scale: s})
			if err != nil {
				t.Fatalf("%s: %v", p[0], err)
			}
			b, err := jpeg.Decode(read(t, p[1]), jpeg.Options{Scale: s})
			if err != nil {
				t.Fatalf("%s: %v", p[1], err)
			}
			if !bytes.Equal(a.Pix, b.Pix) {
				t.Errorf("%s and %s differ at 1/%d", p[0], p[1], s)
			}
		}
	}
}

func TestRefused(t *testing.T) {
	if _, err := jpeg.Decode(read(t, "arith.jpg"), jpeg.Options{}); !errors.Is(err, jpeg.ErrArithmetic) || !errors.Is(err, jpeg.ErrUnsupported) {
		t.Fatalf("arithmetic: %v", err)
	}
}
