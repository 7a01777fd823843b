#!/usr/bin/env bash
# make bench: the performance targets against baselines measured in the same run.
# Uses BENCH_DATABASE_URL / TEST_DATABASE_URL (a superuser URL) when set, otherwise a
# throwaway embedded PostgreSQL; BENCH_REDIS_URL / TEST_REDIS_URL for Redis, otherwise
# an in-process server (reported as such). Pass flags through, e.g.
#   scripts/bench.sh -run intake,read -duration 30s
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/bench ./apps/bench
mkdir -p docs
if [ -z "${BENCH_DATABASE_URL:-}" ] && [ -z "${TEST_DATABASE_URL:-}" ]; then
	exec ./bin/sunshine testenv -- ./bin/bench "$@"
fi
exec ./bin/bench "$@"
