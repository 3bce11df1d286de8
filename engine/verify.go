package engine

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// Verify compares the face in r.Image with the person's templates (1:1) and reports the
// best template's similarity. A face that does not match is Verified=false with a nil
// error; the server maps it to 411.
func (e *Engine) Verify(ctx context.Context, r VerifyRequest) (res VerifyResult, err error) {
	start := time.Now()
	if err := normIDs(&r.Tenant, &r.Gallery, &r.PersonID); err != nil {
		return res, err
	}
	if err := validOptional(r.TrxID); err != nil {
		return res, err
	}
	if err := e.awaitPosition(ctx); err != nil { // position.go
		return res, err
	}
	thr, err := e.threshold(r.Threshold)
	if err != nil {
		return res, err
	}
	if err := e.enter(); err != nil {
		return res, err
	}
	defer e.exit()
	g, err := e.searchable(r.Tenant, r.Gallery)
	if err != nil {
		return res, err
	}
	var tExtract time.Duration
	ph := e.keys.personHash(g.rec.GID, r.PersonID)
	defer func() {
		e.auditAsync(auditRecord{TrxID: r.TrxID, Op: "verify", Outcome: verifyOutcome(res, err), Tenant: r.Tenant, Gallery: r.Gallery,
			Subject: ph, Total: time.Since(start), Extract: tExtract})
	}()
	// The person is looked up before the (expensive) extraction: an unknown id is 415
	// whatever the image.
	person, templates, err := e.loadPerson(ctx, g, ph)
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	face, err := e.extractLive(ctx, r.Image, embed.ExtractOptions{Purpose: embed.PurposeVerify})
	tExtract = time.Since(t0)
	if err != nil {
		return res, err
	}
	q, err := normalized(face.Embedding, g.rec.Dim)
	if err != nil {
		return res, err
	}
	res.Person, res.Face, res.Masker = person, face, face.Masked
	if res.Similarity, err = e.personSimilarity(ctx, g, ph, templates, q, &face); err != nil {
		return res, err
	}
	res.Verified = res.Similarity >= thr
	return res, nil
}

// personSimilarity is how well a face (q, its normalized embedding) matches the person ph
// (templates, their embeddings): the best template's plain similarity, or the masked path's
// when the face is masked (masked.go) or the person has masked enrolments (maskedenrol.go).
// Verify and the re-enrolment guard share it, so that "matches the person" means one thing.
func (e *Engine) personSimilarity(ctx context.Context, g *gallery, ph []byte, templates [][]float32, q []float32, face *embed.Face) (float64, error) {
	best := float32(-1)
	for _, t := range templates {
		best = max(best, dot(q, t))
	}
	if face.Masked {
		return e.maskedSimilarity(ctx, g, ph, q, *face, best)
	}
	plain := e.emb.Similarity(best)
	if rescore := e.maskedEnrolledRescore(g, q, face); rescore != nil {
		return e.rescorePerson(ctx, g, ph, rescore, plain)
	}
	return plain, nil
}

func verifyOutcome(res VerifyResult, err error) string {
	if err == nil && !res.Verified {
		return "not verified"
	}
	return outcome(err)
}

// loadPerson reads a person (by personHash) and decrypts their templates.
func (e *Engine) loadPerson(ctx context.Context, g *gallery, ph []byte) (p Person, templates [][]float32, err error) {
	pk := personKey(g.rec.GID, ph)
	err = e.viewCtx(ctx, func(txn kv.Txn) error {
		rec, err := getPerson(txn, pk)
		if err != nil {
			return err
		}
		if p, err = e.personOf(pk, rec); err != nil {
			return err
		}
		for _, fid := range rec.Faces {
			vec, err := e.getTemplate(txn, g, fid)
			if errors.Is(err, kv.ErrNotFound) {
				// A person row names only faces committed with it.
				return fmt.Errorf("%w: face %d of a person is missing", ErrCorrupt, fid)
			}
			if err != nil {
				return err
			}
			templates = append(templates, vec)
		}
		return nil
	})
	return p, templates, err
}

func getPerson(txn kv.Txn, pk []byte) (rec personRecord, err error) {
	item, err := txn.Get(pk)
	if errors.Is(err, kv.ErrNotFound) {
		return rec, ErrPersonNotFound
	}
	if err != nil {
		return rec, err
	}
	err = item.Value(func(v []byte) (err error) { rec, err = decodePerson(v); return err })
	return rec, err
}

func (e *Engine) getTemplate(txn kv.Txn, g *gallery, fid uint64) ([]float32, error) {
	fr, err := getFace(txn, g, fid)
	if err != nil {
		return nil, err
	}
	return e.openEmbedding(fr, faceKey(g.rec.GID, fid))
}

// getFace reads face id of g; kv.ErrNotFound when it has no row.
func getFace(txn kv.Txn, g *gallery, id uint64) (fr faceRecord, err error) {
	item, err := txn.Get(faceKey(g.rec.GID, id))
	if err != nil {
		return fr, err
	}
	err = item.Value(func(v []byte) (err error) { fr, err = decodeFace(v); return err })
	return fr, err
}

// openEmbedding opens a face record's embedding.
func (e *Engine) openEmbedding(fr faceRecord, fk []byte) ([]float32, error) {
	plain, err := e.keys.open(fr.SealedEmbedding, fk)
	if err != nil {
		return nil, err
	}
	return bytesVec(plain)
}

// personOf decrypts a person row.
func (e *Engine) personOf(pk []byte, rec personRecord) (Person, error) {
	id, err := e.keys.open(rec.SealedID, pk)
	if err != nil {
		return Person{}, err
	}
	name, err := e.keys.open(rec.SealedName, pk)
	if err != nil {
		return Person{}, err
	}
	return Person{ID: string(id), Name: string(name), Created: time.Unix(0, rec.Created),
		Updated: time.Unix(0, rec.Updated), Templates: len(rec.Faces)}, nil
}

// Identify searches the gallery (1:N) and returns up to K people at or above the
// threshold (the request's, floored, and at least the calibrated threshold for the
// gallery's size), best first; none gives ErrNotVerified with the face still reported.
func (e *Engine) Identify(ctx context.Context, r IdentifyRequest) (res IdentifyResult, err error) {
	start := time.Now()
	if err := normIDs(&r.Tenant, &r.Gallery); err != nil {
		return res, err
	}
	if err := validOptional(r.TrxID); err != nil {
		return res, err
	}
	if err := e.awaitPosition(ctx); err != nil { // position.go
		return res, err
	}
	thr, err := e.threshold(r.Threshold)
	if err != nil {
		return res, err
	}
	k := r.K
	switch {
	case k == 0:
		k = 1
	case k < 0 || k > maxIdentifyK:
		return res, fmt.Errorf("%w: K %d not in 1..%d", ErrInvalid, k, maxIdentifyK)
	}
	if err := e.enter(); err != nil {
		return res, err
	}
	defer e.exit()
	g, err := e.searchable(r.Tenant, r.Gallery)
	if err != nil {
		return res, err
	}
	var tExtract, tSearch time.Duration
	defer func() {
		e.auditAsync(auditRecord{TrxID: r.TrxID, Op: "identify", Outcome: outcome(err), Tenant: r.Tenant, Gallery: r.Gallery,
			Total: time.Since(start), Extract: tExtract, Store: tSearch})
	}()
	face, err := e.extractLive(ctx, r.Image, embed.ExtractOptions{Purpose: embed.PurposeVerify})
	tExtract = time.Since(start)
	if err != nil {
		return res, err
	}
	res.Face, res.Masker = face, face.Masked
	q, err := normalized(face.Embedding, g.rec.Dim)
	if err != nil {
		return res, err
	}
	// The threshold rises with the gallery's size so that the chance of any false match
	// per search stays at Options.IdentifyFAR (calibration.go).
	thr = e.identifyThreshold(g, thr)
	t0 := time.Now()
	// A masked probe's people are re-scored by the masked path (maskedidentify.go), and so
	// are an unmasked probe's people with masked enrolments (maskedenrol.go).
	var rescore personScore
	wide := false // search the masked path's pool
	if ms, mq, overlays, ok := e.maskedPath(face, q, g.rec.Dim); ok && face.Masked {
		rescore, wide = e.maskedRescore(g, mq, overlays, ms), true
	} else if rescore = e.maskedEnrolledRescore(g, q, &face); rescore != nil {
		wide = e.opts.MaskedEnrolment == MaskedEnrolAllow // masked faces are stored only then
	}
	// Several templates per person: ask for enough hits to fill k distinct people.
	hits := g.index().Search(q, e.identifyHits(k, wide), nil)
	tSearch = time.Since(t0)
	res.Matches, err = e.resolveHits(ctx, g, hits, k, thr, e.probeSimilarity(face.Masked), rescore)
	if err != nil {
		return res, err
	}
	if len(res.Matches) == 0 {
		return res, ErrNotVerified
	}
	return res, nil
}

// personScore re-scores the person of a live hit (rec): found is false where it has
// nothing to score with, and the hit's own similarity stands.
type personScore func(txn kv.Txn, rec personRecord) (sim float64, found bool, err error)

// resolveHits turns index hits into the k best people at or above thr, checking each
// against the store: a face deleted after the search (or during a delete's window between
// commit and index update) has no row and is skipped, so a deleted face is never returned.
// simOf maps a hit's cosine to the API scale (probeSimilarity: a masked probe has its own).
// Without rescore the hits' order is the people's, so the walk stops at k people or at the
// first hit below thr; with it every person among the hits is re-scored, then ranked.
func (e *Engine) resolveHits(ctx context.Context, g *gallery, hits []index.Result, k int, thr float64, simOf func(float32) float64, rescore personScore) ([]Match, error) {
	var out []Match
	var seen [][]byte
	err := e.viewCtx(ctx, func(txn kv.Txn) error {
		for _, h := range hits {
			sim := simOf(h.Score) // the person's best: hits are best first
			if rescore == nil && (len(out) == k || sim < thr) {
				break
			}
			pk, rec, ok, err := hitPerson(txn, g, h, &seen)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if rescore != nil {
				s, found, err := rescore(txn, rec)
				if err != nil {
					return err
				}
				if found {
					sim = s
				}
				if sim < thr {
					continue
				}
			}
			p, err := e.personOf(pk, rec)
			if err != nil {
				return err
			}
			out = append(out, Match{Person: p, Similarity: sim})
		}
		return nil
	})
	if err != nil || rescore == nil {
		return out, err
	}
	slices.SortStableFunc(out, func(a, b Match) int { return cmp.Compare(b.Similarity, a.Similarity) })
	return out[:min(k, len(out))], nil
}

// hitPerson is the person a hit's face belongs to, checked against the store: ok is false
// for a face deleted after the search (or in a delete's window between commit and index
// update: the face row is gone, or no longer the person's) and for a person already in
// seen, to which a new one is added.
func hitPerson(txn kv.Txn, g *gallery, h index.Result, seen *[][]byte) (pk []byte, rec personRecord, ok bool, err error) {
	fr, err := getFace(txn, g, h.ID)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, rec, false, nil
	}
	if err != nil {
		return nil, rec, false, err
	}
	if slices.ContainsFunc(*seen, func(s []byte) bool { return bytes.Equal(s, fr.PersonHash) }) {
		return nil, rec, false, nil
	}
	pk = personKey(g.rec.GID, fr.PersonHash)
	rec, err = getPerson(txn, pk)
	if errors.Is(err, ErrPersonNotFound) || (err == nil && !slices.Contains(rec.Faces, h.ID)) {
		return nil, rec, false, nil
	}
	if err != nil {
		return nil, rec, false, err
	}
	*seen = append(*seen, fr.PersonHash)
	return pk, rec, true, nil
}

// Compare extracts a face from each image and compares them; nothing is stored. Image
// errors are *ImageError naming the image.
func (e *Engine) Compare(ctx context.Context, source, target []byte) (res CompareResult, err error) {
	start := time.Now()
	if err := e.enter(); err != nil {
		return res, err
	}
	defer e.exit()
	if e.emb == nil {
		return res, ErrNoEmbedder
	}
	defer func() {
		e.auditAsync(auditRecord{Op: "compare", Outcome: outcome(err), Total: time.Since(start)})
	}()
	var faces [2]embed.Face
	for i, img := range [2][]byte{source, target} {
		f, err := e.emb.Extract(ctx, img, embed.ExtractOptions{Purpose: embed.PurposeVerify})
		if err != nil {
			return res, &ImageError{Image: [2]ImageRole{SourceImage, TargetImage}[i], Err: err}
		}
		faces[i] = f
	}
	if err := e.completeOverlays(&faces); err != nil { // masked.go
		return res, err
	}
	dim := e.emb.Dim()
	a, err := normalized(faces[0].Embedding, dim)
	if err != nil {
		return res, &ImageError{Image: SourceImage, Err: err}
	}
	b, err := normalized(faces[1].Embedding, dim)
	if err != nil {
		return res, &ImageError{Image: TargetImage, Err: err}
	}
	res.Masker = faces[0].Masked || faces[1].Masked
	res.MaskerDetail = worseMaskDetail(faces[0].MaskDetail, faces[1].MaskDetail)
	res.Similarity = e.compareSimilarity(faces, a, b, res.Masker) // masked.go
	res.Verified = res.Similarity >= e.opts.Threshold
	return res, nil
}
