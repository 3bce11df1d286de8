package pgkv

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wajah-id/wajah/internal/kv"
)

// migrations[i] moves the schema from version i to i+1. Append only: a released
// migration is never edited, so every database reaches the same schema by the same
// steps. Keys and values are bytea, compared bytewise, so iteration order is Badger's.
//
// wajah_change is the change feed: one row per key per committing transaction,
// tagged with the transaction's id (xid8, 64-bit and never wrapping). A reader
// follows it by transaction id up to the oldest still-running transaction (the
// snapshot's xmin); see Changes for why that never skips a late commit.
var migrations = []string{
	`CREATE TABLE wajah_kv (
		k bytea PRIMARY KEY,
		v bytea NOT NULL
	);
	CREATE TABLE wajah_seq (
		k bytea PRIMARY KEY,
		next bigint NOT NULL
	);
	CREATE TABLE wajah_change (
		xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
		ord bigserial,
		k bytea NOT NULL,
		deleted boolean NOT NULL,
		PRIMARY KEY (xid, ord)
	);
	CREATE TABLE wajah_feed (pruned bigint NOT NULL);
	INSERT INTO wajah_feed VALUES (0);`,
}

// SchemaVersion is the schema this binary writes.
var SchemaVersion = len(migrations)

// schemaLockID names the advisory lock that serializes migrations between nodes
// starting at once.
const schemaLockID = 0x77616a6168 // "wajah"

// migrate brings the database to SchemaVersion in one transaction, or refuses a
// newer schema without touching it.
func migrate(ctx context.Context, conn *pgx.Conn) (from int, err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(ctx)
		}
	}()
	if _, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLockID)); err != nil {
		return 0, err
	}
	if _, err = tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS wajah_schema (version integer NOT NULL)`); err != nil {
		return 0, err
	}
	var v int
	switch err = tx.QueryRow(ctx, `SELECT version FROM wajah_schema`).Scan(&v); err {
	case nil:
	case pgx.ErrNoRows:
		if _, err = tx.Exec(ctx, `INSERT INTO wajah_schema VALUES (0)`); err != nil {
			return 0, err
		}
	default:
		return 0, err
	}
	if v > SchemaVersion {
		err = fmt.Errorf("%w: database has schema %d, this binary knows up to %d", kv.ErrSchemaTooNew, v, SchemaVersion)
		return v, err
	}
	for i := v; i < SchemaVersion; i++ {
		if _, err = tx.Exec(ctx, migrations[i]); err != nil {
			return v, fmt.Errorf("pgkv: migration %d->%d: %w", i, i+1, err)
		}
	}
	if _, err = tx.Exec(ctx, `UPDATE wajah_schema SET version = $1`, SchemaVersion); err != nil {
		return v, err
	}
	return v, tx.Commit(ctx)
}
