package embed

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const spoofDev = "../../shared/data/spoof-dev"

// Bounds of TestLivenessSpoofDev: the built-in texture head measured APCER 0.000 and BPCER
// 0.000 on its sample (in-sample: it was fitted on all of spoof-dev; held-out figures are in
// embed/README.md, "Liveness"), bounded at the target point, so the previous head
// (APCER 0.857) and "always live" (APCER 1) both fail.
const maxSampleAPCER, maxSampleBPCER = 0.05, 0.02

func TestLiveHeadRoundTripAndDamage(t *testing.T) {
	h, err := DefaultLiveHead()
	if err != nil {
		t.Fatalf("built-in head: %v", err)
	}
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseLiveHead(b)
	if err != nil {
		t.Fatal(err)
	}
	feat := make([]float32, LiveColumns)
	for i := range feat {
		feat[i] = float32(i%7) / 7
	}
	if g.Prob(feat) != h.Prob(feat) {
		t.Fatalf("round trip changed the head: %v vs %v", g.Prob(feat), h.Prob(feat))
	}
	if p := h.Prob(feat[:3]); p != 0 {
		t.Fatalf("a feature vector too short for the head scored %v, want 0 (fail closed)", p)
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XLIV"), b[4:]...),
		"truncated": b[:len(b)-5],
		"flipped":   append(append([]byte(nil), b[:10]...), append([]byte{b[10] ^ 1}, b[11:]...)...),
	} {
		if _, err := ParseLiveHead(bad); !errors.Is(err, errLiveFormat) {
			t.Errorf("%s: %v, want errLiveFormat", name, err)
		}
	}
}

func FuzzParseLiveHead(f *testing.F) {
	if h, err := DefaultLiveHead(); err == nil {
		b, _ := h.MarshalBinary()
		addWeightFileSeeds(f, b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzWeightFile(t, data, liveMagic, errLiveFormat, ParseLiveHead, func(h *LiveHead) {
			_ = h.Prob(make([]float32, LiveFeatCount))
		})
	})
}

func TestLivenessOfLivePhoto(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	f := extract(t, p, photo(t, exObama), ExtractOptions{})
	if !f.LivenessScored || f.Liveness < DefaultLivenessThreshold || f.Liveness > 1 {
		t.Errorf("live photo: liveness %v (scored %v), want >= %v", f.Liveness, f.LivenessScored, DefaultLivenessThreshold)
	}
	q, err := New(Options{NoMask: true, NoLiveness: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := q.Decode(photo(t, exObama))
	if err != nil {
		t.Fatal(err)
	}
	faces, err := q.Detect(context.Background(), d)
	if err != nil || len(faces) == 0 {
		t.Fatalf("detect: %v", err)
	}
	if err := q.Complete(context.Background(), d, &faces[0]); err != nil || faces[0].LivenessScored {
		t.Errorf("NoLiveness: scored %v, %v", faces[0].LivenessScored, err)
	}
	if _, err := q.Liveness(d, &faces[0]); !errors.Is(err, ErrNoLiveness) {
		t.Errorf("liveness without the model: %v", err)
	}
}

// spoofDevSample reads every step-th row of spoof-dev's manifest.
func spoofDevSample(t *testing.T, step int) (paths []string, spoof []bool) {
	t.Helper()
	f, err := os.Open(filepath.Join(spoofDev, "manifest.tsv"))
	if os.IsNotExist(err) {
		t.Skipf("%s absent (needs ../shared/data/spoof-dev)", spoofDev)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		c := strings.Split(sc.Text(), "\t")
		if i == 0 || len(c) < 3 || (i-1)%step != 0 {
			continue
		}
		paths, spoof = append(paths, c[0]), append(spoof, c[1] == "spoof")
	}
	return paths, spoof
}

// TestLivenessSpoofDev scores a fixed sample of spoof-dev through Extract at the default
// threshold: some printed-photo attacks must be refused (an "always live" classifier has
// APCER 100%) and live captures almost all accepted. The head was fitted on all of
// spoof-dev, so these bounds check the wiring and the weights, not generalization (that is
// `wajah eval liveness`, subject-wise).
func TestLivenessSpoofDev(t *testing.T) {
	heavy(t)
	p := testPipeline(t)
	paths, spoof := spoofDevSample(t, 7)
	var nSpoof, nLive, passed, refused int
	for i, rel := range paths {
		data, err := os.ReadFile(filepath.Join(spoofDev, rel))
		if err != nil {
			t.Fatal(err)
		}
		f, err := p.Extract(context.Background(), data, ExtractOptions{})
		if errors.Is(err, ErrNoFace) || errors.Is(err, ErrFaceTooSmall) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		live := f.Liveness >= DefaultLivenessThreshold
		if spoof[i] {
			nSpoof++
			if live {
				passed++
			}
		} else {
			nLive++
			if !live {
				refused++
			}
		}
	}
	apcer, bpcer := float64(passed)/float64(nSpoof), float64(refused)/float64(nLive)
	t.Logf("spoof-dev sample: %d attacks, %d live; APCER %.3f BPCER %.3f", nSpoof, nLive, apcer, bpcer)
	if nSpoof < 80 || nLive < 80 {
		t.Fatalf("only %d attacks and %d live faces found", nSpoof, nLive)
	}
	if apcer > maxSampleAPCER || bpcer > maxSampleBPCER {
		t.Errorf("APCER %.3f (max %.2f), BPCER %.3f (max %.2f)", apcer, maxSampleAPCER, bpcer, maxSampleBPCER)
	}
}
