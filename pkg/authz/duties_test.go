package authz_test

import (
	"testing"

	"sunshine/pkg/authz"
	"sunshine/pkg/platform/config"
)

func TestParseConflicts(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(config.MapLookup(map[string]string{"SUNSHINE_MODE": "dev"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The documented default is the default.
	got, err := authz.ParseConflicts(cfg.Auth.RoleConflicts)
	if err != nil || got.String() != authz.DefaultConflicts().String() {
		t.Fatalf("defaults.yaml says %q (%v), DefaultConflicts is %q", cfg.Auth.RoleConflicts, err, authz.DefaultConflicts())
	}
	for spec, want := range map[string]string{
		"":                                authz.DefaultConflictsSpec(),
		"default":                         authz.DefaultConflictsSpec(),
		"none":                            "none",
		" window_clerk : case_handler , ": "window_clerk:case_handler",
		"auditor:tenant_admin,auditor:dept_admin": "auditor:tenant_admin,auditor:dept_admin",
	} {
		cs, err := authz.ParseConflicts(spec)
		if err != nil || cs.String() != want {
			t.Errorf("%q: %q %v, want %q", spec, cs, err, want)
		}
	}
	for _, bad := range []string{"wizard:auditor", "auditor", "auditor:auditor", "auditor:", ":auditor"} {
		if _, err := authz.ParseConflicts(bad); err == nil {
			t.Errorf("%q must be refused", bad)
		}
	}
	cs := authz.DefaultConflicts()
	if a, b, bad := cs.Find([]string{"case_handler", "auditor", "tenant_admin"}); !bad || a != "tenant_admin" || b != "auditor" {
		t.Errorf("find: %s %s %v", a, b, bad)
	}
	if _, _, bad := cs.Find([]string{"platform_admin", "tenant_admin", "legal_reviewer"}); bad {
		t.Error("the demo's platform admin holds no conflicting pair")
	}
}
