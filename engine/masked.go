package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/wajah-id/wajah/embed"
	"github.com/wajah-id/wajah/internal/kv"
)

// Masked matching (embed/maskmatch.go, measured in embed/README.md "Masked faces"). At
// enrolment the embedder supplies, besides the face's embedding, the embeddings of the same
// aligned face with synthetic masks drawn over it (embed.Face.MaskedTemplates, "overlays").
// They are stored sealed in the face's own record (faceRecord.SealedMasked, an optional
// trailing field: records written before it simply have none), so they live and die with
// the template and need no index. A probe the mask classifier calls masked comes with
// overlays of its own; it is scored with embed.MaskedScore against each face that has
// them, and the similarity comes from the embedder's masked-path mapping, calibrated so that
// 0.75 means the same FAR as on the unmasked path. Identify does the same for the people
// its plain-cosine search brings up (maskedidentify.go), and compare with a masked face on
// one side adds the overlays to the other (completeOverlays); an unmasked probe against a
// masked enrolment is scored the same way (maskedenrol.go). Where a side has no
// overlays, a masked probe is scored by its plain cosine on the embedder's masked-probe
// mapping (MaskedPlainSimilarity), never more lenient than the unmasked one.

// maskedBlobVersion versions the plaintext of SealedMasked.
const maskedBlobVersion = 1

// maxMaskedTemplates bounds what a record may claim (a corrupt count must not allocate).
const maxMaskedTemplates = 16

// MaskedSimilarity is implemented by embedders with a calibrated masked path
// (*embed.Pipeline). Without it a masked probe is scored like any other. MaskedWhiten maps
// a face's normalized embedding and overlays into the space the masked path compares them
// in (the embedder's trained head, embed.MaskedHead; the identity without one), and
// MaskedSimilarity maps embed.MaskedScore of two such faces to the API scale.
type MaskedSimilarity interface {
	MaskedSimilarity(cosine float32) float64
	MaskedWhiten(v []float32, overlays [][]float32) ([]float32, [][]float32)
}

// OverlayCompleter is implemented by embedders that can add the overlays to a face they
// extracted without them (*embed.Pipeline): compare needs them on an unmasked face opposite
// a masked one.
type OverlayCompleter interface {
	CompleteOverlays(f *embed.Face) error
}

// MaskedPlainSimilarity is implemented by embedders that anchor the plain cosine of a
// masked probe on its own (*embed.Pipeline). Without it the unmasked mapping is used.
type MaskedPlainSimilarity interface {
	MaskedPlainSimilarity(cosine float32) float64
}

// probeSimilarity is the plain-cosine mapping for a probe: the masked-probe one when the
// classifier called it masked and the embedder has one.
func (e *Engine) probeSimilarity(masked bool) func(float32) float64 {
	if mp, ok := e.emb.(MaskedPlainSimilarity); ok && masked {
		return mp.MaskedPlainSimilarity
	}
	return e.emb.Similarity
}

// maskedAAD binds the masked templates to their face key, apart from the embedding's.
func maskedAAD(fk []byte) []byte { return append(append([]byte(nil), fk...), "/masked"...) }

// sealMasked encodes and seals a face's masked templates; nil when there are none, or
// when they do not have the gallery's dimension (never stored half-right).
func (e *Engine) sealMasked(face embed.Face, dim int, fk []byte) []byte {
	t := face.MaskedTemplates
	if len(t) == 0 || len(t) > maxMaskedTemplates {
		return nil
	}
	b := []byte{maskedBlobVersion}
	b = binary.AppendUvarint(b, uint64(len(t)))
	for _, v := range t {
		n, err := normalized(v, dim)
		if err != nil {
			return nil
		}
		b = append(b, vecBytes(n)...)
	}
	return e.keys.seal(b, maskedAAD(fk))
}

// openMasked reverses sealMasked.
func (e *Engine) openMasked(sealed []byte, dim int, fk []byte) ([][]float32, error) {
	b, err := e.keys.open(sealed, maskedAAD(fk))
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != maskedBlobVersion {
		return nil, fmt.Errorf("%w: masked templates version", ErrCorrupt)
	}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || n == 0 || n > maxMaskedTemplates || len(b) != 1+k+int(n)*4*dim {
		return nil, fmt.Errorf("%w: masked templates length", ErrCorrupt)
	}
	out := make([][]float32, n)
	for i := range out {
		off := 1 + k + i*4*dim
		if out[i], err = bytesVec(b[off : off+4*dim]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maskedBestIn is the best embed.MaskedScore of a masked probe (q and its overlays, from
// maskedPath) against the faces of rec, inside txn, each face taken into the masked path's
// space by ms; ok is false when none of them has overlays stored (enrolled before masked
// matching, or by an embedder without it).
func (e *Engine) maskedBestIn(txn kv.Txn, g *gallery, rec personRecord, ms MaskedSimilarity, q []float32, overlays [][]float32) (best float32, ok bool, err error) {
	best = -1
	err = e.eachFace(txn, g, rec, func(fr faceRecord, fk []byte) error {
		if len(fr.SealedMasked) == 0 {
			return nil
		}
		ts, err := e.openMasked(fr.SealedMasked, g.rec.Dim, fk)
		if err != nil {
			return err
		}
		vec, err := e.openEmbedding(fr, fk)
		if err != nil {
			return err
		}
		wv, wts := ms.MaskedWhiten(vec, ts)
		best, ok = max(best, embed.MaskedScore(q, overlays, wv, wts)), true
		return nil
	})
	return best, ok, err
}

// eachFace calls fn with each face record of rec, inside txn; a face deleted since the
// person was read is skipped, as the plain path skips it.
func (e *Engine) eachFace(txn kv.Txn, g *gallery, rec personRecord, fn func(fr faceRecord, fk []byte) error) error {
	for _, fid := range rec.Faces {
		fr, err := getFace(txn, g, fid)
		if errors.Is(err, kv.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(fr, faceKey(g.rec.GID, fid)); err != nil {
			return err
		}
	}
	return nil
}

// maskedPath returns the embedder's masked-path mapping and a face in the masked path's
// space: q (its normalized embedding) and its overlays normalized to dim, through
// ms.MaskedWhiten; ok is false when the embedder has no masked path, the face no overlays,
// or they are not of the gallery's model (the plain path has already checked the
// embedding).
func (e *Engine) maskedPath(face embed.Face, q []float32, dim int) (ms MaskedSimilarity, mq []float32, overlays [][]float32, ok bool) {
	ms, ok = e.emb.(MaskedSimilarity)
	if !ok || len(face.MaskedTemplates) == 0 {
		return nil, nil, nil, false
	}
	overlays = make([][]float32, len(face.MaskedTemplates))
	for i, v := range face.MaskedTemplates {
		n, err := normalized(v, dim)
		if err != nil {
			return nil, nil, nil, false
		}
		overlays[i] = n
	}
	mq, overlays = ms.MaskedWhiten(q, overlays)
	return ms, mq, overlays, true
}

// maskedSimilarity scores a masked probe on the masked path's scale. It returns the
// masked-probe similarity of plainBest (probeSimilarity) when the embedder has no masked
// path, the probe no overlays or the person none stored.
func (e *Engine) maskedSimilarity(ctx context.Context, g *gallery, ph []byte, q []float32, face embed.Face, plainBest float32) (float64, error) {
	plain := e.probeSimilarity(true)(plainBest)
	ms, mq, overlays, ok := e.maskedPath(face, q, g.rec.Dim)
	if !ok {
		return plain, nil
	}
	return e.rescorePerson(ctx, g, ph, e.maskedRescore(g, mq, overlays, ms), plain)
}

// rescorePerson is a personScore of the person ph, or plain when it finds nothing to
// score with.
func (e *Engine) rescorePerson(ctx context.Context, g *gallery, ph []byte, rescore personScore, plain float64) (sim float64, err error) {
	sim = plain
	err = e.viewCtx(ctx, func(txn kv.Txn) error {
		rec, err := getPerson(txn, personKey(g.rec.GID, ph))
		if err != nil {
			return err
		}
		s, found, err := rescore(txn, rec)
		if found {
			sim = s
		}
		return err
	})
	return sim, err
}

// completeOverlays gives the unmasked face of a compare the overlays when the other is
// masked and the embedder has a masked path, so that the pair is scored as Verify scores
// a masked probe against an enrolment.
func (e *Engine) completeOverlays(faces *[2]embed.Face) error {
	_, masked := e.emb.(MaskedSimilarity)
	oc, completes := e.emb.(OverlayCompleter)
	if !masked || !completes || faces[0].Masked == faces[1].Masked {
		return nil
	}
	for i := range faces {
		if !faces[i].Masked {
			if err := oc.CompleteOverlays(&faces[i]); err != nil {
				return &ImageError{Image: [2]ImageRole{SourceImage, TargetImage}[i], Err: err}
			}
		}
	}
	return nil
}

// compareSimilarity scores Compare's two faces (a, b their normalized embeddings): the
// plain mapping when neither is masked, else the masked path over both faces' overlays
// (embed.MaskedScore is symmetric), or the masked-probe mapping of the plain cosine when
// a side has none.
func (e *Engine) compareSimilarity(faces [2]embed.Face, a, b []float32, masked bool) float64 {
	if masked {
		ms, ma, oa, okA := e.maskedPath(faces[0], a, len(a))
		_, mb, ob, okB := e.maskedPath(faces[1], b, len(b))
		if okA && okB {
			return ms.MaskedSimilarity(embed.MaskedScore(ma, oa, mb, ob))
		}
	}
	return e.probeSimilarity(masked)(dot(a, b))
}
