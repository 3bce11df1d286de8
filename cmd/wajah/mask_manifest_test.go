package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const sharedData = "../../../shared/data"

// TestMaskManifestScript runs embed/maskmodel/manifest.sh on ../shared/data and checks the
// label corrections it makes: masked-pairs labelled by its README's naming rule (its
// manifest calls 36 masked files unmasked), relabel.tsv's rows overridden, every other row
// as its source says.
func TestMaskManifestScript(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedData, "masked-pairs", "manifest.tsv")); err != nil {
		t.Skipf("../shared/data absent: %v", err)
	}
	synth := t.TempDir()
	pairs := "path1\tpath2\tsame\nmasked/images/A/A_0001.jpg\t../lfw/images/A/A_0002.jpg\t1\n"
	if err := os.WriteFile(filepath.Join(synth, "pairs_train.tsv"), []byte(pairs), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("sh", "../../embed/maskmodel/manifest.sh", sharedData, synth).Output()
	if err != nil {
		t.Fatalf("manifest.sh: %v", err)
	}
	type row struct{ mask, source, detail string }
	rows := map[string]row{}
	count := map[string]int{}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if lines[0] != "path\tmask\tsource\tdetail" {
		t.Fatalf("header %q", lines[0])
	}
	for _, l := range lines[1:] {
		c := strings.Split(l, "\t")
		if len(c) != 4 {
			t.Fatalf("row %q: %d columns, want 4", l, len(c))
		}
		i := strings.Index(c[0], "/data/")
		if i < 0 && c[2] != "synthetic" {
			t.Fatalf("row %q: not under shared/data", l)
		}
		key := c[0]
		if i >= 0 {
			key = c[0][i+len("/data/"):]
		}
		rows[key] = row{c[1], c[2], c[3]}
		count[c[2]+"/"+c[1]]++
	}
	for _, tt := range []struct {
		path string
		want row
	}{
		{"masked-pairs/images/shaofeng/0_0_0.png", row{"1", "masked-pairs", ""}},  // manifest: 0
		{"masked-pairs/images/jiangxin/0_0_1.jpeg", row{"1", "masked-pairs", ""}}, // manifest: 0
		{"masked-pairs/images/tangning/0_0_0.jpg", row{"1", "masked-pairs", ""}},  // manifest: 1
		{"masked-pairs/images/linyuan/0_0_linyuan_0016.jpg", row{"0", "masked-pairs", ""}},
		{"mask-train/unmasked/02240.jpg", row{"1", "mask-train", ""}}, // relabel.tsv
		{"mask-train/unmasked/02241.jpg", row{"0", "mask-train", ""}},
		{"mask-worn-dev/none/maksssksksss760_4.jpg", row{"1", "mask-worn-dev", "incorrect"}}, // relabel.tsv
	} {
		if got, ok := rows[tt.path]; !ok || got != tt.want {
			t.Errorf("%s: %+v (present %v), want %+v", tt.path, got, ok, tt.want)
		}
	}
	// masked-pairs' README counts 780 masked and 1,216 unmasked crops; its manifest says 745
	// and 1,251; the naming rule gives 781 and 1,215. mask-train: 2,000 each, six unmasked
	// rows relabelled. Synthetic: every other row of the sorted pair paths (one here).
	for k, want := range map[string]int{"masked-pairs/1": 781, "masked-pairs/0": 1215, "mask-train/1": 2006, "mask-train/0": 1994, "synthetic/0": 1} {
		if count[k] != want {
			t.Errorf("%s rows: %d, want %d", k, count[k], want)
		}
	}
}
