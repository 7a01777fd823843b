package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sunshine/pkg/platform/config"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The city level runs api, worker and exactly one scheduler (one replica, Recreate), and
// owns the schema: its migration Job is a pre-install/pre-upgrade hook.
func TestCityLevel(t *testing.T) {
	m := render(t, cityRelease)

	sched := m.component("scheduler")
	if len(sched) != 1 {
		t.Fatalf("city level: %d scheduler Deployments, want exactly 1", len(sched))
	}
	s := sched[0]
	if s.Spec.Replicas == nil || *s.Spec.Replicas != 1 {
		t.Errorf("scheduler replicas = %v, want exactly 1", s.Spec.Replicas)
	}
	if s.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("scheduler strategy = %q, want Recreate (never two during a rollout)", s.Spec.Strategy.Type)
	}
	if got := roleArgs(t, m, "scheduler"); !slices.Equal(got, []string{"scheduler"}) {
		t.Errorf("scheduler args = %v", got)
	}
	if n := countRole(m, "scheduler"); n != 1 {
		t.Errorf("%d containers run `sunshine scheduler`, want 1", n)
	}
	for _, role := range []string{"api", "worker"} {
		if len(m.component(role)) != 1 {
			t.Errorf("city level: %d %s Deployments, want 1", len(m.component(role)), role)
		}
	}

	env := m.effectiveEnv(t, m.component("worker")[0].Spec.Template.Spec.Containers[0])
	if env["SUNSHINE_DEPLOYMENT_LEVEL"] != "city" {
		t.Errorf("SUNSHINE_DEPLOYMENT_LEVEL = %q, want city", env["SUNSHINE_DEPLOYMENT_LEVEL"])
	}
	if env["SUNSHINE_MODE"] != "production" || env["SUNSHINE_HTTP_ADDR"] != "0.0.0.0:8080" {
		t.Errorf("mode/addr = %q/%q", env["SUNSHINE_MODE"], env["SUNSHINE_HTTP_ADDR"])
	}

	// The migration Job.
	if len(m.Jobs) != 1 {
		t.Fatalf("city level: %d Jobs, want the migration Job", len(m.Jobs))
	}
	job := m.Jobs[0]
	checkHook(t, job.Annotations)
	pod := job.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("migration pod restartPolicy = %q", pod.RestartPolicy)
	}
	all := append(slices.Clone(pod.InitContainers), pod.Containers...)
	if len(all) == 0 || !slices.Equal(all[0].Args, []string{"migrate", "up"}) {
		t.Fatalf("the Job's first container must run `migrate up`: %+v", all)
	}
	jenv := m.effectiveEnv(t, all[0])
	if !strings.HasPrefix(jenv["DATABASE_URL"], "secret:") {
		t.Errorf("migrate gets DATABASE_URL %q, want it from a Secret", jenv["DATABASE_URL"])
	}
	if jenv["SUNSHINE_DEPLOYMENT_LEVEL"] != "city" || jenv["SUNSHINE_MODE"] != "production" {
		t.Errorf("migrate env lacks the settings (inline: the ConfigMap does not exist yet at pre-install): %v", jenv)
	}
	for _, c := range all {
		if len(c.EnvFrom) > 0 {
			t.Errorf("Job container %s uses envFrom; a pre-install hook runs before the ConfigMap exists", c.Name)
		}
	}
	if pod.ServiceAccountName != "" {
		t.Errorf("Job uses ServiceAccount %q, which does not exist yet at pre-install", pod.ServiceAccountName)
	}
	// values-city applies tenant manifests, but the chart ships none: migrate only.
	if files, _ := filepath.Glob(filepath.Join(chartDir, "tenants", "*.yaml")); len(files) == 0 && len(all) != 1 {
		t.Errorf("no manifests to apply, yet the Job runs %d containers", len(all))
	}

	// Autoscaling owns the replica count; HPA and PDB cover api and worker.
	for _, role := range []string{"api", "worker"} {
		d := m.component(role)[0]
		if d.Spec.Replicas != nil {
			t.Errorf("%s: replicas %d set although an HPA scales it", role, *d.Spec.Replicas)
		}
		if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
			t.Errorf("%s strategy = %q", role, d.Spec.Strategy.Type)
		}
	}
	checkScalers(t, m, []string{"api", "worker"})
	checkServiceAndIngress(t, m)
}

// A county level serves only its tenants: no scheduler, no migrations, and its worker
// serves its tenants' own queues.
func TestCountyLevel(t *testing.T) {
	m := render(t, countyRelease)
	if n := len(m.component("scheduler")); n != 0 {
		t.Fatalf("county level renders %d scheduler Deployments, want none", n)
	}
	if n := countRole(m, "scheduler"); n != 0 {
		t.Fatalf("county level: %d containers run `sunshine scheduler`", n)
	}
	if len(m.Jobs) != 0 {
		t.Errorf("county level renders %d Jobs; the city release owns migrations", len(m.Jobs))
	}
	workers := m.component("worker")
	if len(workers) != 1 || len(workers[0].Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("county level: want one worker Deployment with one container, got %d", len(workers))
	}
	w := workers[0].Spec.Template.Spec.Containers[0]
	if !slices.Equal(w.Args, []string{"worker"}) {
		t.Errorf("worker args = %v", w.Args)
	}
	env := m.effectiveEnv(t, w)
	want := map[string]string{
		"SUNSHINE_DEPLOYMENT_LEVEL":       "county",
		"SUNSHINE_DEPLOYMENT_TENANTS":     "410581",
		"SUNSHINE_JOBS_PER_TENANT_QUEUES": "true",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("county worker %s = %q, want %q", k, env[k], v)
		}
	}
	// The api enqueues into the same per-tenant queues.
	api := m.effectiveEnv(t, m.component("api")[0].Spec.Template.Spec.Containers[0])
	for k, v := range want {
		if api[k] != v {
			t.Errorf("county api %s = %q, want %q", k, api[k], v)
		}
	}
	if d := m.component("api")[0]; d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("county api replicas = %v, want 2 (no autoscaling)", d.Spec.Replicas)
	}
	checkScalers(t, m, nil)
	checkServiceAndIngress(t, m)

	// Several tenants in one county release: all of them, in order, and nothing else.
	multi := countyRelease
	multi.Set = map[string]any{"deployment": map[string]any{"tenants": []any{"410581", "410522"}}}
	mm := render(t, multi)
	if got := mm.effectiveEnv(t, mm.component("worker")[0].Spec.Template.Spec.Containers[0])["SUNSHINE_DEPLOYMENT_TENANTS"]; got != "410581,410522" {
		t.Errorf("two tenants: SUNSHINE_DEPLOYMENT_TENANTS = %q", got)
	}
}

// Every pod and container of every rendering follows the security rules, has
// resources, and the api has its probes.
func TestSecurityContextResourcesProbes(t *testing.T) {
	for _, r := range allReleases() {
		t.Run(r.label, func(t *testing.T) {
			m := render(t, r.release)
			specs := m.podSpecs()
			if len(specs) == 0 {
				t.Fatal("no pods rendered")
			}
			for where, pod := range specs {
				checkPod(t, where, pod)
			}
			for _, d := range m.component("api") {
				c := d.Spec.Template.Spec.Containers[0]
				checkProbe(t, "liveness", c.LivenessProbe, "/healthz")
				checkProbe(t, "readiness", c.ReadinessProbe, "/readyz")
				if len(c.Ports) != 2 || c.Ports[0].ContainerPort != 8080 || c.Ports[0].Name != "http" ||
					c.Ports[1].ContainerPort != 9090 || c.Ports[1].Name != "metrics" {
					t.Errorf("api ports = %+v, want http 8080 and metrics 9090", c.Ports)
				}
			}
			// Every role serves its metrics on the metrics port, none on the public one.
			for _, d := range m.Deployments {
				c := d.Spec.Template.Spec.Containers[0]
				if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "metrics" && p.ContainerPort == 9090 }) {
					t.Errorf("%s: no metrics port 9090 in %+v", d.Name, c.Ports)
				}
				if got := m.effectiveEnv(t, c)["SUNSHINE_METRICS_ADDR"]; got != "0.0.0.0:9090" {
					t.Errorf("%s: SUNSHINE_METRICS_ADDR = %q, want 0.0.0.0:9090", d.Name, got)
				}
				if got := m.effectiveEnv(t, c)["SUNSHINE_METRICS_PUBLIC"]; got == "true" {
					t.Errorf("%s: /metrics on the public port", d.Name)
				}
			}
			for _, sa := range m.ServiceAccounts {
				if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
					t.Errorf("ServiceAccount %s mounts its token", sa.Name)
				}
			}
		})
	}
}

// Secrets never appear in ConfigMaps: settings named like secrets are absent, values
// carry no credentials, and every secret env var is a Secret reference.
func TestNoSecretsInConfigMaps(t *testing.T) {
	credentialsInURL := regexp.MustCompile(`://[^/@\s:]*:[^/@\s]+@`)
	for _, r := range allReleases() {
		t.Run(r.label, func(t *testing.T) {
			m := render(t, r.release)
			for _, cm := range m.ConfigMaps {
				for k, v := range cm.Data {
					if isSecretName(k) {
						t.Errorf("ConfigMap %s holds the secret setting %s", cm.Name, k)
					}
					if credentialsInURL.MatchString(v) {
						t.Errorf("ConfigMap %s: %s holds credentials", cm.Name, k)
					}
				}
				if len(cm.BinaryData) > 0 {
					t.Errorf("ConfigMap %s has binary data", cm.Name)
				}
			}
			for where, pod := range m.podSpecs() {
				for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
					for _, e := range c.Env {
						if isSecretName(e.Name) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
							t.Errorf("%s/%s: %s is not read from a Secret", where, c.Name, e.Name)
						}
						if credentialsInURL.MatchString(e.Value) {
							t.Errorf("%s/%s: %s holds credentials", where, c.Name, e.Name)
						}
					}
					env := m.effectiveEnv(t, c)
					if !strings.HasPrefix(env["REDIS_URL"], "secret:") {
						t.Errorf("%s/%s: REDIS_URL = %q, want a Secret reference", where, c.Name, env["REDIS_URL"])
					}
				}
			}
		})
	}
}

// Changing a setting changes the pods' config checksum (so they roll); rendering the
// same values twice does not.
func TestConfigChecksumRollsPods(t *testing.T) {
	checksums := func(r release) map[string]string {
		out := map[string]string{}
		for _, d := range render(t, r).Deployments {
			sum := d.Spec.Template.Annotations["checksum/config"]
			if len(sum) != 64 {
				t.Fatalf("%s: checksum/config = %q", d.Name, sum)
			}
			out[d.Name] = sum
		}
		return out
	}
	base := checksums(cityRelease)
	again := checksums(cityRelease)
	changed := cityRelease
	changed.Set = map[string]any{"log": map[string]any{"level": "debug"}}
	after := checksums(changed)
	for name, sum := range base {
		if again[name] != sum {
			t.Errorf("%s: checksum differs between two identical renders", name)
		}
		if after[name] == sum {
			t.Errorf("%s: checksum unchanged after a config change; pods would not roll", name)
		}
	}
}

// The tenant manifests reach the migration Job from each source.
func TestTenantManifests(t *testing.T) {
	t.Run("inline", func(t *testing.T) {
		m := render(t, fullRelease)
		cm, ok := m.configMap("sunshine-city-tenants")
		if !ok {
			t.Fatal("no tenants ConfigMap")
		}
		if !strings.Contains(cm.Data["410500.yaml"], `code: "410500"`) {
			t.Errorf("tenants ConfigMap data = %v", cm.Data)
		}
		checkHook(t, cm.Annotations)
		cmWeight, _ := strconv.Atoi(cm.Annotations["helm.sh/hook-weight"])
		jobWeight, _ := strconv.Atoi(m.Jobs[0].Annotations["helm.sh/hook-weight"])
		if cmWeight >= jobWeight {
			t.Errorf("tenants ConfigMap hook weight %d must be below the Job's %d", cmWeight, jobWeight)
		}
		checkTenantsJob(t, m.Jobs[0], "/tenants", "sunshine-city-tenants")
	})
	t.Run("chart files", func(t *testing.T) {
		// The repository's manifests copied into the chart's tenants/ directory.
		ch, err := loader.Load(chartDir)
		if err != nil {
			t.Fatal(err)
		}
		paths, _ := filepath.Glob("../tenants/*.yaml")
		if len(paths) == 0 {
			t.Skip("the repository has no tenant manifests yet")
		}
		size := 0
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			size += len(data)
			ch.Files = append(ch.Files, &chart.File{Name: "tenants/" + filepath.Base(p), Data: data})
		}
		m := renderWith(t, ch, cityRelease)
		cm, ok := m.configMap("sunshine-city-tenants")
		if !ok {
			t.Fatal("no tenants ConfigMap")
		}
		if len(cm.Data) != len(paths) {
			t.Errorf("tenants ConfigMap has %d manifests, want %d", len(cm.Data), len(paths))
		}
		if size > 900*1024 {
			t.Errorf("the manifests total %d bytes; a ConfigMap holds at most 1 MiB: use tenants.source=image or existingConfigMap", size)
		}
		checkTenantsJob(t, m.Jobs[0], "/tenants", "sunshine-city-tenants")
	})
	t.Run("existingConfigMap", func(t *testing.T) {
		r := cityRelease
		r.Set = map[string]any{"tenants": map[string]any{"source": "existingConfigMap", "existingConfigMap": "anyang-tenants"}}
		m := render(t, r)
		if _, ok := m.configMap("sunshine-city-tenants"); ok {
			t.Error("the chart renders its own tenants ConfigMap although an existing one is named")
		}
		checkTenantsJob(t, m.Jobs[0], "/tenants", "anyang-tenants")
	})
	t.Run("image", func(t *testing.T) {
		r := cityRelease
		r.Set = map[string]any{"tenants": map[string]any{"source": "image"}}
		m := render(t, r)
		checkTenantsJob(t, m.Jobs[0], "/etc/sunshine/tenants", "")
	})
}

// The NetworkPolicies admit only the ingress controller and Prometheus to the api's HTTP
// port, nothing to other pods, and let pods reach only DNS, PostgreSQL, Redis and SMTP.
func TestNetworkPolicy(t *testing.T) {
	m := render(t, fullRelease)
	if len(m.NetworkPolicies) != 2 {
		t.Fatalf("%d NetworkPolicies, want 2", len(m.NetworkPolicies))
	}
	allowedEgress := map[int32]bool{53: true, 5432: true, 6379: true, 26379: true, 465: true, 587: true}
	for _, np := range m.NetworkPolicies {
		sel, err := metav1LabelSelector(np.Spec.PodSelector.MatchLabels)
		if err != nil {
			t.Fatal(err)
		}
		isAPI := np.Spec.PodSelector.MatchLabels["app.kubernetes.io/component"] == "api"
		for _, d := range m.Deployments {
			if !isAPI && !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				t.Errorf("%s does not select %s", np.Name, d.Name)
			}
		}
		if isAPI {
			if len(np.Spec.Ingress) != 1 {
				t.Errorf("%s: %d ingress rules, want the ingress controller's only", np.Name, len(np.Spec.Ingress))
			}
			for _, rule := range np.Spec.Ingress {
				if len(rule.From) == 0 || len(rule.Ports) != 1 || rule.Ports[0].Port.String() != "http" {
					t.Errorf("%s: ingress rule %+v is wider than the HTTP port from named peers", np.Name, rule)
				}
			}
			continue
		}
		if !slices.Contains(np.Spec.PolicyTypes, "Ingress") || !slices.Contains(np.Spec.PolicyTypes, "Egress") {
			t.Errorf("%s: want ingress and egress restricted, got %+v", np.Name, np.Spec)
		}
		// The only way in: Prometheus, to the metrics port.
		if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) == 0 || len(np.Spec.Ingress[0].Ports) != 1 ||
			np.Spec.Ingress[0].Ports[0].Port.String() != "metrics" {
			t.Errorf("%s: ingress %+v, want only Prometheus to the metrics port", np.Name, np.Spec.Ingress)
		}
		for _, rule := range np.Spec.Egress {
			if len(rule.Ports) == 0 {
				t.Errorf("%s: an egress rule allows every port: %+v", np.Name, rule)
			}
			for _, p := range rule.Ports {
				if !allowedEgress[p.Port.IntVal] {
					t.Errorf("%s: egress to port %s", np.Name, p.Port.String())
				}
			}
		}
	}
	if len(m.ServiceMonitors) != 1 || m.ServiceMonitors[0].Spec.Endpoints[0].Path != "/metrics" ||
		m.ServiceMonitors[0].Spec.Endpoints[0].Port != "metrics" {
		t.Fatalf("ServiceMonitors = %+v, want /metrics on the metrics port", m.ServiceMonitors)
	}
	// The ServiceMonitor selects the metrics Service only (never the public one), and
	// that Service lists every pod of the release on its metrics port.
	sm := m.ServiceMonitors[0]
	smSel, _ := metav1LabelSelector(sm.Spec.Selector.MatchLabels)
	var selected []corev1.Service
	for _, svc := range m.Services {
		if smSel.Matches(labels.Set(svc.Labels)) {
			selected = append(selected, svc)
		}
	}
	if len(selected) != 1 || selected[0].Name != "sunshine-city-metrics" {
		t.Fatalf("the ServiceMonitor selects %d Services, want sunshine-city-metrics", len(selected))
	}
	ms := selected[0]
	if len(ms.Spec.Ports) != 1 || ms.Spec.Ports[0].Name != "metrics" || ms.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("metrics Service ports = %+v", ms.Spec.Ports)
	}
	for _, d := range m.Deployments {
		if !labels.SelectorFromSet(ms.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("the metrics Service does not list %s", d.Name)
		}
	}
}

// The schema (or, for what JSON Schema cannot say, a template guard) rejects every file
// of ci/bad, for the reason the file names.
func TestBadValuesRejected(t *testing.T) {
	ch := loadChart(t)
	for _, b := range readBadValues(t) {
		t.Run(b.Name, func(t *testing.T) {
			r := release{Name: "bad", Namespace: "bad", Files: []string{b.Base, filepath.Join("ci", "bad", b.Name+".yaml")}}
			_, err := renderRaw(t, r)
			if err == nil {
				t.Fatalf("rendered without error; want a rejection mentioning %q", b.Expect)
			}
			if !strings.Contains(err.Error(), b.Expect) {
				t.Errorf("rejected, but the error does not mention %q:\n%v", b.Expect, err)
			}
			vals, cerr := chartutil.CoalesceValues(ch, r.values(t))
			if cerr != nil {
				t.Fatal(cerr)
			}
			serr := chartutil.ValidateAgainstSchema(ch, vals)
			if b.TemplateOnly && serr != nil {
				t.Errorf("marked 'rejected-by: template' but the schema rejects it too: %v", serr)
			}
			if !b.TemplateOnly && serr == nil {
				t.Errorf("the schema accepts it (only a template guard caught it)")
			}
		})
	}
	// And the good files pass the schema on their own.
	for _, r := range allReleases() {
		if _, err := renderRaw(t, r.release); err != nil {
			t.Errorf("%s: %v", r.label, err)
		}
	}
}

// `helm lint --strict` in-process: no warning or error for either level.
func TestLint(t *testing.T) {
	for _, r := range allReleases() {
		t.Run(r.label, func(t *testing.T) {
			kv := kubeVersion
			linter := lint.AllWithKubeVersion(chartDir, r.release.values(t), r.release.Namespace, &kv)
			for _, msg := range linter.Messages {
				if msg.Severity >= support.WarningSev {
					t.Errorf("lint: %s", msg)
				}
			}
		})
	}
}

// NOTES.txt renders and tells the operator the level.
func TestNotes(t *testing.T) {
	if n := render(t, cityRelease).Notes; !strings.Contains(n, "city level") || !strings.Contains(n, "scheduler ×1") {
		t.Errorf("city NOTES:\n%s", n)
	}
	if n := render(t, countyRelease).Notes; !strings.Contains(n, "county level") || !strings.Contains(n, "410581") {
		t.Errorf("county NOTES:\n%s", n)
	}
}

// What the chart sets is what the application understands: every container's environment
// (Secrets replaced by sample values) passes the application's own configuration check,
// and names no setting the application does not know.
func TestRenderedEnvPassesAppConfig(t *testing.T) {
	known := map[string]bool{"DATABASE_URL": true, "REDIS_URL": true}
	for _, name := range regexp.MustCompile(`SUNSHINE_[A-Z0-9_]+`).FindAllString(string(config.DefaultsYAML), -1) {
		known[name] = true
	}
	samples := map[string]string{
		"DATABASE_URL":                   "postgres://sunshine_migrator:sample@db.example:5432/sunshine?sslmode=require",
		"SUNSHINE_DATABASE_APP_URL":      "postgres://sunshine_app_login:sample@db.example:5432/sunshine?sslmode=require",
		"SUNSHINE_DATABASE_APP_PASSWORD": "sample",
		"REDIS_URL":                      "redis://:sample@redis.example:6379/0",
		"SUNSHINE_NOTIFY_SMTP_PASSWORD":  "sample",
		"AWS_ACCESS_KEY_ID":              "sample",
		"AWS_SECRET_ACCESS_KEY":          "sample",
	}
	for _, r := range allReleases() {
		t.Run(r.label, func(t *testing.T) {
			m := render(t, r.release)
			for where, pod := range m.podSpecs() {
				for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
					env := m.effectiveEnv(t, c)
					for name, v := range env {
						if strings.HasPrefix(v, "secret:") {
							sample, ok := samples[name]
							if !ok {
								t.Errorf("%s/%s: no sample for the Secret-backed %s", where, c.Name, name)
							}
							env[name] = sample
						}
						if (strings.HasPrefix(name, "SUNSHINE_") || strings.HasSuffix(name, "_URL")) && !known[name] {
							t.Errorf("%s/%s: %s is not a setting of the application (see `sunshine config defaults`)", where, c.Name, name)
						}
					}
					cfg, err := config.Load(config.MapLookup(env), nil)
					if err != nil {
						t.Errorf("%s/%s: the application refuses this environment: %v", where, c.Name, err)
						continue
					}
					if cfg.Mode != "production" || cfg.HTTP.Addr != "0.0.0.0:8080" {
						t.Errorf("%s/%s: mode %q, addr %q", where, c.Name, cfg.Mode, cfg.HTTP.Addr)
					}
					level := "city"
					if d, ok := r.release.values(t)["deployment"].(map[string]any); ok && d["level"] != nil {
						level = d["level"].(string)
					}
					if cfg.Deployment.Level != level {
						t.Errorf("%s/%s: level %q, want %q", where, c.Name, cfg.Deployment.Level, level)
					}
				}
			}
		})
	}
}

// --- helpers -------------------------------------------------------------------------

type labelled struct {
	label   string
	release release
}

func allReleases() []labelled {
	defaults := release{Name: "sunshine", Namespace: "sunshine"}
	return []labelled{{"city", cityRelease}, {"county", countyRelease}, {"city-full", fullRelease}, {"defaults", defaults}}
}

func roleArgs(t *testing.T, m *manifests, role string) []string {
	t.Helper()
	d := m.component(role)
	if len(d) == 0 || len(d[0].Spec.Template.Spec.Containers) == 0 {
		t.Fatalf("no %s Deployment", role)
	}
	return d[0].Spec.Template.Spec.Containers[0].Args
}

// countRole counts containers anywhere in the release that run `sunshine ROLE`.
func countRole(m *manifests, role string) int {
	n := 0
	for _, pod := range m.podSpecs() {
		for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
			if len(c.Args) > 0 && c.Args[0] == role {
				n++
			}
		}
	}
	return n
}

func checkHook(t *testing.T, ann map[string]string) {
	t.Helper()
	hooks := strings.Split(ann["helm.sh/hook"], ",")
	if !slices.Contains(hooks, "pre-install") || !slices.Contains(hooks, "pre-upgrade") {
		t.Errorf("helm.sh/hook = %q, want pre-install,pre-upgrade", ann["helm.sh/hook"])
	}
	if _, err := strconv.Atoi(ann["helm.sh/hook-weight"]); err != nil {
		t.Errorf("helm.sh/hook-weight = %q: %v", ann["helm.sh/hook-weight"], err)
	}
	if !slices.Contains(strings.Split(ann["helm.sh/hook-delete-policy"], ","), "before-hook-creation") {
		t.Errorf("helm.sh/hook-delete-policy = %q, want before-hook-creation", ann["helm.sh/hook-delete-policy"])
	}
}

func checkTenantsJob(t *testing.T, job batchv1.Job, dir, configMap string) {
	t.Helper()
	pod := job.Spec.Template.Spec
	if len(pod.InitContainers) != 1 || !slices.Equal(pod.InitContainers[0].Args, []string{"migrate", "up"}) {
		t.Fatalf("the Job must migrate first (init container): %+v", pod.InitContainers)
	}
	if len(pod.Containers) != 1 || !slices.Equal(pod.Containers[0].Args, []string{"tenants", "apply", dir}) {
		t.Fatalf("then `tenants apply %s`: %+v", dir, pod.Containers)
	}
	var mounted string
	for _, vm := range pod.Containers[0].VolumeMounts {
		if vm.MountPath == dir {
			for _, v := range pod.Volumes {
				if v.Name == vm.Name && v.ConfigMap != nil {
					mounted = v.ConfigMap.Name
				}
			}
		}
	}
	if mounted != configMap {
		t.Errorf("ConfigMap mounted at %s = %q, want %q", dir, mounted, configMap)
	}
}

func checkScalers(t *testing.T, m *manifests, hpaRoles []string) {
	t.Helper()
	byName := map[string]appsv1.Deployment{}
	for _, d := range m.Deployments {
		byName[d.Name] = d
	}
	var scaled []string
	for _, h := range m.HPAs {
		d, ok := byName[h.Spec.ScaleTargetRef.Name]
		if !ok || h.Spec.ScaleTargetRef.Kind != "Deployment" {
			t.Errorf("HPA %s targets %+v, not a Deployment of the release", h.Name, h.Spec.ScaleTargetRef)
			continue
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			t.Errorf("HPA %s bounds %v..%d", h.Name, h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
		scaled = append(scaled, d.Labels["app.kubernetes.io/component"])
	}
	slices.Sort(scaled)
	if !slices.Equal(scaled, hpaRoles) {
		t.Errorf("HPAs scale %v, want %v", scaled, hpaRoles)
	}
	var budgeted []string
	for _, p := range m.PDBs {
		sel, err := metav1LabelSelector(p.Spec.Selector.MatchLabels)
		if err != nil {
			t.Fatal(err)
		}
		matched := 0
		for _, d := range m.Deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				matched++
				budgeted = append(budgeted, d.Labels["app.kubernetes.io/component"])
			}
		}
		if matched != 1 {
			t.Errorf("PDB %s selects %d Deployments, want 1", p.Name, matched)
		}
		if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
			t.Errorf("PDB %s: set exactly one of minAvailable and maxUnavailable", p.Name)
		}
	}
	slices.Sort(budgeted)
	if !slices.Equal(budgeted, []string{"api", "worker"}) {
		t.Errorf("PDBs cover %v, want api and worker", budgeted)
	}
}

func checkServiceAndIngress(t *testing.T, m *manifests) {
	t.Helper()
	var svc corev1.Service
	for _, s := range m.Services {
		switch {
		case !strings.HasSuffix(s.Name, "-metrics"):
			if svc.Name != "" {
				t.Fatalf("two public Services: %s and %s", svc.Name, s.Name)
			}
			svc = s
		case len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Name != "metrics":
			t.Errorf("Service %s exposes %+v", s.Name, s.Spec.Ports)
		}
	}
	api := m.component("api")[0]
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(api.Spec.Template.Labels)) {
		t.Errorf("Service selector %v does not select the api pods", svc.Spec.Selector)
	}
	for _, d := range m.Deployments {
		if d.Name != api.Name && labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("Service also selects %s", d.Name)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("Service ports = %+v", svc.Spec.Ports)
	}
	for _, ing := range m.Ingresses {
		if len(ing.Spec.TLS) == 0 {
			t.Errorf("Ingress %s without TLS", ing.Name)
		}
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				if p.Backend.Service == nil || p.Backend.Service.Name != svc.Name || p.Backend.Service.Port.Name != "http" {
					t.Errorf("Ingress %s path %s does not route to the Service's http port", ing.Name, p.Path)
				}
			}
		}
	}
}

func checkPod(t *testing.T, where string, pod corev1.PodSpec) {
	t.Helper()
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("%s: pod securityContext.runAsNonRoot is not true", where)
	}
	if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
		t.Errorf("%s: pod runs as root", where)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod seccompProfile is not RuntimeDefault", where)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the ServiceAccount token is mounted", where)
	}
	if pod.EnableServiceLinks == nil || *pod.EnableServiceLinks {
		t.Errorf("%s: service links are on (they inject SUNSHINE_* variables the app would warn about)", where)
	}
	tmpVolumes := map[string]bool{}
	for _, v := range pod.Volumes {
		if v.EmptyDir != nil {
			tmpVolumes[v.Name] = true
		}
		if v.HostPath != nil {
			t.Errorf("%s: hostPath volume %s", where, v.Name)
		}
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Errorf("%s: shares a host namespace", where)
	}
	containers := append(slices.Clone(pod.InitContainers), pod.Containers...)
	if len(containers) == 0 {
		t.Errorf("%s: no containers", where)
	}
	for _, c := range containers {
		at := where + "/" + c.Name
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("%s: no container securityContext", at)
			continue
		}
		nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (sc.RunAsNonRoot == nil && psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
		if !nonRoot || (sc.RunAsUser != nil && *sc.RunAsUser == 0) {
			t.Errorf("%s: may run as root", at)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: root filesystem is writable", at)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: privilege escalation is allowed", at)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s: privileged", at)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s: capabilities = %+v, want drop ALL and add none", at, sc.Capabilities)
		}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := c.Resources.Requests[res]; !ok || q.Cmp(resource.Quantity{}) <= 0 {
				t.Errorf("%s: no %s request", at, res)
			}
		}
		if q, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok || q.Cmp(c.Resources.Requests[corev1.ResourceMemory]) < 0 {
			t.Errorf("%s: memory limit missing or below the request", at)
		}
		hasTmp := false
		for _, vm := range c.VolumeMounts {
			if vm.MountPath == "/tmp" && tmpVolumes[vm.Name] {
				hasTmp = true
			}
		}
		if !hasTmp {
			t.Errorf("%s: no emptyDir at /tmp (the root filesystem is read-only)", at)
		}
		if strings.HasSuffix(c.Image, ":latest") || !strings.ContainsAny(c.Image, ":@") {
			t.Errorf("%s: image %q is not pinned", at, c.Image)
		}
	}
}

func checkProbe(t *testing.T, kind string, p *corev1.Probe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("api has no HTTP %s probe", kind)
		return
	}
	if p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "http" {
		t.Errorf("api %s probe = %s on %s, want %s on http", kind, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
	}
}

var secretNames = regexp.MustCompile(`(^|_)(PASSWORD|SECRET|TOKEN)($|_)|^(SUNSHINE_)?(DATABASE_URL|REDIS_URL|DATABASE_APP_URL)$|^SUNSHINE_REDIS_URL$`)

func metav1LabelSelector(matchLabels map[string]string) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchLabels: matchLabels})
}

func isSecretName(name string) bool { return secretNames.MatchString(name) }
