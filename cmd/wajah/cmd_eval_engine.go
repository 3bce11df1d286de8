package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/embed/roc"
	"github.com/wajah-id/wajah/engine"
	"github.com/wajah-id/wajah/internal/config"
)

func init() {
	register("eval engine", "identify, verify and compare through the engine on a pairs TSV: masked path against the plain one", runEvalEngine)
}

// eval engine measures what a client gets from Identify, Verify and Compare, not from the
// embeddings alone: a real engine in a temporary directory, the server's pipeline and gates
// but two (liveness off: web photos with drawn masks are no kiosk captures, and the gate
// is measured on its own by eval liveness; the duplicate check off: it would refuse
// look-alikes, which identify must face), the gallery enrolled from the pairs' path2
// images (people named by their image's directory; force_register, so the size gate does
// not thin it), optionally with distractor people, and every path1 image identified
// against it, each pair's path1 verified as path2's person and the pair compared. It runs
// twice on the same gallery: with the engine's masked path, and with the embedder's masked
// path hidden (masked pairs then scored by their plain cosine, as before the masked path).
// With --masked-enrolment allow and the pairs' columns swapped it measures masked
// enrolments against unmasked probes.

// absJoin is root/rel made absolute, so that one file named from two roots is one image.
func absJoin(root, rel string) string {
	p := filepath.Join(root, rel)
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// identityOf names an image's person: its directory (LFW, masked-pairs).
func identityOf(p string) string { return path.Base(path.Dir(filepath.ToSlash(p))) }

// engineOutcome counts one run's identify answers.
type engineOutcome struct {
	genuine, correct, wrong, missed int // probes of enrolled people
	impostor, falseMatch            int // probes of people not enrolled
	maskedProbes                    int
	threshold                       float64
	errs                            map[string]int
	compare, verify                 []roc.Labeled
	compareFolds                    []int
}

func runEvalEngine(args []string) error {
	fs := flag.NewFlagSet("eval engine", flag.ContinueOnError)
	pairs := fs.String("pairs", "", "pairs TSV: path1 (probe) path2 (enrolled) same [fold]")
	root := fs.String("root", ".", "directory the pairs' paths are relative to")
	distractors := fs.String("distractors", "", "optional pairs TSV whose images are enrolled too, as people no probe is (identities of --pairs skipped)")
	distRoot := fs.String("distractor-root", "", "directory of --distractors' paths (default --root)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "requests in flight")
	threshold := fs.Float64("threshold", engine.DefaultThreshold, "the engine's threshold (1:1 and the identify floor), as the server's threshold setting")
	minFace := fs.Float64("min-face-size", 0, "the size gate in eye-to-mouth pixels (0: the server's 40; LFW's 250x250 faces measure 40-46)")
	noHead := fs.Bool("no-masked-head", false, "leave the masked path's trained head out (embed.Experimental.NoMaskedHead): its threshold-free \"before\" figures")
	maskedEnrol := fs.String("masked-enrolment", engine.MaskedEnrolRefuse, "the server's masked-enrolment setting: refuse, or allow (to measure masked enrolments against unmasked probes)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pairs == "" {
		return errors.New("eval engine: --pairs is required")
	}
	if *distRoot == "" {
		*distRoot = *root
	}
	rows, hasFold, err := readPairs(*pairs)
	if err != nil {
		return err
	}
	var gallery, probes []string // joined with their roots
	seen := map[string]bool{}    // "e" or "p" + path: enrolled, probed
	for _, r := range rows {
		if b := absJoin(*root, r.b); !seen["e"+b] {
			seen["e"+b] = true
			gallery = append(gallery, b)
		}
		if a := absJoin(*root, r.a); !seen["p"+a] {
			seen["p"+a] = true
			probes = append(probes, a)
		}
	}
	probeIDs := map[string]bool{}
	for _, p := range probes {
		probeIDs[identityOf(p)] = true
	}
	nDistract := 0
	if *distractors != "" {
		drows, _, err := readPairs(*distractors)
		if err != nil {
			return err
		}
		for _, r := range drows {
			for _, q := range []string{r.a, r.b} {
				if p := absJoin(*distRoot, q); !seen["e"+p] && !probeIDs[identityOf(p)] {
					seen["e"+p] = true
					gallery = append(gallery, p)
					nDistract++
				}
			}
		}
	}

	opts := config.DefaultImageLimits().EmbedOptions()
	opts.NoLiveness = true
	opts.MinFaceSize = float32(*minFace)
	opts.Experimental.NoMaskedHead = *noHead
	pipe, err := embed.New(opts)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "wajah-eval-engine-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	eo := engine.Options{Dir: dir, Threshold: *threshold, KeyEnv: "WAJAH_EVAL_ENGINE_NO_KEY", NoSyncWrites: true, DuplicatePolicy: engine.DuplicateOff,
		MaskedEnrolment: *maskedEnrol, Liveness: engine.LivenessOptions{Off: true}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()

	// Enrol once, with the full pipeline (it stores the overlays either way).
	e, err := engine.Open(eo, pipe)
	if err != nil {
		return err
	}
	if err := e.CreateGallery(ctx, "eval", "g"); err != nil {
		e.Close()
		return err
	}
	enrolled := map[string]bool{} // identities with a template
	var mu sync.Mutex
	enrolErrs := map[string]int{}
	// One person's images in file order, people in parallel: a later template is added only
	// when it matches an earlier one, so the order decides what is stored.
	var people [][]string
	index := map[string]int{}
	for _, g := range gallery {
		id := identityOf(g)
		if _, ok := index[id]; !ok {
			index[id] = len(people)
			people = append(people, nil)
		}
		people[index[id]] = append(people[index[id]], g)
	}
	parallel(len(people), *workers, func(i int) {
		for _, path := range people[i] {
			b, err := os.ReadFile(path)
			if err == nil {
				_, err = e.Enroll(ctx, engine.EnrollRequest{Tenant: "eval", Gallery: "g", PersonID: identityOf(path), Image: b, Force: true})
			}
			mu.Lock()
			if err != nil {
				enrolErrs[errName(err)]++
			} else {
				enrolled[identityOf(path)] = true
			}
			mu.Unlock()
		}
	})
	if err := e.Close(); err != nil {
		return err
	}
	fmt.Printf("gallery: %d images (%d distractors) of %d people enrolled; refused: %v\n",
		len(gallery)-sum(enrolErrs), nDistract, len(enrolled), enrolErrs)

	runs := []struct {
		name string
		emb  engine.Embedder
	}{{"masked path (default)", pipe}, {"plain cosine for masked probes (before)", embed.PlainMatching{P: pipe}}}
	for _, run := range runs {
		e, err := engine.Open(eo, run.emb)
		if err != nil {
			return err
		}
		out := engineOutcome{errs: map[string]int{}, threshold: *threshold}
		parallel(len(probes), *workers, func(i int) {
			b, err := os.ReadFile(probes[i])
			var r engine.IdentifyResult
			if err == nil {
				r, err = e.Identify(ctx, engine.IdentifyRequest{Tenant: "eval", Gallery: "g", Image: b, K: 1})
			}
			id := identityOf(probes[i])
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !errors.Is(err, engine.ErrNotVerified) {
				out.errs[errName(err)]++
				return
			}
			if r.Masker {
				out.maskedProbes++
			}
			hit := ""
			if len(r.Matches) > 0 {
				hit = r.Matches[0].Person.ID
			}
			switch {
			case !enrolled[id]:
				out.impostor++
				if hit != "" {
					out.falseMatch++
				}
			case hit == id:
				out.genuine++
				out.correct++
			case hit != "":
				out.genuine++
				out.wrong++
			default:
				out.genuine++
				out.missed++
			}
		})
		out.compare = make([]roc.Labeled, len(rows))
		ok := make([]bool, len(rows))
		verified := make([]*roc.Labeled, len(rows))
		parallel(len(rows), *workers, func(i int) {
			a, errA := os.ReadFile(filepath.Join(*root, rows[i].a))
			b, errB := os.ReadFile(filepath.Join(*root, rows[i].b))
			// Verify: path1 as path2's person, where that person was enrolled.
			if claimed := identityOf(rows[i].b); errA == nil && enrolled[claimed] {
				v, err := e.Verify(ctx, engine.VerifyRequest{Tenant: "eval", Gallery: "g", PersonID: claimed, Image: a})
				mu.Lock()
				if err != nil {
					out.errs["verify: "+errName(err)]++
				} else {
					verified[i] = &roc.Labeled{Score: v.Similarity, Same: rows[i].same}
				}
				mu.Unlock()
			}
			c, err := e.Compare(ctx, a, b)
			if err = errors.Join(errA, errB, err); err != nil {
				mu.Lock()
				out.errs["compare: "+errName(err)]++
				mu.Unlock()
				return
			}
			out.compare[i], ok[i] = roc.Labeled{Score: c.Similarity, Same: rows[i].same}, true
		})
		for _, v := range verified {
			if v != nil {
				out.verify = append(out.verify, *v)
			}
		}
		var cmp []roc.Labeled
		for i, r := range rows {
			if ok[i] {
				cmp = append(cmp, out.compare[i])
				out.compareFolds = append(out.compareFolds, r.fold)
			}
		}
		out.compare = cmp
		if err := e.Close(); err != nil {
			return err
		}
		printEngineRun(run.name, out, hasFold)
	}
	return nil
}

func printEngineRun(name string, o engineOutcome, hasFold bool) {
	fmt.Printf("\n%s\n", name)
	fmt.Printf("  identify (k 1, threshold %.2f raised for the gallery's size): %d probes called masked; enrolled people %d: correct %d (%.4f), wrong person %d, none %d; not enrolled %d: matched %d (%.4f); errors %v\n",
		o.threshold, o.maskedProbes, o.genuine, o.correct, evalRatio(o.correct, o.genuine), o.wrong, o.missed,
		o.impostor, o.falseMatch, evalRatio(o.falseMatch, o.impostor), o.errs)
	printScores("verify (path1 as path2's person)", o.verify, o.threshold)
	fmt.Println()
	printScores("compare", o.compare, o.threshold)
	if hasFold {
		m, s := roc.TenFold(o.compare, o.compareFolds)
		fmt.Printf(", 10-fold %.4f +- %.4f", m, s)
	}
	fmt.Println()
}

// printScores prints one endpoint's scores of labelled pairs, without a newline.
func printScores(name string, s []roc.Labeled, thr float64) {
	tp, same, fp, diff := acceptedAt(s, thr)
	tar2, _, _ := roc.TARAtFAR(s, 1e-2)
	tar3, _, _ := roc.TARAtFAR(s, 1e-3)
	fmt.Printf("  %s: %d pairs, AUC %.4f, TAR@FAR1e-2 %.4f, TAR@FAR1e-3 %.4f; at %.2f: same verified %d of %d (%.4f), different %d of %d (%.4f)",
		name, len(s), roc.AUC(s), tar2, tar3, thr, tp, same, evalRatio(tp, same), fp, diff, evalRatio(fp, diff))
}

// errName is an error's message up to its first colon: one bucket per kind.
func errName(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, ':'); i > 0 {
		return s[:i]
	}
	return s
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// parallel runs f(0..n-1) on w goroutines, in index order per goroutine.
func parallel(n, w int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(w, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
