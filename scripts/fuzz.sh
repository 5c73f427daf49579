#!/usr/bin/env bash
# Fuzzes the GraphQL API of a running server with schemathesis, which
# generates queries and mutations from schema.graphql: once as council staff
# and once as a customer, each for a bounded time. Fails when any response is
# a 5xx, is not JSON with typed errors, is INTERNAL or leaks internals (SQL,
# drivers, source paths, panics), when a connection drops, or when the server
# exits or stops answering.
#
#   scripts/fuzz.sh                        # 90 s as staff, 90 s as a customer
#   FUZZ_SECONDS=20 scripts/fuzz.sh        # a quick look
#   FUZZ_MODE=positive scripts/fuzz.sh     # valid input only, deeper
#
# Needs python3 and PyPI the first time (and python3-venv, which it installs
# with apt-get when missing): schemathesis is installed into
# target/fuzz-venv. Reports (a VCR cassette and JUnit XML per
# caller) and the server's log are left in target/fuzz-report.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1

seconds=${FUZZ_SECONDS:-90}
examples=${FUZZ_EXAMPLES:-40}
# `all` mixes valid and invalid input; `positive` only valid, to go deeper.
mode=${FUZZ_MODE:-all}
schemathesis_version=${FUZZ_SCHEMATHESIS_VERSION:-4.32.5}
venv=$(realpath -m "${FUZZ_VENV:-target/fuzz-venv}")
root=$(pwd)
report=$root/target/fuzz-report

echo "== building redress"
cargo build --quiet --bin redress
redress=./target/debug/redress

if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  echo "== installing schemathesis $schemathesis_version into $venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian and Ubuntu ship venv apart from python3; CI runs as root.
    echo "python3 cannot make a virtual environment; installing python3-venv"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

# The checks must catch what they are for before a clean run means anything.
PYTHONPATH=scripts/fuzz "$venv/bin/python" scripts/fuzz/self_test.py

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$report"
mkdir -p "$report"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/graphql"
# Worthless outside this run.
export REDRESS_JWT_SECRET="fuzz-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"

echo "== starting redress on 127.0.0.1:$port (SQLite in $work)"
REDRESS_BIND="127.0.0.1:$port" \
  DATABASE_URL="sqlite://$work/fuzz.db?mode=rwc" \
  REDRESS_WATCH_POLICIES=false \
  REDRESS_LOG_FORMAT=json \
  REDRESS_WORKERS=2 \
  RUST_BACKTRACE=1 \
  "$redress" serve >"$report/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the server exited while starting" >&2; tail -n 40 "$report/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null

staff=$("$redress" token --council leeds --sub fuzz-staff --ttl 1h \
  --role frontline --role investigating_officer --role dcro \
  --role customer_feedback_manager --role policy_admin)
customer=$("$redress" token --council leeds --sub fuzz-customer --ttl 1h --role customer)

graphql() { # token, JSON body
  curl -sS -m 20 "$url" -H "Authorization: Bearer $1" -H 'content-type: application/json' -d "$2"
}

# One case to find, so that some generated ids and references are real.
graphql "$staff" '{"query":"mutation { logContact(input: {kind: COMPLAINT, channel: EMAIL, receivedAt: \"2026-11-20T10:00:00Z\", subject: \"Fuzzing seed\", description: \"A bin was missed.\", service: \"waste\"}) { reference } }"}' >"$work/seed.json"
grep -q '"reference"' "$work/seed.json" || { echo "could not log the seed case: $(cat "$work/seed.json")" >&2; exit 1; }

failed=0
fuzz() { # name, token
  local name=$1 token=$2 status=0
  echo "== fuzzing as $name for up to ${seconds} s"
  # From the scratch folder, where schemathesis keeps its cache.
  (cd "$work" && PYTHONPATH="$root/scripts/fuzz" SCHEMATHESIS_HOOKS=leak_checks \
    timeout --kill-after=10 $((seconds + 60)) \
    "$venv/bin/st" run "$root/schema.graphql" --url "$url" \
    -H "Authorization: Bearer $token" \
    --checks leaks_nothing,typed_errors_only \
    --mode "$mode" --max-examples "$examples" --max-time "$seconds" \
    --request-timeout 20 --workers 2 --no-color \
    --report junit,vcr --report-dir "$report" \
    --report-junit-path "$report/$name.xml" --report-vcr-path "$report/$name.yaml") ||
    status=$?
  if [ "$status" -ne 0 ]; then
    echo "fuzzing as $name failed (exit $status)" >&2
    failed=1
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the server exited while fuzzing as $name" >&2
    tail -n 40 "$report/server.log" >&2
    exit 1
  fi
}
fuzz staff "$staff"
fuzz customer "$customer"

echo "== the server still answers"
me=$(graphql "$staff" '{"query":"{ me { subject } }"}')
if [ "$me" != '{"data":{"me":{"subject":"fuzz-staff"}}}' ]; then
  echo "the server does not answer after fuzzing: $me" >&2
  failed=1
fi
if grep -q 'panicked' "$report/server.log"; then
  echo "the server panicked while fuzzing:" >&2
  grep -m 5 'panicked' "$report/server.log" >&2
  failed=1
fi
# The custom checks saw every response; read the cassettes once more so a
# check that failed to load cannot pass silently.
PYTHONPATH=scripts/fuzz "$venv/bin/python" scripts/fuzz/cassette_leaks.py "$report"/*.yaml || failed=1

if [ "$failed" -ne 0 ]; then
  echo "fuzzing found problems; reports in $report" >&2
  exit 1
fi
echo "fuzzing found nothing; reports in $report"
