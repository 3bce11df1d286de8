package engine

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
)

// People lists a gallery's people in key order (a keyed hash: stable, not
// alphabetical). The cursor is the last returned row's hash, base64url: opaque to
// clients, meaningless in another gallery, and no NIK in it.
func (e *Engine) People(ctx context.Context, tenant, gallery string, p Page) (people []Person, next string, err error) {
	if err := normIDs(&tenant, &gallery); err != nil {
		return nil, "", err
	}
	limit := p.Limit
	switch {
	case limit == 0:
		limit = defaultPageLimit
	case limit < 0 || limit > maxPageLimit:
		return nil, "", fmt.Errorf("%w: page limit %d not in 1..%d", ErrInvalid, limit, maxPageLimit)
	}
	var after []byte
	if p.Cursor != "" {
		after, err = base64.RawURLEncoding.DecodeString(p.Cursor)
		if err != nil || len(after) != hashLen {
			return nil, "", fmt.Errorf("%w: page cursor", ErrInvalid)
		}
	}
	if err := e.enter(); err != nil {
		return nil, "", err
	}
	defer e.exit()
	g, err := e.lookup(tenant, gallery)
	if err != nil {
		return nil, "", err
	}
	prefix := gidPrefix(tabPerson, g.rec.GID)
	err = e.viewCtx(ctx, func(txn kv.Txn) error {
		it := txn.NewIterator(kv.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: min(limit, 100)})
		defer it.Close()
		start := prefix
		if after != nil {
			start = personKey(g.rec.GID, after)
		}
		var last []byte
		for it.Seek(start); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			if after != nil && bytes.Equal(k, start) {
				continue
			}
			if len(people) == limit {
				next = base64.RawURLEncoding.EncodeToString(last)
				break
			}
			var rec personRecord
			if err := it.Item().Value(func(v []byte) (err error) { rec, err = decodePerson(v); return err }); err != nil {
				return err
			}
			p, err := e.personOf(k, rec)
			if err != nil {
				return err
			}
			people = append(people, p)
			last = k[len(prefix):]
		}
		return nil
	})
	return people, next, err
}

// DeletePerson removes the person and all their templates in one transaction, then
// from the index. ErrPersonNotFound when absent.
func (e *Engine) DeletePerson(ctx context.Context, tenant, gallery, personID string) error {
	start := time.Now()
	if err := normIDs(&tenant, &gallery, &personID); err != nil {
		return err
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	g, err := e.lookup(tenant, gallery)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deleted {
		return ErrGalleryNotFound
	}
	ph := e.keys.personHash(g.rec.GID, personID)
	pk := personKey(g.rec.GID, ph)
	var (
		faces []uint64
		seq   uint64
	)
	err = e.updateCtx(ctx, func(txn kv.Txn) error {
		if err := e.lockGallery(txn, g); err != nil {
			return err
		}
		rec, err := getPerson(txn, pk)
		if err != nil {
			return err
		}
		faces = rec.Faces
		for _, f := range faces {
			if err := txn.Delete(faceKey(g.rec.GID, f)); err != nil {
				return err
			}
		}
		if err := txn.Delete(pk); err != nil {
			return err
		}
		if seq, err = bumpSeq(txn, g, changeRecord{Dels: faces}); err != nil {
			return err
		}
		return e.auditTxn(txn, auditRecord{Op: "delete-person", Outcome: "ok", Tenant: tenant, Gallery: gallery,
			Subject: ph, Total: time.Since(start)})
	})
	if err != nil {
		return err
	}
	g.seq = seq
	idx := g.index()
	for _, f := range faces {
		idx.Delete(f)
	}
	g.markApplied(seq)
	e.maybeCheckpoint(g)
	return nil
}
