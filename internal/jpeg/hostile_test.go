package jpeg_test

import (
	"bytes"
	stdjpeg "image/jpeg"
	"runtime"
	"testing"

	"github.com/wajah-id/wajah/internal/jpeg"
	"github.com/wajah-id/wajah/internal/jpeg/jpegtest"
)

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc delta): an upper
// bound of the peak heap it adds, whatever the collector does meanwhile.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// The hostile file decodes to flat grey, and at scale 1/2 (what embed uses for 4096 px with
// a 1280 px working side) the decoder allocates under 60 MB (image/jpeg: 240 MB): kept
// coefficients at 40 bytes per block (31 MB), planes and the 2048x2048 RGB output.
func TestHostileProgressive(t *testing.T) {
	data := jpegtest.HostileProgressive(4096, 4096)
	t.Logf("hostile file: %d bytes", len(data))
	cfg, err := jpeg.DecodeConfig(data)
	if err != nil || cfg.Width != 4096 || !cfg.Progressive {
		t.Fatalf("config %+v, %v", cfg, err)
	}
	var img *jpeg.Image
	n := allocated(func() {
		img, err = jpeg.Decode(data, jpeg.Options{Scale: 2})
	})
	if err != nil {
		t.Fatal(err)
	}
	if img.W != 2048 || img.H != 2048 || img.Pix[0] != 128 || img.Pix[len(img.Pix)-1] != 128 {
		t.Fatalf("%dx%d, first %d", img.W, img.H, img.Pix[0])
	}
	const bound = 60 << 20
	t.Logf("scale 1/2: %.1f MB allocated (estimate %.1f MB)", float64(n)/(1<<20), float64(jpeg.EstimateBytes(cfg, 2))/(1<<20))
	if n > bound {
		t.Errorf("allocated %d bytes > %d", n, bound)
	}
	if est := jpeg.EstimateBytes(cfg, 2); uint64(est) < n*9/10 || uint64(est) > n*11/10 {
		t.Errorf("EstimateBytes %d is not within 10%% of the %d allocated", est, n)
	}
	if testing.Short() {
		return
	}
	ref := allocated(func() { _, err = stdjpeg.Decode(bytes.NewReader(data)) })
	t.Logf("image/jpeg: %.1f MB allocated (%v)", float64(ref)/(1<<20), err)
}
