#!/usr/bin/env bash
# The fault checks, on their own:
#
#   scripts/faults.sh
#
# Runs every test of tests/faults.rs, including the one left out of a plain
# `cargo test`: PostgreSQL restarted under load, on a private cluster that
# the test makes with this machine's PostgreSQL binaries
# (/usr/lib/postgresql/*/bin) in a temporary directory, on a free port (or
# REDRESS_FAULTS_PG_PORT), and removes afterwards. As root the cluster
# belongs to the `postgres` user (initdb refuses root). Where no cluster can
# be made the test says so loudly ("!!!!! SKIPPED") and passes.
#
# The other checks use REDRESS_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/test), making a database of their own
# there; that server is never restarted.
#
# FAULTS_TIMEOUT (default 300 seconds) bounds the whole run, build included.
set -euo pipefail
cd "$(dirname "$0")/.."

export REDRESS_TEST_POSTGRES_URL="${REDRESS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

started=$(date +%s)
status=0
timeout --signal=INT --kill-after=30 "${FAULTS_TIMEOUT:-300}" \
  cargo test --test faults -- --include-ignored --test-threads 2 || status=$?
if [ "$status" -eq 124 ]; then
  echo "fault checks did not finish within ${FAULTS_TIMEOUT:-300} s" >&2
fi
echo "fault checks: $(( $(date +%s) - started )) s, exit $status"
exit "$status"
