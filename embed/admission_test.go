package embed

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/jpeg/jpegtest"
)

// DecodeCost less its detection term is an upper bound of what DecodeReduced and the working copy allocate for the
// hostile progressive file, over by at most the EXIF-rotated copy it always counts (3 bytes
// per decoded pixel, 12.6 MB here) plus 10 %, and refusals cost nothing.
func TestDecodeCost(t *testing.T) {
	data := jpegtest.HostileProgressive(4096, 4096)
	est := DecodeCost(data, Limits{}, 1280)
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	img, s, err := DecodeReduced(data, Limits{}, 1280)
	if err != nil {
		t.Fatal(err)
	}
	work := shrinkTo(img, 1280)
	runtime.ReadMemStats(&b)
	got := int64(b.TotalAlloc - a.TotalAlloc)
	est -= 24 * min(int64(img.W*img.H), 1280*1280) // detection's buffers, not allocated here
	t.Logf("scale 1/%d, %dx%d (work %dx%d): allocated %.1f MB, estimated %.1f MB", s, img.W, img.H, work.W, work.H,
		float64(got)/(1<<20), float64(est)/(1<<20))
	if rot := 3 * int64(img.W*img.H); s != 2 || est < got || est > got*110/100+rot {
		t.Errorf("estimate %d for %d allocated (scale %d)", est, got, s)
	}
	for name, d := range map[string][]byte{"gif": []byte("GIF89a"), "bomb": pngBomb(), "no frame": data[:20]} {
		if c := DecodeCost(d, Limits{}, 1280); c != 0 {
			t.Errorf("%s: cost %d, want 0", name, c)
		}
	}
}

// A request that cannot get its decode memory before its deadline gets ErrBusy; one dearer
// than the whole budget runs alone instead of waiting forever.
func TestAdmission(t *testing.T) {
	a := newAdmission(100)
	rel, err := a.acquire(context.Background(), 1000) // clamped to the budget
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := a.acquire(ctx, 1); !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("full budget: err = %v, want ErrBusy", err)
	}
	rel()
	r1, err1 := a.acquire(context.Background(), 60)
	r2, err2 := a.acquire(context.Background(), 40)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	r1()
	r2()
	var none *admission // MaxDecodeBytes 0: unbounded
	if r, err := none.acquire(context.Background(), 1<<40); err != nil {
		t.Fatal(err)
	} else {
		r()
	}
}
