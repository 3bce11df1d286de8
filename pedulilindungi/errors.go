package pedulilindungi

import (
	"errors"
	"fmt"
)

// Sentinel errors: one per failure mode of the check-in service, all of type *Error. The
// server's one table (server/errors.go) gives each its contract code (600-611, in
// brackets below) and message.
var (
	// ErrUnknown: the service answered with an error we cannot classify (600).
	ErrUnknown = &Error{msg: "check-in service: unknown error"}
	// ErrRejected: the service rejected the NIK + name pair (603).
	ErrRejected = &Error{msg: "check-in service: nik and name rejected"}
	// ErrTimeout: no response before the deadline (604).
	ErrTimeout = &Error{msg: "check-in service: timeout"}
	// ErrNoResponse: the connection broke or a gateway failed before a usable answer (605).
	ErrNoResponse = &Error{msg: "check-in service: failed to receive response"}
	// ErrNotEnrolled: the NIK is not known to the service (606).
	ErrNotEnrolled = &Error{msg: "check-in service: nik not enrolled"}
	// ErrUnreachable: the service could not be connected to (607).
	ErrUnreachable = &Error{msg: "check-in service: unreachable"}
	// ErrIncomplete: the reply parsed but lacks a required field (608).
	ErrIncomplete = &Error{msg: "check-in service: response data incomplete"}
	// ErrMalformed: the reply is not the expected JSON (609).
	ErrMalformed = &Error{msg: "check-in service: response data malformed"}
	// ErrNotFound: the service answered 404 for the path itself (610).
	ErrNotFound = &Error{msg: "check-in service: 404"}
	// ErrTokenExpired: the service refused our credentials (611).
	ErrTokenExpired = &Error{msg: "check-in service: expired user auth token"}
)

// ErrInvalid reports an argument the provider refuses before any call (e.g. bad direction).
var ErrInvalid = errors.New("check-in: invalid argument")

// Error is a check-in failure mode. The sentinels above are the only values; failures
// wrap one of them so errors.Is and Failed work through the chain.
type Error struct {
	msg string
}

func (e *Error) Error() string { return e.msg }

// Failed reports whether err is a failure of the check-in service (wraps an *Error).
func Failed(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// failure is a classified failure with the reply (if any) for pl_data and a cause for logs.
type failure struct {
	kind  *Error
	reply *Reply
	cause error
}

func (f *failure) Error() string {
	if f.cause != nil {
		return fmt.Sprintf("%s: %v", f.kind.msg, f.cause)
	}
	return f.kind.msg
}

func (f *failure) Unwrap() error { return f.kind }

// ReplyOf returns the service's reply carried by a check-in error, or nil.
func ReplyOf(err error) *Reply {
	var f *failure
	if errors.As(err, &f) {
		return f.reply
	}
	return nil
}

func fail(kind *Error, reply *Reply, cause error) error {
	return &failure{kind: kind, reply: reply, cause: cause}
}
