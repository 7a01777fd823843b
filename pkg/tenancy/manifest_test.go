package tenancy_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sunshine/pkg/apitest"
	"sunshine/pkg/tenancy"
)

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(src, "*.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestApplyIsIdempotentAndNeverDeletes: applying the Anyang manifests twice changes
// nothing the second time; a renamed tenant is updated, a department removed from a
// manifest is reported as drift and kept, a new one is added.
func TestApplyIsIdempotentAndNeverDeletes(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{NoDemo: true})
	ctx := context.Background()
	dir := copyDir(t, filepath.Join(apitest.RepoRoot(), "tenants"))
	svc := env.App.Tenancy
	rep, err := svc.Apply(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 10 || !rep.Changed() {
		t.Fatalf("first apply: %s", rep)
	}
	for _, r := range rep.Results {
		if !r.Result.Created || r.Result.AdminPassword == "" {
			t.Fatalf("%s: %+v", r.Code, r.Result)
		}
	}
	rep, err = svc.Apply(ctx, dir)
	if err != nil || rep.Changed() || !strings.Contains(rep.String(), "no changes") {
		t.Fatalf("second apply must change nothing: %v\n%s", err, rep)
	}
	// Rename 林州市's administrator? No: rename the tenant, drop a department, add one.
	f := filepath.Join(dir, "410581-linzhou.yaml")
	b, _ := os.ReadFile(f)
	s := strings.Replace(string(b), "name: 林州市\n", "name: 林州市（更名）\n", 1)
	s = strings.Replace(s, "  - {code: HQQ, name: 红旗渠灌区管理局, type: other, sort: 210}\n", "  - {code: TYJ, name: 体育局, type: bureau, sort: 220}\n", 1)
	if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err = svc.Apply(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	out := rep.String()
	for _, want := range []string{"410581 林州市（更名）: updated", "department added: TYJ", "drift: department HQQ 红旗渠灌区管理局 exists in the database but not in the manifest (kept)"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	t581, _ := env.App.Tenants.ByCode(ctx, "410581")
	if t581.Name != "林州市（更名）" {
		t.Fatalf("name not updated: %s", t581.Name)
	}
	// And once more: converged (drift is reported again, but nothing changes).
	rep, _ = svc.Apply(ctx, dir)
	if rep.Changed() {
		t.Fatalf("not converged:\n%s", rep)
	}
}

func TestManifestErrorsNameTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("code: \"410599\"\nnmae: typo\n"), 0o644)
	if _, err := tenancy.LoadManifests(dir); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Fatalf("unknown key must be an error naming the file: %v", err)
	}
	env := apitest.New(t, apitest.Options{NoDemo: true})
	_ = os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("code: \"410601\"\nname: 外市\nlevel: county\nparent: \"410500\"\n"), 0o644)
	if _, err := env.App.Tenancy.Apply(context.Background(), dir); err == nil {
		t.Fatal("a county without its city must fail")
	}
}
