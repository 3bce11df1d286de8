package engine

import "errors"

// Errors added by the store implementation, beside the contract's in errors.go.
var (
	// ErrWrongKey: the encryption key does not match the one the store was created with,
	// or a key is given to an unencrypted store, or missing for an encrypted one.
	ErrWrongKey = errors.New("encryption key does not match the store")
	// ErrCorrupt: a stored record fails its checksum, its version or its decryption.
	ErrCorrupt = errors.New("store record corrupt")
	// ErrNoEmbedder: the engine was opened without an Embedder (operator tools) and the
	// operation needs one.
	ErrNoEmbedder = errors.New("engine opened without an embedder")
)
