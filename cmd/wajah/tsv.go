package main

import (
	"bufio"
	"os"
	"strings"
)

// scanTSV calls fn with each line of the file at path, numbered from 1, a trailing "\r"
// dropped (files written on Windows), and stops at fn's first error. The data sets' TSV
// readers differ only in what a line means; this is the part they share.
func scanTSV(path string, fn func(ln int, line string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		if err := fn(ln, strings.TrimRight(sc.Text(), "\r")); err != nil {
			return err
		}
	}
	return sc.Err()
}
