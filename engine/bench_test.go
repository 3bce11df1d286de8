package engine

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wajah-id/wajah/embed"
)

var benchRebuildN = flag.Int("rebuild-n", 5000, "faces in BenchmarkRebuild's gallery")

// cpuClock measures process CPU time (user+system, all threads, Badger's included):
// on this shared 2-core machine wall time mostly measures the other tenants, CPU time
// what an operation costs. Reported as cpu-ns/op next to ns/op.
type cpuClock struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{cpuNow()} }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(cpuNow()-c.start)/float64(b.N), "cpu-ns/op")
}

// cachedEmb memoizes the fake embedder so that benchmarks measure the store, not the
// fake's hashing.
type cachedEmb struct {
	*fakeEmb
	m sync.Map
}

func (c *cachedEmb) Extract(ctx context.Context, b []byte, o embed.ExtractOptions) (embed.Face, error) {
	if f, ok := c.m.Load(string(b)); ok {
		return f.(embed.Face), nil
	}
	f, err := c.fakeEmb.Extract(ctx, b, o)
	if err == nil {
		c.m.Store(string(b), f)
	}
	return f, err
}

// fillGallery enrols n people without fsync (setup only).
func fillGallery(b *testing.B, dir string, n int) { fillGalleryWith(b, dir, n, newFake()) }

// fillGalleryWith is fillGallery through emb (masked-path embedders store overlays).
func fillGalleryWith(b *testing.B, dir string, n int, emb Embedder) {
	o := testOptions(b, dir)
	o.NoSyncWrites = true
	o.ExactBelow = 1 << 30 // exact while filling: cheaper; the reopen builds the index under test
	e := openTest(b, o, emb)
	for i := range n {
		enroll(b, e, "acme", "g", fmt.Sprint(i), fmt.Sprintf("p%d/0", i))
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEnroll: one new person per op into an exact gallery, with and without fsync
// (the sync variant measures the disk's fsync, the other the engine's own cost).
func BenchmarkEnroll(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run(fmt.Sprintf("sync=%v", sync), func(b *testing.B) {
			o := testOptions(b, b.TempDir())
			o.NoSyncWrites = !sync
			o.ExactBelow = 1 << 30 // keep HNSW insertion (index's own benchmark) out of it
			emb := &cachedEmb{fakeEmb: newFake()}
			e := openTest(b, o, emb)
			defer e.Close()
			if err := e.CreateGallery(ctx, "acme", "g"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu := startCPU()
			for i := range b.N {
				id := fmt.Sprint(i)
				if _, err := e.Enroll(ctx, EnrollRequest{Tenant: "acme", Gallery: "g", PersonID: id, Image: img(id + "/0")}); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkVerify: 1:1 against a person in a gallery of 1000 people, on an unencrypted
// store and on one with AES-GCM sealed templates, ids and names.
func BenchmarkVerify(b *testing.B) {
	for _, encrypted := range []bool{false, true} {
		b.Run(fmt.Sprintf("encrypted=%v", encrypted), func(b *testing.B) {
			if encrypted {
				b.Setenv("WAJAH_TEST_KEY", testKeyHex)
			}
			dir := b.TempDir()
			fillGallery(b, dir, 1000)
			emb := &cachedEmb{fakeEmb: newFake()}
			e := openTest(b, testOptions(b, dir), emb)
			defer e.Close()
			if e.keys.encrypted() != encrypted {
				b.Fatal("encryption not as asked")
			}
			r := VerifyRequest{Tenant: "acme", Gallery: "g", PersonID: "7", Image: img("p7/probe")}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := startCPU()
			for range b.N {
				if v, err := e.Verify(ctx, r); err != nil || !v.Verified {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkIdentify: 1:N in galleries searched exactly and through HNSW.
func BenchmarkIdentify(b *testing.B) {
	for _, tc := range []struct {
		name          string
		n, exactBelow int
	}{{"n=1000/exact", 1000, 0}, {"n=10000/exact", 10000, 1 << 30}, {"n=10000/hnsw", 10000, -1}} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			fillGallery(b, dir, tc.n)
			emb := &cachedEmb{fakeEmb: newFake()}
			o := testOptions(b, dir)
			o.ExactBelow = tc.exactBelow
			e := openTest(b, o, emb)
			defer e.Close()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := startCPU()
			hits := 0
			for i := range b.N {
				id := i % tc.n
				r, err := e.Identify(ctx, IdentifyRequest{Tenant: "acme", Gallery: "g", Image: img(fmt.Sprintf("p%d/probe", id))})
				if err == nil && r.Matches[0].Person.ID == fmt.Sprint(id) {
					hits++
				} else if err != nil && !errors.Is(err, ErrNotVerified) {
					b.Fatal(err)
				}
			}
			cpu.report(b)
			// HNSW is approximate: report how often the enrolled person came first.
			b.ReportMetric(float64(hits)/float64(b.N), "recall@1")
		})
	}
}

// BenchmarkRebuild: Open of a store holding -rebuild-n faces in one HNSW gallery, with
// the index rebuilt from Badger, restored from the snapshot the last Close wrote, or
// restored from a snapshot plus 1000 change records (a crash after 1000 enrols).
// Reports faces/s of the index recovery alone (Engine.Recovery().Duration).
func BenchmarkRebuild(b *testing.B) {
	for _, mode := range []string{"store", "snapshot", "snapshot+replay1000"} {
		b.Run("from="+mode, func(b *testing.B) {
			dir := b.TempDir()
			fillGallery(b, dir, *benchRebuildN)
			o := testOptions(b, dir)
			o.ExactBelow = -1
			o.NoIndexSnapshots = mode == "store"
			o.SnapshotEvery = -1
			faces, replay := *benchRebuildN, 0
			if mode != "store" { // write the snapshot once
				e := openTest(b, o, newFake())
				if mode == "snapshot+replay1000" {
					e.Close()
					e = openTest(b, o, newFake())
					for i := range 1000 {
						enroll(b, e, "acme", "g", fmt.Sprint("late", i), fmt.Sprintf("late%d/0", i))
					}
					faces, replay = faces+1000, 1000
					e.opts.NoIndexSnapshots = true // crash: the snapshot stays 1000 behind
				}
				e.Close()
			}
			b.ResetTimer()
			for range b.N {
				e := openTest(b, o, newFake())
				rec := e.Recovery()
				b.StopTimer()
				if rec.Faces != faces || (rec.Snapshots == 1) != (mode != "store") || rec.Replayed != replay {
					b.Fatalf("recovery %+v", rec)
				}
				b.ReportMetric(float64(rec.Faces)/rec.Duration.Seconds(), "faces/s")
				b.ReportMetric(rec.Duration.Seconds(), "recovery-s")
				e.opts.NoIndexSnapshots = true // keep the on-disk state for the next iteration
				e.Close()
				b.StartTimer()
			}
		})
	}
}
