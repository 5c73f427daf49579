#!/usr/bin/env bash
# Load benchmark, end to end, on one database backend:
#
#   scripts/bench.sh sqlite
#   scripts/bench.sh postgres
#
# Builds release, seeds a fresh database with 100,000 cases of one council,
# starts `redress serve` on 127.0.0.1:18080, then measures intake, the case
# list and mixed case work (examples/mixed.rs), one after the other (50
# clients, 20 s each), and stops the server.
#
# A scenario alone ("list") runs closed loop: every client sends its next
# request as soon as the last is answered, which finds the most the server
# can take. "list@600" runs open loop at 600 requests/s in all, latency
# counted from when each request was due: what a client sees at that load.
#
# "floor" (PostgreSQL only) is what the list costs the database alone:
# pgbench, with as many clients for as long, sends the one SQL statement that
# returns the same page (the council's newest 51 cases, each with its open
# respond date) over the same connection path as the server. When a run has
# both "list" and "floor", it ends with the list's throughput as a fraction
# of the floor's.
#
# "noisy" measures intake alone, then the same intake while as many clients
# again log PHONE contacts with Leicester, whose policy is made to spend its
# whole time budget on each (rolled back afterwards): the two rows side by
# side show what a hostile neighbour costs the measured council.
#
# The server's deadline sweeper is held off: its first pass over freshly
# seeded cases is a catch-up of thousands of breaches, measured on its own by
# `load sweep`, and would land in whichever scenario is running at the time.
#
# The server reaches a local PostgreSQL over its Unix socket when
# BENCH_POSTGRES_SOCKET (default /var/run/postgresql) holds one, as a server
# on the database's own machine would be deployed; over TCP otherwise.
#
# BENCH_SCENARIOS (default "intake list list@600 mixed mixed@400"),
# BENCH_CASES, BENCH_CLIENTS, BENCH_SECONDS, BENCH_DB_CONNECTIONS (the
# server's pool, default 16) and BENCH_POSTGRES_URL (server URL without a
# database, default postgres://postgres@127.0.0.1:5432, used to create the
# database and, without a socket, by the server) change the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -ne 1 ] || { [ "$1" != sqlite ] && [ "$1" != postgres ]; }; then
  echo "usage: $0 sqlite|postgres" >&2
  exit 2
fi
backend=$1
port=18080
council=leeds
cases=${BENCH_CASES:-100000}
clients=${BENCH_CLIENTS:-50}
duration=${BENCH_SECONDS:-20}
pg_server=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
pg_socket=${BENCH_POSTGRES_SOCKET:-/var/run/postgresql}
pg_database=redress_bench
release=${CARGO_TARGET_DIR:-target}/release
# A fresh secret per run: the tokens minted for the benchmark are worthless
# once it ends.
secret="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/redress-bench.XXXXXX")
server_log="$workdir/server.log"
server_pid=

stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}

cleanup() {
  local status=$?
  stop_server
  if [ "$status" -ne 0 ] && [ -s "$server_log" ]; then
    echo "--- last lines of the server log"
    tail -n 30 "$server_log"
  fi
  # The 100,000-case SQLite file is large; the log is kept for reading.
  rm -f "$workdir"/bench.db*
  echo "server log: $server_log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Busy CPU ticks of the whole machine, and of one process.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
process_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now_ms() { date +%s%3N; }

if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
  echo "something already listens on 127.0.0.1:$port; stop it first" >&2
  exit 1
fi

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== build (release)"
cargo build --release --bin redress --example load --example mixed

echo "== fresh $backend database"
case "$backend" in
  sqlite)
    database_url="sqlite://$workdir/bench.db?mode=rwc"
    ;;
  postgres)
    psql "$pg_server/postgres" -qX -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" \
      -c "CREATE DATABASE $pg_database"
    database_url="$pg_server/$pg_database"
    if [ -S "$pg_socket/.s.PGSQL.5432" ]; then
      # Same user, the socket instead of TCP.
      pg_user=$(printf '%s' "$pg_server" | sed -E 's#^postgres(ql)?://([^@/]*)@.*#\2#; t; s#.*#postgres#')
      database_url="postgres://$pg_user@localhost/$pg_database?host=$pg_socket"
    fi
    ;;
esac

echo "== database: $database_url"
echo "== seed $cases cases for $council"
"$release/examples/load" seed --database-url "$database_url" --council "$council" --cases "$cases"
if [ "$backend" = postgres ]; then
  # Let the bulk load settle, as any benchmark of PostgreSQL does: fresh
  # statistics and visibility, and the checkpoint the load's WAL would
  # otherwise force in the middle of the first scenario.
  echo "== vacuum, analyze and checkpoint"
  psql "$pg_server/$pg_database" -qX -v ON_ERROR_STOP=1 -c "VACUUM ANALYZE" -c "CHECKPOINT"
fi

echo "== start the server on 127.0.0.1:$port (log: $server_log)"
REDRESS_BIND="127.0.0.1:$port" \
  DATABASE_URL="$database_url" \
  REDRESS_DB_MAX_CONNECTIONS="${BENCH_DB_CONNECTIONS:-16}" \
  REDRESS_SWEEP_MS=86400000 \
  REDRESS_JWT_SECRET="$secret" \
  REDRESS_LOG_FORMAT=json \
  "$release/redress" serve >"$server_log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited during start-up" >&2
    exit 1
  fi
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "the server was not ready after 60 s" >&2
  exit 1
fi

# The list's page in one statement, for pgbench: the columns the list shows,
# newest first, and each case's open respond date.
floor_sql='SELECT c.id, c.reference, c.kind, c.stage, c.status, c.received_at, c.next_due,
  (SELECT min(d.due) FROM deadlines d
    WHERE d.council_id = c.council_id AND d.case_id = c.id AND d.kind = '"'respond'"'
      AND d.met_at IS NULL AND d.superseded_at IS NULL) AS respond_by
FROM cases c
WHERE c.council_id = :council
ORDER BY c.received_at DESC, c.id DESC
LIMIT 51;'
list_rate=
floor_rate=

run_floor() {
  if [ "$backend" != postgres ]; then
    echo "== floor: PostgreSQL only, skipped ($backend)"
    return
  fi
  local council_id pg_args=()
  council_id=$(psql "$pg_server/$pg_database" -qXAt -v ON_ERROR_STOP=1 \
    -c "SELECT id FROM councils WHERE slug = '$council'")
  printf '%s\n' "$floor_sql" >"$workdir/floor.sql"
  if [ -S "$pg_socket/.s.PGSQL.5432" ]; then
    pg_args=(-h "$pg_socket")
  else
    pg_args=(-h "$(printf '%s' "$pg_server" | sed -E 's#^[^@]*@([^:/]*).*#\1#')")
  fi
  echo "== floor: pgbench, $clients clients, $duration s, the list's page in one statement ($backend)"
  (cd "$workdir" && pgbench "${pg_args[@]}" -U postgres -n -M prepared -c "$clients" \
    -j "$(nproc)" -T "$duration" -D council="$council_id" -f floor.sql \
    -l --log-prefix=floorlog "$pg_database") | tee "$workdir/floor.out" | grep -E '^(tps|latency|number of failed)'
  floor_rate=$(awk '/^tps = / { print $3 }' "$workdir/floor.out")
  # Per-transaction latencies (microseconds, third column) into percentiles.
  cat "$workdir"/floorlog.* | awk '$3 ~ /^[0-9]+$/ { print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END {
      if (NR) printf "floor: p50 %.1f ms, p99 %.1f ms over %d statements\n",
        v[int(NR * 0.50) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000, NR
    }'
  rm -f "$workdir"/floorlog.*
}

run_scenario() {
  local scenario=${1%@*} rate= started ended server_before server_after busy_before idle_before busy_after idle_after
  local pacing=()
  if [ "$1" != "$scenario" ]; then
    rate=${1#*@}
    pacing=(--rate "$rate")
  fi
  echo "== $scenario: $clients clients, $duration s, ${rate:-as fast as answered}${rate:+ requests/s} ($backend)"
  started=$(now_ms)
  server_before=$(process_ticks "$server_pid")
  read -r busy_before idle_before < <(machine_ticks)
  if [ "$scenario" = floor ]; then
    run_floor
  elif [ "$scenario" = mixed ]; then
    "$release/examples/mixed" --url "http://127.0.0.1:$port" --council "$council" \
      --clients "$clients" --seconds "$duration" --secret "$secret" "${pacing[@]}"
  else
    "$release/examples/load" run --url "http://127.0.0.1:$port" --council "$council" \
      --clients "$clients" --seconds "$duration" --scenario "$scenario" --secret "$secret" \
      "${pacing[@]}" | tee "$workdir/$1.out"
    if [ "$1" = list ]; then
      list_rate=$(awk '$1 == "list" { print $5 }' "$workdir/list.out")
    fi
  fi
  ended=$(now_ms)
  server_after=$(process_ticks "$server_pid")
  read -r busy_after idle_after < <(machine_ticks)
  # Load generator, server and database share the machine; these say which
  # of them had the CPU.
  awk -v ms=$((ended - started)) -v server=$((server_after - server_before)) \
    -v busy=$((busy_after - busy_before)) -v idle=$((idle_after - idle_before)) \
    -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" 'BEGIN {
      wall = ms / 1000
      printf "cpu: server %.1f of %d cores over %.1f s; machine %.0f%% busy\n",
        server / hz / wall, cores, wall, 100 * busy / (busy + idle)
    }'
}

# Each scenario starts from a settled database: the tens of thousands of
# rows a closed-loop write scenario adds in 20 s would otherwise leave
# autovacuum working through them during the next scenario, which would then
# measure the last one's aftermath as well as its own requests.
settle() {
  if [ "$backend" = postgres ]; then
    psql "$pg_server/$pg_database" -qX -v ON_ERROR_STOP=1 -c "VACUUM ANALYZE" -c "CHECKPOINT"
  fi
}

for scenario in ${BENCH_SCENARIOS:-intake list list@600 mixed mixed@400}; do
  settle
  run_scenario "$scenario"
done

stop_server
if [ -n "$list_rate" ] && [ -n "$floor_rate" ]; then
  awk -v list="$list_rate" -v floor="$floor_rate" 'BEGIN {
    printf "== list against the floor: %.1f pages/s served, %.1f pages/s from SQL alone: %.2fx\n",
      list, floor, list / floor
  }'
fi
echo "== done ($backend)"
