// Package migrate applies the embedded migrations (goose) over the owner connection,
// after bootstrapping the two roles they name: tables belong to OwnerRole, and the
// application connects as AppRole, which owns nothing and cannot bypass row-level
// security (ADR 0001). CheckSchema refuses to serve against a schema of another
// version.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"sunshine/migrations"
	"sunshine/pkg/platform/db"
)

// The two roles the migrations know by name. Tables belong to OwnerRole; AppRole holds
// exactly the privileges the application needs and never owns anything.
const (
	OwnerRole = "sunshine_owner"
	AppRole   = "sunshine_app"
)

// Migrator applies the embedded migrations over the owner connection.
type Migrator struct {
	OwnerURL string
	// AppLogin is the login role the application connects as (AppRole itself by
	// default, or another role that is made a member of AppRole).
	AppLogin    string
	AppPassword string
	Log         *slog.Logger
}

func (m Migrator) log() *slog.Logger {
	if m.Log == nil {
		return slog.Default()
	}
	return m.Log
}

// Bootstrap makes sure both roles exist with safe attributes and that the owner
// connection may act as OwnerRole. It is idempotent and safe to run concurrently.
func (m Migrator) Bootstrap(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, m.OwnerURL)
	if err != nil {
		return fmt.Errorf("db: connect as owner to %s: %w", db.Redact(m.OwnerURL), err)
	}
	defer conn.Close(ctx)

	var me string
	var super, createRole bool
	if err := conn.QueryRow(ctx, `SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user`).Scan(&me, &super, &createRole); err != nil {
		return fmt.Errorf("db: inspect owner role: %w", err)
	}
	canManage := super || createRole
	login := m.AppLogin
	if login == "" {
		login = AppRole
	}

	ensure := func(role, attrs string) error {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		if !canManage {
			return fmt.Errorf("db: role %s does not exist and %s may not create roles; create it (see README, \"Running against your own PostgreSQL\")", role, me)
		}
		_, err := conn.Exec(ctx, fmt.Sprintf("CREATE ROLE %s %s", pgx.Identifier{role}.Sanitize(), attrs))
		if isDuplicateObject(err) { // a concurrent bootstrap won the race
			return nil
		}
		return err
	}
	if err := ensure(OwnerRole, "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"); err != nil {
		return err
	}
	appAttrs := "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
	if login == AppRole {
		appAttrs = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
	}
	if err := ensure(AppRole, appAttrs); err != nil {
		return err
	}
	if login != AppRole {
		if err := ensure(login, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS IN ROLE "+AppRole); err != nil {
			return err
		}
	}
	if canManage && m.AppPassword != "" {
		if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD %s", pgx.Identifier{login}.Sanitize(), quoteLiteral(m.AppPassword))); err != nil {
			return fmt.Errorf("db: set the application role's password: %w", err)
		}
	}
	// The application role must never be able to skip row-level security.
	var appSuper, appBypass bool
	if err := conn.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`, login).Scan(&appSuper, &appBypass); err != nil {
		return err
	}
	if appSuper || appBypass {
		return fmt.Errorf("db: the application role %s is a superuser or has BYPASSRLS; row-level security would not apply — revoke it (ALTER ROLE %s NOSUPERUSER NOBYPASSRLS)", login, login)
	}
	if me != OwnerRole && !super {
		var member bool
		if err := conn.QueryRow(ctx, `SELECT pg_has_role(current_user, $1, 'MEMBER')`, OwnerRole).Scan(&member); err != nil {
			return err
		}
		if !member {
			if _, err := conn.Exec(ctx, fmt.Sprintf("GRANT %s TO %s", OwnerRole, pgx.Identifier{me}.Sanitize())); err != nil {
				return fmt.Errorf("db: %s must be a member of %s to run migrations: %w", me, OwnerRole, err)
			}
		}
	}
	// PostgreSQL 15 no longer lets every role create objects in public.
	var canCreate bool
	if err := conn.QueryRow(ctx, `SELECT has_schema_privilege($1, 'public', 'CREATE')`, OwnerRole).Scan(&canCreate); err != nil {
		return err
	}
	if !canCreate {
		if _, err := conn.Exec(ctx, fmt.Sprintf("GRANT USAGE, CREATE ON SCHEMA public TO %s", OwnerRole)); err != nil {
			return fmt.Errorf("db: %s needs CREATE on schema public: %w", OwnerRole, err)
		}
	}
	return nil
}

func isDuplicateObject(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "42710" || pg.Code == "23505")
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// provider opens goose over a connection pool whose sessions act as OwnerRole, so
// that every table the migrations create belongs to it.
func (m Migrator) provider(ctx context.Context) (*goose.Provider, *sql.DB, error) {
	cfg, err := pgx.ParseConfig(m.OwnerURL)
	if err != nil {
		return nil, nil, fmt.Errorf("db: parse owner URL: %w", err)
	}
	sqlDB := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "SET ROLE "+OwnerRole)
		return err
	}))
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, nil, fmt.Errorf("db: connect as %s: %w", OwnerRole, err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		_ = sqlDB.Close()
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		_ = sqlDB.Close()
		return nil, nil, err
	}
	return p, sqlDB, nil
}

// Up bootstraps the roles and applies every pending migration.
func (m Migrator) Up(ctx context.Context) error {
	if err := m.Bootstrap(ctx); err != nil {
		return err
	}
	p, sqlDB, err := m.provider(ctx)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	results, err := p.Up(ctx)
	for _, r := range results {
		m.log().Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	if err != nil {
		return fmt.Errorf("db: migrate up: %w", err)
	}
	return nil
}

// Down rolls back to version (0: everything). A negative version rolls back one step.
func (m Migrator) Down(ctx context.Context, version int64) error {
	p, sqlDB, err := m.provider(ctx)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	var results []*goose.MigrationResult
	if version < 0 {
		var r *goose.MigrationResult
		r, err = p.Down(ctx)
		if r != nil {
			results = append(results, r)
		}
	} else {
		results, err = p.DownTo(ctx, version)
	}
	for _, r := range results {
		m.log().Info("migration rolled back", "version", r.Source.Version, "file", r.Source.Path)
	}
	if err != nil && !errors.Is(err, goose.ErrNoNextVersion) {
		return fmt.Errorf("db: migrate down: %w", err)
	}
	return nil
}

// Status reports each migration and whether it is applied.
func (m Migrator) Status(ctx context.Context) ([]*goose.MigrationStatus, error) {
	p, sqlDB, err := m.provider(ctx)
	if err != nil {
		return nil, err
	}
	defer sqlDB.Close()
	return p.Status(ctx)
}

// Pending reports whether migrations remain to be applied.
func (m Migrator) Pending(ctx context.Context) (bool, error) {
	p, sqlDB, err := m.provider(ctx)
	if err != nil {
		return false, err
	}
	defer sqlDB.Close()
	return p.HasPending(ctx)
}

// LatestVersion is the newest migration embedded in this binary.
func LatestVersion() (int64, error) {
	var latest int64
	entries, err := migrations.FS.ReadDir(".")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		var v int64
		if _, err := fmt.Sscanf(e.Name(), "%d_", &v); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}

// CheckSchema fails when the database's schema is older than this binary's
// migrations (the deployment forgot `sunshine migrate up`) or newer (an old binary
// against an upgraded schema is refused too: it may not know new constraints).
func CheckSchema(ctx context.Context, d *db.DB) error {
	want, err := LatestVersion()
	if err != nil {
		return err
	}
	var have int64
	if err := d.Gorm(ctx).Raw(`SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&have).Error; err != nil {
		return fmt.Errorf("db: read schema version (has `sunshine migrate up` run?): %w", err)
	}
	if have < want {
		return fmt.Errorf("db: the schema is at version %d but this binary needs %d: run `sunshine migrate up`", have, want)
	}
	if have > want {
		return fmt.Errorf("db: the schema is at version %d, newer than this binary's %d: deploy the matching version", have, want)
	}
	return nil
}
