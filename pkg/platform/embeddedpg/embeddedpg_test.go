package embeddedpg

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// These tests run real initdb/postgres processes; there are no mocks.

// requireBinaries skips when the machine has no PostgreSQL server, so the
// suite stays green on machines that only need the rest of the repo.
func requireBinaries(t *testing.T) {
	t.Helper()
	if _, err := FindBinaries(""); err != nil {
		t.Skipf("no PostgreSQL server binaries on this machine: %v", err)
	}
}

// newDataDir returns a not-yet-existing data dir path under a fresh 0755
// parent. Not t.TempDir(): its 0700 directories cannot be traversed by
// "nobody", which postgres runs as when the tests run as root.
func newDataDir(t *testing.T) string {
	t.Helper()
	parent, err := os.MkdirTemp("", "embeddedpg-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	return filepath.Join(parent, "pgdata")
}

// initdb costs 1.5-3 s, and copying a 40 MB cluster nearly as much, so
// the tests that are not about initialisation share one cluster. They run
// one after another (no t.Parallel) and each leaves it stopped or killed;
// a killed state is just what a developer's machine may be in anyway, and
// the next Start must cope with it.
var shared struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(filepath.Dir(shared.dir))
	}
	os.Exit(code)
}

// sharedDataDir returns the shared initialised cluster (see above).
func sharedDataDir(t *testing.T) string {
	t.Helper()
	requireBinaries(t)
	shared.once.Do(func() {
		parent, err := os.MkdirTemp("", "embeddedpg-shared-")
		if err == nil {
			err = os.Chmod(parent, 0o755)
		}
		if err != nil {
			shared.err = err
			return
		}
		shared.dir = filepath.Join(parent, "pgdata")
		bin, err := FindBinaries("")
		if err != nil {
			shared.err = err
			return
		}
		run, err := resolveRunAs("")
		if err != nil {
			shared.err = err
			return
		}
		shared.err = initCluster(context.Background(), bin, shared.dir, run, slog.New(slog.DiscardHandler))
	})
	if shared.err != nil {
		t.Fatalf("initialise shared cluster: %v", shared.err)
	}
	return shared.dir
}

// testLogger sends log records to t.Log until the test ends; the log pump
// goroutine may outlive the test by a moment, and t.Log after the end panics.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	level := slog.LevelInfo
	if os.Getenv("EMBEDDEDPG_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func startT(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %s (port %d)", time.Since(began).Round(time.Millisecond), s.Port())
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

func stopT(t *testing.T, s *Server) {
	t.Helper()
	began := time.Now()
	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %s", time.Since(began).Round(time.Millisecond))
}

func connect(t *testing.T, s *Server, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		t.Fatalf("connect %s: %v", s.URL(db), err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestRestartKeepsData(t *testing.T) {
	requireBinaries(t)
	dir := newDataDir(t)
	ctx := context.Background()

	s := startT(t, Config{DataDir: dir})
	if p := s.Port(); p <= 0 || p == 5432 {
		t.Fatalf("Port 0 should pick a free port other than 5432, got %d", p)
	}
	want := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/app?sslmode=disable", s.Port())
	if got := s.URL("app"); got != want {
		t.Fatalf("URL = %q, want %q", got, want)
	}
	if err := s.EnsureDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureDatabase(ctx, "app"); err != nil { // second call is a no-op
		t.Fatal(err)
	}
	conn := connect(t, s, "app")
	if _, err := conn.Exec(ctx, `CREATE TABLE notes (id int PRIMARY KEY, body text)`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO notes VALUES (1, 'survives restarts')`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	stopT(t, s)
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("second Stop should be a no-op, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("postmaster.pid should be gone after a clean stop: %v", err)
	}
	if err := connect1(s); err == nil {
		t.Fatal("server still accepts connections after Stop")
	}

	// Restart on the same dir: no initdb (PG_VERSION mtime unchanged), data kept.
	before, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	// Relative DataDir resolves against the working directory, as
	// ".sunshine/pgdata" does for `make run`.
	t.Chdir(filepath.Dir(dir))
	s2 := startT(t, Config{DataDir: "pgdata"})
	if s2.dataDir != dir {
		t.Fatalf("relative DataDir resolved to %s, want %s", s2.dataDir, dir)
	}
	after, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Fatal("second Start re-ran initdb")
	}
	var body string
	if err := connect(t, s2, "app").QueryRow(ctx, `SELECT body FROM notes WHERE id = 1`).Scan(&body); err != nil {
		t.Fatalf("row lost across restart: %v", err)
	}
	if body != "survives restarts" {
		t.Fatalf("body = %q", body)
	}
	stopT(t, s2)
}

// connect1 tries a single quick connection.
func connect1(s *Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL(""))
	if err == nil {
		conn.Close(ctx)
	}
	return err
}

func TestSecondStartOnSameDirFails(t *testing.T) {
	requireBinaries(t)
	dir := sharedDataDir(t)
	s := startT(t, Config{DataDir: dir})

	_, err := Start(context.Background(), Config{DataDir: dir, Logger: testLogger(t)})
	if err == nil {
		t.Fatal("second Start on a data dir in use succeeded")
	}
	t.Logf("second Start: %v", err)
	pid := strconv.Itoa(s.cmd.Process.Pid)
	if !errors.Is(err, ErrAlreadyRunning) || !strings.Contains(err.Error(), "PID "+pid) || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("error should say the dir is in use and name PID %s: %v", pid, err)
	}
	// The failed attempt must not have disturbed the running server.
	if err := connect1(s); err != nil {
		t.Fatalf("first server broken by second Start: %v", err)
	}
	stopT(t, s)
}

// TestHelperServer is not a test: TestKilledRunIsRecovered runs the test
// binary again with EMBEDDEDPG_HELPER_DATADIR set, so that a whole process
// owning a server can be SIGKILLed, as when a developer's `sunshine dev`
// is killed.
func TestHelperServer(t *testing.T) {
	dir := os.Getenv("EMBEDDEDPG_HELPER_DATADIR")
	if dir == "" {
		t.Skip("helper process for TestKilledRunIsRecovered")
	}
	s, err := Start(context.Background(), Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("EMBEDDEDPG_PID=%d\n", s.cmd.Process.Pid)
	select {} // wait to be killed
}

func TestKilledRunIsRecovered(t *testing.T) {
	requireBinaries(t)
	dir := sharedDataDir(t)
	pidFile := filepath.Join(dir, "postmaster.pid")

	helper := exec.Command(os.Args[0], "-test.run=^TestHelperServer$")
	helper.Env = append(os.Environ(), "EMBEDDEDPG_HELPER_DATADIR="+dir)
	helper.Stderr = os.Stderr
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })
	var pgPID int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "EMBEDDEDPG_PID="); ok {
			pgPID, _ = strconv.Atoi(v)
			break
		}
	}
	if pgPID == 0 {
		t.Fatal("helper did not report a postgres PID")
	}
	if !postgresServes(pgPID, dir) {
		t.Fatalf("PID %d should be a postgres serving %s", pgPID, dir)
	}

	// SIGKILL the owner: Pdeathsig must take postgres down with it.
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for postgresServes(pgPID, dir) {
		if time.Now().After(deadline) {
			t.Fatalf("postgres PID %d survived its parent being killed", pgPID)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(pidFile); err != nil {
		t.Fatalf("expected a leftover postmaster.pid: %v", err)
	}

	// Dead PID in postmaster.pid → removed, server starts (crash recovery).
	s := startT(t, Config{DataDir: dir})
	stopT(t, s)

	// PID reused by a live process that is not postgres (here: the test
	// binary itself) → also stale; postgres alone would refuse to start.
	raw := fmt.Sprintf("%d\n%s\n%d\n5432\n/tmp\n127.0.0.1\n  1234   5678\nready   \n", os.Getpid(), dir, time.Now().Unix())
	if err := os.WriteFile(pidFile, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	// And a socket lock file naming a dead PID (a reaped child).
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, ".s.PGSQL.1.lock")
	if err := os.WriteFile(lock, []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s2 := startT(t, Config{DataDir: dir})
	if _, err := os.Stat(lock); !os.IsNotExist(err) {
		t.Fatalf("stale socket lock file not removed: %v", err)
	}
	stopT(t, s2)
}

// TestStopHungOrCrashedServer: Stop kills a server that ignores the
// shutdown request once ctx expires, and reports one that died on its own,
// instead of hanging or pretending all was well.
func TestStopHungOrCrashedServer(t *testing.T) {
	requireBinaries(t)
	dir := sharedDataDir(t)

	s := startT(t, Config{DataDir: dir})
	pid := s.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil { // cannot act on SIGINT now
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := s.Stop(ctx)
	if err == nil || !strings.Contains(err.Error(), "was killed") {
		t.Fatalf("want 'was killed', got %v", err)
	}
	if err2 := s.Stop(context.Background()); err2 != err {
		t.Fatalf("Stop should be idempotent: %v vs %v", err2, err)
	}
	if left := dataDirProcesses(dir); len(left) > 0 {
		t.Logf("backends still exiting: %v", left) // fine: they die on postmaster death
	}

	// The next start recovers, then a server that crashes on its own.
	s2 := startT(t, Config{DataDir: dir})
	if err := syscall.Kill(s2.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s2.exited
	err = s2.Stop(context.Background())
	if err == nil || !strings.Contains(err.Error(), "already exited") {
		t.Fatalf("want 'already exited', got %v", err)
	}
}

func TestMissingBinaries(t *testing.T) {
	// Unset the override so only BinDir decides.
	t.Setenv(EnvBinDir, "")
	os.Unsetenv(EnvBinDir)
	empty := t.TempDir()

	_, err := FindBinaries(empty)
	if err == nil {
		t.Fatal("FindBinaries on an empty dir succeeded")
	}
	t.Logf("FindBinaries: %v", err)
	for _, want := range []string{empty, "initdb", "postgres", "apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error should mention %q: %v", want, err)
		}
	}
	if !errors.Is(err, ErrBinariesNotFound) {
		t.Errorf("error should match ErrBinariesNotFound: %v", err)
	}

	dir := newDataDir(t)
	_, err = Start(context.Background(), Config{DataDir: dir, BinDir: empty, Logger: testLogger(t)})
	if !errors.Is(err, ErrBinariesNotFound) {
		t.Fatalf("Start with empty BinDir: want ErrBinariesNotFound, got %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("failed Start should not create the data dir: %v", err)
	}

	// Only postgres present → the message names exactly initdb.
	if err := os.WriteFile(filepath.Join(empty, "postgres"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = FindBinaries(empty)
	if err == nil || !strings.Contains(err.Error(), "missing initdb;") {
		t.Fatalf("want 'missing initdb', got %v", err)
	}
}

func TestFindBinariesAutoDetect(t *testing.T) {
	requireBinaries(t)
	t.Setenv(EnvBinDir, "")
	dir, err := FindBinaries("")
	if err != nil {
		t.Fatal(err)
	}
	if m := missingBinaries(dir); len(m) > 0 {
		t.Fatalf("FindBinaries returned %s, which lacks %v", dir, m)
	}
	t.Logf("auto-detected %s", dir)

	// The env var wins over auto-detection and is authoritative.
	t.Setenv(EnvBinDir, t.TempDir())
	if _, err := FindBinaries(""); err == nil || !strings.Contains(err.Error(), EnvBinDir) {
		t.Fatalf("a bad %s should be reported, got %v", EnvBinDir, err)
	}
}

func TestPortInUse(t *testing.T) {
	requireBinaries(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = Start(context.Background(), Config{DataDir: newDataDir(t), Port: port, Logger: testLogger(t)})
	if err == nil {
		t.Fatal("Start on a taken port succeeded")
	}
	t.Logf("Start: %v", err)
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), strconv.Itoa(port)) || !strings.Contains(err.Error(), PortConfigKey) {
		t.Fatalf("error should name port %d and %s: %v", port, PortConfigKey, err)
	}
}

func TestOtherMajorVersionDataDir(t *testing.T) {
	requireBinaries(t)
	dir := newDataDir(t)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("9.6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Config{DataDir: dir, Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL 9.6") {
		t.Fatalf("want a version mismatch error naming 9.6, got %v", err)
	}
	t.Logf("Start: %v", err)
}

func TestUntraversableParentAsRoot(t *testing.T) {
	requireBinaries(t)
	if os.Geteuid() != 0 {
		t.Skip("only relevant when running as root (postgres then runs as another user)")
	}
	parent := filepath.Dir(newDataDir(t))
	locked := filepath.Join(parent, "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Config{DataDir: filepath.Join(locked, "pgdata"), Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), locked+" ") || !strings.Contains(err.Error(), "not traversable") {
		t.Fatalf("want an error naming %s as not traversable, got %v", locked, err)
	}
	t.Logf("Start: %v", err)
	if fi, _ := os.Stat(locked); fi.Mode().Perm() != 0o700 {
		t.Fatalf("launcher must not chmod directories it did not create; mode now %v", fi.Mode().Perm())
	}
}

func TestVersionLess(t *testing.T) {
	if !versionLess("9.6", "10") || !versionLess("14", "15") || versionLess("15", "9.6") || versionLess("15", "15") {
		t.Fatal("versionLess ordering wrong")
	}
}
