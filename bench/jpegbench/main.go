// Command jpegbench times internal/jpeg against libjpeg-turbo's djpeg on the same files,
// one core, CPU time. Ours in-process (GOMAXPROCS 1, median of -n decodes after a
// warm-up), twice: into one reused Image (DecodeInto; djpeg likewise writes through one
// reused scanline buffer and never holds the image) and into a fresh allocation each time
// (Decode: the output's zeroing and first touch included). djpeg as -n child processes
// (median of each child's user+system time) minus the median for a 16x16 JPEG (process
// start, library load; timed alternately with the cell's runs, since a neighbour's load
// moves it), so that both figures are decode work. With -rounds R the whole set is timed R
// times and each figure is the median over rounds (ratios per round are listed): on a
// shared machine one pass moves a cell by +-0.3. Used by bench/jpeg_compare.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wajah-id/wajah/internal/jpeg"
)

func main() {
	n := flag.Int("n", 10, "decodes per file and scale")
	rounds := flag.Int("rounds", 1, "passes over all cells; each figure is the median over passes")
	scales := flag.String("scales", "1,2,4,8", "scales to time")
	djpeg := flag.String("djpeg", "djpeg", "djpeg binary (empty: ours only)")
	tiny := flag.String("tiny", "", "16x16 JPEG for djpeg's start-up cost (empty: not subtracted)")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	var ss []int
	for _, s := range strings.Split(*scales, ",") {
		v, err := strconv.Atoi(s)
		if err != nil {
			fail(err)
		}
		ss = append(ss, v)
	}
	if *djpeg != "" && *tiny != "" {
		fmt.Println("djpeg start-up (a 16x16 file, timed alternately with each cell's file): subtracted per cell")
	}
	type cell struct {
		file                string
		data                []byte
		scale               int
		ours, fresh, theirs []float64 // one figure per round
	}
	var cells []*cell
	for _, f := range flag.Args() {
		data, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		for _, s := range ss {
			cells = append(cells, &cell{file: f, data: data, scale: s})
		}
	}
	// Whole passes, so that a neighbour's burst of load lands in one round of a cell, not in
	// all of them.
	for range max(*rounds, 1) {
		for _, c := range cells {
			// Sub-millisecond cells get more runs (up to 0.2 s of ours each), so that
			// their medians are not a handful of noisy samples.
			runs := *n
			if t, err := oursMs(c.data, c.scale, 1, true); err == nil && t > 0 {
				runs = min(max(*n, int(200/t)), 15**n)
			}
			ours, err := oursMs(c.data, c.scale, runs, true)
			if err != nil {
				fail(fmt.Errorf("%s: %w", c.file, err))
			}
			fresh, err := oursMs(c.data, c.scale, runs, false)
			if err != nil {
				fail(fmt.Errorf("%s: %w", c.file, err))
			}
			c.ours, c.fresh = append(c.ours, ours), append(c.fresh, fresh)
			if *djpeg != "" {
				d, err := djpegMs(*djpeg, c.file, *tiny, c.scale, min(runs, 5**n))
				if err != nil {
					fail(err)
				}
				c.theirs = append(c.theirs, d)
			}
		}
	}
	fmt.Printf("%-28s %5s %10s %10s %10s %8s %8s  %s\n", "file", "scale", "ours ms", "fresh ms", "djpeg ms", "ratio", "fresh", "ratio per round")
	for _, c := range cells {
		line := fmt.Sprintf("%-28s %5s %10.2f %10.2f", filepath.Base(c.file), "1/"+strconv.Itoa(c.scale), median(c.ours), median(c.fresh))
		if *djpeg != "" {
			var r, rf []float64
			per := ""
			for i := range c.theirs {
				r, rf = append(r, c.ours[i]/c.theirs[i]), append(rf, c.fresh[i]/c.theirs[i])
				per += fmt.Sprintf(" %.2f", r[i])
			}
			line += fmt.Sprintf(" %10.2f %8.2f %8.2f ", median(c.theirs), median(r), median(rf)) + per
		}
		fmt.Println(line)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "jpegbench:", err)
	os.Exit(1)
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	sort.Float64s(v)
	return v[len(v)/2]
}

// oursMs is the median CPU ms of n decodes at scale s after a warm-up, into one reused
// Image (reuse) or a fresh one each time.
func oursMs(data []byte, s, n int, reuse bool) (float64, error) {
	img := &jpeg.Image{}
	if err := jpeg.DecodeInto(img, data, jpeg.Options{Scale: s}); err != nil {
		return 0, err
	}
	var t []float64
	for i := 0; i < n; i++ {
		if !reuse {
			img = &jpeg.Image{}
		}
		runtime.GC() // keep collection of the previous output out of the timing
		c0 := cpuNow()
		if err := jpeg.DecodeInto(img, data, jpeg.Options{Scale: s}); err != nil {
			return 0, err
		}
		t = append(t, float64(cpuNow()-c0)/1e6)
	}
	return median(t), nil
}

// djpegMs is the median CPU ms of n djpeg runs on file at scale s, less the median of n
// runs on the tiny file (process start and library load) alternating with them, so that
// a neighbour's load during one cell moves both; at least 0.01.
func djpegMs(bin, file, tiny string, s, n int) (float64, error) {
	var t, base []float64
	for i := 0; i < n; i++ {
		d, err := djpegRun(bin, file, s)
		if err != nil {
			return 0, err
		}
		t = append(t, d)
		if tiny != "" {
			b, err := djpegRun(bin, tiny, 1)
			if err != nil {
				return 0, err
			}
			base = append(base, b)
		}
	}
	d := median(t)
	if len(base) > 0 {
		d -= median(base)
	}
	return max(d, 0.01), nil
}

// djpegRun is the CPU ms of one djpeg child decoding file at scale s to /dev/null.
func djpegRun(bin, file string, s int) (float64, error) {
	cmd := exec.Command(bin, "-dct", "int", "-scale", "1/"+strconv.Itoa(s), "-outfile", os.DevNull, file)
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%s: %v: %s", bin, err, out)
	}
	st := cmd.ProcessState
	return float64(st.UserTime()+st.SystemTime()) / 1e6, nil
}
