package nn

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"
)

// TestOpProfile prints where a model's time goes per op kind and shape (NN_PROFILE=model
// file, NN_PROFILE_SHAPE=1,112,112,3). A diagnostic, skipped unless asked for.
func TestOpProfile(t *testing.T) {
	name := os.Getenv("NN_PROFILE")
	if name == "" {
		t.Skip("set NN_PROFILE=MobileFaceNet.tflite to profile")
	}
	var shape []int
	for _, f := range splitInts(os.Getenv("NN_PROFILE_SHAPE")) {
		shape = append(shape, f)
	}
	m := loadModel(t, name)
	in := &Tensor{Shape: shape, Data: goldenInput(shape)}
	p, err := m.planFor([]*Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	rs := p.newState()
	copy(p.view(rs.arena, p.inputs[0]), in.Data)
	per := make([]time.Duration, len(p.steps))
	const reps = 20
	for r := 0; r < reps; r++ {
		for i, s := range p.steps {
			t0 := time.Now()
			s.k.Run(rs.ins[i], rs.outs[i], rs.scratch)
			per[i] += time.Since(t0)
		}
	}
	type row struct {
		key  string
		d    time.Duration
		macs int64
	}
	agg := map[string]*row{}
	var total time.Duration
	nodes := stepNodes(m.g)
	for i, s := range p.steps {
		n := nodes[i]
		key := fmt.Sprintf("%s %v->%v act%d", n.Op, p.shapes[s.in[0]], p.shapes[s.out[0]], n.Attrs.Act)
		if agg[key] == nil {
			agg[key] = &row{key: key}
		}
		agg[key].d += per[i] / reps
		agg[key].macs += s.k.MACs
		total += per[i] / reps
	}
	var rows []*row
	for _, r := range agg {
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].d > rows[j].d })
	t.Logf("total %v", total)
	for _, r := range rows[:min(25, len(rows))] {
		t.Logf("%8.3f ms %5.1f%% %6.1f GFLOP/s  %s", float64(r.d.Microseconds())/1e3, 100*float64(r.d)/float64(total),
			2*float64(r.macs)/r.d.Seconds()/1e9, r.key)
	}
}

// stepNodes lists the nodes that produced plan steps (alias ops produce none).
func stepNodes(g *Graph) []*Node {
	var out []*Node
	for i := range g.Nodes {
		if def, _ := lookup(g.Nodes[i].Op); !def.Alias {
			out = append(out, &g.Nodes[i])
		}
	}
	return out
}

func splitInts(s string) []int {
	var out []int
	v, have := 0, false
	for _, c := range s + "," {
		if c >= '0' && c <= '9' {
			v, have = v*10+int(c-'0'), true
		} else if have {
			out = append(out, v)
			v, have = 0, false
		}
	}
	return out
}
