package engine

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes the test binary as a child that enrols, adds templates,
// deletes people and drops galleries in a loop, printing "B <op> <args>" before each
// call and "A" after it returns successfully. The parent SIGKILLs it at a random moment
// (sometimes during Open and its index rebuild), reopens the store and checks:
//   - every acknowledged enrol is verifiable and identifiable with a fresh photo, with
//     the expected number of templates;
//   - no acknowledged delete comes back through Verify or Identify;
//   - a dropped gallery stays dropped and leaves no rows;
//   - the store and the rebuilt indexes satisfy checkInvariants.
// The one call in flight at the kill (a "B" without "A") may have happened or not; the
// parent reads which from the store and carries on from there.
//
// A SIGKILL loses the process, not the page cache, so this checks Badger's WAL replay,
// the atomicity of each operation's transaction and the index rebuild; SyncWrites is what
// covers a power loss on top of it.

const (
	crashEnvDir   = "WAJAH_CRASH_DIR"
	crashEnvRound = "WAJAH_CRASH_ROUND"
	crashEnvDel   = "WAJAH_CRASH_DEL"
	crashEnvSeed  = "WAJAH_CRASH_SEED"
	crashMaxTpl   = 3
)

// crashSeed replays a run: the seed decides every round's kill delay and the child's
// operations (the child gets it through crashEnvSeed). The kill still lands at a
// wall-clock moment, so a replay repeats the same operations and aims at the same
// delays, not the exact instruction the kill interrupted.
var crashSeed = flag.Uint64("seed", 0, "TestCrash: random seed (0: from the clock); a failure prints the one it used")

func crashOptions(dir string) Options {
	o := baseTestOptions(dir)
	o.MaxTemplates = crashMaxTpl
	o.ExactBelow = 150   // cross over to HNSW during the run
	o.SnapshotEvery = 25 // background checkpoints: kills land in them too
	return o
}

func TestCrash(t *testing.T) {
	if dir := os.Getenv(crashEnvDir); dir != "" {
		crashChild(dir)
		return
	}
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with: go test ./engine -run '^TestCrash$' -seed %d", seed)
		}
	})
	rng := rand.New(rand.NewPCG(seed, 7))
	dir := t.TempDir()
	m := &crashModel{present: map[string][]string{}, deleted: map[string]bool{}}
	kills, acked, duringOpen, snapOpens, rebuilds, replayed := 0, 0, 0, 0, 0, 0
	for round := range rounds {
		var del []string
		for id := range m.present {
			if len(del) < 3 {
				del = append(del, id)
			}
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
		cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvRound+"="+strconv.Itoa(round),
			crashEnvDel+"="+strings.Join(del, ","), crashEnvSeed+"="+strconv.FormatUint(seed, 10))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// A quarter of the kills land during Open (rebuild); the rest while writing.
		var delay time.Duration
		if rng.IntN(4) == 0 {
			delay = time.Duration(rng.IntN(300)) * time.Millisecond
		} else {
			delay = 100*time.Millisecond + time.Duration(rng.IntN(700))*time.Millisecond
		}
		var got []string
		timer := time.After(delay)
	collect:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break collect
				}
				got = append(got, l)
			case <-timer:
				_ = cmd.Process.Signal(syscall.SIGKILL)
				timer = nil
			}
		}
		werr := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: child ended without the kill: %v, output %q", round, werr, got)
		}
		kills++
		if !slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, "O ") }) {
			duringOpen++
		} else if slices.Contains(got, "O 1") {
			snapOpens++
		}
		n, pending := m.apply(t, got)
		acked += n
		e, err := Open(crashOptions(dir), newFake())
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if pending != nil {
			m.resolve(t, e, pending)
		}
		if g, err := e.lookup("t", "g"); err == nil && !g.idx.Load().exact && e.Recovery().Snapshots == 0 {
			rebuilds++ // an HNSW gallery rebuilt from the store
		}
		replayed += e.Recovery().Replayed
		m.check(t, e, round)
		checkInvariants(t, e)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			t.Fatalf("round %d failed after %d acknowledged ops (last lines %q)", round, acked, got[max(0, len(got)-4):])
		}
	}
	t.Logf("%d rounds, %d kills (%d during Open), %d acknowledged ops, %d people present, %d deleted; "+
		"child opens from snapshot %d; parent reopens rebuilding HNSW from the store %d, change records replayed %d",
		rounds, kills, duringOpen, acked, len(m.present), len(m.deleted), snapOpens, rebuilds, replayed)
}

// crashModel is what the acknowledged operations imply.
type crashModel struct {
	present map[string][]string // person -> images of their templates, oldest first
	deleted map[string]bool
	dropped []string // galleries dropped
}

// apply applies acknowledged ops and returns their count and the unacknowledged one.
func (m *crashModel) apply(t *testing.T, lines []string) (int, []string) {
	var pending []string
	n := 0
	for _, l := range lines {
		f := strings.Fields(l)
		switch f[0] {
		case "B":
			pending = f[1:]
		case "A":
			if pending == nil {
				t.Fatalf("ack without op in %q", lines)
			}
			m.do(pending)
			pending = nil
			n++
		case "X":
			t.Fatalf("child failed: %s", l)
		}
	}
	return n, pending
}

func (m *crashModel) do(op []string) {
	switch op[0] {
	case "enroll":
		id, image := op[1], op[2]
		delete(m.deleted, id)
		tpl := append(m.present[id], image)
		m.present[id] = tpl[max(0, len(tpl)-crashMaxTpl):]
	case "delete":
		delete(m.present, op[1])
		m.deleted[op[1]] = true
	case "dropg":
		m.dropped = append(m.dropped, op[1])
	}
}

// resolve decides from the store whether the op in flight at the kill happened.
func (m *crashModel) resolve(t *testing.T, e *Engine, op []string) {
	switch op[0] {
	case "enroll":
		id, image := op[1], op[2]
		r, err := e.Verify(ctx, VerifyRequest{Tenant: "t", Gallery: "g", PersonID: id, Image: img(id + "/probe")})
		if errors.Is(err, ErrPersonNotFound) {
			return // never happened (and the person was new)
		}
		if err != nil {
			t.Fatalf("resolve enroll %s: %v", id, err)
		}
		want := min(len(m.present[id]), crashMaxTpl)
		if r.Person.Templates != want {
			m.do([]string{"enroll", id, image}) // it happened
		}
		if r.Person.Templates != len(m.present[id]) && r.Person.Templates != want {
			t.Fatalf("resolve enroll %s: %d templates, model %d", id, r.Person.Templates, len(m.present[id]))
		}
		// With a full template list the count cannot tell; the checks below are by
		// person, so either outcome passes them.
	case "delete":
		_, err := e.Verify(ctx, VerifyRequest{Tenant: "t", Gallery: "g", PersonID: op[1], Image: img(op[1] + "/probe")})
		if errors.Is(err, ErrPersonNotFound) {
			m.do(op)
		}
	case "dropg":
		if _, _, err := e.People(ctx, "t", op[1], Page{}); errors.Is(err, ErrGalleryNotFound) {
			m.do(op)
		}
	}
}

func (m *crashModel) check(t *testing.T, e *Engine, round int) {
	missed := 0
	for id, tpl := range m.present {
		r, err := e.Verify(ctx, VerifyRequest{Tenant: "t", Gallery: "g", PersonID: id, Image: img(id + "/probe")})
		if err != nil || !r.Verified {
			t.Errorf("round %d: acknowledged %s not verifiable: %v", round, id, err)
			continue
		}
		if r.Person.Templates != len(tpl) {
			t.Errorf("round %d: %s has %d templates, acknowledged %d", round, id, r.Person.Templates, len(tpl))
		}
		res, err := e.Identify(ctx, IdentifyRequest{Tenant: "t", Gallery: "g", Image: img(id + "/probe")})
		if errors.Is(err, ErrNotVerified) || (err == nil && res.Matches[0].Person.ID != id) {
			missed++
		} else if err != nil {
			t.Errorf("round %d: identify %s: %v", round, id, err)
		}
	}
	// Verify above proves each acknowledged person is in the store; Identify goes
	// through HNSW past ExactBelow, which is approximate.
	if g, err := e.lookup("t", "g"); err == nil && ((g.idx.Load().exact && missed > 0) || missed > len(m.present)/100) {
		t.Errorf("round %d: %d of %d acknowledged people not identified (exact=%v)", round, missed, len(m.present), g.idx.Load().exact)
	}
	for id := range m.deleted {
		if _, err := e.Verify(ctx, VerifyRequest{Tenant: "t", Gallery: "g", PersonID: id, Image: img(id + "/probe")}); !errors.Is(err, ErrPersonNotFound) {
			t.Errorf("round %d: deleted %s verifiable: %v", round, id, err)
		}
		res, _ := e.Identify(ctx, IdentifyRequest{Tenant: "t", Gallery: "g", Image: img(id + "/probe"), K: 5, Threshold: 0.6})
		if slices.ContainsFunc(res.Matches, func(mt Match) bool { return mt.Person.ID == id }) {
			t.Errorf("round %d: deleted %s identified", round, id)
		}
	}
	gs, err := e.Galleries(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.dropped {
		if slices.Contains(gs, d) {
			t.Errorf("round %d: dropped gallery %s is back", round, d)
		}
	}
}

// crashChild runs operations until killed. Output lines are written straight to the
// stdout pipe (no buffering), "A" only after the call returned.
func crashChild(dir string) {
	say := func(f string, a ...any) { fmt.Fprintf(os.Stdout, f+"\n", a...) }
	round, _ := strconv.Atoi(os.Getenv(crashEnvRound))
	e, err := Open(crashOptions(dir), newFake())
	if err != nil {
		say("X open: %v", err)
		os.Exit(3)
	}
	say("O %d", e.Recovery().Snapshots)
	seed, _ := strconv.ParseUint(os.Getenv(crashEnvSeed), 10, 64)
	rng := rand.New(rand.NewPCG(seed, uint64(round)))
	var mine []string
	toDelete := strings.FieldsFunc(os.Getenv(crashEnvDel), func(r rune) bool { return r == ',' })
	for i := 0; ; i++ {
		var op []string
		switch p := rng.IntN(100); {
		case p < 8 && len(toDelete) > 0:
			op, toDelete = []string{"delete", toDelete[0]}, toDelete[1:]
		case p < 20 && len(mine) > 0:
			j := rng.IntN(len(mine))
			op = []string{"delete", mine[j]}
			mine = slices.Delete(mine, j, j+1)
		case p < 40 && len(mine) > 0:
			id := mine[rng.IntN(len(mine))]
			op = []string{"enroll", id, fmt.Sprintf("%s/%d", id, i)}
		case p < 42:
			op = []string{"dropg", fmt.Sprintf("scratch-%d-%d", round, i)}
		default:
			id := fmt.Sprintf("r%d-%d", round, i)
			op = []string{"enroll", id, id + "/0"}
			mine = append(mine, id)
		}
		say("B %s", strings.Join(op, " "))
		switch op[0] {
		case "enroll":
			_, err = e.Enroll(ctx, EnrollRequest{Tenant: "t", Gallery: "g", PersonID: op[1], Image: img(op[2]), CreateGallery: true})
		case "delete":
			err = e.DeletePerson(ctx, "t", "g", op[1])
		case "dropg":
			for j := range 3 {
				id := fmt.Sprintf("s%d", j)
				if _, err = e.Enroll(ctx, EnrollRequest{Tenant: "t", Gallery: op[1], PersonID: id, Image: img(id + "/0"), CreateGallery: true}); err != nil {
					break
				}
			}
			if err == nil {
				err = e.DeleteGallery(ctx, "t", op[1])
			}
		}
		if err != nil {
			say("X %s: %v", op[0], err)
			os.Exit(3)
		}
		say("A")
	}
}
