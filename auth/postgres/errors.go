package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wardauth/ward/auth"
)

// errUnavailable is in the chain of every error of a database that cannot
// be reached.
var errUnavailable = &auth.Error{Code: auth.CodeUnavailable, Message: "The database is unavailable; try again shortly."}

// unavailableError is a failure to reach the database: its chain holds
// [errUnavailable], for [auth.ErrorCode], and the driver's error.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return "database unreachable: " + e.err.Error() }

func (e *unavailableError) Unwrap() []error { return []error{errUnavailable, e.err} }

// PostgreSQL error codes (SQLSTATE) the store branches on; see
// https://www.postgresql.org/docs/current/errcodes-appendix.html.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeSerialization       = "40001"
	codeDeadlock            = "40P01"
	codeAdminShutdown       = "57P01"
	codeCrashShutdown       = "57P02"
	codeCannotConnectNow    = "57P03"
	codeTooManyConnections  = "53300"
	codeReadOnlyTransaction = "25006" // a hot standby answering after failover
)

// mapErr returns nil for nil, err itself if it is an [*auth.Error]
// already, an error with [auth.CodeUnavailable] (wrapping err) if the
// database could not be reached, and err wrapped with op otherwise.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *auth.Error
	if errors.As(err, &ae) {
		return err
	}
	if unreachable(err) {
		return fmt.Errorf("postgres: %s: %w", op, &unavailableError{err})
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// unreachable reports whether err means that the database could not be
// reached or is not accepting work: the request may succeed later.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeAdminShutdown, codeCrashShutdown, codeCannotConnectNow, codeTooManyConnections, codeReadOnlyTransaction:
			return true
		}
		return pgErr.Code[:2] == "08" // connection exception
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller's own deadline, not the database's state
	}
	var (
		connectErr *pgconn.ConnectError
		netErr     net.Error
	)
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// retryable reports whether err is a deadlock or a serialization failure:
// the transaction was rolled back and may run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == codeSerialization || pgErr.Code == codeDeadlock)
}

// pgCode returns the SQLSTATE of err, or "".
func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func notFound(what string) error {
	return &auth.Error{Code: auth.CodeNotFound, Message: "No such " + what + "."}
}

func conflict(what string) error {
	return &auth.Error{Code: auth.CodeConflict, Message: "A " + what + " with this ID exists."}
}

var errEmailTaken = &auth.Error{Code: auth.CodeEmailTaken, Message: "An account with this email address already exists."}

// constraintName returns the name of the constraint that err violated, or
// "".
func constraintName(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}

// errNoLockRow: a row of store_locks that the migrations insert is gone.
var errNoLockRow = errors.New("a row of store_locks is missing")
