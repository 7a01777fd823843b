#!/usr/bin/env bash
# Browser tests against a real `sunshine dev` process with its own fresh database:
# a database created on TEST_DATABASE_URL's server when that is set, otherwise an
# embedded PostgreSQL in a temporary directory. Redis is the in-process server.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${SUNSHINE_E2E_PORT:-18080}"
work="$(mktemp -d /tmp/sunshine-e2e-XXXXXX)"
chmod 755 "$work"
log="$work/server.log"
pid=""

cleanup() {
	status=$?
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	if [ $status -ne 0 ]; then
		echo "---- server log (last 80 lines) ----" >&2
		tail -n 80 "$log" >&2 || true
	fi
	if [ -n "${e2e_db:-}" ]; then
		./bin/sunshine testenv-dropdb "$e2e_db" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
	exit $status
}
trap cleanup EXIT

env_vars=(
	SUNSHINE_MODE=dev
	SUNSHINE_HTTP_ADDR="127.0.0.1:$port"
	SUNSHINE_DATABASE_EMBEDDED_DIR="$work/pg"
	SUNSHINE_DATABASE_EMBEDDED_PORT="$((port + 1))"
	SUNSHINE_LOG_LEVEL=info
	REDIS_URL= SUNSHINE_REDIS_URL=
)
if [ -n "${TEST_DATABASE_URL:-}" ]; then
	e2e_db="$(./bin/sunshine testenv-createdb)"
	env_vars+=(DATABASE_URL="$e2e_db")
	echo "e2e: database on TEST_DATABASE_URL's server"
else
	env_vars+=(DATABASE_URL= SUNSHINE_DATABASE_URL=)
	echo "e2e: embedded PostgreSQL in $work/pg"
fi

env "${env_vars[@]}" ./bin/sunshine dev >"$log" 2>&1 &
pid=$!

for _ in $(seq 1 600); do
	if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
	if ! kill -0 "$pid" 2>/dev/null; then echo "e2e: the server exited during start-up" >&2; exit 1; fi
	sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null

cd apps/console
SUNSHINE_E2E_URL="http://127.0.0.1:$port" \
SUNSHINE_E2E_TENANT="${SUNSHINE_E2E_TENANT:-410500}" \
SUNSHINE_E2E_USER="${SUNSHINE_E2E_USER:-admin}" \
SUNSHINE_E2E_PASSWORD="${SUNSHINE_E2E_PASSWORD:-Sunshine@2026}" \
	npm run --silent e2e -- "$@"
