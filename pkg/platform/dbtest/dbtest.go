// Package dbtest gives each test its own freshly migrated PostgreSQL database, cloned
// from a template in about 0.1 s (pgtestdb), connected as the application role so
// that row-level security is exercised exactly as in production.
//
// The server is TEST_DATABASE_URL (a superuser URL; `make test` points it at the
// machine's PostgreSQL or at an embedded one started by `sunshine testenv`). When it is
// unset, the first test of the process starts an embedded server of its own.
package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/peterldowns/pgtestdb"

	"sunshine/migrations"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/db/migrate"
	"sunshine/pkg/platform/embeddedpg"
	"sunshine/pkg/platform/logging"
)

// Env is one test's database.
type Env struct {
	// DB connects as the application role: RLS applies.
	DB *db.DB
	// AppURL is the application role's URL of this test's database.
	AppURL string
	// OwnerURL is a superuser URL of this test's database (for tampering tests and
	// catalog checks; never for the code under test).
	OwnerURL string
}

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
)

// ServerURLIfStarted is the shared server's URL once ServerURL has chosen it.
func ServerURLIfStarted() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return serverURL
}

// ServerURL returns the superuser URL of the test server, starting an embedded one
// when TEST_DATABASE_URL is unset.
func ServerURL(t testing.TB) string {
	t.Helper()
	serverOnce.Do(func() {
		if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
			serverURL = u
			return
		}
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("sunshine-dbtest-%d", os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			serverErr = err
			return
		}
		_ = os.Chmod(dir, 0o755)
		srv, err := embeddedpg.Start(context.Background(), embeddedpg.Config{
			DataDir: filepath.Join(dir, "data"), Port: 0, Logger: logging.Discard(),
		})
		if err != nil {
			serverErr = fmt.Errorf("dbtest: no TEST_DATABASE_URL and the embedded server failed: %w", err)
			return
		}
		serverURL = srv.URL("postgres")
		// The server dies with this process (Pdeathsig); its files go with the temp dir.
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverURL
}

// migrator runs the real migrations (as the owner role, via a superuser connection to
// the template) so tests see exactly the production schema and grants.
type migrator struct{ adminURL string }

func (m migrator) Hash() (string, error) {
	h := sha256.New()
	// pgtestdb remembers a template per hash for the whole process: a test's own
	// server (NewOn) must not be taken for the shared one that already has it.
	if m.adminURL != ServerURLIfStarted() {
		h.Write([]byte(m.adminURL))
	}
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func (m migrator) Migrate(ctx context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	owner, err := withDatabase(m.adminURL, conf.Database)
	if err != nil {
		return err
	}
	return migrate.Migrator{OwnerURL: owner, Log: logging.Discard()}.Up(ctx)
}

func withDatabase(raw, database string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	u.Path = "/" + database
	return u.String(), nil
}

func pgtestdbConfig(adminURL string) (pgtestdb.Config, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return pgtestdb.Config{}, err
	}
	pw, _ := u.User.Password()
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	database := u.Path
	if len(database) > 0 {
		database = database[1:]
	}
	return pgtestdb.Config{
		DriverName: "pgx", Host: u.Hostname(), Port: u.Port(), User: u.User.Username(), Password: pw,
		Database: database, Options: q.Encode(), ForceTerminateConnections: true,
	}, nil
}

// New returns a fresh migrated database for t, dropped when t passes.
func New(t testing.TB) *Env {
	t.Helper()
	return NewOn(t, ServerURL(t))
}

// NewOn is New on the server of the superuser URL admin (a fault test's own server,
// which it may stop without disturbing anyone else's tests).
func NewOn(t testing.TB, admin string) *Env {
	t.Helper()
	conf, err := pgtestdbConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	if admin != ServerURLIfStarted() {
		// pgtestdb creates its login role once per process and name: a server of the
		// test's own needs a name of its own.
		role := pgtestdb.DefaultRole()
		sum := sha256.Sum256([]byte(admin))
		role.Username += "_" + hex.EncodeToString(sum[:4])
		conf.TestRole = &role
	}
	inst := pgtestdb.Custom(t, conf, migrator{adminURL: admin})
	owner, err := withDatabase(admin, inst.Database)
	if err != nil {
		t.Fatal(err)
	}
	appURL, err := db.WithUser(owner, migrate.AppRole, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := db.Open(ctx, appURL, db.Pool{MaxOpen: 20, MaxIdle: 5}, logging.Discard())
	if err != nil {
		t.Fatalf("dbtest: connect as the application role: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return &Env{DB: d, AppURL: appURL, OwnerURL: owner}
}

// EmptyDatabase returns a superuser URL of a new, empty database (for migration
// up/down tests), dropped at cleanup.
func EmptyDatabase(t testing.TB) string {
	t.Helper()
	admin := ServerURL(t)
	conf, err := pgtestdbConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	inst := pgtestdb.Custom(t, conf, pgtestdb.NoopMigrator{})
	u, err := withDatabase(admin, inst.Database)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Exec runs statements as the superuser on url (a test's set-up only).
func Exec(t testing.TB, url string, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range sqls {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// Widgets creates the table widgets (id, tenant_id, name) under enable_tenant_rls, as
// every tenant-owned table is, for tests of the database layer itself.
func (e *Env) Widgets(t testing.TB) {
	t.Helper()
	Exec(t, e.OwnerURL,
		`SET ROLE sunshine_owner`,
		`CREATE TABLE widgets (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL)`,
		`SELECT enable_tenant_rls('widgets')`,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON widgets TO sunshine_app`)
}
