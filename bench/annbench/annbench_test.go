package annbench

import (
	"strings"
	"testing"

	"github.com/wajah-id/wajah/bench/vecdata"
)

// TestRun: a tiny run reports sane figures and recall rises with ef.
func TestRun(t *testing.T) {
	s := vecdata.Clustered(1500, 50, 16, 1)
	rep, err := Run(s, Config{M: 8, EfC: 40, Efs: []int{4, 64}, BuildThreads: 2, Persist: true, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Points) != 2 || rep.Points[1].RecallK < rep.Points[0].RecallK || rep.Points[1].RecallK < 0.95 {
		t.Fatalf("points %+v", rep.Points)
	}
	for _, p := range rep.Points {
		if p.QPS <= 0 || p.P50 <= 0 || p.P99 < p.P50 || p.Recall1 > 1 {
			t.Fatalf("point %+v", p)
		}
	}
	if rep.Persist == nil || rep.Persist.SnapshotBytes == 0 || rep.Persist.Changes != 150 {
		t.Fatalf("persist %+v", rep.Persist)
	}
	if out := rep.Format(); !strings.Contains(out, "recall@10") || !strings.Contains(out, "restore") {
		t.Fatalf("format:\n%s", out)
	}
}
