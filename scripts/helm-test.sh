#!/usr/bin/env bash
# Helm checks of charts/sunshine (run by `make helm-test`, part of `make test`):
#   1. helm lint --strict of each level (values-city.yaml, values-county.yaml) and of the
#      city level with every optional feature on (ci/city-full-values.yaml), against the
#      oldest Kubernetes the chart supports and a current one;
#   2. helm template of the same, with the level rules checked on the output (the city
#      renders exactly one scheduler, a county none);
#   3. every file in ci/bad/ must be REJECTED by helm template, with an error naming the
#      offending value (the file's "# expect:" line), and by helm lint --strict — except
#      files marked "# rejected-by: template" (a template guard, e.g. HPA min > max, which
#      JSON Schema cannot express: lint turns `fail` into an INFO message).
# The deep checks of the rendered objects live in the Go tests (deploy/).
#
# helm itself comes from the Go module proxy: the version pinned in go.mod (a `tool`
# requirement) is compiled once into bin/helm and reused while it matches. HELM=/path/helm
# uses another binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."

CHART=charts/sunshine
HELM=${HELM:-bin/helm}
KUBE_VERSIONS=(${KUBE_VERSIONS:-1.25.0 1.33.0})
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }

# --- helm ------------------------------------------------------------------------------
ensure_helm() {
	if [ "$HELM" != bin/helm ]; then
		echo "helm-test: using $HELM ($("$HELM" version --short))"
		return
	fi
	local want k8s major minor ldflags started
	want=$(go list -m -f '{{.Version}}' helm.sh/helm/v3 2>/dev/null || echo v3.22.0)
	if [ -x bin/helm ] && [ "$(bin/helm version --template '{{.Version}}' 2>/dev/null)" = "$want" ]; then
		echo "helm-test: using bin/helm $want (cached)"
		return
	fi
	# helm's own Makefile stamps the Kubernetes version it was built against (client-go
	# v0.N → 1.N); without it `helm template` assumes Kubernetes 1.20.
	k8s=$(go list -m -f '{{.Version}}' k8s.io/client-go 2>/dev/null || echo v0.37.0)
	major=$(( $(echo "${k8s#v}" | cut -d. -f1) + 1 ))
	minor=$(echo "$k8s" | cut -d. -f2)
	ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$want"
	for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
		ldflags+=" -X $pkg.k8sVersionMajor=$major -X $pkg.k8sVersionMinor=$minor"
	done
	echo "helm-test: building bin/helm $want from the Go module proxy (first build takes a few minutes on 2 cores; cached afterwards)"
	started=$(date +%s)
	mkdir -p bin
	if ! go build -trimpath -ldflags "$ldflags" -o bin/helm.tmp helm.sh/helm/v3/cmd/helm; then
		echo "helm-test: helm is not a tool requirement of go.mod any more; installing $want on its own"
		GOBIN="$PWD/bin/.helm-install" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$want"
		mv bin/.helm-install/helm bin/helm.tmp && rmdir bin/.helm-install
	fi
	mv bin/helm.tmp bin/helm
	echo "helm-test: built bin/helm $(bin/helm version --short) in $(( $(date +%s) - started ))s"
}
ensure_helm

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# --- good values: lint and template --------------------------------------------------
# name|release|namespace|values files (relative to the chart)
cases=(
	"city|sunshine-city|sunshine-city|values-city.yaml"
	"county|sunshine-410581|sunshine-410581|values-county.yaml"
	"city-full|sunshine-city|sunshine-city|values-city.yaml ci/city-full-values.yaml"
	"defaults|sunshine|sunshine|"
)
echo "helm-test: lint and template each level (Kubernetes ${KUBE_VERSIONS[*]})"
for c in "${cases[@]}"; do
	IFS='|' read -r name release ns files <<<"$c"
	args=()
	for f in $files; do args+=(-f "$CHART/$f"); done
	for kv in "${KUBE_VERSIONS[@]}"; do
		if "$HELM" lint --strict "$CHART" --namespace "$ns" --kube-version "$kv" "${args[@]}" >"$out/lint.log" 2>&1; then
			pass "lint --strict $name (k8s $kv)"
		else
			fail "lint --strict $name (k8s $kv)"; sed 's/^/        /' "$out/lint.log"
		fi
		if "$HELM" template "$release" "$CHART" --namespace "$ns" --kube-version "$kv" "${args[@]}" >"$out/$name.yaml" 2>"$out/template.log"; then
			pass "template $name (k8s $kv): $(grep -c '^kind:' "$out/$name.yaml") objects"
		else
			fail "template $name (k8s $kv)"; sed 's/^/        /' "$out/template.log"
			continue
		fi
	done
	# The level rules, on the rendered output.
	schedulers=$(grep -c '^# Source: sunshine/templates/deployment-scheduler.yaml' "$out/$name.yaml" || true)
	case "$name" in
	county)
		[ "$schedulers" -eq 0 ] && pass "$name renders no scheduler" || fail "$name renders $schedulers scheduler(s)"
		grep -q 'SUNSHINE_DEPLOYMENT_TENANTS: "410581"' "$out/$name.yaml" && grep -q 'SUNSHINE_JOBS_PER_TENANT_QUEUES: "true"' "$out/$name.yaml" &&
			pass "$name workers serve only their tenants' queues" || fail "$name: tenants or per-tenant queues missing from the ConfigMap"
		;;
	*)
		[ "$schedulers" -eq 1 ] && pass "$name renders exactly one scheduler" || fail "$name renders $schedulers schedulers"
		;;
	esac
done

# --- bad values: the schema (or a template guard) must reject each -------------------
kube=${KUBE_VERSIONS[${#KUBE_VERSIONS[@]}-1]}
echo "helm-test: bad values must be rejected ($CHART/ci/bad, Kubernetes $kube)"
for bad in "$CHART"/ci/bad/*.yaml; do
	base=$(sed -n 's/^# base: //p' "$bad")
	expect=$(sed -n 's/^# expect: //p' "$bad")
	what=$(head -1 "$bad" | sed 's/^# //')
	name=$(basename "$bad" .yaml)
	if [ -z "$base" ] || [ -z "$expect" ]; then
		fail "$name: needs '# base:' and '# expect:' lines"; continue
	fi
	if "$HELM" template bad "$CHART" --kube-version "$kube" -f "$CHART/$base" -f "$bad" >/dev/null 2>"$out/bad.log"; then
		fail "$name: helm template ACCEPTED it ($what)"
	elif ! grep -qF -- "$expect" "$out/bad.log"; then
		fail "$name: rejected, but not for '$expect':"; sed 's/^/        /' "$out/bad.log"
	else
		pass "template rejects $name ($what)"
	fi
	if grep -q '^# rejected-by: template' "$bad"; then
		continue
	fi
	if "$HELM" lint --strict "$CHART" --kube-version "$kube" -f "$CHART/$base" -f "$bad" >"$out/bad.log" 2>&1; then
		fail "$name: helm lint ACCEPTED it"
	else
		pass "lint rejects $name"
	fi
done

echo "helm-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
