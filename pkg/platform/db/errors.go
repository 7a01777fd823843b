package db

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
)

// SQLSTATEs mapped once, here, to client-facing errors.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	codeNotNullViolation    = "23502"
	codeInsufficientPriv    = "42501" // includes "new row violates row-level security policy"
	codeInvalidText         = "22P02"
	codeStringTooLong       = "22001"
	codeLockNotAvailable    = "55P03"
)

// Classify turns a database error into an *apperr.Error: no rows → 404, unique
// violation → 409, check or foreign-key violations → 422, an RLS refusal → 404 (so the
// existence of another tenant's row does not leak). Errors already classified pass
// through; anything else is internal.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.Wrap(err, apperr.KindNotFound, "not_found")
	}
	// Here the error surely came from the database driver, so a bare EOF is a
	// connection lost mid-statement too (pgx's batches report it so).
	if Unavailable(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return Outage(err)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case codeUniqueViolation:
			return apperr.Wrap(err, apperr.KindConflict, "conflict")
		case codeForeignKeyViolation, codeCheckViolation, codeNotNullViolation, codeInvalidText, codeStringTooLong:
			return apperr.Wrap(err, apperr.KindInvalid, "validation_failed")
		case codeInsufficientPriv:
			return apperr.Wrap(err, apperr.KindNotFound, "not_found")
		case codeLockNotAvailable:
			return apperr.Wrap(err, apperr.KindConflict, "conflict")
		}
	}
	return apperr.Internal(err)
}

// OutageRetryAfter is what a client is told to wait during a database outage.
const OutageRetryAfter = 5

// Outage is the client-facing error of a database outage: 503 with Retry-After.
func Outage(cause error) *apperr.Error {
	return apperr.Wrap(cause, apperr.KindUnavailable, "unavailable", apperr.Params{"dependency": "PostgreSQL", "retry_after": OutageRetryAfter})
}

// Unavailable reports whether err means PostgreSQL could not be reached or went away
// (refused or broken connections, the server shutting down or not yet accepting,
// too many connections) rather than refusing the statement: the request may succeed
// later, so clients get 503 with Retry-After, never 500 or 401.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "57P01", "57P02", "57P03", "53300":
			return true
		}
		return strings.HasPrefix(pg.Code, "08")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	// pgx's own words for a connection lost mid-statement (a bare io.EOF elsewhere is
	// no evidence of an outage).
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection refused", "broken pipe", "connection reset", "failed to receive message",
		"failed to write startup message", "failed to connect", "the database system is"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// IsUniqueViolation reports whether err is a unique violation, optionally of one constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == codeUniqueViolation && (constraint == "" || pg.ConstraintName == constraint)
}

// ConstraintName returns the violated constraint of a database error, if any.
func ConstraintName(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName
	}
	return ""
}

// NoRows reports whether err means a query found nothing.
func NoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
