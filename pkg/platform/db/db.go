// Package db is Sunshine's access to PostgreSQL: GORM over pgx (db.go), the tenant
// scope that the database's row-level security reads (scope.go), transactions bound to
// a scope with their retries (tx.go), and the mapping of SQLSTATEs to client errors
// (errors.go).
//
// Two subpackages build on it: pipeline sends pgx pipelines under a scope and commits
// concurrent changes together (the hot paths, ADR 0003 and 0007), and migrate holds the
// two-role bootstrap and the embedded migrations (ADR 0001).
package db

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Pool sizes the connection pool.
type Pool struct {
	MaxOpen     int
	MaxIdle     int
	MaxLifetime time.Duration
}

// DB is the application's database handle: it connects as the application role, so
// every query is subject to row-level security.
type DB struct {
	gorm *gorm.DB
}

// Open connects to PostgreSQL at rawURL through GORM and pgx.
func Open(ctx context.Context, rawURL string, pool Pool, log *slog.Logger) (*DB, error) {
	g, err := openGorm(ctx, rawURL, pool, log)
	if err != nil {
		return nil, err
	}
	return &DB{gorm: g}, nil
}

func openGorm(ctx context.Context, rawURL string, pool Pool, log *slog.Logger, opts ...stdlib.OptionOpenDB) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("db: parse URL: %w", err)
	}
	// google/uuid values encode natively (binary, no text round trip): without this
	// pgx calls UUID.Value, fails to binary-encode the string, formats an error and
	// parses the text back, for every UUID parameter (a sixth of an intake's CPU).
	// json and jsonb columns decode with goccy/go-json, as our responses encode (a case
	// row's materials were a quarter of scanning it with encoding/json).
	opts = append([]stdlib.OptionOpenDB{stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		tm := c.TypeMap()
		pgxuuid.Register(tm)
		tm.RegisterType(&pgtype.Type{Name: "json", OID: pgtype.JSONOID, Codec: &pgtype.JSONCodec{Marshal: gojson.Marshal, Unmarshal: gojson.Unmarshal}})
		tm.RegisterType(&pgtype.Type{Name: "jsonb", OID: pgtype.JSONBOID, Codec: &pgtype.JSONBCodec{Marshal: gojson.Marshal, Unmarshal: gojson.Unmarshal}})
		return nil
	})}, opts...)
	sqlDB := stdlib.OpenDB(*cfg, opts...)
	if pool.MaxOpen > 0 {
		sqlDB.SetMaxOpenConns(pool.MaxOpen)
	}
	sqlDB.SetMaxIdleConns(pool.MaxIdle)
	if pool.MaxLifetime > 0 {
		sqlDB.SetConnMaxLifetime(pool.MaxLifetime)
	}
	if log == nil {
		log = slog.Default()
	}
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 newGormLogger(log.With("component", "gorm"), 500*time.Millisecond),
		SkipDefaultTransaction: true, // we open transactions ourselves, with the tenant set
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         false,
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("db: open: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("db: connect to %s: %w", Redact(rawURL), err)
	}
	return g, nil
}

// Gorm exposes the handle for code that needs no tenant (e.g. the public tenant list).
// Tenant-owned tables are invisible through it: RLS sees no scope.
func (d *DB) Gorm(ctx context.Context) *gorm.DB { return d.gorm.WithContext(ctx) }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Stats returns pool statistics for metrics.
func (d *DB) Stats() (open, inUse, idle int, waitCount int64, waitDuration time.Duration) {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return
	}
	s := sqlDB.Stats()
	return s.OpenConnections, s.InUse, s.Idle, s.WaitCount, s.WaitDuration
}

// WithConn runs fn on a pool connection's pgx connection: pipelines need pgx itself,
// not database/sql. fn must leave the connection as it found it (no open
// transaction, no unread results).
func (d *DB) WithConn(ctx context.Context, fn func(pc *pgx.Conn) error) error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: pipelines need the pgx driver, got %T", dc)
		}
		return fn(sc.Conn())
	})
}

// Close closes the pool.
func (d *DB) Close() error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Redact hides the password of a connection URL for logs and errors.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// WithUser returns rawURL with its user and password replaced.
func WithUser(rawURL, user, password string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	if password == "" {
		u.User = url.User(user)
	} else {
		u.User = url.UserPassword(user, password)
	}
	return u.String(), nil
}
