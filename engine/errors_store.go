package engine

import (
	"errors"

	"github.com/wajah-id/wajah/internal/kv"
)

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

	// ErrStoreUnavailable: the shared store (cluster mode) could not be reached before
	// the call's deadline; nodes reconnect by themselves. Unless ErrCommitUnknown comes
	// with it, the call changed nothing and may be retried.
	ErrStoreUnavailable = kv.ErrUnavailable
	// ErrCommitUnknown (always with ErrStoreUnavailable): the connection broke after the
	// commit was sent, so the change may or may not be stored; check before retrying.
	ErrCommitUnknown = kv.ErrCommitUnknown
	// ErrBehind: the call asked (AtLeast) for a change position this node's follower
	// had not applied by the call's deadline.
	ErrBehind = errors.New("node has not caught up to the requested change position")
)
