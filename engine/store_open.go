package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/wajah-id/wajah/internal/kv"
	"github.com/wajah-id/wajah/internal/kv/badgerkv"
	"github.com/wajah-id/wajah/internal/kv/pgkv"
)

// storeOpenTimeout bounds waiting for the PostgreSQL server at Open.
const storeOpenTimeout = 30 * time.Second

func validStore(dsn string) error {
	if dsn == "" || strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil
	}
	return fmt.Errorf("%w: Store %q is not a postgres:// URL", ErrInvalid, redactDSN(dsn))
}

// openStore opens the records' store: Badger in Dir/store, configured as it always
// was, or PostgreSQL when Options.Store names one.
func openStore(opts Options) (kv.Store, error) {
	if opts.Store == "" {
		s, err := badgerkv.Open(badgerkv.Options{
			Dir:          filepath.Join(opts.Dir, storeSubdir),
			NoSyncWrites: opts.NoSyncWrites,
			MemTableSize: opts.MemTableSize,
			VLogFileSize: opts.VLogFileSize,
			Logger:       opts.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		return s, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
	defer cancel()
	s, err := pgkv.Open(ctx, pgkv.Options{DSN: opts.Store, Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("engine: open %s: %w", redactDSN(opts.Store), err)
	}
	return s, nil
}

// redactDSN hides a password in a DSN before it is logged or returned.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return dsn[:scheme+3] + userinfo[:i] + ":xxx" + dsn[at:]
	}
	return dsn
}
