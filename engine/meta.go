package engine

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/wajah-id/wajah/index"
	"github.com/wajah-id/wajah/internal/kv"
)

// loadMeta reads the meta record, or writes it for a new store, checks it against the
// options and the key, and returns the keyring. It fills e.opts' persisted fields.
func (e *Engine) loadMeta(master []byte) (*keyring, error) {
	var stored *metaRecord
	err := e.view(func(txn kv.Txn) error {
		item, err := txn.Get(keyMeta)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			m, err := decodeMeta(v)
			if err != nil {
				return fmt.Errorf("%w: meta record: %w", ErrIncompatible, err)
			}
			stored = &m
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if stored == nil {
		keys, err := e.initMeta(master)
		if errors.Is(err, errMetaWritten) {
			return e.loadMeta(master) // adopt (and check) what the other node wrote
		}
		return keys, err
	}
	if err := checkCompatibility(*stored, e.opts, master); err != nil {
		return nil, err
	}
	e.opts.IndexM, e.opts.IndexEfConstruction = stored.M, stored.EfConstruction
	return newKeyring(master, stored.HashKey)
}

// checkCompatibility refuses a store whose persisted schema, metric, graph parameters
// or encryption differ from what this process would use (pebble's CheckCompatibility).
// Zero IndexM / IndexEfConstruction in opts adopt the stored values.
func checkCompatibility(m metaRecord, o Options, master []byte) error {
	switch {
	case m.Schema != schemaVersion:
		return fmt.Errorf("%w: schema version %d, this build reads %d", ErrIncompatible, m.Schema, schemaVersion)
	case m.Metric != metricInnerProduct:
		return fmt.Errorf("%w: metric %q, this build uses %q", ErrIncompatible, m.Metric, metricInnerProduct)
	case o.IndexM != 0 && o.IndexM != m.M:
		return fmt.Errorf("%w: index M %d, store has %d", ErrIncompatible, o.IndexM, m.M)
	case o.IndexEfConstruction != 0 && o.IndexEfConstruction != m.EfConstruction:
		return fmt.Errorf("%w: index efConstruction %d, store has %d", ErrIncompatible, o.IndexEfConstruction, m.EfConstruction)
	case m.Encrypted && master == nil:
		return fmt.Errorf("%w: the store is encrypted and no key is configured", ErrWrongKey)
	case !m.Encrypted && master != nil:
		return fmt.Errorf("%w: the store was created without encryption; a key is configured", ErrWrongKey)
	}
	if m.Encrypted {
		k, err := newKeyring(master, nil)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(k.check, m.KeyCheck) != 1 {
			return ErrWrongKey
		}
	}
	return nil
}

// errMetaWritten: another node sharing the store created the meta record between
// this one's read and its write; loadMeta reads it again.
var errMetaWritten = errors.New("meta record written by another node")

func (e *Engine) initMeta(master []byte) (*keyring, error) {
	m := metaRecord{
		Schema:         schemaVersion,
		Metric:         metricInnerProduct,
		M:              e.opts.IndexM,
		EfConstruction: e.opts.IndexEfConstruction,
		Encrypted:      master != nil,
		Created:        time.Now().UnixNano(),
	}
	if m.M == 0 {
		m.M = index.DefaultM
	}
	if m.EfConstruction == 0 {
		m.EfConstruction = max(index.DefaultEfConstruction, m.M)
	}
	if !m.Encrypted {
		m.HashKey = randomBytes(32)
	}
	keys, err := newKeyring(master, m.HashKey)
	if err != nil {
		return nil, err
	}
	m.KeyCheck = keys.check
	err = e.update(func(txn kv.Txn) error {
		// A store with rows but no meta record was not written by wajah (or lost its
		// meta): refuse rather than adopt it.
		it := txn.NewIterator(kv.IteratorOptions{})
		defer it.Close()
		if it.Rewind(); it.Valid() {
			if bytes.Equal(it.Item().Key(), keyMeta) { // the lowest key: written meanwhile
				return errMetaWritten
			}
			return fmt.Errorf("%w: store has data but no meta record", ErrIncompatible)
		}
		return txn.Set(keyMeta, m.encode())
	})
	if err != nil {
		return nil, err
	}
	e.opts.IndexM, e.opts.IndexEfConstruction = m.M, m.EfConstruction
	return keys, nil
}
