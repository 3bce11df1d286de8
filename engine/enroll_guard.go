package engine

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/internal/kv"
)

// Enrolment guards: a face enrolled for an existing person must be that person (else an
// attacker with a kiosk token takes the NIK over), and a face must not already belong to
// another person of the tenant (one face, many NIKs). Both run twice: once right after
// extraction, so a refused enrolment never reaches the check-in service, and again in
// enrollCommit under the gallery's lock (and the tenant's, for tenant scope), which is
// the check that counts: two enrolments of one face under two NIKs at once are
// serialized there, and the second sees the first's committed face.

// errReenrolMismatch: re-enrolment of an existing person with a face that is not theirs.
var errReenrolMismatch = fmt.Errorf("%w: the face does not match the person's enrolled templates (send replace to replace them)", ErrNotVerified)

// guardResult is what the guards found: a flagged duplicate (policy flag) or nothing.
type guardResult struct {
	dup *DuplicateError
	// dupHash is the other person's keyed hash, for the audit row (never the id).
	dupHash []byte
}

// enrollGuard runs both checks for vec enrolled as r.PersonID into g (nil: the gallery
// does not exist yet). It returns errReenrolMismatch or a *DuplicateError to refuse.
// The face must match the person as Verify would score it (personSimilarity: the masked
// path where the face or a template is masked, under masked-enrolment allow).
func (e *Engine) enrollGuard(ctx context.Context, r EnrollRequest, g *gallery, face embed.Face, vec []float32) (guardResult, error) {
	var out guardResult
	if g != nil && !r.Replace {
		ph := e.keys.personHash(g.rec.GID, r.PersonID)
		_, templates, err := e.loadPerson(ctx, g, ph)
		switch {
		case errors.Is(err, ErrPersonNotFound):
		case err != nil:
			return out, err
		default:
			sim, err := e.personSimilarity(ctx, g, ph, templates, vec, &face)
			if err != nil {
				return out, err
			}
			if sim < e.opts.Threshold {
				return out, errReenrolMismatch
			}
		}
	}
	if e.opts.DuplicatePolicy == DuplicateOff {
		return out, nil
	}
	dup, hash, err := e.findDuplicate(ctx, r, g, vec)
	if err != nil || dup == nil {
		return out, err
	}
	if e.opts.DuplicatePolicy == DuplicateFlag {
		return guardResult{dup: dup, dupHash: hash}, nil
	}
	return out, dup
}

// findDuplicate searches the duplicate scope for a face of another person at or above the
// duplicate threshold and returns the best such person. The same id in another gallery
// of the tenant is the same person, not a duplicate.
func (e *Engine) findDuplicate(ctx context.Context, r EnrollRequest, home *gallery, vec []float32) (*DuplicateError, []byte, error) {
	var scope []*gallery
	if e.opts.DuplicateScope == DuplicateScopeTenant {
		e.mu.RLock()
		for n, g := range e.mu.galleries {
			if n.tenant == r.Tenant {
				scope = append(scope, g)
			}
		}
		e.mu.RUnlock()
	} else if home != nil {
		scope = []*gallery{home}
	}
	var (
		best     *DuplicateError
		bestHash []byte
	)
	for _, g := range scope {
		if g.rec.ModelID != e.emb.ModelID() || g.rec.Dim != len(vec) {
			continue // another model's embeddings are not comparable
		}
		thr := e.duplicateThreshold(g)
		// The person's own templates may fill the first MaxTemplates hits.
		hits := g.index().Search(vec, e.opts.MaxTemplates+4, nil)
		err := e.viewCtx(ctx, func(txn kv.Txn) error {
			for _, h := range hits {
				sim := e.emb.Similarity(h.Score)
				if sim < thr || (best != nil && sim <= best.Similarity) {
					break // best first
				}
				fr, err := getFace(txn, g, h.ID)
				if errors.Is(err, kv.ErrNotFound) {
					continue // deleted since the search
				}
				if err != nil {
					return err
				}
				pk := personKey(g.rec.GID, fr.PersonHash)
				rec, err := getPerson(txn, pk)
				if errors.Is(err, ErrPersonNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				p, err := e.personOf(pk, rec)
				if err != nil {
					return err
				}
				if p.ID == r.PersonID {
					continue
				}
				best = &DuplicateError{Gallery: g.rec.Name, PersonID: p.ID, Similarity: sim}
				bestHash = fr.PersonHash
				return nil
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return best, bestHash, nil
}

// lockTenant takes the tenant's enrolment lock when duplicates are checked tenant-wide;
// the returned function releases it. Lock order: tenant, then g.mu.
func (e *Engine) lockTenant(tenant string) func() {
	if e.opts.DuplicateScope != DuplicateScopeTenant || e.opts.DuplicatePolicy == DuplicateOff {
		return func() {}
	}
	m, _ := e.tenantMu.LoadOrStore(tenant, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// auditRefusal durably records a refused enrolment: a takeover or duplicate attempt is
// evidence worth an fsync.
func (e *Engine) auditRefusal(r EnrollRequest, g *gallery, cause error, start time.Time, tExtract time.Duration) {
	var gid uint64
	if g != nil {
		gid = g.rec.GID
	}
	outcome := "refused: " + cause.Error()
	var de *DuplicateError
	if errors.As(cause, &de) {
		// The other person appears as a keyed hash only, like every subject.
		outcome = "refused: duplicate face of another person (similarity " + fmt.Sprintf("%.4f", de.Similarity) + ")"
	}
	a := auditRecord{TrxID: r.TrxID, Op: "enroll", Outcome: outcome, Tenant: r.Tenant, Gallery: r.Gallery,
		Subject: e.keys.personHash(gid, r.PersonID), Total: time.Since(start), Extract: tExtract, Actor: r.Actor}
	if err := e.update(func(txn kv.Txn) error { return e.auditTxn(txn, a) }); err != nil {
		e.log.Error("audit of a refused enrolment failed", "err", err)
	}
}

func flaggedOutcome(g guardResult) string {
	if g.dup == nil {
		return "ok"
	}
	return fmt.Sprintf("ok; flagged duplicate of person %s (similarity %.4f)", hex.EncodeToString(g.dupHash[:8]), g.dup.Similarity)
}
