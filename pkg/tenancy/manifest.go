package tenancy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"sunshine/pkg/actor"
)

// Manifest is one tenant as declared in tenants/<code>-<name>.yaml.
type Manifest struct {
	File           string `yaml:"-"`
	ProvisionInput `yaml:",inline"`
}

// LoadManifests reads every *.yaml file of dir, strictly (unknown keys are errors
// naming the file), ordered so that cities come before their counties.
func LoadManifests(dir string) ([]Manifest, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	yml, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	files = append(files, yml...)
	if len(files) == 0 {
		return nil, fmt.Errorf("tenants: no *.yaml manifests in %s", dir)
	}
	var out []Manifest
	seen := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m Manifest
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&m); err != nil && err != io.EOF {
			return nil, fmt.Errorf("tenants: %s: %w", f, err)
		}
		m.File = f
		if m.Code == "" {
			return nil, fmt.Errorf("tenants: %s: code is required", f)
		}
		if other, dup := seen[m.Code]; dup {
			return nil, fmt.Errorf("tenants: %s and %s both declare %s", other, f, m.Code)
		}
		seen[m.Code] = f
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ci, cj := out[i].Level == "city", out[j].Level == "city"
		if ci != cj {
			return ci
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// ApplyReport is what `sunshine tenants apply` prints.
type ApplyReport struct {
	Results []ApplyResult `json:"results"`
}

// ApplyResult is the outcome for one manifest.
type ApplyResult struct {
	File   string  `json:"file"`
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	Result *Result `json:"result"`
}

// Changed reports whether applying changed anything.
func (r ApplyReport) Changed() bool {
	for _, x := range r.Results {
		if x.Result.Created || len(x.Result.Changes) > 0 {
			return true
		}
	}
	return false
}

// String renders the report for the terminal.
func (r ApplyReport) String() string {
	var b strings.Builder
	for _, x := range r.Results {
		res := x.Result
		switch {
		case res.Created:
			fmt.Fprintf(&b, "%s %s: created", x.Code, x.Name)
		case len(res.Changes) > 0:
			fmt.Fprintf(&b, "%s %s: updated (%s)", x.Code, x.Name, strings.Join(res.Changes, "; "))
		default:
			fmt.Fprintf(&b, "%s %s: unchanged", x.Code, x.Name)
		}
		if res.AdminPassword != "" {
			fmt.Fprintf(&b, "; administrator %q one-time password: %s (shown once)", res.AdminUsername, res.AdminPassword)
		}
		b.WriteByte('\n')
		for _, d := range res.Drift {
			fmt.Fprintf(&b, "  drift: %s\n", d)
		}
	}
	if !r.Changed() {
		b.WriteString("no changes\n")
	}
	return b.String()
}

// Apply reconciles the database to the manifests in dir: creates what is missing,
// updates what changed, reports drift, never deletes. Applying twice changes nothing
// the second time.
func (s *Service) Apply(ctx context.Context, dir string) (ApplyReport, error) {
	var rep ApplyReport
	ms, err := LoadManifests(dir)
	if err != nil {
		return rep, err
	}
	// Manifests are applied by the platform itself.
	ctx = actor.WithCaller(ctx, actor.NewCaller(actor.Actor{Kind: actor.KindSystem}))
	for _, m := range ms {
		res, err := s.Provision(ctx, m.ProvisionInput, Reconcile)
		if err != nil {
			return rep, fmt.Errorf("tenants: %s (%s): %w", m.File, m.Code, err)
		}
		rep.Results = append(rep.Results, ApplyResult{File: m.File, Code: m.Code, Name: m.Name, Result: res})
	}
	return rep, nil
}
