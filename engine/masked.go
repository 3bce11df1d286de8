package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/wajah-id/wajah/embed"
)

// Masked matching (embed/maskmatch.go, measured in embed/README.md "Masked faces"). At
// enrolment the embedder supplies, besides the face's embedding, the embeddings of the same
// aligned face with synthetic masks drawn on it (embed.Face.MaskedTemplates). They are
// stored sealed in the face's own record (faceRecord.SealedMasked, an optional trailing
// field: records written before it simply have none), so they live and die with the
// template and need no index. A probe the mask classifier calls masked is compared with
// them as well, and the similarity comes from the embedder's masked-path mapping, which is
// calibrated so that 0.75 means the same FAR as on the unmasked path.

// maskedBlobVersion versions the plaintext of SealedMasked.
const maskedBlobVersion = 1

// maxMaskedTemplates bounds what a record may claim (a corrupt count must not allocate).
const maxMaskedTemplates = 16

// MaskedSimilarity is implemented by embedders with a calibrated masked path
// (*embed.Pipeline). Without it a masked probe is scored like any other.
type MaskedSimilarity interface {
	MaskedSimilarity(cosine float32) float64
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

// maskedBest is the best cosine of q against the masked templates of a person's faces; ok
// is false when none of them has any (enrolled before masked matching, or by an embedder
// without it).
func (e *Engine) maskedBest(g *gallery, ph []byte, q []float32) (best float32, ok bool, err error) {
	best = -1
	err = e.db.View(func(txn *badger.Txn) error {
		rec, err := getPerson(txn, personKey(g.rec.GID, ph))
		if err != nil {
			return err
		}
		for _, fid := range rec.Faces {
			fk := faceKey(g.rec.GID, fid)
			item, err := txn.Get(fk)
			if errors.Is(err, badger.ErrKeyNotFound) {
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
			for _, t := range ts {
				best, ok = max(best, dot(q, t)), true
			}
		}
		return nil
	})
	return best, ok, err
}

// maskedSimilarity scores a masked probe: the best of its cosine with the plain templates
// (plainBest) and with the masked ones, on the masked path's scale. It returns the plain
// path's similarity when the embedder has no masked path or the person no masked templates.
func (e *Engine) maskedSimilarity(g *gallery, ph []byte, q []float32, plainBest float32) (float64, error) {
	plain := e.emb.Similarity(plainBest)
	ms, ok := e.emb.(MaskedSimilarity)
	if !ok {
		return plain, nil
	}
	best, found, err := e.maskedBest(g, ph, q)
	if err != nil || !found {
		return plain, err
	}
	return ms.MaskedSimilarity(max(best, plainBest)), nil
}
