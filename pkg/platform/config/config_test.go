package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string) (*Config, error) {
	t.Helper()
	return Load(MapLookup(env), nil)
}

func TestDefaultsInDevMode(t *testing.T) {
	c, err := load(t, map[string]string{"SUNSHINE_MODE": "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:8080" || c.HTTP.ReadTimeout != 15*time.Second || c.HTTP.BodyLimit != 4194304 {
		t.Fatalf("unexpected defaults: %+v", c.HTTP)
	}
	if !c.Dev() || c.Database.AppRole != "sunshine_app" || c.Jobs.Weights()["critical"] != 6 {
		t.Fatalf("unexpected defaults: %+v %+v", c.Database, c.Jobs)
	}
}

func TestProductionNeedsDatabaseAndRedis(t *testing.T) {
	_, err := load(t, nil)
	if err == nil || !strings.Contains(err.Error(), "database.url (SUNSHINE_DATABASE_URL)") {
		t.Fatalf("want an error naming database.url, got %v", err)
	}
	// A role that does not migrate may have only the application URL.
	c, err := load(t, map[string]string{"SUNSHINE_DATABASE_APP_URL": "postgres://app@h/db"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequireRedis(); err == nil || !strings.Contains(err.Error(), "redis.url (SUNSHINE_REDIS_URL)") {
		t.Fatalf("roles need Redis outside dev mode: %v", err)
	}
}

func TestAliasesAndPrecedence(t *testing.T) {
	c, err := load(t, map[string]string{
		"DATABASE_URL":                    "postgres://a@h/db",
		"REDIS_URL":                       "redis://h:6379/0",
		"SUNSHINE_REDIS_URL":              "redis://other:6379/1",
		"SUNSHINE_HTTP_ADDR":              "0.0.0.0:9000",
		"SUNSHINE_JOBS_PER_TENANT_QUEUES": "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.URL != "postgres://a@h/db" || c.Redis.URL != "redis://other:6379/1" || c.HTTP.Addr != "0.0.0.0:9000" || !c.Jobs.PerTenantQueues {
		t.Fatalf("overrides not applied: %+v %+v %+v", c.Database.URL, c.Redis.URL, c.HTTP.Addr)
	}
}

func TestEmptyVariableClearsDefault(t *testing.T) {
	c, err := load(t, map[string]string{"SUNSHINE_MODE": "dev", "SUNSHINE_DATABASE_EMBEDDED_RUN_AS_USER": ""})
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.Embedded.RunAsUser != "" {
		t.Fatalf("want cleared, got %q", c.Database.Embedded.RunAsUser)
	}
}

func TestInvalidValuesNameTheKey(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SUNSHINE_HTTP_ADDR": "nonsense"}, "http.addr (SUNSHINE_HTTP_ADDR)"},
		{map[string]string{"SUNSHINE_HTTP_BODY_LIMIT": "abc"}, "http.body_limit (SUNSHINE_HTTP_BODY_LIMIT): \"abc\" is not a whole number"},
		{map[string]string{"SUNSHINE_HTTP_READ_TIMEOUT": "soon"}, "http.read_timeout (SUNSHINE_HTTP_READ_TIMEOUT): \"soon\" is not a duration"},
		{map[string]string{"SUNSHINE_DATABASE_MIGRATE_ON_START": "maybe"}, "database.migrate_on_start"},
		{map[string]string{"SUNSHINE_LOG_LEVEL": "loud"}, "log.level"},
		{map[string]string{"SUNSHINE_DEPLOYMENT_LEVEL": "province"}, "deployment.level"},
		{map[string]string{"SUNSHINE_DEPLOYMENT_LEVEL": "county"}, "deployment.tenants"},
		{map[string]string{"SUNSHINE_DEPLOYMENT_TENANTS": "4105"}, "deployment.tenants"},
		{map[string]string{"SUNSHINE_JOBS_QUEUE_WEIGHTS": "critical=6"}, "jobs.queue_weights"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "database.url"},
		{map[string]string{"SUNSHINE_DATABASE_APP_ROLE": "app; drop"}, "database.app_role"},
	}
	for _, tc := range cases {
		env := map[string]string{"SUNSHINE_MODE": "dev"}
		for k, v := range tc.env {
			env[k] = v
		}
		_, err := load(t, env)
		var cerr *Error
		if err == nil || !errors.As(err, &cerr) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want error containing %q, got %v", tc.env, tc.want, err)
		}
	}
}

func TestOverridesRejectUnknownKeys(t *testing.T) {
	_, err := Load(MapLookup(map[string]string{"SUNSHINE_MODE": "dev"}), map[string]string{"http.adr": "x"})
	if err == nil || !strings.Contains(err.Error(), "http.adr") {
		t.Fatalf("want unknown key error, got %v", err)
	}
}

func TestEveryKeyIsDocumentedWithItsVariable(t *testing.T) {
	// The defaults file promises the variable name next to each key; keep that promise.
	lines := strings.Split(string(DefaultsYAML), "\n")
	var path []string
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := (len(line) - len(strings.TrimLeft(line, " "))) / 2
		key, rest, _ := strings.Cut(trimmed, ":")
		path = append(path[:indent], key)
		value := strings.TrimSpace(strings.SplitN(rest, "#", 2)[0])
		if value == "" && !strings.Contains(rest, `""`) {
			continue // a section
		}
		full := strings.Join(path, ".")
		if !strings.Contains(line, EnvName(full)) {
			t.Errorf("key %s: the comment does not name %s", full, EnvName(full))
		}
	}
}
