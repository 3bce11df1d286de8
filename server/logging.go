package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// nikHasher turns a NIK (or user_id) into a keyed hash for logs: lines about the same person
// correlate, but the number itself never reaches a log.
type nikHasher struct {
	pool sync.Pool
}

func newNIKHasher(key []byte) (*nikHasher, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	k := append([]byte(nil), key...)
	return &nikHasher{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}, nil
}

// hash returns 16 hex digits of HMAC-SHA256(key, nik).
func (n *nikHasher) hash(nik string) string {
	h := n.pool.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(nik))
	var sum [sha256.Size]byte
	out := hex.EncodeToString(h.Sum(sum[:0])[:8])
	n.pool.Put(h)
	return out
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
