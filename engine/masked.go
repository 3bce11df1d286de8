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
// 0.75 means the same FAR as on the unmasked path. Identify and compare score a masked probe
// by the plain cosine (no overlays there), on the embedder's masked-probe mapping
// (MaskedPlainSimilarity), never more lenient than the unmasked one (with today's anchors
// the two coincide: embed/similarity.go).

// maskedBlobVersion versions the plaintext of SealedMasked.
const maskedBlobVersion = 1

// maxMaskedTemplates bounds what a record may claim (a corrupt count must not allocate).
const maxMaskedTemplates = 16

// MaskedSimilarity is implemented by embedders with a calibrated masked path
// (*embed.Pipeline). Without it a masked probe is scored like any other.
type MaskedSimilarity interface {
	MaskedSimilarity(cosine float32) float64
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

// maskedBest is the best embed.MaskedScore of a masked probe (q and its overlays) against
// a person's faces; ok is false when none of them has overlays stored (enrolled before
// masked matching, or by an embedder without it).
func (e *Engine) maskedBest(ctx context.Context, g *gallery, ph []byte, q []float32, overlays [][]float32) (best float32, ok bool, err error) {
	best = -1
	err = e.viewCtx(ctx, func(txn kv.Txn) error {
		rec, err := getPerson(txn, personKey(g.rec.GID, ph))
		if err != nil {
			return err
		}
		for _, fid := range rec.Faces {
			fk := faceKey(g.rec.GID, fid)
			item, err := txn.Get(fk)
			if errors.Is(err, kv.ErrNotFound) {
				continue // deleted since loadPerson: the plain path already skipped it too
			}
			if err != nil {
				return err
			}
			var fr faceRecord
			if err := item.Value(func(v []byte) (err error) { fr, err = decodeFace(v); return err }); err != nil {
				return err
			}
			if len(fr.SealedMasked) == 0 {
				continue
			}
			ts, err := e.openMasked(fr.SealedMasked, g.rec.Dim, fk)
			if err != nil {
				return err
			}
			plain, err := e.keys.open(fr.SealedEmbedding, fk)
			if err != nil {
				return err
			}
			vec, err := bytesVec(plain)
			if err != nil {
				return err
			}
			best, ok = max(best, embed.MaskedScore(q, overlays, vec, ts)), true
		}
		return nil
	})
	return best, ok, err
}

// maskedSimilarity scores a masked probe on the masked path's scale. It returns the
// masked-probe similarity of plainBest (probeSimilarity) when the embedder has no masked
// path, the probe no overlays or the person none stored.
func (e *Engine) maskedSimilarity(ctx context.Context, g *gallery, ph []byte, q []float32, face embed.Face, plainBest float32) (float64, error) {
	plain := e.probeSimilarity(true)(plainBest)
	ms, ok := e.emb.(MaskedSimilarity)
	if !ok || len(face.MaskedTemplates) == 0 {
		return plain, nil
	}
	overlays := make([][]float32, len(face.MaskedTemplates))
	for i, v := range face.MaskedTemplates {
		n, err := normalized(v, g.rec.Dim)
		if err != nil {
			return plain, nil // not the gallery's model: the plain path already checked q
		}
		overlays[i] = n
	}
	best, found, err := e.maskedBest(ctx, g, ph, q, overlays)
	if err != nil || !found {
		return plain, err
	}
	return ms.MaskedSimilarity(best), nil
}
