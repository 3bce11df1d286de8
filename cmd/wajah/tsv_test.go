package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func writeTSV(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.tsv")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// scanTSV numbers lines from 1, drops a Windows "\r", and stops at the callback's error.
func TestScanTSV(t *testing.T) {
	var got []string
	stop := errors.New("stop")
	err := scanTSV(writeTSV(t, "h\r\na\tb\r\n\nc\nd\n"), func(ln int, line string) error {
		got = append(got, line)
		if ln == 4 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !reflect.DeepEqual(got, []string{"h", "a\tb", "", "c"}) {
		t.Fatalf("lines %q, err %v", got, err)
	}
	if err := scanTSV(filepath.Join(t.TempDir(), "absent.tsv"), func(int, string) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("absent file: %v", err)
	}
}

// The liveness and mask-detail data readers on their manifests' shapes.
func TestDataReaders(t *testing.T) {
	spoof, err := readSpoofManifest(writeTSV(t, "path\tlabel\tsubject\r\na.jpg\tlive\ts1\nb.jpg\tspoof\ts2\n"))
	if err != nil || !reflect.DeepEqual(spoof, []liveSample{{Path: "a.jpg", Subject: "s1"}, {Path: "b.jpg", Spoof: true, Subject: "s2"}}) {
		t.Errorf("spoof manifest %+v, %v", spoof, err)
	}
	if _, err := readSpoofManifest(writeTSV(t, "path\tlabel\tsubject\na.jpg\tmaybe\ts1\n")); err == nil {
		t.Error("spoof manifest with label maybe accepted")
	}
	paths, err := readPathColumn(writeTSV(t, "path\tperson\na.jpg\tx\n\nb.jpg\n"))
	if err != nil || !reflect.DeepEqual(paths, []liveSample{{Path: "a.jpg"}, {Path: "b.jpg"}}) {
		t.Errorf("path column %+v, %v", paths, err)
	}
	imgs, err := lfwPairImages(writeTSV(t, "path1\tpath2\tsame\nimages/A/1.jpg\timages/B/1.jpg\t0\n"))
	if err != nil || !reflect.DeepEqual(imgs, map[string]bool{"A/1.jpg": true, "B/1.jpg": true}) {
		t.Errorf("lfw pair images %v, %v", imgs, err)
	}
	rows, err := readTSV(writeTSV(t, "path\tmask\n a.jpg\t1 \r\n\nb.jpg\t0\n"))
	if err != nil || !reflect.DeepEqual(rows, [][]string{{"a.jpg", "1"}, {"b.jpg", "0"}}) {
		t.Errorf("readTSV %q, %v", rows, err)
	}
}
