package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/internal/kv"
)

// Enroll extracts one face with the enrolment gate and stores it as a new template of
// the person (created when new). Beyond Options.MaxTemplates the oldest template is
// dropped. The call returns after the person row, the face row, the gallery counter and
// the audit row are committed together and fsynced; only then is the index updated.
func (e *Engine) Enroll(ctx context.Context, r EnrollRequest) (res EnrollResult, err error) {
	start := time.Now()
	if err := normIDs(&r.Tenant, &r.Gallery, &r.PersonID); err != nil {
		return res, err
	}
	if err := validOptional(r.Name, r.TrxID); err != nil {
		return res, err
	}
	if err := e.awaitPosition(ctx); err != nil { // position.go
		return res, err
	}
	g, face, vec, tExtract, err := e.enrollExtract(ctx, r, start)
	if err != nil {
		return res, err
	}
	// Refuse a takeover or a duplicate before the check-in service hears of the person;
	// enrollCommit checks again under the lock, and that check is the one that counts.
	if err := e.enrollPrecheck(ctx, r, g, face, vec, start, tExtract); err != nil {
		return res, err
	}
	// The hook runs outside the engine's lifetime lock: it may call the check-in service
	// (seconds) or the engine itself (the local provider reads statuses).
	if r.BeforeCommit != nil {
		if err := r.BeforeCommit(ctx, face); err != nil {
			return res, err
		}
	}
	return e.enrollCommit(ctx, r, g, face, vec, start, tExtract)
}

// enrollExtract finds the gallery and extracts the face through the gate. A missing
// gallery with CreateGallery set comes back as nil: it is created only at commit, so a
// refused image or registration leaves no empty gallery behind.
func (e *Engine) enrollExtract(ctx context.Context, r EnrollRequest, start time.Time) (g *gallery, face embed.Face, vec []float32, tExtract time.Duration, err error) {
	if err := e.enter(); err != nil {
		return nil, face, nil, 0, err
	}
	defer e.exit()
	if e.emb == nil {
		return nil, face, nil, 0, ErrNoEmbedder
	}
	dim := e.emb.Dim() // a gallery created at commit takes the embedder's model and dimension
	g, err = e.lookup(r.Tenant, r.Gallery)
	switch {
	case errors.Is(err, ErrGalleryNotFound) && r.CreateGallery:
		g = nil
	case err != nil:
		return nil, face, nil, 0, err
	default:
		if err := e.checkModel(g); err != nil {
			return nil, face, nil, 0, err
		}
		dim = g.rec.Dim
	}
	face, err = e.extractLive(ctx, r.Image, embed.ExtractOptions{Purpose: embed.PurposeEnroll, Force: r.Force})
	tExtract = time.Since(start)
	if err == nil {
		err = e.maskedEnrolGate(face) // maskedenrol.go
	}
	if err != nil {
		var gid uint64 // no gallery yet: the subject hash is keyed by gallery id 0
		if g != nil {
			gid = g.rec.GID
		}
		e.auditAsync(auditRecord{TrxID: r.TrxID, Op: "enroll", Outcome: outcome(err), Tenant: r.Tenant, Gallery: r.Gallery,
			Subject: e.keys.personHash(gid, r.PersonID), Total: tExtract, Extract: tExtract})
		return nil, face, nil, 0, err
	}
	vec, err = normalized(face.Embedding, dim)
	if err != nil {
		return nil, face, nil, 0, err
	}
	return g, face, vec, tExtract, nil
}

func (e *Engine) enrollPrecheck(ctx context.Context, r EnrollRequest, g *gallery, face embed.Face, vec []float32, start time.Time, tExtract time.Duration) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.exit()
	if _, err := e.enrollGuard(ctx, r, g, face, vec); err != nil {
		if errors.Is(err, errReenrolMismatch) || errors.Is(err, ErrDuplicateFace) {
			e.auditRefusal(r, g, err, start, tExtract)
		}
		return err
	}
	return nil
}

// enrollCommit stores the extracted face as a new template, creating the gallery when
// enrollExtract deferred it; the gallery may have been dropped since extraction, which
// g.deleted reports under g.mu.
func (e *Engine) enrollCommit(ctx context.Context, r EnrollRequest, g *gallery, face embed.Face, vec []float32, start time.Time, tExtract time.Duration) (res EnrollResult, err error) {
	if err := e.enter(); err != nil {
		return res, err
	}
	defer e.exit()
	if g == nil {
		if g, err = e.createGallery(ctx, r.Tenant, r.Gallery, true); err != nil {
			return res, err
		}
		if err := e.checkModel(g); err != nil {
			return res, err
		}
	}
	faceID, err := e.nextFaceID()
	if err != nil {
		return res, err
	}

	defer e.lockTenant(r.Tenant)()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deleted {
		return res, ErrGalleryNotFound
	}
	// Under the locks no other enrolment of this gallery (or tenant) can commit between
	// this check and our commit.
	guard, err := e.enrollGuard(ctx, r, g, face, vec)
	if err != nil {
		if errors.Is(err, errReenrolMismatch) || errors.Is(err, ErrDuplicateFace) {
			e.auditRefusal(r, g, err, start, tExtract)
		}
		return res, err
	}
	gid := g.rec.GID
	ph := e.keys.personHash(gid, r.PersonID)
	pk, fk := personKey(gid, ph), faceKey(gid, faceID)
	var (
		person  personRecord
		name    string
		dropped []uint64
		seq     uint64
	)
	tCommit := time.Now()
	err = e.updateCtx(ctx, func(txn kv.Txn) error {
		if err := e.lockGallery(txn, g); err != nil {
			return err
		}
		now := time.Now().UnixNano()
		dropped, name = nil, r.Name
		item, err := txn.Get(pk)
		switch {
		case errors.Is(err, kv.ErrNotFound):
			person = personRecord{SealedID: e.keys.seal([]byte(r.PersonID), pk), Created: now}
		case err != nil:
			return err
		default:
			if err := item.Value(func(v []byte) (err error) { person, err = decodePerson(v); return err }); err != nil {
				return err
			}
		}
		if r.Name != "" || person.SealedName == nil {
			person.SealedName = e.keys.seal([]byte(r.Name), pk)
		} else {
			b, err := e.keys.open(person.SealedName, pk)
			if err != nil {
				return err
			}
			name = string(b)
		}
		person.Updated = now
		if r.Replace {
			// Every old template goes; the loop below deletes them as it drops the
			// oldest beyond MaxTemplates.
			for _, old := range person.Faces {
				if err := txn.Delete(faceKey(gid, old)); err != nil {
					return err
				}
				dropped = append(dropped, old)
			}
			person.Faces = nil
		}
		person.Faces = append(person.Faces, faceID)
		for len(person.Faces) > e.opts.MaxTemplates {
			dropped = append(dropped, person.Faces[0])
			person.Faces = person.Faces[1:]
			if err := txn.Delete(faceKey(gid, dropped[len(dropped)-1])); err != nil {
				return err
			}
		}
		fr := faceRecord{
			PersonHash: ph, ModelID: g.rec.ModelID, Quality: face.Quality, Score: face.Score,
			Masked: face.Masked, Created: now, SealedEmbedding: e.keys.seal(vecBytes(vec), fk),
			SealedMasked: e.sealMasked(face, len(vec), fk), // masked.go
		}
		if err := txn.Set(fk, fr.encode()); err != nil {
			return err
		}
		if err := txn.Set(pk, person.encode()); err != nil {
			return err
		}
		if seq, err = bumpSeq(txn, g, changeRecord{Adds: []uint64{faceID}, Dels: dropped}); err != nil {
			return err
		}
		a := auditRecord{TrxID: r.TrxID, Op: "enroll", Outcome: flaggedOutcome(guard), Tenant: r.Tenant, Gallery: r.Gallery,
			Subject: ph, Total: time.Since(start), Extract: tExtract, Store: time.Since(tCommit)}
		if r.Replace {
			a.Op, a.Actor = "enroll-replace", r.Actor
		}
		return e.auditTxn(txn, a)
	})
	if err != nil {
		return res, err
	}
	g.seq = seq
	idx := g.index()
	g.markApplied(seq) // applied below, before g.mu is released
	if err := idx.Add(faceID, vec); err != nil {
		// The vector was checked above, so this is a bug; the store stays right and the
		// next Open rebuilds the index from it.
		e.log.Error("index add failed after commit", "gallery", g.rec.Name, "err", err)
	}
	for _, id := range dropped {
		idx.Delete(id)
	}
	if err := e.maybeUpgrade(g); err != nil {
		e.log.Error("switching gallery to HNSW failed; staying exact", "gallery", g.rec.Name, "err", err)
	}
	e.maybeCheckpoint(g)
	res.Person = Person{ID: r.PersonID, Name: name, Created: time.Unix(0, person.Created), Updated: time.Unix(0, person.Updated), Templates: len(person.Faces)}
	res.Face = face
	return res, nil
}

// normalized returns a unit-length copy of v, refusing wrong lengths (a model mix-up)
// and zero or non-finite vectors.
func normalized(v []float32, dim int) ([]float32, error) {
	if len(v) != dim {
		return nil, fmt.Errorf("%w: embedding of %d dims, gallery has %d", ErrModelMismatch, len(v), dim)
	}
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("%w: zero or non-finite embedding", ErrInvalid)
	}
	inv := float32(1 / math.Sqrt(s))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * inv
	}
	return out, nil
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
