package main

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wajah-id/wajah/embed"
)

// liveSample is one image of a liveness evaluation set and the raw outputs of every
// candidate model on its largest face (the face a verify uses).
type liveSample struct {
	Path     string
	Spoof    bool
	Subject  string
	Detected bool
	Feat     []float32 // embed.LiveFeatCount raw model outputs
}

// liveCache holds extracted samples by set and path; the models' outputs do not depend
// on the analysis, so a rerun with --cache only repeats the statistics.
type liveCache struct {
	Samples map[string]liveSample // key: set + "\x00" + path
	MS      [embed.LiveFeatCount]float64
	NMS     int
}

// readSpoofManifest reads spoof-dev's manifest.tsv: path, label (live/spoof), subject.
func readSpoofManifest(path string) ([]liveSample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []liveSample
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		c := strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t")
		if ln == 1 && c[0] == "path" {
			continue
		}
		if len(c) < 3 || (c[1] != "live" && c[1] != "spoof") {
			return nil, fmt.Errorf("%s:%d: want path, live|spoof, subject", path, ln)
		}
		out = append(out, liveSample{Path: c[0], Spoof: c[1] == "spoof", Subject: c[2]})
	}
	return out, sc.Err()
}

// readPathColumn reads the first column of a TSV with a header (faces-small's manifest).
func readPathColumn(path string) ([]liveSample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []liveSample
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		c := strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t")
		if ln == 1 || c[0] == "" {
			continue
		}
		out = append(out, liveSample{Path: c[0]})
	}
	return out, sc.Err()
}

// sampleImages lists every image under root (sorted) and keeps every k-th so that about n
// remain (all when n <= 0): a deterministic spread over all identities.
func sampleImages(root string, n int) ([]liveSample, error) {
	var all []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			all = append(all, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(all)
	step := 1
	if n > 0 && len(all) > n {
		step = len(all) / n
	}
	var out []liveSample
	for i := 0; i < len(all); i += step {
		out = append(out, liveSample{Path: all[i]})
	}
	return out, nil
}

func loadLiveCache(path string) *liveCache {
	c := &liveCache{Samples: map[string]liveSample{}}
	if path == "" {
		return c
	}
	f, err := os.Open(path)
	if err != nil {
		return c
	}
	defer f.Close()
	var got liveCache
	if gob.NewDecoder(f).Decode(&got) == nil && got.Samples != nil {
		return &got
	}
	return c
}

func (c *liveCache) save(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(f).Encode(c); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// extractLive fills Detected and Feat of every sample (from the cache when present),
// workers in parallel. An unreadable image is an error: the sets are curated.
func extractLive(p *embed.Pipeline, probe *embed.LivenessProbe, cache *liveCache, cachePath, set, root string, samples []liveSample, workers int, quiet bool) error {
	ctx := context.Background()
	var todo []int
	for i := range samples {
		if c, ok := cache.Samples[set+"\x00"+samples[i].Path]; ok {
			samples[i].Detected, samples[i].Feat = c.Detected, c.Feat
		} else {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	var mu sync.Mutex
	var firstErr error
	work := make(chan int)
	var wg sync.WaitGroup
	bar := newProgressBar(os.Stderr, set, len(todo), quiet)
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				s := &samples[i]
				err := func() error {
					data, err := os.ReadFile(filepath.Join(root, s.Path))
					if err != nil {
						return err
					}
					d, err := p.Decode(data)
					if err != nil {
						return fmt.Errorf("%s: %w", s.Path, err)
					}
					faces, err := p.Detect(ctx, d)
					if err != nil || len(faces) == 0 {
						return err
					}
					s.Detected = true
					var ms [embed.LiveFeatCount]float64
					s.Feat, err = probe.ScoresTimed(d, &faces[0], &ms)
					if err == nil {
						mu.Lock()
						for k := range ms {
							cache.MS[k] += ms[k]
						}
						cache.NMS++
						mu.Unlock()
					}
					return err
				}()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				bar.step(!s.Detected)
				mu.Unlock()
			}
		}()
	}
	for _, i := range todo {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	for _, s := range samples {
		cache.Samples[set+"\x00"+s.Path] = s
	}
	return cache.save(cachePath)
}

// since returns the milliseconds since t.
func since(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

var errNoSamples = errors.New("no samples")
