package embeddedpg

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runAs is the unprivileged identity used for initdb and postgres when this
// process is root (both refuse to run as root). nil means "run as ourselves".
type runAs struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32 // supplementary groups, including gid
}

func (r *runAs) credential() *syscall.Credential {
	if r == nil {
		return nil
	}
	// Groups is set explicitly so root's supplementary groups are dropped.
	return &syscall.Credential{Uid: r.uid, Gid: r.gid, Groups: r.groups}
}

// resolveRunAs returns nil unless the effective user is root.
func resolveRunAs(name string) (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if name == "" {
		name = "nobody"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("embedded PostgreSQL: this process runs as root, so PostgreSQL must run as an unprivileged OS user, but user %q cannot be looked up (%v); create it or set Config.RunAsUser", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("embedded PostgreSQL: user %q has non-numeric uid/gid %s/%s", name, u.Uid, u.Gid)
	}
	if uid == 0 {
		return nil, fmt.Errorf("embedded PostgreSQL: Config.RunAsUser %q is root; PostgreSQL refuses to run as root, choose an unprivileged user such as \"nobody\"", name)
	}
	r := &runAs{name: name, uid: uint32(uid), gid: uint32(gid), groups: []uint32{uint32(gid)}}
	// Best effort: without cgo GroupIds parses /etc/group, which may fail on
	// exotic setups; the primary group alone is still correct.
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.ParseUint(s, 10, 32); err == nil && uint32(g) != r.gid {
				r.groups = append(r.groups, uint32(g))
			}
		}
	}
	return r, nil
}

func (r *runAs) inGroup(gid uint32) bool {
	for _, g := range r.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// canTraverse reports whether r may search (x) a directory with this stat,
// applying the kernel's owner → group → other precedence (ACLs ignored).
func (r *runAs) canTraverse(st *syscall.Stat_t) bool {
	mode := st.Mode
	switch {
	case st.Uid == r.uid:
		return mode&0o100 != 0
	case r.inGroup(st.Gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

// checkTraversable walks the existing ancestors of dataDir ("/" first) and
// fails on the first one the run-as user cannot enter. Directories that do
// not exist yet are skipped: the launcher creates those itself with 0755.
// System directories are never chmod-ed behind the developer's back; the
// error names the directory so they can decide.
func checkTraversable(dataDir string, r *runAs) error {
	var ancestors []string
	for p := filepath.Dir(dataDir); ; p = filepath.Dir(p) {
		ancestors = append(ancestors, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		dir := ancestors[i]
		fi, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // everything below is created by us
		}
		if err != nil {
			return fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		if !r.canTraverse(st) {
			return fmt.Errorf("embedded PostgreSQL: directory %s (mode %04o, owner uid %d) is not traversable by OS user %q, which PostgreSQL runs as because this process is root; "+
				"either allow it (chmod o+x %s) or put the data directory somewhere %q can reach (for example under /tmp or /var/lib)",
				dir, fi.Mode().Perm(), st.Uid, r.name, dir, r.name)
		}
	}
	return nil
}

// mkdirParents creates the missing ancestors of dir (not dir itself) and
// returns the ones it created, top-down, so the caller may widen exactly
// those permissions and nothing else.
func mkdirParents(dir string) ([]string, error) {
	var missing []string
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		missing = append(missing, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return created, fmt.Errorf("embedded PostgreSQL: create %s: %w", missing[i], err)
		}
		created = append(created, missing[i])
	}
	return created, nil
}

// chownR hands a directory tree to the run-as user. Only entries that differ
// are touched, so restarts of an already-owned data dir cost one stat each.
func chownR(dir string, r *runAs) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == r.uid && st.Gid == r.gid {
			return nil
		}
		return os.Lchown(path, int(r.uid), int(r.gid))
	})
}

// dataDirState inspects dataDir: initialised means PG_VERSION is present
// and matches the binaries' major version.
func dataDirState(dataDir, binDir string) (initialised bool, err error) {
	entries, err := os.ReadDir(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("embedded PostgreSQL: read data directory: %w", err)
	}
	if len(entries) == 0 {
		return false, nil
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("embedded PostgreSQL: %s exists and is not empty but is not a PostgreSQL data directory (no PG_VERSION); empty it or choose another data directory", dataDir)
	}
	if err != nil {
		return false, fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	dirVersion := strings.TrimSpace(string(raw))
	binVersion, err := serverMajorVersion(binDir)
	if err != nil {
		return false, err
	}
	if dirVersion != binVersion {
		return false, fmt.Errorf("embedded PostgreSQL: data directory %s was created by PostgreSQL %s but the server binaries in %s are PostgreSQL %s; "+
			"point %s at PostgreSQL %s binaries, or move the data directory away to start with an empty database (use pg_dump/pg_upgrade first if the data matters)",
			dataDir, dirVersion, binDir, binVersion, EnvBinDir, dirVersion)
	}
	return true, nil
}

// clearStaleLocks removes postmaster.pid and socket lock files left behind
// by a run that was killed, and refuses (naming the PID) if a live postgres
// still owns the directory.
//
// postgres has its own stale-lock detection, but it only asks kill(pid, 0):
// after a container restart the PID is often reused by an unrelated process
// and postgres then refuses to start. We also check that the PID is a
// postgres whose working directory is this data directory.
func clearStaleLocks(dataDir string, log *slog.Logger) error {
	pidFile := filepath.Join(dataDir, "postmaster.pid")
	locks, _ := filepath.Glob(filepath.Join(dataDir, ".s.PGSQL.*.lock"))
	for _, lock := range append([]string{pidFile}, locks...) {
		raw, err := os.ReadFile(lock)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("embedded PostgreSQL: read %s: %w", lock, err)
		}
		first, _, _ := strings.Cut(string(raw), "\n")
		pid, _ := strconv.Atoi(strings.TrimSpace(first))
		if pid < 0 {
			pid = -pid // single-user backends record a negative PID
		}
		if pid > 0 && postgresServes(pid, dataDir) {
			return kindErrorf(ErrAlreadyRunning, "embedded PostgreSQL: data directory %s is already in use by a running postgres (PID %d), probably another `sunshine dev`; stop that process or use another data directory",
				dataDir, pid)
		}
		log.Info("embedded PostgreSQL: removing stale lock file from a previous run", "file", lock, "pid", pid)
		if lock == pidFile {
			waitForBackends(dataDir, log)
		}
		if err := os.Remove(lock); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("embedded PostgreSQL: remove stale %s: %w", lock, err)
		}
	}
	return nil
}

// postgresServes reports whether pid is a live postgres running in dataDir.
// When /proc cannot answer (non-Linux, hidepid) it errs on the side of
// "yes", because deleting a live server's lock file risks data corruption.
func postgresServes(pid int, dataDir string) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	proc := "/proc/" + strconv.Itoa(pid)
	if stat, err := os.ReadFile(proc + "/stat"); err == nil {
		// Format: "pid (comm) S ..."; comm may contain spaces or ')'.
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
			if s := stat[i+2]; s == 'Z' || s == 'X' {
				return false // zombie: dead, just not reaped yet
			}
		}
	}
	if comm, err := os.ReadFile(proc + "/comm"); err == nil {
		if c := strings.TrimSpace(string(comm)); c != "postgres" && c != "postmaster" {
			return false // PID reused by something else
		}
	}
	if cwd, err := os.Readlink(proc + "/cwd"); err == nil {
		return sameDir(cwd, dataDir) // the postmaster chdirs into its data directory
	}
	return true
}

func sameDir(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// waitForBackends gives the backends of a killed postmaster a moment to
// exit. They notice the postmaster's death within milliseconds, but until
// they are gone they keep the old shared memory segment attached and a new
// postmaster refuses to start ("pre-existing shared memory block is still
// in use").
func waitForBackends(dataDir string, log *slog.Logger) {
	deadline := time.Now().Add(5 * time.Second)
	for len(dataDirProcesses(dataDir)) > 0 {
		if time.Now().After(deadline) {
			log.Warn("embedded PostgreSQL: processes of the previous server are still running", "pids", dataDirProcesses(dataDir))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dataDirProcesses lists live postgres processes working in dataDir.
// Backends call setsid(), so neither the postmaster's process group nor
// (once it is dead) its PID finds them; their working directory, inherited
// from the postmaster's chdir into the data directory, does. Without /proc
// it returns nothing and postgres' own checks take over.
func dataDirProcesses(dataDir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		proc := "/proc/" + e.Name()
		comm, err := os.ReadFile(proc + "/comm")
		if err != nil || !strings.HasPrefix(string(comm), "postgres") {
			continue
		}
		if cwd, err := os.Readlink(proc + "/cwd"); err == nil && filepath.Clean(cwd) == filepath.Clean(dataDir) {
			pids = append(pids, pid)
		}
	}
	return pids
}
