// Package db is Sunshine's access to PostgreSQL: GORM over pgx, a transaction bound to
// a tenant scope (the database's row-level security reads that scope), the two-role
// bootstrap, the embedded migrations, and the mapping of SQLSTATEs to client errors.
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// Close closes the pool.
func (d *DB) Close() error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Scope is what a transaction may touch: it writes only as Tenant and reads Read
// (which always includes Tenant). The database enforces both through RLS.
type Scope struct {
	Tenant uuid.UUID
	Read   []uuid.UUID
	User   uuid.UUID
	// Derived marks a transaction whose writes can all be derived again from data
	// already committed (supervision cards, which the sweep re-derives from the cases):
	// it commits without waiting for its WAL to reach the disk (synchronous_commit
	// off). A crash may lose such a transaction whole, never part of it.
	Derived bool
	// CustomPlans plans every statement of the transaction for its actual parameters
	// (plan_cache_mode = force_custom_plan). PostgreSQL keeps a prepared statement's
	// generic plan for the connection's life, and ANALYZE does not invalidate it: a
	// plan chosen while a table was nearly empty can scan a whole tenant's index once
	// the table is large. For background work over fast-growing tables.
	CustomPlans bool
}

// scopeSQL sets the scope (and, for Derived, asynchronous commit) for the current
// transaction; placeholder is "?" for GORM or "$" for pgx.
func (s Scope) scopeSQL(placeholder string) (string, []any) {
	p := func(n int) string {
		if placeholder == "?" {
			return "?"
		}
		return fmt.Sprintf("$%d", n)
	}
	q := `SELECT set_config('app.tenant_id', ` + p(1) + `, true), set_config('app.read_tenants', ` + p(2) + `, true), set_config('app.user_id', ` + p(3) + `, true)`
	if s.Derived {
		q += `, set_config('synchronous_commit', 'off', true)`
	}
	if s.CustomPlans {
		q += `, set_config('plan_cache_mode', 'force_custom_plan', true)`
	}
	return q, []any{optionalUUID(s.Tenant), s.readSetting(), optionalUUID(s.User)}
}

// equal reports whether two scopes set the same settings.
func (s Scope) equal(o Scope) bool {
	return s.Tenant == o.Tenant && s.User == o.User && s.Derived == o.Derived && s.CustomPlans == o.CustomPlans &&
		s.readSetting() == o.readSetting()
}

// TenantScope is the scope of an actor confined to one tenant.
func TenantScope(tenant, user uuid.UUID) Scope {
	return Scope{Tenant: tenant, Read: []uuid.UUID{tenant}, User: user}
}

// ReadOnlyScope reads many tenants and can write none (sweeps, city dashboards).
func ReadOnlyScope(read []uuid.UUID) Scope { return Scope{Read: read} }

func (s Scope) readSetting() string {
	ids := make([]string, 0, len(s.Read)+1)
	seen := map[uuid.UUID]bool{}
	add := func(id uuid.UUID) {
		if id != uuid.Nil && !seen[id] {
			seen[id] = true
			ids = append(ids, id.String())
		}
	}
	add(s.Tenant)
	for _, id := range s.Read {
		add(id)
	}
	return "{" + strings.Join(ids, ",") + "}"
}

func optionalUUID(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

type scopeKey struct{}

// WithScope stores the caller's scope in the context (set once per request from the
// verified session, or per job from its payload).
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the context's scope; ok is false when none was set.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok
}

// ErrNoScope is returned by InScope when the context carries no scope.
var ErrNoScope = errors.New("db: no tenant scope in context")

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

// SetScope changes the scope in the middle of a transaction (provisioning creates a
// county's rows in the county's own scope after creating the county in the city's).
func SetScope(tx *gorm.DB, scope Scope) error {
	q, args := scope.scopeSQL("?")
	return tx.Exec(q, args...).Error
}
