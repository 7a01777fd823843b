package embeddedpg

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EnvBinDir names the environment variable that points at the directory
// holding initdb and postgres when auto-detection picks the wrong one (or
// none).
const EnvBinDir = "SUNSHINE_DATABASE_EMBEDDED_BIN_DIR"

// requiredBinaries are the two server programs the launcher runs. pg_ctl is
// deliberately not needed: postgres is started directly so that this process
// owns it (process group, parent-death signal, log capture).
var requiredBinaries = []string{"initdb", "postgres"}

const installHint = "install them (Debian: apt-get install postgresql) or set DATABASE_URL to a running server"

// FindBinaries returns the directory that holds both initdb and postgres.
//
// An explicit binDir (or $SUNSHINE_DATABASE_EMBEDDED_BIN_DIR) is
// authoritative: if it lacks a binary the error says which one, rather than
// silently falling back to some other PostgreSQL version on the machine.
// Otherwise it tries, in order: `pg_config --bindir`, the highest version
// under /usr/lib/postgresql/*/bin (Debian/Ubuntu layout), /usr/local/pgsql/bin
// (source builds) and the directory of initdb on PATH.
func FindBinaries(binDir string) (string, error) {
	if binDir != "" {
		return checkExplicitBinDir(binDir, "Config.BinDir")
	}
	if env := os.Getenv(EnvBinDir); env != "" {
		return checkExplicitBinDir(env, "$"+EnvBinDir)
	}

	var tried []string
	try := func(dir, how string) bool {
		if dir == "" {
			return false
		}
		if len(missingBinaries(dir)) == 0 {
			return true
		}
		tried = append(tried, dir+how)
		return false
	}

	if dir := pgConfigBinDir(); try(dir, " (pg_config --bindir)") {
		return dir, nil
	}
	debDirs := debianBinDirs()
	for _, dir := range debDirs {
		if try(dir, "") {
			return dir, nil
		}
	}
	if len(debDirs) == 0 {
		tried = append(tried, "/usr/lib/postgresql/*/bin")
	}
	if dir := "/usr/local/pgsql/bin"; try(dir, "") {
		return dir, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if dir := filepath.Dir(p); try(dir, " (initdb on PATH)") {
			return dir, nil
		}
		// initdb is often a symlink into the real bin dir (as in
		// /usr/local/bin here); postgres may only live next to the target.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if dir := filepath.Dir(real); try(dir, " (initdb on PATH, resolved)") {
				return dir, nil
			}
		}
	} else {
		tried = append(tried, "$PATH")
	}

	return "", kindErrorf(ErrBinariesNotFound, "embedded PostgreSQL: no PostgreSQL server binaries (initdb, postgres) found in %s; %s, or set %s to the directory that holds them",
		strings.Join(tried, ", "), installHint, EnvBinDir)
}

func checkExplicitBinDir(dir, source string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("embedded PostgreSQL: bin dir %q (from %s): %w", dir, source, err)
	}
	if missing := missingBinaries(abs); len(missing) > 0 {
		return "", kindErrorf(ErrBinariesNotFound, "embedded PostgreSQL: no PostgreSQL server binaries (initdb, postgres) found in %s (from %s): missing %s; %s, or point %s at the directory that holds them",
			abs, source, strings.Join(missing, ", "), installHint, source)
	}
	return abs, nil
}

// missingBinaries lists which of initdb/postgres are not executable files in dir.
func missingBinaries(dir string) []string {
	var missing []string
	for _, name := range requiredBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	return missing
}

// pgConfigBinDir asks pg_config, if installed. On Debian pg_config may come
// from libpq-dev and report a version whose server is not installed, so the
// caller still verifies the directory.
func pgConfigBinDir() string {
	p, err := exec.LookPath("pg_config")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "--bindir").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// debianBinDirs returns /usr/lib/postgresql/<version>/bin directories,
// highest version first, so that the newest installed server wins.
func debianBinDirs() []string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.SliceStable(matches, func(i, j int) bool {
		return versionLess(filepath.Base(filepath.Dir(matches[j])), filepath.Base(filepath.Dir(matches[i])))
	})
	return matches
}

// versionLess compares dotted numeric versions ("9.6" < "10" < "15").
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// serverMajorVersion runs `postgres -V` and returns the major version in the
// same form initdb writes into PG_VERSION ("15", or "9.6" before v10).
// postgres allows -V even as root.
func serverMajorVersion(binDir string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(binDir, "postgres"), "-V").Output()
	if err != nil {
		return "", fmt.Errorf("embedded PostgreSQL: %s -V: %w", filepath.Join(binDir, "postgres"), err)
	}
	m := versionRE.FindStringSubmatch(string(out))
	if m == nil {
		return "", fmt.Errorf("embedded PostgreSQL: cannot parse version from %q", strings.TrimSpace(string(out)))
	}
	if major, _ := strconv.Atoi(m[1]); major < 10 && m[2] != "" {
		return m[1] + "." + m[2], nil
	}
	return m[1], nil
}
