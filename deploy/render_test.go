package deploy

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// chartDir is the chart under test, relative to this package.
const chartDir = "../charts/sunshine"

// kubeVersion is the cluster version the chart is rendered for (helm's own default is
// stamped at build time; the SDK's is 1.20, older than the chart's kubeVersion).
var kubeVersion = chartutil.KubeVersion{Version: "v1.33.0", Major: "1", Minor: "33"}

var (
	loadOnce  sync.Once
	theChart  *chart.Chart
	loadError error
)

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	loadOnce.Do(func() { theChart, loadError = loader.Load(chartDir) })
	if loadError != nil {
		t.Fatalf("load %s: %v", chartDir, loadError)
	}
	return theChart
}

// release names a rendering: the release, its namespace and its values.
type release struct {
	Name, Namespace string
	Files           []string       // values files relative to the chart, applied in order (like -f)
	Set             map[string]any // applied last (like --set, but structured)
}

var (
	cityRelease   = release{Name: "sunshine-city", Namespace: "sunshine-city", Files: []string{"values-city.yaml"}}
	countyRelease = release{Name: "sunshine-410581", Namespace: "sunshine-410581", Files: []string{"values-county.yaml"}}
	fullRelease   = release{Name: "sunshine-city", Namespace: "sunshine-city", Files: []string{"values-city.yaml", "ci/city-full-values.yaml"}}
)

// values merges the release's values files and overrides the way `helm -f … -f …` does.
func (r release) values(t *testing.T) map[string]any {
	t.Helper()
	vals := map[string]any{}
	for _, f := range r.Files {
		v, err := chartutil.ReadValuesFile(filepath.Join(chartDir, f))
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		vals = mergeMaps(vals, v)
	}
	return mergeMaps(vals, r.Set)
}

// mergeMaps is helm's own merge of -f files (pkg/cli/values): maps merge deeply, anything
// else replaces.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]any); ok {
			if bv, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(bv, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// renderRaw renders the chart as `helm template` does, schema validation included, in
// strict mode (a reference to a value that does not exist is an error).
func renderRaw(t *testing.T, r release) (map[string]string, error) {
	t.Helper()
	return renderChart(t, loadChart(t), r)
}

func renderChart(t *testing.T, ch *chart.Chart, r release) (map[string]string, error) {
	t.Helper()
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = kubeVersion
	caps.APIVersions = append(caps.APIVersions, "monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor")
	top, err := chartutil.ToRenderValues(ch, r.values(t), chartutil.ReleaseOptions{
		Name: r.Name, Namespace: r.Namespace, Revision: 1, IsInstall: true,
	}, caps)
	if err != nil {
		return nil, err
	}
	return engine.Engine{Strict: true}.Render(ch, top)
}

// manifests is a rendered release decoded into Kubernetes objects.
type manifests struct {
	Notes           string
	Deployments     []appsv1.Deployment
	Jobs            []batchv1.Job
	ConfigMaps      []corev1.ConfigMap
	Services        []corev1.Service
	ServiceAccounts []corev1.ServiceAccount
	Ingresses       []networkingv1.Ingress
	NetworkPolicies []networkingv1.NetworkPolicy
	HPAs            []autoscalingv2.HorizontalPodAutoscaler
	PDBs            []policyv1.PodDisruptionBudget
	ServiceMonitors []serviceMonitor
	count           int
}

// serviceMonitor is the part of the Prometheus Operator's ServiceMonitor the chart uses
// (decoded strictly, so a misspelt field fails).
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Interval      string `json:"interval"`
			ScrapeTimeout string `json:"scrapeTimeout"`
		} `json:"endpoints"`
	} `json:"spec"`
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// render renders r and decodes every document strictly (unknown or duplicate fields
// fail) into the Kubernetes type of its kind; an unexpected kind fails the test.
func render(t *testing.T, r release) *manifests {
	t.Helper()
	return renderWith(t, loadChart(t), r)
}

func renderWith(t *testing.T, ch *chart.Chart, r release) *manifests {
	t.Helper()
	out, err := renderChart(t, ch, r)
	if err != nil {
		t.Fatalf("render %s %v: %v", r.Name, r.Files, err)
	}
	m := &manifests{}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			m.Notes = out[name]
			continue
		}
		for i, doc := range docSeparator.Split(out[name], -1) {
			if isBlankYAML(doc) {
				continue
			}
			if err := m.decode(doc); err != nil {
				t.Fatalf("%s document %d: %v\n%s", name, i, err, doc)
			}
		}
	}
	return m
}

func isBlankYAML(doc string) bool {
	sc := bufio.NewScanner(strings.NewReader(doc))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

func (m *manifests) decode(doc string) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
		return err
	}
	var (
		obj  any
		meta *metav1.ObjectMeta
	)
	strict := func(into any) error { return yaml.UnmarshalStrict([]byte(doc), into) }
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		var o appsv1.Deployment
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.Deployments = append(m.Deployments, o) }()
	case "batch/v1 Job":
		var o batchv1.Job
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.Jobs = append(m.Jobs, o) }()
	case "v1 ConfigMap":
		var o corev1.ConfigMap
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.ConfigMaps = append(m.ConfigMaps, o) }()
	case "v1 Service":
		var o corev1.Service
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.Services = append(m.Services, o) }()
	case "v1 ServiceAccount":
		var o corev1.ServiceAccount
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.ServiceAccounts = append(m.ServiceAccounts, o) }()
	case "networking.k8s.io/v1 Ingress":
		var o networkingv1.Ingress
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.Ingresses = append(m.Ingresses, o) }()
	case "networking.k8s.io/v1 NetworkPolicy":
		var o networkingv1.NetworkPolicy
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.NetworkPolicies = append(m.NetworkPolicies, o) }()
	case "autoscaling/v2 HorizontalPodAutoscaler":
		var o autoscalingv2.HorizontalPodAutoscaler
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.HPAs = append(m.HPAs, o) }()
	case "policy/v1 PodDisruptionBudget":
		var o policyv1.PodDisruptionBudget
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.PDBs = append(m.PDBs, o) }()
	case "monitoring.coreos.com/v1 ServiceMonitor":
		var o serviceMonitor
		obj, meta = &o, &o.ObjectMeta
		defer func() { m.ServiceMonitors = append(m.ServiceMonitors, o) }()
	default:
		return fmt.Errorf("unexpected kind %q %q: add it to the test's decoder", tm.APIVersion, tm.Kind)
	}
	if err := strict(obj); err != nil {
		return fmt.Errorf("decode %s: %w", tm.Kind, err)
	}
	m.count++
	return checkMeta(tm.Kind, meta)
}

// checkMeta applies the API server's rules for names and labels.
func checkMeta(kind string, meta *metav1.ObjectMeta) error {
	if meta.Name == "" {
		return fmt.Errorf("%s without a name", kind)
	}
	if errs := validation.IsDNS1123Subdomain(meta.Name); len(errs) > 0 {
		return fmt.Errorf("%s name %q: %v", kind, meta.Name, errs)
	}
	if kind == "Service" || kind == "Deployment" {
		if errs := validation.IsDNS1123Label(meta.Name); len(errs) > 0 {
			return fmt.Errorf("%s name %q: %v", kind, meta.Name, errs)
		}
	}
	for k, v := range meta.Labels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("%s %s label key %q: %v", kind, meta.Name, k, errs)
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("%s %s label %s=%q: %v", kind, meta.Name, k, v, errs)
		}
	}
	for _, want := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "helm.sh/chart", "app.kubernetes.io/version"} {
		if meta.Labels[want] == "" {
			return fmt.Errorf("%s %s lacks the standard label %s", kind, meta.Name, want)
		}
	}
	return nil
}

// component returns the Deployments of one role (by the app.kubernetes.io/component label).
func (m *manifests) component(role string) []appsv1.Deployment {
	var out []appsv1.Deployment
	for _, d := range m.Deployments {
		if d.Labels["app.kubernetes.io/component"] == role {
			out = append(out, d)
		}
	}
	return out
}

func (m *manifests) configMap(name string) (corev1.ConfigMap, bool) {
	for _, c := range m.ConfigMaps {
		if c.Name == name {
			return c, true
		}
	}
	return corev1.ConfigMap{}, false
}

// podSpecs lists every pod template with where it comes from.
func (m *manifests) podSpecs() map[string]corev1.PodSpec {
	out := map[string]corev1.PodSpec{}
	for _, d := range m.Deployments {
		out["Deployment/"+d.Name] = d.Spec.Template.Spec
	}
	for _, j := range m.Jobs {
		out["Job/"+j.Name] = j.Spec.Template.Spec
	}
	return out
}

// effectiveEnv resolves what a container sees: envFrom ConfigMaps of the release, then
// env (plain values as they are, Secret references as "secret:NAME/KEY").
func (m *manifests) effectiveEnv(t *testing.T, c corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			t.Fatalf("container %s: envFrom other than a ConfigMap: %+v", c.Name, from)
		}
		cm, ok := m.configMap(from.ConfigMapRef.Name)
		if !ok {
			t.Fatalf("container %s: envFrom ConfigMap %q is not part of the release", c.Name, from.ConfigMapRef.Name)
		}
		for k, v := range cm.Data {
			env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = "secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		case e.ValueFrom != nil:
			env[e.Name] = "ref"
		default:
			env[e.Name] = e.Value
		}
	}
	return env
}

// badValues is one file of charts/sunshine/ci/bad: values the chart must refuse.
type badValues struct {
	Path, Name, Base, Expect string
	TemplateOnly             bool // rejected by a template guard, not by the schema
}

func readBadValues(t *testing.T) []badValues {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(chartDir, "ci", "bad", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no bad values files in %s/ci/bad (%v)", chartDir, err)
	}
	var out []badValues
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b := badValues{Path: p, Name: strings.TrimSuffix(filepath.Base(p), ".yaml")}
		for _, line := range strings.Split(string(data), "\n") {
			switch {
			case strings.HasPrefix(line, "# base: "):
				b.Base = strings.TrimPrefix(line, "# base: ")
			case strings.HasPrefix(line, "# expect: "):
				b.Expect = strings.TrimPrefix(line, "# expect: ")
			case strings.HasPrefix(line, "# rejected-by: template"):
				b.TemplateOnly = true
			}
		}
		if b.Base == "" || b.Expect == "" {
			t.Fatalf("%s needs '# base:' and '# expect:' lines", p)
		}
		out = append(out, b)
	}
	return out
}
