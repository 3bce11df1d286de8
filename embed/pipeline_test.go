package embed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wajah-id/wajah/models"
)

// facesSmall is the shared test photo set; tests that need it skip when it is absent.
const facesSmall = "../../shared/data/faces-small"

var (
	pipeOnce sync.Once
	pipe     *Pipeline
	pipeErr  error
)

func testPipeline(t testing.TB) *Pipeline {
	t.Helper()
	pipeOnce.Do(func() { pipe, pipeErr = New(Options{}) })
	if errors.Is(pipeErr, models.ErrMissing) {
		t.Skipf("models not fetched: %v", pipeErr)
	}
	if pipeErr != nil {
		t.Fatal(pipeErr)
	}
	return pipe
}

func photo(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(facesSmall, rel))
	if os.IsNotExist(err) {
		t.Skipf("%s absent (needs ../shared/data/faces-small)", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeFull decodes a photo at its full size, not Decode's reduced JPEG decode: tests that
// draw on d.Full at detected landmarks (which are in original pixels) need the two frames
// to be one.
func decodeFull(t testing.TB, p *Pipeline, rel string) *Decoded {
	t.Helper()
	img, err := Decode(photo(t, rel), p.opts.Limits)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return p.Prepare(img)
}

// firstFace decodes a photo at full size and detects it: the frame and its first face.
func firstFace(t testing.TB, p *Pipeline, rel string) (*Decoded, *Face) {
	t.Helper()
	d := decodeFull(t, p, rel)
	faces, err := p.Detect(context.Background(), d)
	if err != nil || len(faces) == 0 {
		t.Fatalf("%s: detect: %d faces, %v", rel, len(faces), err)
	}
	return d, &faces[0]
}

func jpegOf(t testing.TB, img *RGB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img.Image(), &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const (
	exObama  = "face_recognition/examples/obama.jpg"
	exObama2 = "face_recognition/examples/obama2.jpg"
	exBiden  = "face_recognition/examples/biden.jpg"
	exTwo    = "face_recognition/examples/two_people.jpg"
)

// heavy skips a whole-pipeline test under -race and -short: nn inference is the bulk of
// its cost and has its own race tests; TestConcurrentExtract still runs.
func heavy(t testing.TB) {
	t.Helper()
	if raceBuild || testing.Short() {
		t.Skip("model-heavy; runs without -race and -short")
	}
}

func extract(t *testing.T, p *Pipeline, data []byte, o ExtractOptions) Face {
	t.Helper()
	f, err := p.Extract(context.Background(), data, o)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return f
}

func TestExtractFace(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	f := extract(t, p, photo(t, exObama), ExtractOptions{})
	if len(f.Embedding) != Dim {
		t.Fatalf("embedding length %d", len(f.Embedding))
	}
	var n float64
	for _, v := range f.Embedding {
		n += float64(v) * float64(v)
	}
	if math.Abs(n-1) > 1e-4 {
		t.Fatalf("embedding norm^2 = %v", n)
	}
	for i, l := range f.Landmarks {
		if l.X < f.Box.X0 || l.X > f.Box.X1 || l.Y < f.Box.Y0 || l.Y > f.Box.Y1 {
			t.Errorf("landmark %d %v outside box %v", i, l, f.Box)
		}
	}
	if f.Landmarks[LeftEye].X >= f.Landmarks[RightEye].X || f.Landmarks[Nose].Y <= f.Landmarks[LeftEye].Y ||
		f.Landmarks[MouthLeft].Y <= f.Landmarks[Nose].Y {
		t.Errorf("landmarks not in face order: %v", f.Landmarks)
	}
	q := f.Quality
	if q.FaceSize < 80 || q.FaceSize > 140 || math.Abs(float64(q.Yaw)) > 20 || math.Abs(float64(q.Pitch)) > 25 ||
		q.Exposure < 0.2 || q.Exposure > 0.8 || q.Blur <= 0 || f.Score < 0.9 {
		t.Errorf("implausible face: score %v quality %+v", f.Score, q)
	}
	if f.Masked {
		t.Errorf("bare face reported masked (%v)", f.MaskScore)
	}
}

func TestSamePersonSimilar(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	emb := map[string][]float32{}
	for _, rel := range []string{exObama, exObama2, exBiden, "face_recognition/examples/knn_examples/train/biden/biden2.jpg"} {
		emb[rel] = extract(t, p, photo(t, rel), ExtractOptions{}).Embedding
	}
	tests := []struct {
		a, b string
		same bool
	}{
		{exObama, exObama2, true},
		{exBiden, "face_recognition/examples/knn_examples/train/biden/biden2.jpg", true},
		{exObama, exBiden, false},
		{exObama2, "face_recognition/examples/knn_examples/train/biden/biden2.jpg", false},
	}
	for _, tt := range tests {
		s := Similarity(Cosine(emb[tt.a], emb[tt.b]))
		if (s >= 0.75) != tt.same {
			t.Errorf("%s vs %s: similarity %.3f, same=%v", filepath.Base(tt.a), filepath.Base(tt.b), s, tt.same)
		}
	}
}

func TestQualityGate(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	two := photo(t, exTwo)
	// A tiny face: obama.jpg shrunk so that eye-to-mouth is about 28 px.
	img, err := Decode(photo(t, exObama), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	tiny := jpegOf(t, Shrink(img, 300))
	// A landscape: sky gradient over textured ground, no face.
	land := NewRGB(640, 480)
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			i := 3 * (y*640 + x)
			if y < 300 {
				land.Pix[i], land.Pix[i+1], land.Pix[i+2] = uint8(90+y/4), uint8(140+y/5), 230
			} else {
				v := uint8((x*7 + y*13) % 40)
				land.Pix[i], land.Pix[i+1], land.Pix[i+2] = 40+v, 110+v, 30+v/2
			}
		}
	}
	tests := []struct {
		name string
		data []byte
		opts ExtractOptions
		want error
	}{
		{"two people at enrolment", two, ExtractOptions{Purpose: PurposeEnroll}, ErrMultipleFaces},
		{"two people at verification", two, ExtractOptions{Purpose: PurposeVerify}, nil},
		{"tiny face at verification", tiny, ExtractOptions{}, ErrFaceTooSmall},
		{"tiny face at enrolment", tiny, ExtractOptions{Purpose: PurposeEnroll}, ErrFaceTooSmall},
		{"tiny face forced at enrolment", tiny, ExtractOptions{Purpose: PurposeEnroll, Force: true}, nil},
		{"tiny face forced at verification", tiny, ExtractOptions{Force: true}, ErrFaceTooSmall},
		{"landscape", jpegOf(t, land), ExtractOptions{}, ErrNoFace},
		{"white png", photo(t, "faceapi/test/images/white.png"), ExtractOptions{}, ErrNoFace},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), ExtractOptions{}, ErrImageType},
	}
	for _, tt := range tests {
		f, err := p.Extract(context.Background(), tt.data, tt.opts)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
			continue
		}
		if err == nil && len(f.Embedding) != Dim {
			t.Errorf("%s: no embedding", tt.name)
		}
	}
	faces, err := p.Faces(context.Background(), two)
	if err != nil || len(faces) != 2 {
		t.Fatalf("Faces(two people) = %d faces, %v", len(faces), err)
	}
	if Cosine(faces[0].Embedding, faces[1].Embedding) > CosineFor(0.75) {
		t.Errorf("the two people match each other")
	}
}

func TestDetectScaleInvariant(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	img, err := Decode(photo(t, exObama), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ref := extract(t, p, jpegOf(t, img), ExtractOptions{})
	// A 2.5x larger copy goes through the early downscale; landmarks come back in its pixels.
	big := Resize(img, img.W*5/2, img.H*5/2)
	if max(big.W, big.H) <= p.opts.WorkSide {
		t.Fatal("test image does not exercise the downscale")
	}
	f := extract(t, p, jpegOf(t, big), ExtractOptions{})
	for i := range f.Landmarks {
		dx := float64(f.Landmarks[i].X/2.5 - ref.Landmarks[i].X)
		dy := float64(f.Landmarks[i].Y/2.5 - ref.Landmarks[i].Y)
		// MTCNN landmarks jitter by a few percent of the face across pyramid scales.
		if math.Hypot(dx, dy) > 0.06*float64(ref.Quality.FaceSize) {
			t.Errorf("landmark %d moved %.1f px", i, math.Hypot(dx, dy))
		}
	}
	if c := Cosine(f.Embedding, ref.Embedding); c < 0.9 {
		t.Errorf("cosine with the original size = %.3f", c)
	}
}

// TestConcurrentExtract runs the pipeline from several goroutines on one small photo: the
// race detector's view of the shared models, and every result must agree.
func TestConcurrentExtract(t *testing.T) {
	p := testPipeline(t)
	data := photo(t, "face_recognition/examples/obama_small.jpg")
	const n = 3
	faces := make([]Face, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			faces[i], errs[i] = p.Extract(context.Background(), data, ExtractOptions{})
		}()
	}
	wg.Wait()
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if c := Cosine(faces[i].Embedding, faces[0].Embedding); c < 0.9999 {
			t.Fatalf("goroutine %d: embedding differs (cosine %v)", i, c)
		}
	}
	if q := faces[0].Quality.FaceSize; q < 40 || q > 60 {
		t.Errorf("obama_small face size %v, want about 50", q)
	}
}

func benchPhoto(b *testing.B, w, h int) []byte {
	img, err := Decode(photo(b, "face_recognition/examples/obama-1080p.jpg"), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	return jpegOf(b, Resize(img, w, h))
}

func BenchmarkStages(b *testing.B) {
	p := testPipeline(b)
	for _, sz := range [][2]int{{640, 480}, {1920, 1080}} {
		data := benchPhoto(b, sz[0], sz[1])
		d, err := p.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		faces, err := p.Detect(context.Background(), d)
		if err != nil || len(faces) == 0 {
			b.Fatalf("detect: %d faces, %v", len(faces), err)
		}
		f := &faces[0]
		crop := p.AlignFace(d, f)
		emb, err := p.EmbedCrops(crop)
		if err != nil {
			b.Fatal(err)
		}
		prefix := map[int]string{640: "640x480", 1920: "1920x1080"}[sz[0]]
		b.Run("decode/"+prefix, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("detect/"+prefix, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Detect(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("align/"+prefix, func(b *testing.B) {
			for b.Loop() {
				p.AlignFace(d, f)
			}
		})
		b.Run("embed/"+prefix, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.EmbedCrops(crop); err != nil {
					b.Fatal(err)
				}
			}
		})
		if p.mask != nil {
			b.Run("mask/"+prefix, func(b *testing.B) {
				for b.Loop() {
					p.mask.Predict(MaskInput{Crop: crop, Emb: emb[0], LowerMap: make([]float32, LowerMapDim)})
				}
			})
		}
		b.Run("extract/"+prefix, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Extract(context.Background(), data, ExtractOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Large photos (obama-1080p upscaled, with noise), the same pixels as JPEG and PNG,
	// decoded as Pipeline.Decode does (the JPEG at its reduced DCT scale; PNG has no reduced
	// decode) but under a 256 MiB encoded limit, since such a PNG is far over the default
	// 24 MiB. B/op is what one decode allocates (its peak live heap is at most that); est-MB
	// is what max-decode-mb charges for it (DecodeCost), enc-MB the encoded size. The
	// images are made here, not committed.
	lim := Limits{MaxBytes: 256 << 20}
	for _, sz := range [][2]int{{4000, 3000}, {8000, 6000}} {
		var rgb *RGB
		for _, format := range []string{"jpeg", "jpeg-full", "png"} { // jpeg-full: at scale 1, for reference
			b.Run(fmt.Sprintf("decode/%dx%d/%s", sz[0], sz[1], format), func(b *testing.B) {
				if rgb == nil {
					src, err := Decode(photo(b, "face_recognition/examples/obama-1080p.jpg"), Limits{})
					if err != nil {
						b.Fatal(err)
					}
					rgb = Resize(src, sz[0], sz[1])
					// Sensor-like noise (uniform +-6 levels): an upscaled photo alone is so
					// smooth that both formats would encode and decode unrealistically fast.
					r := rand.New(rand.NewPCG(1, 2))
					for i, v := range rgb.Pix {
						rgb.Pix[i] = uint8(min(max(int(v)+r.IntN(13)-6, 0), 255))
					}
				}
				data := jpegOf(b, rgb)
				if format == "png" {
					var buf bytes.Buffer
					if err := png.Encode(&buf, rgb.Image()); err != nil {
						b.Fatal(err)
					}
					data = buf.Bytes()
				}
				side := p.opts.DecodeSide
				if format == "jpeg-full" {
					side = 1 << 30
				}
				b.ReportAllocs()
				for b.Loop() {
					img, _, err := DecodeReduced(data, lim, side)
					if err != nil {
						b.Fatal(err)
					}
					p.Prepare(img)
				}
				b.ReportMetric(float64(len(data))/(1<<20), "enc-MB")
				b.ReportMetric(float64(decodeCost(data, lim, side, p.opts.WorkSide, 0))/(1<<20), "est-MB")
			})
		}
	}
}
