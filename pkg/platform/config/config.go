// Package config loads Sunshine's settings: the commented defaults embedded in the
// binary, overridden key by key from the environment, then validated so that a bad
// value stops start-up with a message naming the key and its variable.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"

	"sunshine/pkg/platform/ratelimit"
)

// DefaultsYAML is the documented defaults file; `sunshine config defaults` prints it.
//
//go:embed defaults.yaml
var DefaultsYAML []byte

// EnvPrefix prefixes every environment variable that overrides a key.
const EnvPrefix = "SUNSHINE_"

// aliases are conventional variable names honoured besides the SUNSHINE_ ones.
var aliases = map[string]string{
	"database.url": "DATABASE_URL",
	"redis.url":    "REDIS_URL",
}

// Config is the whole, validated configuration.
type Config struct {
	Mode       string     `koanf:"mode"`
	Log        Log        `koanf:"log"`
	HTTP       HTTP       `koanf:"http"`
	Metrics    Metrics    `koanf:"metrics"`
	Database   Database   `koanf:"database"`
	Redis      Redis      `koanf:"redis"`
	Deployment Deployment `koanf:"deployment"`
	Jobs       Jobs       `koanf:"jobs"`
	Auth       Auth       `koanf:"auth"`
	Public     Public     `koanf:"public"`
	Calendar   Calendar   `koanf:"calendar"`
	Demo       Demo       `koanf:"demo"`
	Notify     Notify     `koanf:"notify"`
	Files      Files      `koanf:"files"`

	// Warnings lists problems that do not stop start-up (e.g. unknown SUNSHINE_ variables).
	Warnings []string `koanf:"-"`
}

// Log configures log/slog.
type Log struct {
	Level  string `koanf:"level"`
	Format string `koanf:"format"`
}

// HTTP configures the Fiber server.
type HTTP struct {
	Addr            string        `koanf:"addr"`
	PublicURL       string        `koanf:"public_url"`
	ReadTimeout     time.Duration `koanf:"read_timeout"`
	WriteTimeout    time.Duration `koanf:"write_timeout"`
	IdleTimeout     time.Duration `koanf:"idle_timeout"`
	BodyLimit       int           `koanf:"body_limit"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	TrustedProxies  string        `koanf:"trusted_proxies"`
	SecureCookies   string        `koanf:"secure_cookies"`
	StreamPing      time.Duration `koanf:"stream_ping"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	Addr   string `koanf:"addr"`
	Public bool   `koanf:"public"`
}

// Database configures PostgreSQL access.
type Database struct {
	URL             string        `koanf:"url"`
	AppURL          string        `koanf:"app_url"`
	AppRole         string        `koanf:"app_role"`
	AppPassword     string        `koanf:"app_password"`
	MaxOpenConns    int           `koanf:"max_open_conns"`
	MaxIdleConns    int           `koanf:"max_idle_conns"`
	ConnMaxLifetime time.Duration `koanf:"conn_max_lifetime"`
	MigrateOnStart  bool          `koanf:"migrate_on_start"`
	// CommitterWorkers and CommitterGroup size each group committer of the hot paths
	// (intake writes, intake checks, case pages; see pkg/platform/db/pipeline): workers
	// sending concurrently (each holds a connection while it sends) and the most
	// requests one pipeline carries.
	CommitterWorkers int      `koanf:"committer_workers"`
	CommitterGroup   int      `koanf:"committer_group"`
	Embedded         Embedded `koanf:"embedded"`
}

// Embedded configures the PostgreSQL server that dev mode starts itself.
type Embedded struct {
	Dir       string `koanf:"dir"`
	Port      int    `koanf:"port"`
	BinDir    string `koanf:"bin_dir"`
	RunAsUser string `koanf:"run_as_user"`
}

// Redis configures the Asynq broker.
type Redis struct {
	URL            string `koanf:"url"`
	SentinelMaster string `koanf:"sentinel_master"`
	SentinelAddrs  string `koanf:"sentinel_addrs"`
}

// Deployment says which level this installation runs and for which tenants.
type Deployment struct {
	Level   string `koanf:"level"`
	Tenants string `koanf:"tenants"`
}

// TenantCodes returns the configured tenant codes (empty: all).
func (d Deployment) TenantCodes() []string { return SplitList(d.Tenants) }

// Jobs configures Asynq workers.
type Jobs struct {
	Concurrency          int           `koanf:"concurrency"`
	QueueWeights         string        `koanf:"queue_weights"`
	PerTenantQueues      bool          `koanf:"per_tenant_queues"`
	TenantRefresh        time.Duration `koanf:"tenant_refresh_interval"`
	SessionPruneInterval time.Duration `koanf:"session_prune_interval"`
	Retention            time.Duration `koanf:"retention"`
}

// Weights parses QueueWeights ("critical=6,default=3,low=1"); Validate has checked it.
func (j Jobs) Weights() map[string]int {
	w, _ := parseWeights(j.QueueWeights)
	return w
}

// Auth configures identity.
type Auth struct {
	SessionTTL    time.Duration `koanf:"session_ttl"`
	TokenTTL      time.Duration `koanf:"token_ttl"`
	MaxFailures   int           `koanf:"max_failures"`
	FailureWindow time.Duration `koanf:"failure_window"`
	// FailureBackoff, AccountMaxFailures and AddressMaxFailures: see identity.Config.
	FailureBackoff     time.Duration `koanf:"failure_backoff"`
	AccountMaxFailures int           `koanf:"account_max_failures"`
	AddressMaxFailures int           `koanf:"address_max_failures"`
	Argon2MemoryKiB    int           `koanf:"argon2_memory_kib"`
	Argon2Iterations   int           `koanf:"argon2_iterations"`
	Argon2Parallelism  int           `koanf:"argon2_parallelism"`
	// RoleConflicts is the separation-of-duties policy: "role:role" pairs, "none", or
	// "default" (authz.DefaultConflicts); the assembly parses it.
	RoleConflicts string `koanf:"role_conflicts"`
	// SecurityLogRetention and SecurityLogMaxEvents bound the security log (per tenant).
	SecurityLogRetention time.Duration `koanf:"security_log_retention"`
	SecurityLogMaxEvents int           `koanf:"security_log_max_events"`
}

// Public configures the public portal's rate limits ("N/period", see ratelimit.ParseLimit).
type Public struct {
	ReadsPerAddress        string `koanf:"reads_per_address"`
	LookupsPerAddress      string `koanf:"lookups_per_address"`
	LookupsPerCase         string `koanf:"lookups_per_case"`
	ApplicationsPerAddress string `koanf:"applications_per_address"`
	CaptchasPerAddress     string `koanf:"captchas_per_address"`
}

// Limits returns the parsed limits by key (Validate has checked them).
func (p Public) Limits() map[string]ratelimit.Limit {
	out := map[string]ratelimit.Limit{}
	for k, v := range p.raw() {
		out[k], _ = ratelimit.ParseLimit(v)
	}
	return out
}

func (p Public) raw() map[string]string {
	return map[string]string{
		"reads_per_address": p.ReadsPerAddress, "lookups_per_address": p.LookupsPerAddress, "lookups_per_case": p.LookupsPerCase,
		"applications_per_address": p.ApplicationsPerAddress, "captchas_per_address": p.CaptchasPerAddress,
	}
}

// Calendar configures holiday data.
type Calendar struct {
	Dir string `koanf:"dir"`
}

// Demo configures dev-mode demo data.
type Demo struct {
	Seed       bool   `koanf:"seed"`
	Password   string `koanf:"password"`
	TenantsDir string `koanf:"tenants_dir"`
}

// Files configures the platform's file store.
type Files struct {
	URL        string        `koanf:"url"`
	MaxBytes   int64         `koanf:"max_bytes"`
	PruneAfter time.Duration `koanf:"prune_after"`
}

// FilesURL is the file store's bucket URL: files.url, or in dev mode a directory
// beside the embedded database's data directory.
func (c *Config) FilesURL() (string, error) {
	if c.Files.URL != "" {
		return c.Files.URL, nil
	}
	if !c.Dev() {
		return "", &Error{Key: "files.url", Reason: "is required outside dev mode (an s3:// bucket, or file:///path on a shared volume)"}
	}
	dir, err := filepath.Abs(filepath.Join(filepath.Dir(filepath.Clean(c.Database.Embedded.Dir)), "files"))
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String(), nil
}

// Notify configures outbound notification channels.
type Notify struct {
	SMTPAddr     string `koanf:"smtp_addr"`
	SMTPFrom     string `koanf:"smtp_from"`
	SMTPUsername string `koanf:"smtp_username"`
	SMTPPassword string `koanf:"smtp_password"`
}

// RequireRedis reports a missing Redis outside dev mode (the roles need it; migrate,
// tenants and audit commands do not).
func (c *Config) RequireRedis() error {
	if c.Redis.URL == "" && c.Redis.SentinelMaster == "" && !c.Dev() {
		return &Error{Key: "redis.url", Reason: "is required outside dev mode (set REDIS_URL)"}
	}
	return nil
}

// Dev reports whether the process runs in dev mode.
func (c *Config) Dev() bool { return c.Mode == "dev" }

// EnvName returns the environment variable that overrides key.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Error is a configuration problem tied to one key.
type Error struct {
	Key    string
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s (%s): %s", e.Key, EnvName(e.Key), e.Reason)
}

// Lookup finds an environment variable; os.LookupEnv is the real one.
type Lookup func(name string) (string, bool)

// MapLookup serves variables from a map (for tests and the CLI's --set flags).
func MapLookup(m map[string]string) Lookup {
	return func(name string) (string, bool) { v, ok := m[name]; return v, ok }
}

// Load reads the defaults, applies environment overrides found by lookup
// (os.LookupEnv when nil; a variable set to the empty string clears a default) and
// overrides given as key=value pairs, and validates the result.
func Load(lookup Lookup, overrides map[string]string) (*Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	defaults := koanf.New(".")
	if err := defaults.Load(rawbytes.Provider(DefaultsYAML), yaml.Parser()); err != nil {
		return nil, fmt.Errorf("config: embedded defaults: %w", err)
	}
	k := defaults.Copy()
	known := map[string]bool{}
	for _, key := range k.Keys() {
		known[key] = true
		if alias, ok := aliases[key]; ok {
			if v, ok := lookup(alias); ok && v != "" {
				_ = k.Set(key, v)
			}
		}
		if v, ok := lookup(EnvName(key)); ok {
			_ = k.Set(key, v)
		}
	}
	for key, v := range overrides {
		if !known[key] {
			return nil, &Error{Key: key, Reason: "unknown key"}
		}
		_ = k.Set(key, v)
	}
	var c Config
	for _, key := range k.Keys() {
		// Decode key by key first so that a type error names exactly one key.
		if err := checkType(k, defaults, key); err != nil {
			return nil, err
		}
	}
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.Warnings = unknownEnv(known)
	return &c, nil
}

// checkType verifies that an overridden string parses as the type of its default.
func checkType(k, defaults *koanf.Koanf, key string) error {
	v := k.Get(key)
	s, isString := v.(string)
	if !isString {
		return nil
	}
	switch defaults.Get(key).(type) {
	case int, int64, float64:
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d", &n); err != nil || fmt.Sprint(n) != strings.TrimSpace(s) {
			return &Error{Key: key, Reason: fmt.Sprintf("%q is not a whole number", s)}
		}
		_ = k.Set(key, n)
	case bool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "yes", "on":
			_ = k.Set(key, true)
		case "false", "0", "no", "off":
			_ = k.Set(key, false)
		default:
			return &Error{Key: key, Reason: fmt.Sprintf("%q is not a boolean (true or false)", s)}
		}
	}
	if strings.HasSuffix(key, "_timeout") || strings.HasSuffix(key, "_ttl") || strings.HasSuffix(key, "_interval") ||
		strings.HasSuffix(key, "_window") || strings.HasSuffix(key, "_lifetime") || key == "jobs.retention" {
		if _, err := time.ParseDuration(s); err != nil {
			return &Error{Key: key, Reason: fmt.Sprintf("%q is not a duration (e.g. 15s, 2m, 1h)", s)}
		}
	}
	return nil
}

// Validate checks every value that has a constrained form.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Reason: fmt.Sprintf(format, args...)})
	}
	if c.Mode != "production" && c.Mode != "dev" {
		bad("mode", "%q must be production or dev", c.Mode)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q must be debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "", "json", "text":
	default:
		bad("log.format", "%q must be json, text or empty", c.Log.Format)
	}
	if _, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil || port == "" {
		bad("http.addr", "%q is not host:port", c.HTTP.Addr)
	}
	if c.Metrics.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Metrics.Addr); err != nil || port == "" {
			bad("metrics.addr", "%q is not host:port", c.Metrics.Addr)
		} else if c.Metrics.Addr == c.HTTP.Addr {
			bad("metrics.addr", "must differ from http.addr (set metrics.public to serve /metrics there too)")
		}
	}
	if c.HTTP.PublicURL != "" {
		if u, err := url.Parse(c.HTTP.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("http.public_url", "%q is not an absolute URL", c.HTTP.PublicURL)
		}
	}
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			bad(key, "must be a positive duration")
		}
	}
	positive("http.read_timeout", c.HTTP.ReadTimeout)
	positive("http.write_timeout", c.HTTP.WriteTimeout)
	positive("http.idle_timeout", c.HTTP.IdleTimeout)
	positive("http.shutdown_timeout", c.HTTP.ShutdownTimeout)
	positive("http.stream_ping", c.HTTP.StreamPing)
	if c.HTTP.BodyLimit < 1024 {
		bad("http.body_limit", "must be at least 1024 bytes")
	}
	for _, cidr := range SplitList(c.HTTP.TrustedProxies) {
		if _, _, err := net.ParseCIDR(cidr); err != nil && net.ParseIP(cidr) == nil {
			bad("http.trusted_proxies", "%q is not an IP or CIDR", cidr)
		}
	}
	switch c.HTTP.SecureCookies {
	case "auto", "always", "never":
	default:
		bad("http.secure_cookies", "%q must be auto, always or never", c.HTTP.SecureCookies)
	}
	for key, u := range map[string]string{"database.url": c.Database.URL, "database.app_url": c.Database.AppURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql") {
			bad(key, "must be a postgres:// URL")
		}
	}
	if c.Database.URL == "" && c.Database.AppURL == "" && c.Mode != "dev" {
		bad("database.url", "is required outside dev mode (set DATABASE_URL, or SUNSHINE_DATABASE_APP_URL for roles that do not migrate)")
	}
	if !validIdent(c.Database.AppRole) {
		bad("database.app_role", "%q is not a plain SQL identifier", c.Database.AppRole)
	}
	if c.Database.MaxOpenConns < 1 {
		bad("database.max_open_conns", "must be at least 1")
	}
	if c.Database.MaxIdleConns < 0 || c.Database.MaxIdleConns > c.Database.MaxOpenConns {
		bad("database.max_idle_conns", "must be between 0 and database.max_open_conns")
	}
	positive("database.conn_max_lifetime", c.Database.ConnMaxLifetime)
	if c.Database.CommitterWorkers < 1 || c.Database.CommitterWorkers > 64 {
		bad("database.committer_workers", "must be between 1 and 64")
	}
	if c.Database.CommitterGroup < 1 || c.Database.CommitterGroup > 1000 {
		bad("database.committer_group", "must be between 1 and 1000")
	}
	if c.Database.Embedded.Port < 1 || c.Database.Embedded.Port > 65535 {
		bad("database.embedded.port", "must be a TCP port")
	}
	if c.Redis.URL != "" {
		if p, err := url.Parse(c.Redis.URL); err != nil || (p.Scheme != "redis" && p.Scheme != "rediss") {
			bad("redis.url", "must be a redis:// or rediss:// URL")
		}
	}
	if c.Redis.SentinelMaster != "" && c.Redis.SentinelAddrs == "" {
		bad("redis.sentinel_addrs", "is required when redis.sentinel_master is set")
	}
	switch c.Deployment.Level {
	case "city":
	case "county":
		if len(c.Deployment.TenantCodes()) == 0 {
			bad("deployment.tenants", "a county-level deployment must name its tenant codes")
		}
	default:
		bad("deployment.level", "%q must be city or county", c.Deployment.Level)
	}
	for _, code := range c.Deployment.TenantCodes() {
		if !isDivisionCode(code) {
			bad("deployment.tenants", "%q is not a six-digit division code", code)
		}
	}
	if c.Files.URL != "" {
		if u, err := url.Parse(c.Files.URL); err != nil || u.Scheme == "" {
			bad("files.url", "%q is not a bucket URL (s3://bucket?region=…, file:///path)", c.Files.URL)
		}
	}
	if c.Files.MaxBytes < 1024 || c.Files.MaxBytes > 1<<30 {
		bad("files.max_bytes", "must be between 1024 and 1073741824 bytes")
	}
	positive("files.prune_after", c.Files.PruneAfter)
	if c.Jobs.Concurrency < 1 {
		bad("jobs.concurrency", "must be at least 1")
	}
	if _, err := parseWeights(c.Jobs.QueueWeights); err != nil {
		bad("jobs.queue_weights", "%v", err)
	}
	positive("jobs.session_prune_interval", c.Jobs.SessionPruneInterval)
	positive("jobs.retention", c.Jobs.Retention)
	positive("jobs.tenant_refresh_interval", c.Jobs.TenantRefresh)
	positive("auth.session_ttl", c.Auth.SessionTTL)
	positive("auth.token_ttl", c.Auth.TokenTTL)
	positive("auth.failure_window", c.Auth.FailureWindow)
	if c.Auth.MaxFailures < 1 {
		bad("auth.max_failures", "must be at least 1")
	}
	positive("auth.failure_backoff", c.Auth.FailureBackoff)
	if c.Auth.AccountMaxFailures < c.Auth.MaxFailures {
		bad("auth.account_max_failures", "must be at least auth.max_failures (it is the softer, account-wide limit)")
	}
	if c.Auth.AddressMaxFailures < c.Auth.MaxFailures {
		bad("auth.address_max_failures", "must be at least auth.max_failures")
	}
	positive("auth.security_log_retention", c.Auth.SecurityLogRetention)
	if c.Auth.SecurityLogMaxEvents < 1000 {
		bad("auth.security_log_max_events", "must be at least 1000")
	}
	if c.Auth.Argon2MemoryKiB < 8 || c.Auth.Argon2Iterations < 1 || c.Auth.Argon2Parallelism < 1 {
		bad("auth.argon2_memory_kib", "argon2 parameters must be positive (memory ≥ 8 KiB)")
	}
	for k, v := range c.Public.raw() {
		if _, err := ratelimit.ParseLimit(v); err != nil {
			bad("public."+k, "%v", err)
		}
	}
	if c.Mode == "dev" && c.Demo.Seed && len(c.Demo.Password) < 8 {
		bad("demo.password", "must be at least 8 characters")
	}
	return errors.Join(errs...)
}

var queueNames = []string{"critical", "default", "low"}

func parseWeights(s string) (map[string]int, error) {
	w := map[string]int{}
	for _, part := range SplitList(s) {
		name, val, ok := strings.Cut(part, "=")
		var n int
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not name=weight", part)
		}
		if _, err := fmt.Sscanf(val, "%d", &n); err != nil || n < 1 {
			return nil, fmt.Errorf("weight of %q must be a positive integer", name)
		}
		w[name] = n
	}
	for _, q := range queueNames {
		if w[q] == 0 {
			return nil, fmt.Errorf("queue %q needs a weight", q)
		}
	}
	return w, nil
}

// SplitList splits a comma-separated list, trimming blanks and dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func validIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

func isDivisionCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ignoredEnv are SUNSHINE_ variables read by tooling rather than by the config.
var ignoredEnv = []string{"SUNSHINE_E2E_", "SUNSHINE_TEST_", "SUNSHINE_BENCH_"}

func unknownEnv(known map[string]bool) []string {
	names := map[string]bool{}
	for key := range known {
		names[EnvName(key)] = true
	}
	var out []string
outer:
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || names[name] {
			continue
		}
		for _, p := range ignoredEnv {
			if strings.HasPrefix(name, p) {
				continue outer
			}
		}
		out = append(out, fmt.Sprintf("unknown setting %s is ignored (see `sunshine config defaults`)", name))
	}
	sort.Strings(out)
	return out
}
