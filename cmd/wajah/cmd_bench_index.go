package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wajah-id/wajah/bench/annbench"
	"github.com/wajah-id/wajah/bench/vecdata"
)

func init() {
	register("bench index", "HNSW build time, memory, recall and QPS per efSearch (optionally vs hnswlib)", runBenchIndex)
}

func runBenchIndex(args []string) error {
	fs := flag.NewFlagSet("bench index", flag.ContinueOnError)
	n := fs.Int("n", 100000, "vectors to index")
	dim := fs.Int("dim", 128, "dimension (generated data)")
	data := fs.String("data", "clustered", "clustered | uniform | FILE.fvecs | FILE.f32 (raw float32, needs --dim)")
	queryFile := fs.String("query-file", "", "queries (.fvecs/.f32); default: generated, or the last --queries rows of FILE")
	nq := fs.Int("queries", 1000, "queries")
	efs := fs.String("ef", "16,32,64,128,256", "efSearch values")
	m := fs.Int("m", 16, "HNSW M")
	efc := fs.Int("efc", 200, "HNSW efConstruction")
	k := fs.Int("k", 10, "recall@k")
	seed := fs.Uint64("seed", 1, "generator seed")
	threads := fs.Int("threads", 1, "build goroutines (queries are always single-thread)")
	rounds := fs.Int("rounds", 3, "query passes per efSearch (QPS: best pass)")
	persist := fs.Bool("persist", false, "also time snapshot save/load and change replay vs rebuild")
	writeFvecs := fs.String("write-fvecs", "", "write PREFIX.base.fvecs and PREFIX.query.fvecs")
	hnswlib := fs.Bool("hnswlib", false, "run bench/hnswlib_compare.py on the same vectors and print both")
	python := fs.String("python", "/usr/bin/python3", "python with hnswlib and numpy")
	script := fs.String("script", "bench/hnswlib_compare.py", "comparison script")
	if err := fs.Parse(args); err != nil {
		return err
	}
	efList, err := parseInts(*efs)
	if err != nil {
		return err
	}
	set, err := loadSet(*data, *queryFile, *n, *nq, *dim, *seed)
	if err != nil {
		return err
	}
	fmt.Printf("data %s: n=%d dim=%d queries=%d M=%d efC=%d build threads=%d\n", *data, set.N(), set.Dim, set.NQ(), *m, *efc, *threads)

	prefix := *writeFvecs
	if prefix == "" && *hnswlib {
		dir, err := os.MkdirTemp("", "wajah-bench-index")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		prefix = filepath.Join(dir, "set")
	}
	if prefix != "" {
		if err := vecdata.WriteFvecs(prefix+".base.fvecs", set.Data, set.Dim); err != nil {
			return err
		}
		if err := vecdata.WriteFvecs(prefix+".query.fvecs", set.Queries, set.Dim); err != nil {
			return err
		}
	}
	rep, err := annbench.Run(set, annbench.Config{M: *m, EfC: *efc, Efs: efList, K: *k, BuildThreads: *threads, Rounds: *rounds, Persist: *persist})
	if err != nil {
		return err
	}
	fmt.Print(rep.Format())
	if *hnswlib {
		cmd := exec.Command(*python, *script, "--base", prefix+".base.fvecs", "--query", prefix+".query.fvecs",
			"--m", strconv.Itoa(*m), "--efc", strconv.Itoa(*efc), "--ef", *efs, "--k", strconv.Itoa(*k),
			"--threads", strconv.Itoa(*threads), "--rounds", strconv.Itoa(*rounds))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("hnswlib comparison: %w", err)
		}
	}
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("bad list value %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// loadSet generates or reads the vectors; a file without --query-file gives up its last
// nq rows as queries.
func loadSet(data, queryFile string, n, nq, dim int, seed uint64) (*vecdata.Set, error) {
	switch data {
	case "clustered":
		return vecdata.Clustered(n, nq, dim, seed), nil
	case "uniform":
		return vecdata.Uniform(n, nq, dim, seed), nil
	}
	rows, d, err := readVecFile(data, dim)
	if err != nil {
		return nil, err
	}
	s := &vecdata.Set{Dim: d}
	if queryFile != "" {
		q, qd, err := readVecFile(queryFile, d)
		if err != nil {
			return nil, err
		}
		if qd != d {
			return nil, fmt.Errorf("query dim %d, data dim %d", qd, d)
		}
		s.Queries = q[:min(len(q), nq*d)]
	} else {
		total := len(rows) / d
		if total <= nq {
			return nil, fmt.Errorf("%s has %d rows, need more than --queries %d", data, total, nq)
		}
		s.Queries = rows[(total-nq)*d:]
		rows = rows[:(total-nq)*d]
	}
	s.Data = rows[:min(len(rows), n*d)]
	return s, nil
}

func readVecFile(path string, dim int) ([]float32, int, error) {
	if strings.HasSuffix(path, ".fvecs") {
		return vecdata.ReadFvecs(path)
	}
	v, err := vecdata.ReadF32(path, dim)
	return v, dim, err
}
