package db

import (
	"errors"

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
