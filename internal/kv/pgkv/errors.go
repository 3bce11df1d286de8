package pgkv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wajah-id/wajah/internal/kv"
)

// classify maps a pgx error onto the kv contract. transient reports whether the
// operation may be retried on a new connection: the server is restarting or the
// connection broke. connClosed tells that the connection the error came from is now
// closed, which is the surest sign of a transport failure.
func classify(err error, connClosed bool) (mapped error, transient bool) {
	if err == nil {
		return nil, false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "40001" || pe.Code == "40P01": // serialization failure, deadlock
			return fmt.Errorf("%w: %w", kv.ErrConflict, err), false
		case pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || // shutdown, crash, starting up
			pe.Code == "53300" || // too many connections
			pe.Code[:2] == "08": // connection exceptions
			return fmt.Errorf("%w: %w", kv.ErrUnavailable, err), true
		case pe.Code == "54000": // program limit exceeded
			return fmt.Errorf("%w: %w", kv.ErrTxnTooBig, err), false
		}
		return err, false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || pgconn.Timeout(err) {
		return fmt.Errorf("%w: %w", kv.ErrUnavailable, err), false
	}
	if connClosed || isConnErr(err) {
		return fmt.Errorf("%w: %w", kv.ErrUnavailable, err), true
	}
	return err, false
}

// isConnErr reports a failure to reach the server or a broken connection.
func isConnErr(err error) bool {
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ENOENT)
}
