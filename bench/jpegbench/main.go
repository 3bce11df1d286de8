// Command jpegbench times internal/jpeg against libjpeg-turbo's djpeg on the same files, one
// core, CPU time: ours in-process (GOMAXPROCS 1, median of -n decodes after a warm-up);
// djpeg as -n child processes (median of each child's user+system time) minus the median
// time djpeg takes for a 16x16 JPEG (process start, library load), so that both figures are
// decode work. Used by bench/jpeg_compare.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wajah-id/wajah/internal/jpeg"
)

func main() {
	n := flag.Int("n", 10, "decodes per file and scale")
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
	var base float64
	if *djpeg != "" && *tiny != "" {
		b, err := djpegMs(*djpeg, *tiny, 1, 3**n)
		if err != nil {
			fail(err)
		}
		base = b
		fmt.Printf("djpeg start-up (16x16 file): %.2f ms, subtracted\n", base)
	}
	fmt.Printf("%-28s %5s %10s %10s %8s\n", "file", "scale", "ours ms", "djpeg ms", "ratio")
	for _, f := range flag.Args() {
		data, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		for _, s := range ss {
			ours, err := oursMs(data, s, *n)
			if err != nil {
				fail(fmt.Errorf("%s: %w", f, err))
			}
			line := fmt.Sprintf("%-28s %5s %10.2f", filepath.Base(f), "1/"+strconv.Itoa(s), ours)
			if *djpeg != "" {
				d, err := djpegMs(*djpeg, f, s, *n)
				if err != nil {
					fail(err)
				}
				d = max(d-base, 0.01)
				line += fmt.Sprintf(" %10.2f %8.2f", d, ours/d)
			}
			fmt.Println(line)
		}
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
	sort.Float64s(v)
	return v[len(v)/2]
}

func oursMs(data []byte, s, n int) (float64, error) {
	if _, err := jpeg.Decode(data, jpeg.Options{Scale: s}); err != nil {
		return 0, err
	}
	var t []float64
	for i := 0; i < n; i++ {
		runtime.GC() // keep collection of the previous output out of the timing
		c0 := cpuNow()
		if _, err := jpeg.Decode(data, jpeg.Options{Scale: s}); err != nil {
			return 0, err
		}
		t = append(t, float64(cpuNow()-c0)/1e6)
	}
	return median(t), nil
}

func djpegMs(bin, file string, s, n int) (float64, error) {
	var t []float64
	for i := 0; i < n; i++ {
		cmd := exec.Command(bin, "-dct", "int", "-scale", "1/"+strconv.Itoa(s), "-outfile", os.DevNull, file)
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("%s: %v: %s", bin, err, out)
		}
		st := cmd.ProcessState
		t = append(t, float64(st.UserTime()+st.SystemTime())/1e6)
	}
	return median(t), nil
}
