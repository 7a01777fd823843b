package db

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Tx runs fn in a transaction bound to scope. Serialization failures and deadlocks
// are retried (fn must therefore be safe to run again: it only touches tx).
func (d *DB) Tx(ctx context.Context, scope Scope, fn func(tx *gorm.DB) error) error {
	const attempts = 4
	var err error
	for i := 0; i < attempts; i++ {
		err = d.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := SetScope(tx, scope); err != nil {
				return err
			}
			return fn(tx)
		})
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(i+1) * 5 * time.Millisecond)
	}
	return err
}

// InScope runs fn in a transaction bound to the scope stored in ctx.
func (d *DB) InScope(ctx context.Context, fn func(tx *gorm.DB) error) error {
	s, ok := ScopeFrom(ctx)
	if !ok {
		return ErrNoScope
	}
	return d.Tx(ctx, s, fn)
}

func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}
