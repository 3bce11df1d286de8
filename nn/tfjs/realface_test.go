package tfjs

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/wajah-id/wajah/nn"
)

// resizeLegacy is TensorFlow's legacy bilinear resize (align_corners=false,
// half_pixel_centers=false) as tfjs-cpu computes it: float64 math, float32 storage.
func resizeLegacy(src []float32, inH, inW, c, outH, outW int) []float32 {
	out := make([]float32, outH*outW*c)
	sy, sx := float64(inH)/float64(outH), float64(inW)/float64(outW)
	for y := 0; y < outH; y++ {
		fy := float64(y) * sy
		y0 := int(math.Floor(fy))
		y1 := min(y0+1, inH-1)
		dy := fy - float64(y0)
		for x := 0; x < outW; x++ {
			fx := float64(x) * sx
			x0 := int(math.Floor(fx))
			x1 := min(x0+1, inW-1)
			dx := fx - float64(x0)
			for k := 0; k < c; k++ {
				tl, tr := float64(src[(y0*inW+x0)*c+k]), float64(src[(y0*inW+x1)*c+k])
				bl, br := float64(src[(y1*inW+x0)*c+k]), float64(src[(y1*inW+x1)*c+k])
				top := tl + (tr-tl)*dx
				bottom := bl + (br-bl)*dx
				out[(y*outW+x)*c+k] = float32(top + (bottom-top)*dy)
			}
		}
	}
	return out
}

// TestRealFaces runs the face models on the face crops of human's pipeline (face-ref-a/b,
// cpu backend) fed as face-ref.js feeds them, and compares with its outputs.
func TestRealFaces(t *testing.T) {
	root := oracleDir(t)
	mfn := loadModel(t, "mobilefacenet")
	fres := loadModel(t, "faceres")
	spoof := loadModel(t, "antispoof")
	live := loadModel(t, "liveness")
	for _, face := range []string{"face-ref-a", "face-ref-b"} {
		t.Run(face, func(t *testing.T) {
			dir := filepath.Join(root, face, "cpu")
			crop := readF32(t, filepath.Join(dir, "face0_crop192.f32"))
			if len(crop) != 192*192*3 {
				t.Fatalf("crop has %d values", len(crop))
			}
			var ref struct {
				Faces []struct {
					Antispoof float64   `json:"antispoof"`
					Liveness  []float64 `json:"liveness"`
					Faceres   struct {
						Gender float64 `json:"gender"`
					} `json:"faceres"`
				} `json:"faces"`
			}
			b, err := os.ReadFile(filepath.Join(dir, "face-ref.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &ref); err != nil || len(ref.Faces) == 0 {
				t.Fatalf("face-ref.json: %v", err)
			}
			run := func(m *nn.Model, size int, scale float32) map[string][]float32 {
				in := resizeLegacy(crop, 192, 192, 3, size, size)
				if scale != 1 {
					for i := range in {
						in[i] *= scale
					}
				}
				outs, err := m.Run(&nn.Tensor{Shape: []int{1, size, size, 3}, Data: in})
				if err != nil {
					t.Fatal(err)
				}
				res := map[string][]float32{}
				for i, s := range m.Outputs() {
					res[s.Name] = outs[i].Data
				}
				return res
			}
			check := func(what string, got []float32, want []float32) {
				t.Helper()
				if len(got) != len(want) {
					t.Fatalf("%s: %d values, reference %d", what, len(got), len(want))
				}
				rel, cos := errStats(got, want)
				t.Logf("%s: max abs err %.3g of max |x|, cosine %.9f", what, rel, cos)
				if !(rel <= relTol) || !(cos >= cosTol) {
					t.Errorf("%s: max abs err %.3g of max |x|, cosine %.9f", what, rel, cos)
				}
			}
			check("mobilefacenet", run(mfn, 112, 1)["embeddings"], readF32(t, filepath.Join(dir, "face0_mobilefacenet.f32")))
			fr := run(fres, 224, 255)
			check("faceres descriptor", fr["global_pooling/Mean"], readF32(t, filepath.Join(dir, "face0_faceres1024.f32")))
			f := ref.Faces[0]
			scalar := func(what string, got float32, want float64) {
				t.Helper()
				if d := math.Abs(float64(got) - want); d > 1e-4 {
					t.Errorf("%s = %v, reference %v", what, got, want)
				}
			}
			scalar("gender", fr["gender_pred/Sigmoid"][0], f.Faceres.Gender)
			scalar("antispoof", run(spoof, 128, 1)["Identity"][0], f.Antispoof)
			lv := run(live, 32, 1)["Identity"]
			if len(f.Liveness) != 2 || len(lv) != 2 {
				t.Fatalf("liveness: got %v, reference %v", lv, f.Liveness)
			}
			scalar("liveness[0]", lv[0], f.Liveness[0])
			scalar("liveness[1]", lv[1], f.Liveness[1])
		})
	}
}
