package kvtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// reportLatency adds p50 and p99 of ds (in microseconds) to b's metrics.
func reportLatency(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	q := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))]) / 1e3 }
	b.ReportMetric(q(0.50), name+"-p50-µs")
	b.ReportMetric(q(0.99), name+"-p99-µs")
}

// BenchCommit measures one small transaction shaped like an enrolment: read a row,
// write three (a face of 1 KiB, a person, a change record), commit durably.
func BenchCommit(b *testing.B, s kv.Store) {
	ctx := context.Background()
	face := make([]byte, 1024)
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		_, err := kv.Retry(ctx, s, 16, func(tx kv.Txn) error {
			if _, err := tx.Get(fmt.Appendf(nil, "p/%d", i)); err != nil && !errors.Is(err, kv.ErrNotFound) {
				return err
			}
			if err := tx.Set(fmt.Appendf(nil, "f/%d", i), face); err != nil {
				return err
			}
			if err := tx.Set(fmt.Appendf(nil, "p/%d", i), face[:96]); err != nil {
				return err
			}
			return tx.Set(fmt.Appendf(nil, "c/%d", i), face[:16])
		})
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, "commit", ds)
}

// BenchFeed measures how long after a commit is acknowledged to the writer a
// follower (another node: another Store over the same database; for Badger the same
// Store) has it from the change feed. One write at a time, so no queueing is
// measured.
func BenchFeed(b *testing.B, writer, follower kv.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	head, err := follower.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	seen := make(chan time.Time, 1)
	failed := make(chan error, 1)
	go func() {
		after := head
		for ctx.Err() == nil {
			ch, next, err := follower.Changes(ctx, after, 100)
			if err != nil {
				if ctx.Err() == nil {
					failed <- err
				}
				return
			}
			now := time.Now()
			for range ch {
				seen <- now
			}
			after = next
			if len(ch) == 0 {
				_ = follower.Wait(ctx, after)
			}
		}
	}()
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if _, err := writer.Update(ctx, func(tx kv.Txn) error { return tx.Set(fmt.Appendf(nil, "feed/%d", i), nil) }); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		select {
		case at := <-seen:
			ds = append(ds, max(at.Sub(acked), 0))
		case err := <-failed:
			b.Fatal(err)
		case <-time.After(30 * time.Second):
			b.Fatal("follower never saw the write")
		}
	}
	b.StopTimer()
	reportLatency(b, "visible", ds)
}
