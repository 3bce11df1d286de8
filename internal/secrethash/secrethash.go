// Package secrethash hashes and checks OAuth client secrets with argon2id
// (golang.org/x/crypto/argon2), stored as PHC-style strings that carry their own salt and
// parameters: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
// Old hashes keep verifying after the defaults change, because each string names its own.
package secrethash

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	MemoryKiB uint32 // m
	Time      uint32 // t, passes
	Threads   uint8  // p
}

// Default is OWASP's first recommended argon2id setting (m=19 MiB, t=2, p=1): about 30 ms
// on one core of a current server (measured figure in the README), which the token-issue
// rate limit turns into a negligible brute-force rate.
var Default = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// Bounds on parameters read from a hash, so that a corrupt or hostile configuration line
// cannot make one check take gigabytes or minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 16
	saltLen      = 16
	keyLen       = 32
)

var (
	// ErrFormat: the string is not an argon2id PHC string this package can check.
	ErrFormat = errors.New("not an argon2id hash ($argon2id$v=19$m=...,t=...,p=...$salt$hash)")
	// ErrLegacySHA256: 64 hex digits, the unsalted SHA-256 of wajah before argon2id. Such
	// a hash cannot be converted (the secret is unknown); the operator re-hashes the secret.
	ErrLegacySHA256 = errors.New("unsalted sha256 hash is no longer accepted; re-hash the secret with `wajah oauth hash`")
	// ErrEmpty: an empty secret.
	ErrEmpty = errors.New("empty secret")
)

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of secret with a fresh random salt and parameters p.
func Hash(secret []byte, p Params) (string, error) {
	if len(secret) == 0 {
		return "", ErrEmpty
	}
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey(secret, salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Hashed is a parsed PHC string, ready to check secrets against.
type Hashed struct {
	p    Params
	salt []byte
	key  []byte
}

// Parse reads a PHC string. ErrLegacySHA256 for an old unsalted hash, ErrFormat otherwise.
func Parse(s string) (*Hashed, error) {
	if isHex64(s) {
		return nil, ErrLegacySHA256
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return nil, ErrFormat
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return nil, fmt.Errorf("%w: version %q", ErrFormat, parts[2])
	}
	var h Hashed
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.p.MemoryKiB, &h.p.Time, &threads); err != nil || n != 3 || threads > 255 {
		return nil, fmt.Errorf("%w: parameters %q", ErrFormat, parts[3])
	}
	h.p.Threads = uint8(threads)
	if err := h.p.check(); err != nil {
		return nil, err
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return nil, fmt.Errorf("%w: salt", ErrFormat)
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 {
		return nil, fmt.Errorf("%w: hash", ErrFormat)
	}
	return &h, nil
}

// Check reports whether secret hashes to h, in time independent of where they differ.
func (h *Hashed) Check(secret []byte) bool {
	key := argon2.IDKey(secret, h.salt, h.p.Time, h.p.MemoryKiB, h.p.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

func (p Params) check() error {
	if p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB || p.Time < 1 || p.Time > maxTime || p.Threads < 1 {
		return fmt.Errorf("%w: parameters m=%d t=%d p=%d out of range", ErrFormat, p.MemoryKiB, p.Time, p.Threads)
	}
	return nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
