// Package embeddedpg runs a real PostgreSQL server, from the machine's own
// PostgreSQL installation, as a child of the current process. It exists so
// that `make run` / `sunshine dev` works on a developer machine without a
// DATABASE_URL: the data lives in a local directory (e.g. .sunshine/pgdata)
// and survives restarts, and the server lives exactly as long as the Go
// process that started it.
//
// Typical use in `sunshine dev`:
//
//	srv, err := embeddedpg.Start(ctx, embeddedpg.Config{DataDir: ".sunshine/pgdata", Port: 54329})
//	if err != nil {
//		return err
//	}
//	defer srv.Stop(context.Background())
//	if err := srv.EnsureDatabase(ctx, "sunshine"); err != nil {
//		return err
//	}
//	databaseURL := srv.URL("sunshine")
//
// postgres runs in its own process group, so a terminal Ctrl-C reaches only
// this process: handle SIGINT (signal.NotifyContext) and call Stop for a
// clean shutdown. If this process dies instead, the kernel SIGKILLs
// postgres; the next start then runs crash recovery (no data loss, fsync
// stays on).
//
// It is a development tool, not a way to run production databases: it
// trusts every local connection (auth=trust, listening on 127.0.0.1 only).
//
// Why not github.com/fergusstrange/embedded-postgres: it downloads its own
// binaries and cannot start as root (initdb refuses and it cannot switch
// users). This launcher uses the local initdb/postgres and, when running as
// root, runs them as an unprivileged OS user.
package embeddedpg

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PortConfigKey is the configuration key developers change when the
// embedded server's port clashes with something else; error messages name it.
const PortConfigKey = "SUNSHINE_DATABASE_EMBEDDED_PORT"

// Superuser is the role initdb creates; URL connects as it (no password).
const Superuser = "postgres"

const (
	readyTimeout = 30 * time.Second       // overall limit for the server to accept connections
	readyPoll    = 50 * time.Millisecond  // connection attempt interval while waiting
	stopTimeout  = 10 * time.Second       // grace period for fast shutdown before SIGKILL
	logTailLines = 30                     // server log lines kept for error messages
	logDrainWait = 500 * time.Millisecond // how long to wait for trailing log lines after exit
)

// Sentinel errors, for callers that want to react (e.g. print a hint)
// rather than just show the message. Match with errors.Is.
var (
	// ErrBinariesNotFound: no usable initdb/postgres (see FindBinaries).
	ErrBinariesNotFound = errors.New("embedded PostgreSQL: server binaries not found")
	// ErrAlreadyRunning: a live postgres already serves the data directory.
	ErrAlreadyRunning = errors.New("embedded PostgreSQL: data directory already in use")
	// ErrPortInUse: the configured TCP port is taken by another process.
	ErrPortInUse = errors.New("embedded PostgreSQL: port already in use")
)

// Config says where the data lives and how to run the server. Only DataDir
// is required.
type Config struct {
	// DataDir holds the cluster, e.g. ".sunshine/pgdata". It is created if
	// missing and initialised on first start; relative paths are resolved
	// against the working directory.
	DataDir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one (useful for
	// tests, but a fixed port keeps the URL stable across restarts).
	Port int
	// BinDir holds initdb and postgres; "" auto-detects (see FindBinaries).
	BinDir string
	// RunAsUser is the OS user initdb/postgres run as when this process is
	// root, because both refuse to run as root; "" means "nobody". Ignored
	// when not root: they then run as the current user.
	RunAsUser string
	// Logger receives the launcher's messages and the server's log lines
	// (debug level; warn for FATAL/PANIC/ERROR during start). nil means
	// slog.Default().
	Logger *slog.Logger
}

// Server is a running PostgreSQL started by Start. Call Stop when done;
// if this process dies first, the kernel kills postgres (Pdeathsig).
type Server struct {
	port    int
	dataDir string
	log     *slog.Logger

	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd.Wait has returned
	waitErr error         // cmd.Wait's result; read only after exited is closed
	logDone chan struct{} // closed when the log pipe hits EOF
	logs    *logTail

	stopOnce sync.Once
	stopErr  error
}

// URL returns a connection URL for database on this server, e.g.
// postgres://postgres@127.0.0.1:54329/sunshine?sslmode=disable.
// An empty database means "postgres". Only "postgres" exists after
// initialisation; see EnsureDatabase.
func (s *Server) URL(database string) string {
	if database == "" {
		database = "postgres"
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, s.port, url.PathEscape(database))
}

// Port returns the TCP port the server listens on (resolved when
// Config.Port was 0).
func (s *Server) Port() int { return s.port }

// Start launches PostgreSQL on cfg.DataDir, initialising the directory on
// first use, and returns once the server accepts connections. ctx bounds
// only the start-up (initdb plus waiting for readiness), not the server's
// lifetime. On error nothing is left running.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.DataDir == "" {
		return nil, errors.New("embedded PostgreSQL: Config.DataDir is required")
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("embedded PostgreSQL: invalid port %d (set %s to 1-65535, or 0 for a free port)", cfg.Port, PortConfigKey)
	}
	binDir, err := FindBinaries(cfg.BinDir)
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded PostgreSQL: resolve data directory: %w", err)
	}
	run, err := resolveRunAs(cfg.RunAsUser)
	if err != nil {
		return nil, err
	}

	// Cheap checks first, so a second `sunshine dev` or a taken port fails
	// in milliseconds instead of after a 1.5 s initdb.
	if err := clearStaleLocks(dataDir, log); err != nil {
		return nil, err
	}
	initialised, err := dataDirState(dataDir, binDir)
	if err != nil {
		return nil, err
	}
	if cfg.Port != 0 {
		if err := checkPortFree(cfg.Port); err != nil {
			return nil, err
		}
	}
	if run != nil {
		if err := checkTraversable(dataDir, run); err != nil {
			return nil, err
		}
	}
	created, err := mkdirParents(dataDir)
	if err != nil {
		return nil, err
	}
	if run != nil {
		// Created under our umask, which may be 077; these are ours, so
		// widening them is allowed (system directories are never touched).
		for _, d := range created {
			if err := os.Chmod(d, 0o755); err != nil {
				return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
			}
		}
	}

	if !initialised {
		start := time.Now()
		if err := initCluster(ctx, binDir, dataDir, run, log); err != nil {
			return nil, err
		}
		log.Info("embedded PostgreSQL: initialised data directory", "dir", dataDir, "took", time.Since(start).Round(time.Millisecond))
	} else if err := prepareExisting(dataDir, run); err != nil {
		return nil, err
	}

	// With Port 0 another process can grab the probed port before postgres
	// binds it; that is rare, so a couple of retries with a fresh port is
	// enough.
	for attempt := 1; ; attempt++ {
		port := cfg.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		s, err := launch(ctx, binDir, dataDir, port, run, log)
		if err == nil {
			return s, nil
		}
		if cfg.Port == 0 && errors.Is(err, ErrPortInUse) && attempt < 3 {
			log.Debug("embedded PostgreSQL: picked port was taken, retrying", "port", port)
			continue
		}
		return nil, err
	}
}

// prepareExisting makes an already-initialised data directory usable by
// the user postgres will run as: ownership (root case) and the 0700/0750
// mode postgres insists on.
func prepareExisting(dataDir string, run *runAs) error {
	if run != nil {
		if err := chownR(dataDir, run); err != nil {
			return fmt.Errorf("embedded PostgreSQL: chown %s to %s: %w", dataDir, run.name, err)
		}
	}
	fi, err := os.Stat(dataDir)
	if err != nil {
		return fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	if fi.Mode().Perm()&0o027 != 0 {
		if err := os.Chmod(dataDir, 0o700); err != nil {
			return fmt.Errorf("embedded PostgreSQL: %s must not be accessible to others (postgres refuses to start): %w", dataDir, err)
		}
	}
	return nil
}

// initCluster runs initdb into a sibling temporary directory and renames it
// into place, so a run killed half-way through initdb never leaves a
// half-initialised data directory that would later fail obscurely.
func initCluster(ctx context.Context, binDir, dataDir string, run *runAs, log *slog.Logger) error {
	tmp := dataDir + ".initdb-tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("embedded PostgreSQL: remove leftover %s: %w", tmp, err)
	}
	defer os.RemoveAll(tmp) // no-op after a successful rename

	var lastErr error
	// C.UTF-8 gives UTF-8 character classification with byte-order
	// collation; minimal systems may lack it, and plain C still works.
	for _, locale := range []string{"C.UTF-8", "C"} {
		if err := os.Mkdir(tmp, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("embedded PostgreSQL: create %s: %w", tmp, err)
		}
		if run != nil {
			if err := os.Chown(tmp, int(run.uid), int(run.gid)); err != nil {
				return fmt.Errorf("embedded PostgreSQL: chown %s: %w", tmp, err)
			}
		}
		args := []string{"-D", tmp, "-U", Superuser, "--auth=trust", "-E", "UTF8",
			"--locale=" + locale, "--no-sync", "--no-instructions"}
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
		cmd.Dir = tmp // our own cwd may not be readable by the run-as user
		cmd.Env = childEnv()
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: run.credential(), Setpgid: true, Pdeathsig: syscall.SIGKILL}
		// Kill the whole group: initdb runs postgres --boot/--single children.
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		out, err := cmd.CombinedOutput()
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			log.Debug("initdb", "line", line)
		}
		if err == nil {
			lastErr = nil
			break
		}
		lastErr = fmt.Errorf("embedded PostgreSQL: initdb %s failed (%v):\n%s", dataDir, err, lastLines(string(out), 15))
		if ctx.Err() != nil {
			return fmt.Errorf("embedded PostgreSQL: initdb interrupted: %w", ctx.Err())
		}
		// Only a missing locale is worth a retry; "invalid locale name" is
		// initdb's wording for it (output is English: LC_ALL=C).
		if !strings.Contains(string(out), "invalid locale") {
			break
		}
		log.Info("embedded PostgreSQL: locale unavailable, retrying initdb", "locale", locale)
		_ = os.RemoveAll(tmp)
	}
	if lastErr != nil {
		return lastErr
	}

	// Replace an existing empty data dir (Rename refuses directories). If
	// it cannot be removed, e.g. a mount point, move the contents instead.
	if err := os.Remove(dataDir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return moveContents(tmp, dataDir, run)
	}
	if err := os.Rename(tmp, dataDir); err != nil {
		return fmt.Errorf("embedded PostgreSQL: move initialised cluster into %s: %w", dataDir, err)
	}
	return nil
}

// moveContents moves every entry of src into the existing directory dst.
func moveContents(src, dst string, run *runAs) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return fmt.Errorf("embedded PostgreSQL: move initialised cluster into %s: %w", dst, err)
		}
	}
	return prepareExisting(dst, run)
}

// childEnv is our environment minus variables that would change what the
// server does or how its messages read: PG* (PGDATA, PGPORT, ...) and the
// locale ones; LC_ALL=C keeps start-up messages in English, which the
// launcher inspects. The cluster's own locale comes from initdb --locale.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// serverSettings are passed as -c flags instead of being written to a
// config file: they then win over postgresql.conf and postgresql.auto.conf,
// and a changed port takes effect without editing files.
func serverSettings(dataDir string, port int) []string {
	sockDir := dataDir
	// A Unix socket path must fit in sun_path (108 bytes incl. NUL), and the
	// setting is a comma-separated list. TCP is what we use anyway, so for
	// unusual paths simply do without the socket.
	if len(dataDir)+len("/.s.PGSQL.")+len(strconv.Itoa(port)) >= 108 || strings.ContainsAny(dataDir, `,"`) {
		sockDir = ""
	}
	return []string{
		"listen_addresses=127.0.0.1",
		"port=" + strconv.Itoa(port),
		// Not /var/run/postgresql: it may not exist or be writable, and it
		// belongs to the system server.
		"unix_socket_directories=" + sockDir,
		"max_connections=200",
		"shared_buffers=64MB", // modest: this is a laptop, not a DB host
		"work_mem=4MB",
		"maintenance_work_mem=64MB",
		"fsync=on", // initdb ran with --no-sync, but the data must survive crashes from here on
		"logging_collector=off",
		"log_destination=stderr", // we capture stderr into the logger
		"ssl=off",
		"cluster_name=sunshine-dev", // shows up in ps
	}
}

// launch starts postgres and waits until it accepts connections.
func launch(ctx context.Context, binDir, dataDir string, port int, run *runAs, log *slog.Logger) (*Server, error) {
	args := []string{"-D", dataDir}
	for _, kv := range serverSettings(dataDir, port) {
		args = append(args, "-c", kv)
	}
	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	cmd.Dir = dataDir
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: run.credential(),
		// Own process group: a terminal Ctrl-C reaches only us, and we stop
		// postgres in order (fast shutdown) instead of it dying mid-flight.
		Setpgid: true,
		// If we die without calling Stop, the kernel kills postgres rather
		// than leaving an orphan holding the port and the data directory.
		Pdeathsig: syscall.SIGKILL,
	}
	// An *os.File pipe, not StderrPipe: cmd.Wait must not close the reader
	// while we still read, and backends keep inheriting stderr.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	cmd.Stdout, cmd.Stderr = w, w

	start := time.Now()
	if err := startFromFreshThread(cmd); err != nil {
		r.Close()
		w.Close()
		who := ""
		if run != nil {
			who = fmt.Sprintf(" as user %q", run.name)
		}
		return nil, fmt.Errorf("embedded PostgreSQL: start %s%s: %w", cmd.Path, who, err)
	}
	w.Close()

	s := &Server{
		port: port, dataDir: dataDir, log: log, cmd: cmd,
		exited: make(chan struct{}), logDone: make(chan struct{}),
		logs: &logTail{max: logTailLines},
	}
	var starting atomic.Bool
	starting.Store(true)
	go s.pumpLogs(r, &starting)
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop(context.Background())
		return nil, err
	}
	starting.Store(false)
	log.Info("embedded PostgreSQL: ready", "url", s.URL(""), "dir", dataDir, "pid", cmd.Process.Pid, "took", time.Since(start).Round(time.Millisecond))
	return s, nil
}

// startFromFreshThread starts cmd from a new goroutine. Pdeathsig fires when
// the *thread* that forked the child exits, not the process; a goroutine
// we create is not locked to its thread, so that thread lives as long as
// the process, whereas the caller's goroutine might be LockOSThread-ed and
// take its thread (and thus postgres) down when it ends.
func startFromFreshThread(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() { errc <- cmd.Start() }()
	return <-errc
}

// pumpLogs forwards server log lines to the logger and keeps the last few
// for error messages.
func (s *Server) pumpLogs(r io.ReadCloser, starting *atomic.Bool) {
	defer close(s.logDone)
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		s.logs.add(line)
		level := slog.LevelDebug
		// During start these explain why it fails; afterwards ERROR lines
		// are mostly the application's own failed queries, so stay quiet,
		// but a PANIC is always worth seeing.
		if strings.Contains(line, "PANIC") ||
			(starting.Load() && (strings.Contains(line, "FATAL") || strings.Contains(line, "ERROR")) && !isProbeRejection(line)) {
			level = slog.LevelWarn
		}
		s.log.Log(context.Background(), level, "postgres", "line", line)
	}
	// Drain after a scan error (e.g. an over-long line) so postgres never
	// blocks on a full pipe.
	_, _ = io.Copy(io.Discard, r)
}

// isProbeRejection recognises our own readiness probe being turned away
// while the server starts or recovers: expected, not worth a warning.
func isProbeRejection(line string) bool {
	return strings.Contains(line, "the database system is starting up") ||
		strings.Contains(line, "the database system is not yet accepting connections")
}

// waitReady polls with real connections until the server answers, the
// process exits, or the timeout/ctx expires.
func (s *Server) waitReady(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, readyTimeout)
	defer cancel()
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		dir, err := s.probe(ctx)
		if err == nil {
			// Guard against a race where some other server took the port
			// between our check and postgres binding it: we would otherwise
			// hand out a URL to someone else's database.
			if !sameDir(dir, s.dataDir) {
				return kindErrorf(ErrPortInUse, "embedded PostgreSQL: port %d on 127.0.0.1 is served by another PostgreSQL (data directory %s); choose another port with %s", s.port, dir, PortConfigKey)
			}
			return nil
		}
		select {
		case <-s.exited:
			s.drainLogs()
			tail := s.logs.String()
			if strings.Contains(tail, "could not bind") || strings.Contains(tail, "Address already in use") {
				return s.portInUse()
			}
			return fmt.Errorf("embedded PostgreSQL: postgres exited during start-up (%v); last log lines:\n%s", s.waitErr, tail)
		case <-ctx.Done():
			if parent.Err() != nil {
				return fmt.Errorf("embedded PostgreSQL: start cancelled: %w", parent.Err())
			}
			return fmt.Errorf("embedded PostgreSQL: not accepting connections on port %d after %s (%w); last error: %v; last log lines:\n%s",
				s.port, readyTimeout, ctx.Err(), err, s.logs.String())
		case <-tick.C:
		}
	}
}

// probe opens one connection and returns the server's data directory.
func (s *Server) probe(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var dir string
	err = conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir)
	return dir, err
}

func (s *Server) portInUse() error {
	return kindErrorf(ErrPortInUse, "embedded PostgreSQL: port %d on 127.0.0.1 is already in use by another process; stop it or choose another port with %s (0 picks a free one)", s.port, PortConfigKey)
}

// Stop shuts the server down with a "fast" shutdown (SIGINT to the
// postmaster: roll back open transactions, checkpoint, exit), waits, and
// SIGKILLs postmaster and backends if it has not exited after 10 s or when
// ctx is done, whichever is first. An already-cancelled ctx (typical when
// the run context was cancelled by Ctrl-C) is treated as "no deadline" so
// the common shutdown path still stops cleanly. Stop is idempotent and safe
// for concurrent use: later calls return the first call's result.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *Server) stop(ctx context.Context) error {
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	select {
	case <-s.exited:
		s.drainLogs()
		if s.waitErr != nil {
			return fmt.Errorf("embedded PostgreSQL: postgres had already exited: %v; last log lines:\n%s", s.waitErr, s.logs.String())
		}
		return nil
	default:
	}

	start := time.Now()
	pid := s.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("embedded PostgreSQL: signal postgres (PID %d): %w", pid, err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-s.exited:
		s.drainLogs()
		s.log.Info("embedded PostgreSQL: stopped", "pid", pid, "took", time.Since(start).Round(time.Millisecond))
		if s.waitErr != nil {
			return fmt.Errorf("embedded PostgreSQL: postgres exited with %v during shutdown; last log lines:\n%s", s.waitErr, s.logs.String())
		}
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	// Backends too (they setsid, so the process group does not reach
	// them), so they do not keep the shared memory segment and thus the
	// data directory busy for the next start.
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for _, p := range dataDirProcesses(s.dataDir) {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	<-s.exited
	s.drainLogs()
	s.log.Warn("embedded PostgreSQL: killed after shutdown timeout; the next start runs crash recovery", "pid", pid)
	return fmt.Errorf("embedded PostgreSQL: postgres (PID %d) did not shut down within %s and was killed", pid, time.Since(start).Round(time.Millisecond))
}

// Kill ends the server as a crash would: SIGKILL to the postmaster and every backend,
// no checkpoint; the next Start on the data directory runs crash recovery. For fault
// tests (a database lost under load).
func (s *Server) Kill() {
	s.stopOnce.Do(func() {
		_ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL)
		for _, p := range dataDirProcesses(s.dataDir) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		<-s.exited
		s.drainLogs()
	})
}

// drainLogs waits briefly for the last log lines after the process exited.
// Bounded because an orphaned backend could keep the pipe open.
func (s *Server) drainLogs() {
	select {
	case <-s.logDone:
	case <-time.After(logDrainWait):
	}
}

// EnsureDatabase creates database name unless it exists. Only "postgres"
// exists after initialisation, and the application usually wants its own.
func (s *Server) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("embedded PostgreSQL: connect: %w", err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("embedded PostgreSQL: look up database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created concurrently
		return nil
	}
	if err != nil {
		return fmt.Errorf("embedded PostgreSQL: create database %q: %w", name, err)
	}
	return nil
}

// freePort asks the kernel for an unused port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("embedded PostgreSQL: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// checkPortFree fails with a message naming the port and its config key if
// something already listens there. postgres would fail too, but only after
// initdb and with a less actionable message.
func checkPortFree(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return kindErrorf(ErrPortInUse, "embedded PostgreSQL: port %d on 127.0.0.1 is already in use by another process; stop it or choose another port with %s (0 picks a free one)", port, PortConfigKey)
		}
		return fmt.Errorf("embedded PostgreSQL: cannot listen on port %d (set %s to another port): %w", port, PortConfigKey, err)
	}
	return l.Close()
}

// logTail keeps the last max lines.
type logTail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *logTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *logTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return "  (no output)"
	}
	return "  " + strings.Join(t.lines, "\n  ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// kindError carries a readable message and a sentinel for errors.Is.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func kindErrorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
