package main

import (
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
	"golang.org/x/sync/errgroup"
)

// liveSample is one image of a liveness evaluation set and the raw outputs of every
// candidate model on its largest face (the face a verify uses).
type liveSample struct {
	Path     string
	Spoof    bool
	Subject  string
	Detected bool
	Feat     []float32 // embed.LiveColumns: raw model outputs, then texture cues
	// NoFAS: FaceAntiSpoofing was not run on it (an extra live training photo, scored
	// without the 0.5 s model); candidates reading fas256 leave it out.
	NoFAS bool
}

// liveCache holds extracted samples by set and path; the models' outputs do not depend
// on the analysis, so a rerun with --cache only repeats the statistics.
type liveCache struct {
	Samples map[string]liveSample // key: set + "\x00" + path
	MS      [embed.LiveFeatCount]float64
	NMS     int
	TexMS   float64 // texture cues' milliseconds (aligned crop included) over NTex faces
	NTex    int
}

// readSpoofManifest reads spoof-dev's manifest.tsv: path, label (live/spoof), subject.
func readSpoofManifest(path string) ([]liveSample, error) {
	var out []liveSample
	err := scanTSV(path, func(ln int, line string) error {
		c := strings.Split(line, "\t")
		if ln == 1 && c[0] == "path" {
			return nil
		}
		if len(c) < 3 || (c[1] != "live" && c[1] != "spoof") {
			return fmt.Errorf("%s:%d: want path, live|spoof, subject", path, ln)
		}
		out = append(out, liveSample{Path: c[0], Spoof: c[1] == "spoof", Subject: c[2]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readPathColumn reads the first column of a TSV with a header (faces-small's manifest).
func readPathColumn(path string) ([]liveSample, error) {
	var out []liveSample
	err := scanTSV(path, func(ln int, line string) error {
		if p, _, _ := strings.Cut(line, "\t"); ln > 1 && p != "" {
			out = append(out, liveSample{Path: p})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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
// workers in parallel. A cached sample from before the texture cues keeps its model outputs
// and only gets its cues computed. An unreadable image is an error: the sets are curated.
func extractLive(p *embed.Pipeline, probe *embed.LivenessProbe, cache *liveCache, cachePath, set, root string, samples []liveSample, workers int, quiet bool) error {
	ctx := context.Background()
	var todo []int
	for i := range samples {
		c, ok := cache.Samples[set+"\x00"+samples[i].Path]
		if ok && (!c.Detected || len(c.Feat) == embed.LiveColumns) {
			samples[i].Detected, samples[i].Feat, samples[i].NoFAS = c.Detected, c.Feat, c.NoFAS
			continue
		}
		if ok && len(c.Feat) == embed.LiveFeatCount {
			samples[i].Feat, samples[i].NoFAS = c.Feat, c.NoFAS // models known, cues to do
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return nil
	}
	var mu sync.Mutex
	bar := newProgressBar(os.Stderr, set, len(todo), quiet)
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for _, i := range todo {
		g.Go(func() error {
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
				if len(s.Feat) != embed.LiveFeatCount {
					var ms [embed.LiveFeatCount]float64
					if s.Feat, err = probe.ScoresTimed(d, &faces[0], &ms); err != nil {
						return err
					}
					s.NoFAS = !probe.Has(embed.LiveFeatFAS256)
					mu.Lock()
					for k := range ms {
						cache.MS[k] += ms[k]
					}
					cache.NMS++
					mu.Unlock()
				}
				t := time.Now()
				s.Feat = append(s.Feat[:embed.LiveFeatCount:embed.LiveFeatCount], embed.LiveTexture(p.AlignFace(d, &faces[0]))...)
				mu.Lock()
				cache.TexMS += since(t)
				cache.NTex++
				mu.Unlock()
				return nil
			}()
			mu.Lock()
			bar.step(!s.Detected)
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, s := range samples {
		cache.Samples[set+"\x00"+s.Path] = s
	}
	return cache.save(cachePath)
}

// since returns the milliseconds since t.
func since(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

var errNoSamples = errors.New("no samples")

// lfwPairImages returns the images (relative to LFW's images/ directory) of a View 1 pairs
// file.
func lfwPairImages(path string) (map[string]bool, error) {
	out := map[string]bool{}
	err := scanTSV(path, func(ln int, line string) error {
		c := strings.Split(line, "\t")
		if ln == 1 || len(c) < 2 {
			return nil
		}
		for _, p := range c[:2] {
			out[strings.TrimPrefix(p, "images/")] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// filterLFW keeps the samples among the test pairs' images (test true), or else those whose
// identity (directory) has no image in them.
func filterLFW(s []liveSample, testImages map[string]bool, test bool) []liveSample {
	testIDs := map[string]bool{}
	for p := range testImages {
		testIDs[filepath.Dir(p)] = true
	}
	var out []liveSample
	for _, x := range s {
		if (test && testImages[x.Path]) || (!test && !testIDs[filepath.Dir(x.Path)]) {
			out = append(out, x)
		}
	}
	return out
}
