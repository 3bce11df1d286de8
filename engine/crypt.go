package engine

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
)

// Encryption at rest is done here, per field, rather than with Badger's own encryption:
// templates, NIKs / person ids, names and ledger NIKs are sealed with AES-256-GCM before
// they reach Badger, so neither the LSM tables nor the value log nor a backup stream ever
// hold them in clear. The record's Badger key is the GCM additional data, so a sealed
// value moved under another key fails to open. Keys never hold raw identifiers: they
// hold a keyed HMAC (keyHash), which makes them useless for guessing NIKs without the key.
//
// Sub-keys are derived from one 32-byte master key with HMAC-SHA256 and a label, so the
// AES key, the HMAC key and the key-check value are independent.
const (
	masterKeyLen = 32
	hashLen      = 16 // truncated HMAC-SHA256 in keys: 128 bits, collision-free in practice

	sealPlain  = 0 // no key configured: the field is stored as is
	sealAESGCM = 1
)

// keyring seals fields and hashes identifiers.
type keyring struct {
	aead    cipher.AEAD // nil when the store is unencrypted
	hashKey []byte
	check   []byte // derived from the master key; persisted to detect a wrong key
}

// loadMasterKey reads the key from the file, else from the environment variable; nil
// and no error when neither is configured.
func loadMasterKey(file, env string) ([]byte, error) {
	var text []byte
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("engine: key file: %w", err)
		}
		if len(b) == masterKeyLen {
			return b, nil // raw bytes
		}
		text = bytes.TrimSpace(b)
	case env != "" && os.Getenv(env) != "":
		text = []byte(os.Getenv(env))
	default:
		return nil, nil
	}
	if k, err := hex.DecodeString(string(text)); err == nil && len(k) == masterKeyLen {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(string(text)); err == nil && len(k) == masterKeyLen {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: the key must be 32 bytes, raw, as 64 hex digits or as base64", ErrInvalid)
}

func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("wajah/" + label + "/v1"))
	return m.Sum(nil)
}

// newKeyring builds the keyring for a master key; hashKey is used only when master is
// nil (unencrypted store: a random per-store key kept in the meta record).
func newKeyring(master, hashKey []byte) (*keyring, error) {
	if master == nil {
		return &keyring{hashKey: hashKey}, nil
	}
	block, err := aes.NewCipher(derive(master, "aes-gcm"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &keyring{aead: aead, hashKey: derive(master, "key-hash"), check: derive(master, "key-check")[:hashLen]}, nil
}

func (k *keyring) encrypted() bool { return k.aead != nil }

// seal encrypts plain with the record key as additional data.
func (k *keyring) seal(plain, aad []byte) []byte {
	if k.aead == nil {
		return append([]byte{sealPlain}, plain...)
	}
	out := make([]byte, 1+k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	out[0] = sealAESGCM
	// crypto/rand.Read never fails on supported platforms (Go 1.24+).
	_, _ = rand.Read(out[1:])
	return k.aead.Seal(out, out[1:1+k.aead.NonceSize()], plain, aad)
}

// open reverses seal.
func (k *keyring) open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, fmt.Errorf("%w: empty sealed field", ErrCorrupt)
	}
	switch {
	case sealed[0] == sealPlain && k.aead == nil:
		return append([]byte(nil), sealed[1:]...), nil
	case sealed[0] == sealAESGCM && k.aead != nil:
		ns := k.aead.NonceSize()
		if len(sealed) < 1+ns+k.aead.Overhead() {
			return nil, fmt.Errorf("%w: sealed field too short", ErrCorrupt)
		}
		p, err := k.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
		if err != nil {
			return nil, fmt.Errorf("%w: decryption failed", ErrCorrupt)
		}
		return p, nil
	case sealed[0] == sealAESGCM:
		return nil, ErrWrongKey
	}
	return nil, fmt.Errorf("%w: seal mode %d", ErrCorrupt, sealed[0])
}

// hash is the keyed identifier hash used in keys and audit records: HMAC-SHA256 over a
// domain label and length-prefixed parts, truncated to hashLen bytes. Length prefixes
// keep ("ab","c") and ("a","bc") apart.
func (k *keyring) hash(domain string, parts ...string) []byte {
	m := hmac.New(sha256.New, k.hashKey)
	m.Write([]byte(domain))
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		m.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		m.Write([]byte(p))
	}
	return m.Sum(nil)[:hashLen]
}

// randomBytes returns n bytes from crypto/rand.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
