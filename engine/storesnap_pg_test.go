package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/pgtest"
)

// snapOptions: cluster options whose galleries are HNSW from the first face and are
// snapshotted to the store every `every` mutations.
func snapOptions(t *testing.T, dsn string, every int) Options {
	o := pgOptions(t, dsn)
	o.ExactBelow = -1
	o.SnapshotEvery = every
	return o
}

// storeLog describes a gallery's snapshot and change records as the store holds them.
type storeLog struct {
	head          snapHead
	hasHead       bool
	counter       uint64
	firstChange   uint64 // 0: none
	changes       int
	parts, others int // parts of the head's snapshot; parts of any other
}

func readStoreLog(t *testing.T, e *Engine, tenant, gallery string) storeLog {
	t.Helper()
	g, err := e.lookup(tenant, gallery)
	if err != nil {
		t.Fatal(err)
	}
	gid := g.rec.GID
	var l storeLog
	err = e.view(func(txn kv.Txn) (err error) {
		l = storeLog{}
		if l.counter, _, err = getCounter(txn, gid); err != nil {
			return err
		}
		if l.head, l.hasHead, err = getSnapHead(txn, gid); err != nil {
			return err
		}
		it := txn.NewIterator(kv.IteratorOptions{Prefix: gidPrefix(tabChange, gid)})
		for it.Rewind(); it.Valid(); it.Next() {
			if l.changes == 0 {
				l.firstChange = binary.BigEndian.Uint64(it.Item().Key()[9:])
			}
			l.changes++
		}
		it.Close()
		it = txn.NewIterator(kv.IteratorOptions{Prefix: gidPrefix(tabSnapPart, gid)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if l.hasHead && binary.BigEndian.Uint64(k[9:]) == l.head.Seq && binary.BigEndian.Uint64(k[17:]) == l.head.Nonce {
				l.parts++
			} else {
				l.others++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func checkpoint(t *testing.T, e *Engine, tenant, gallery string) {
	t.Helper()
	g, err := e.lookup(tenant, gallery)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.storeCheckpoint(context.Background(), g, 1); err != nil {
		t.Fatal(err)
	}
}

// TestPostgresStoreSnapshot: a node joining a cluster loads each HNSW gallery from the
// snapshot in the store plus the change records after it (not from the face rows), with
// the same faces; any doubt about the snapshot (a part missing or damaged, other graph
// parameters or model, a head ahead of the store) rebuilds from the rows instead.
func TestPostgresStoreSnapshot(t *testing.T) {
	t.Setenv("WAJAH_TEST_KEY", testKeyHex) // parts sealed with AES-GCM
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a := openTest(t, snapOptions(t, dsn, 1000), newFake())
	defer a.Close()
	for i := range 60 {
		enroll(t, a, "acme", "g", fmt.Sprintf("p%d", i), fmt.Sprintf("p%d/1", i))
	}
	checkpoint(t, a, "acme", "g")
	for i := 60; i < 75; i++ {
		enroll(t, a, "acme", "g", fmt.Sprintf("p%d", i), fmt.Sprintf("p%d/1", i))
	}
	if err := a.DeletePerson(ctx, "acme", "g", "p3"); err != nil {
		t.Fatal(err)
	}
	l := readStoreLog(t, a, "acme", "g")
	if !l.hasHead || l.head.Seq != 60 || l.parts == 0 || l.others != 0 || l.counter != 76 {
		t.Fatalf("store after one checkpoint: %+v", l)
	}
	// What the later cases damage, saved to put back before each (a node's Close writes
	// a newer snapshot and drops these parts).
	gid := a.mustLookup(t, "acme", "g").rec.GID
	part0 := snapPartKey(gid, l.head.Seq, l.head.Nonce, 0)
	good := map[string][]byte{}
	if err := a.view(func(txn kv.Txn) error {
		for _, k := range [][]byte{part0, changeKey(gid, l.head.Seq+2), snapHeadKey(gid)} {
			it, err := txn.Get(k)
			if err != nil {
				return err
			}
			if good[string(k)], err = it.ValueCopy(nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b := openTest(t, snapOptions(t, dsn, 1000), newFake())
	if r := b.Recovery(); r.Snapshots != 1 || r.Replayed != 16 || r.Faces != 74 {
		t.Errorf("joining node recovered %+v; want 1 snapshot, 16 changes replayed, 74 faces", r)
	}
	checkInvariants(t, b)
	b.Close()

	// Damage the store's snapshot in each way; a joining node must rebuild from rows.
	setHead := func(mod func(*snapHead)) func(kv.Txn) error {
		return func(txn kv.Txn) error {
			h := l.head
			mod(&h)
			return txn.Set(snapHeadKey(gid), h.encode())
		}
	}
	for _, c := range []struct {
		name string
		harm func(kv.Txn) error
	}{
		{"part missing", func(txn kv.Txn) error { return txn.Delete(part0) }},
		{"part damaged", func(txn kv.Txn) error {
			it, err := txn.Get(part0)
			if err != nil {
				return err
			}
			v, _ := it.ValueCopy(nil)
			v[len(v)/2] ^= 1
			return txn.Set(part0, v)
		}},
		{"part sealed for another part", func(txn kv.Txn) error {
			w := newRecord(32)
			w.bytes(a.keys.seal([]byte("WAJAHHNS"), snapPartAAD(gid, l.head.Seq, l.head.Nonce, 1, l.head.Parts)))
			return txn.Set(part0, w.done())
		}},
		{"other M", setHead(func(h *snapHead) { h.M++ })},
		{"other model", setHead(func(h *snapHead) { h.ModelID = "fake-2" })},
		{"head ahead of the store", setHead(func(h *snapHead) { h.Seq = 1000 })},
		{"more parts", setHead(func(h *snapHead) { h.Parts++; h.Size += snapPartSize })},
		{"change record gone", func(txn kv.Txn) error { return txn.Delete(changeKey(gid, l.head.Seq+2)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := a.update(func(txn kv.Txn) error { // the good snapshot, as saved
				for k, v := range good {
					if err := txn.Set([]byte(k), v); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := a.update(c.harm); err != nil {
				t.Fatal(err)
			}
			n := openTest(t, snapOptions(t, dsn, 1000), newFake())
			if r := n.Recovery(); r.Snapshots != 0 || r.Faces != 74 {
				t.Errorf("recovered %+v; want a rebuild of 74 faces", r)
			}
			checkpoint(t, n, "acme", "g") // replaces the damaged snapshot
			if l := readStoreLog(t, n, "acme", "g"); l.head.Seq != 76 || l.others != 0 {
				t.Errorf("after a fresh checkpoint the store holds %+v; want only a snapshot at 76", l)
			}
			checkInvariants(t, n)
			if err := n.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPostgresSnapshotWriters: nodes writing snapshots of one gallery at once never
// leave a corrupt or mixed one: the head names one writer's complete parts, the older
// parts are gone, and a joining node loads it.
func TestPostgresSnapshotWriters(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	nodes := make([]*Engine, 3)
	for i := range nodes {
		nodes[i] = openTest(t, snapOptions(t, dsn, 1000), newFake())
		defer nodes[i].Close()
	}
	want := 0
	for round := range 4 {
		for i := range 20 {
			id := fmt.Sprintf("r%dp%d", round, i)
			enroll(t, nodes[i%len(nodes)], "acme", "g", id, id+"/1")
			want++
		}
		for _, e := range nodes { // every node has applied everything
			waitSize(t, e, "acme/g", want)
		}
		var wg sync.WaitGroup
		for _, e := range nodes {
			wg.Go(func() {
				g, err := e.lookup("acme", "g")
				if err == nil {
					err = e.storeCheckpoint(context.Background(), g, 1)
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		l := readStoreLog(t, nodes[0], "acme", "g")
		if !l.hasHead || l.head.Seq != uint64(want) || l.parts != int(l.head.Parts) || l.others != 0 {
			t.Fatalf("round %d: store holds %+v; want one complete snapshot at %d", round, l, want)
		}
	}
	j := openTest(t, snapOptions(t, dsn, 1000), newFake())
	defer j.Close()
	if r := j.Recovery(); r.Snapshots != 1 || r.Replayed != 0 || r.Faces != want {
		t.Errorf("joining node recovered %+v; want %d faces from the snapshot", r, want)
	}
	checkInvariants(t, j)
}

func waitSize(t *testing.T, e *Engine, gallery string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for e.Stats().GallerySizes[gallery] != n {
		if time.Now().After(deadline) {
			t.Fatalf("index of %s holds %d faces, want %d", gallery, e.Stats().GallerySizes[gallery], n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestPostgresChangeRetention: change records older than the store's snapshots are
// trimmed (a bounded log), and no node misses a change for it: one stopped while the
// others enrol past several snapshots and trims starts from the latest snapshot; one
// whose follower paused before the trimmed records reloads the gallery when it finds
// them gone; one whose feed position was pruned too reloads every gallery. Each ends
// with every face of the store in its index (the invariant pass).
func TestPostgresChangeRetention(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	const every = 10
	a := openTest(t, snapOptions(t, dsn, every), newFake())
	defer a.Close()
	b := openTest(t, snapOptions(t, dsn, every), newFake())
	defer b.Close()
	for i := range 5 {
		enroll(t, a, "acme", "g", fmt.Sprintf("seed%d", i), fmt.Sprintf("seed%d/1", i))
	}
	want := 5
	paused := make([]*Engine, 3) // stopped node, paused follower, pruned follower
	from := make([]uint64, len(paused))
	for i := range paused {
		paused[i] = openTest(t, snapOptions(t, dsn, every), newFake())
		waitSize(t, paused[i], "acme/g", want)
		if i == 0 {
			if err := paused[i].Close(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		defer paused[i].Close()
		paused[i].stopFollowing()
		from[i] = paused[i].FollowedPos()
	}
	for i := range 70 { // two nodes, several snapshots and trims
		e := []*Engine{a, b}[i%2]
		id := fmt.Sprintf("p%d", i)
		enroll(t, e, "acme", "g", id, id+"/1")
		want++
		if i%9 == 8 {
			if err := e.DeletePerson(ctx, "acme", "g", fmt.Sprintf("p%d", i-4)); err != nil {
				t.Fatal(err)
			}
			want--
		}
	}
	waitSize(t, b, "acme/g", want)
	checkpoint(t, b, "acme", "g")
	checkpoint(t, a, "acme", "g")
	l := readStoreLog(t, a, "acme", "g")
	if !l.hasHead || l.head.Seq != l.counter || l.firstChange <= 6 || l.changes > 3*every || l.others != 0 {
		t.Errorf("store log %+v: want a snapshot at the counter, records trimmed past the paused nodes' (first > 6) and at most %d kept", l, 3*every)
	}
	t.Logf("counter %d, snapshot at %d, change records kept %d (from %d)", l.counter, l.head.Seq, l.changes, l.firstChange)

	restarted := openTest(t, snapOptions(t, dsn, every), newFake())
	defer restarted.Close()
	if r := restarted.Recovery(); r.Snapshots != 1 || r.Faces != want {
		t.Errorf("restarted node recovered %+v; want %d faces from the snapshot", r, want)
	}
	checkInvariants(t, restarted)

	paused[1].startFollowing(from[1]) // finds the records it needs trimmed
	waitSize(t, paused[1], "acme/g", want)
	checkInvariants(t, paused[1])

	head, err := a.db.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.PruneChanges(ctx, head); err != nil {
		t.Fatal(err)
	}
	paused[2].startFollowing(from[2]) // its feed position is gone too
	waitSize(t, paused[2], "acme/g", want)
	checkInvariants(t, paused[2])
	// And every node still follows new changes afterwards.
	enroll(t, a, "acme", "g", "last", "last/1")
	for _, e := range []*Engine{b, restarted, paused[1], paused[2]} {
		waitSize(t, e, "acme/g", want+1)
	}
}

// TestPostgresEraseWithdrawsSnapshot: erasing a person withdraws the store's snapshots
// of their galleries (the vectors leave the store), a snapshot taken before the erasure
// cannot be written back afterwards, and a joining node rebuilds without the person.
func TestPostgresEraseWithdrawsSnapshot(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.CreateDB(t)
	a := openTest(t, snapOptions(t, dsn, 1000), newFake())
	defer a.Close()
	for i := range 20 {
		enroll(t, a, "acme", "g", fmt.Sprintf("p%d", i), fmt.Sprintf("p%d/1", i))
	}
	g := a.mustLookup(t, "acme", "g")
	g.mu.Lock()
	var stale bytes.Buffer // a snapshot some node took before the erasure
	err := g.index().(*index.HNSW).WriteSnapshot(&stale, g.applied)
	staleSeq := g.applied
	g.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	checkpoint(t, a, "acme", "g")
	if _, err := a.ErasePerson(ctx, "p4"); err != nil {
		t.Fatal(err)
	}
	l := readStoreLog(t, a, "acme", "g")
	if !l.hasHead || l.head.Parts != 0 || l.head.Seq != l.counter || l.parts+l.others != 0 {
		t.Fatalf("after the erasure the store holds %+v; want an empty head at %d and no parts", l, l.counter)
	}
	if err := a.putStoreSnapshot(ctx, g, staleSeq, stale.Bytes()); err != nil {
		t.Fatal(err)
	}
	if l := readStoreLog(t, a, "acme", "g"); l.head.Parts != 0 || l.parts+l.others != 0 {
		t.Fatalf("a snapshot from before the erasure was written back: %+v", l)
	}
	j := openTest(t, snapOptions(t, dsn, 1000), newFake())
	defer j.Close()
	if r := j.Recovery(); r.Snapshots != 0 || r.Faces != 19 {
		t.Errorf("joining node recovered %+v; want 19 faces rebuilt", r)
	}
	checkInvariants(t, j)
	checkpoint(t, j, "acme", "g") // a fresh snapshot, without p4
	k := openTest(t, snapOptions(t, dsn, 1000), newFake())
	defer k.Close()
	if r := k.Recovery(); r.Snapshots != 1 || r.Faces != 19 {
		t.Errorf("next node recovered %+v; want 19 faces from the new snapshot", r)
	}
	checkInvariants(t, k)
}
