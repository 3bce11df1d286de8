package nn

import (
	"bufio"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const facesDir = "../../shared/data/faces-small"

// faceCrops loads the tight 150x150 face crops of faces-small (face-api.js examples) with
// their identities.
func faceCrops(t *testing.T) (imgs []image.Image, ids []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(facesDir, "manifest.tsv"))
	if err != nil {
		t.Skipf("faces-small not available: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 || cols[1] == "" || !strings.HasPrefix(cols[0], "faceapi/examples/images/") {
			continue
		}
		r, err := os.Open(filepath.Join(facesDir, cols[0]))
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", cols[0], err)
		}
		imgs = append(imgs, img)
		ids = append(ids, cols[1])
	}
	if len(imgs) < 10 {
		t.Skip("faces-small has too few labelled crops")
	}
	return imgs, ids
}

const faceMargin = 0.1

// faceTensor resizes img (bilinear) to 112x112 RGB normalised as MobileFaceNet.kt does.
func faceTensor(img image.Image, dst []float32) {
	b := img.Bounds()
	const s = 112
	// The crops are tighter than MobileFaceNet's training alignment: sample a window that
	// reaches faceMargin beyond each side (edges replicate).
	w, h := float64(b.Dx())*(1+2*faceMargin), float64(b.Dy())*(1+2*faceMargin)
	ox, oy := -float64(b.Dx())*faceMargin, -float64(b.Dy())*faceMargin
	for y := 0; y < s; y++ {
		fy := oy + (float64(y)+0.5)*h/s - 0.5
		for x := 0; x < s; x++ {
			fx := ox + (float64(x)+0.5)*w/s - 0.5
			var px [3]float64
			x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
			wx, wy := fx-float64(x0), fy-float64(y0)
			for _, tap := range [4]struct {
				dx, dy int
				w      float64
			}{{0, 0, (1 - wx) * (1 - wy)}, {1, 0, wx * (1 - wy)}, {0, 1, (1 - wx) * wy}, {1, 1, wx * wy}} {
				xx := min(max(x0+tap.dx, 0), b.Dx()-1) + b.Min.X
				yy := min(max(y0+tap.dy, 0), b.Dy()-1) + b.Min.Y
				r, g, bb, _ := img.At(xx, yy).RGBA()
				px[0] += tap.w * float64(r>>8)
				px[1] += tap.w * float64(g>>8)
				px[2] += tap.w * float64(bb>>8)
			}
			for c := 0; c < 3; c++ {
				dst[(y*s+x)*3+c] = float32((px[c] - 127.5) / 128)
			}
		}
	}
}

func TestMobileFaceNetIdentity(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds 40 faces")
	}
	m := loadModel(t, "MobileFaceNet.tflite")
	imgs, ids := faceCrops(t)
	const per = 112 * 112 * 3
	x := &Tensor{Shape: []int{len(imgs), 112, 112, 3}, Data: make([]float32, len(imgs)*per)}
	for i, img := range imgs {
		faceTensor(img, x.Data[i*per:(i+1)*per])
	}
	out, err := m.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	emb := out[0].Data
	d := out[0].Shape[1]
	for i := range imgs {
		v := emb[i*d : (i+1)*d]
		var n float64
		for _, e := range v {
			n += float64(e * e)
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(n))
		}
	}
	cos := func(i, j int) float64 {
		var s float64
		for k := 0; k < d; k++ {
			s += float64(emb[i*d+k] * emb[j*d+k])
		}
		return s
	}
	var same, diff []float64
	correct := 0
	for i := range imgs {
		best, bestJ := -2.0, -1
		for j := range imgs {
			if i == j {
				continue
			}
			c := cos(i, j)
			if ids[i] == ids[j] {
				same = append(same, c)
			} else {
				diff = append(diff, c)
			}
			if c > best {
				best, bestJ = c, j
			}
		}
		if ids[bestJ] == ids[i] {
			correct++
		}
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	acc := float64(correct) / float64(len(imgs))
	ordered := 0 // AUC: share of (same, different) pairs ranked correctly
	for _, a := range same {
		for _, b := range diff {
			if a > b {
				ordered++
			}
		}
	}
	auc := float64(ordered) / float64(len(same)*len(diff))
	t.Logf("%d faces, unaligned crops: mean cosine same %.3f, different %.3f; AUC %.3f; nearest-neighbour identity accuracy %.3f",
		len(imgs), mean(same), mean(diff), auc, acc)
	if auc < 0.75 { // unaligned crops; a broken runtime scores about 0.5
		t.Errorf("same/different AUC %.3f < 0.75", auc)
	}
	if mean(same)-mean(diff) < 0.1 {
		t.Errorf("same-person cosine %.3f not well above different-person %.3f", mean(same), mean(diff))
	}
	if acc < 0.8 {
		t.Errorf("nearest-neighbour identity accuracy %.3f < 0.8", acc)
	}
}
