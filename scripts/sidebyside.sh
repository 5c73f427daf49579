#!/usr/bin/env bash
# Redress side by side with PostGraphile and with the SQL alone, in one run,
# on one PostgreSQL database:
#
#   scripts/sidebyside.sh                       # 1,000,000 cases
#   SIDE_CASES=200000 scripts/sidebyside.sh     # a quicker load
#
# 1. Loads the dataset into the database `redress_sidebyside` (kept between
#    runs; loading is skipped when it already holds SIDE_CASES seeded cases):
#    two years of the five shipped councils' cases, an equal share each,
#    with their deadlines, timelines and customers (`load seed`), then
#    VACUUM ANALYZE.
# 2. Serves it with, one after the other:
#    - redress: `redress serve`, release build, frontline tokens minted with
#      `redress token`, authorisation and tenant scoping on;
#    - postgraphile: PostGraphile v4 (with postgraphile-plugin-connection-filter
#      for the `in`/`or`/`>=` filters) as its CLI runs it, one Node process;
#    - postgraphile-cluster: the same through scripts/sidebyside/postgraphile-cluster.js,
#      one worker per core;
#    and drives each with wrk (scripts/sidebyside/*.lua): SIDE_CONNECTIONS
#    connections, SIDE_WARMUP s of warm-up, then SIDE_SECONDS s measured.
#    Neither PostGraphile run has authentication or row-level security: the
#    council is an argument any client may set.
# 3. floor: the same reads and writes as SQL alone through pgbench
#    (scripts/sidebyside/*.sql, -M prepared, the same connections and
#    durations), which pays for nothing but the SQL.
# 4. Prints one Markdown table: per shape and server, requests/s, p50 and
#    p99 latency, errors, the server's CPU per request (its process and
#    children, from /proc/PID/stat), the CPU of the PostgreSQL backends
#    serving it per request (the floor's whole cost), the server's peak RSS,
#    how busy the machine was, and Redress's throughput and CPU per request
#    divided by each row's.
#
# Shapes (the same rows for all three):
#   due     a council's open cases with no open deadline before today,
#           newest first, 50, each with its deadlines (Redress has no "due
#           this week" filter; this is its closest, `overdue: false` over the
#           open statuses)
#   newest  a council's newest 50 cases with `overdue` and `respondBy` (the
#           others return what those are computed from)
#   case    one case with its deadlines and timeline
#   intake  Redress's `logContact` for an email complaint about waste;
#           PostGraphile's generated createCase, two createDeadline and
#           createCaseEvent in one request; pgbench the same four inserts in
#           one transaction. Neither numbers the reference, runs the council's
#           policy, looks up a customer or checks anything.
#
# Each request picks a council at random (and for `case` one of a sample of
# 10,000 of its cases). The rows `intake` adds are deleted after each
# server's run (and at the start, should a run have been interrupted).
#
# Needs: wrk (Debian: apt-get install -y wrk; installed when run as root),
# pgbench and psql, Node.js with npm (PostGraphile is installed into
# ${XDG_CACHE_HOME:-~/.cache}/redress-sidebyside), cargo, and PostgreSQL
# reachable as SIDE_POSTGRES_URL with rights to create a database. All
# three reach PostgreSQL over its Unix socket when SIDE_POSTGRES_SOCKET
# (default /var/run/postgresql) holds one, over TCP otherwise.
#
# Environment: SIDE_CASES (1000000), SIDE_SECONDS (15), SIDE_WARMUP (5),
# SIDE_CONNECTIONS (50), SIDE_THREADS (wrk and pgbench threads, 2),
# SIDE_TIMEOUT (wrk's timeout per request, 10s),
# SIDE_DB_CONNECTIONS (each server's pool, 16; split between cluster
# workers), SIDE_WORKERS (cluster workers, one per core),
# SIDE_SERVERS ("redress postgraphile postgraphile-cluster floor"),
# SIDE_SHAPES ("due newest case intake"), SIDE_POSTGRES_URL
# (postgres://postgres@127.0.0.1:5432), SIDE_DATABASE (redress_sidebyside).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
here=$root/scripts/sidebyside

cases=${SIDE_CASES:-1000000}
seconds=${SIDE_SECONDS:-15}
warmup=${SIDE_WARMUP:-5}
connections=${SIDE_CONNECTIONS:-50}
threads=${SIDE_THREADS:-2}
db_connections=${SIDE_DB_CONNECTIONS:-16}
# An answer slower than this counts as a wrk timeout error (wrk's default is 2 s).
timeout=${SIDE_TIMEOUT:-10s}
workers=${SIDE_WORKERS:-$(nproc)}
servers=${SIDE_SERVERS:-redress postgraphile postgraphile-cluster floor}
shapes=${SIDE_SHAPES:-due newest case intake}
pg_server=${SIDE_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
pg_socket=${SIDE_POSTGRES_SOCKET:-/var/run/postgresql}
database=${SIDE_DATABASE:-redress_sidebyside}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/redress-sidebyside
release=${CARGO_TARGET_DIR:-target}/release
port=18090
councils=(leeds feedback-team leicester north-norfolk east-cambridgeshire)
samples=10000
# A fresh secret per run: the tokens minted for it are worthless afterwards.
secret="sidebyside-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
hz=$(getconf CLK_TCK)

workdir=$(mktemp -d "${TMPDIR:-/tmp}/redress-sidebyside.XXXXXX")
results=$workdir/results.tsv
server_pid=
server_log=

say() { printf '== %s\n' "$*"; }
sql() { psql "$pg_server/$database" -qAtX -v ON_ERROR_STOP=1 "$@"; }

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
  if [ "$status" -ne 0 ] && [ -n "$server_log" ] && [ -s "$server_log" ]; then
    echo "--- last lines of $server_log"
    tail -n 30 "$server_log"
  fi
  echo "work files: $workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing wrk"
    apt-get install -y wrk >/dev/null
  else
    echo "wrk is missing: apt-get install -y wrk" >&2
    exit 1
  fi
fi
for tool in pgbench psql node npm curl cargo; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
if [ ! -x "$cache/node_modules/.bin/postgraphile" ] ||
  [ ! -d "$cache/node_modules/postgraphile-plugin-connection-filter" ]; then
  say "installing PostGraphile v4 into $cache"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
    postgraphile@4 postgraphile-plugin-connection-filter@2 >/dev/null
fi
postgraphile_version=$(node -p "require('$cache/node_modules/postgraphile/package.json').version")

if curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
  echo "something already listens on 127.0.0.1:$port; stop it first" >&2
  exit 1
fi

say "build (release)"
cargo build --release --bin redress --example load

# --- the database -----------------------------------------------------------

if ! psql "$pg_server/postgres" -qAtX -c "SELECT 1 FROM pg_database WHERE datname = '$database'" |
  grep -q 1; then
  psql "$pg_server/postgres" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $database"
fi
database_url="$pg_server/$database"
if [ -S "$pg_socket/.s.PGSQL.5432" ]; then
  # Same user, the socket instead of TCP, for all three.
  pg_user=$(printf '%s' "$pg_server" | sed -E 's#^postgres(ql)?://([^@/]*)@.*#\2#; t; s#.*#postgres#')
  database_url="postgres://$pg_user@localhost/$database?host=$pg_socket"
  pgbench_target=(-h "$pg_socket" -U "$pg_user" "$database")
else
  pgbench_target=("$pg_server/$database")
fi

# Rows written by an earlier run's intake (or an interrupted one).
forget_intakes() {
  sql <<'SQL'
CREATE TEMP TABLE written AS SELECT id FROM cases WHERE logged_by LIKE 'sidebyside-%';
DELETE FROM case_events WHERE case_id IN (SELECT id FROM written);
DELETE FROM deadlines WHERE case_id IN (SELECT id FROM written);
DELETE FROM case_requirements WHERE case_id IN (SELECT id FROM written);
DELETE FROM learning_points WHERE case_id IN (SELECT id FROM written);
DELETE FROM remedies WHERE case_id IN (SELECT id FROM written);
DELETE FROM cases WHERE id IN (SELECT id FROM written);
SQL
}

# Fresh statistics and visibility, and no checkpoint left for the next
# measurement to pay for.
settle() { sql -c "VACUUM ANALYZE" -c "CHECKPOINT"; }

seeded=$(sql -c "SELECT count(*) FROM cases WHERE logged_by = 'seed-frontline'" 2>/dev/null || echo 0)
if [ "$seeded" -ge "$cases" ]; then
  say "$database already holds $seeded seeded cases (>= $cases): loading skipped"
else
  per_council=$(((cases + ${#councils[@]} - 1) / ${#councils[@]}))
  say "loading $cases cases ($per_council per council) into $database"
  started=$(date +%s)
  for council in "${councils[@]}"; do
    "$release/examples/load" seed --database-url "$database_url" --council "$council" \
      --cases "$per_council"
  done
  say "loaded in $(($(date +%s) - started)) s"
fi
forget_intakes
settle

# Councils by number and a sample of their cases, for pgbench and wrk; in
# their own schema, which PostGraphile (schema public) does not serve.
sql <<SQL
SET client_min_messages TO warning;
DROP SCHEMA IF EXISTS sidebyside CASCADE;
CREATE SCHEMA sidebyside;
CREATE TABLE sidebyside.councils AS
  SELECT row_number() OVER (ORDER BY c.slug)::int AS n, c.id, c.slug, s.id AS waste_service_id
  FROM councils c JOIN services s ON s.council_id = c.id AND s.slug = 'waste';
ALTER TABLE sidebyside.councils ADD PRIMARY KEY (n);
CREATE TABLE sidebyside.sample AS
  SELECT row_number() OVER ()::int AS n, council_id, case_id FROM (
    SELECT council_id, id AS case_id FROM cases TABLESAMPLE BERNOULLI (5) REPEATABLE (7)
    WHERE logged_by = 'seed-frontline' ORDER BY random() LIMIT $samples
  ) picked;
ALTER TABLE sidebyside.sample ADD PRIMARY KEY (n);
ANALYZE sidebyside.councils, sidebyside.sample;
SQL
council_count=$(sql -c "SELECT count(*) FROM sidebyside.councils")
sample_count=$(sql -c "SELECT count(*) FROM sidebyside.sample")
today=$(TZ=Europe/London date +%F)

# One line per sample case: its council, a frontline token of that council,
# the case and the council's waste service.
tokens=$workdir/tokens
: >"$tokens"
while IFS='|' read -r slug id; do
  token=$(REDRESS_JWT_SECRET="$secret" "$release/redress" token --council "$slug" \
    --role frontline --sub sidebyside-redress --name "Side by side" --ttl 3h)
  printf '%s %s\n' "$id" "$token" >>"$tokens"
done < <(sql -c "SELECT slug, id FROM sidebyside.councils ORDER BY n")
sample_file=$workdir/sample
sql -F ' ' -c "SELECT s.council_id, s.case_id, k.waste_service_id
  FROM sidebyside.sample s JOIN sidebyside.councils k ON k.id = s.council_id ORDER BY s.n" |
  awk 'NR == FNR { token[$1] = $2; next } { print $1, token[$1], $2, $3 }' "$tokens" - \
    >"$sample_file"

read -r total_cases total_deadlines total_events db_size < <(sql -F ' ' -c "
  SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM deadlines),
         (SELECT count(*) FROM case_events), pg_size_pretty(pg_database_size(current_database()))")
pg_version=$(sql -c "SHOW server_version")

say "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "PostgreSQL $pg_version, $database: $total_cases cases, $total_deadlines deadlines, $total_events timeline events, $db_size"
say "$connections connections, $warmup s warm-up, $seconds s measured per shape; council calendar date $today"

# --- measuring ----------------------------------------------------------------

# "pid ticks" (user + system CPU) for each pid still running.
ticks_of() {
  [ "$#" -gt 0 ] || return 0
  local pid
  for pid in "$@"; do
    # The command name may hold spaces: fields are counted after its ")".
    awk -v pid="$pid" '{ sub(/.*\) /, ""); print pid, $12 + $13 }' "/proc/$pid/stat" 2>/dev/null ||
      true
  done
}

# The server process and all its descendants (the cluster's workers).
tree_pids() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      keep[root] = 1; changed = 1
      while (changed) {
        changed = 0
        for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 }
      }
      for (p in keep) print p
    }'
}

backend_pids() {
  sql -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
    AND backend_type = 'client backend' AND pid <> pg_backend_pid() ${1:+AND $1}"
}

# Ticks used between two "pid ticks" snapshots, by the pids of the second.
ticks_between() {
  awk 'NR == FNR { before[$1] = $2; next } { used += $2 - before[$1] } END { print used + 0 }' \
    "$1" "$2"
}

machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
now_ms() { date +%s%3N; }

peak_rss_mb() {
  local total=0 pid kb
  for pid in $(tree_pids "$1"); do
    kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo $((total / 1024))
}

reset_peak_rss() {
  local pid
  for pid in $(tree_pids "$1"); do
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  done
}

wait_ready() {
  local probe=$1
  for _ in $(seq 1 120); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited during start-up" >&2
      exit 1
    fi
    if (eval "$probe") >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  echo "the server was not ready after 60 s" >&2
  exit 1
}

start_server() {
  server_log=$workdir/$1.log
  case "$1" in
    redress)
      REDRESS_BIND="127.0.0.1:$port" \
        DATABASE_URL="$database_url" \
        REDRESS_DB_MAX_CONNECTIONS="$db_connections" \
        REDRESS_SWEEP_MS=86400000 \
        REDRESS_JWT_SECRET="$secret" \
        REDRESS_LOG_FORMAT=json \
        "$release/redress" serve >"$server_log" 2>&1 &
      server_pid=$!
      wait_ready "curl -fsS http://127.0.0.1:$port/readyz"
      ;;
    postgraphile)
      NODE_ENV=production "$cache/node_modules/.bin/postgraphile" \
        --connection "$database_url" --schema public \
        --append-plugins postgraphile-plugin-connection-filter \
        --disable-query-log --disable-graphiql --max-pool-size "$db_connections" \
        --host 127.0.0.1 --port "$port" >"$server_log" 2>&1 &
      server_pid=$!
      wait_ready "curl -fsS -H 'Content-Type: application/json' -d '{\"query\":\"{__typename}\"}' http://127.0.0.1:$port/graphql"
      ;;
    postgraphile-cluster)
      NODE_ENV=production NODE_PATH="$cache/node_modules" DATABASE_URL="$database_url" \
        PORT="$port" SIDE_WORKERS="$workers" \
        SIDE_POOL=$(((db_connections + workers - 1) / workers)) \
        node "$here/postgraphile-cluster.js" >"$server_log" 2>&1 &
      server_pid=$!
      # Each worker builds its schema; ask until every one has answered.
      wait_ready "for i in \$(seq 1 $((4 * workers))); do curl -fsS -H 'Content-Type: application/json' -d '{\"query\":\"{__typename}\"}' http://127.0.0.1:$port/graphql || exit 1; done"
      ;;
  esac
}

# wrk against the running server: a check, the warm-up and the measurement.
measure_http() {
  local server=$1 shape=$2 script out check
  script=$here/redress.lua
  [ "$server" = redress ] || script=$here/postgraphile.lua
  export SIDE_SHAPE=$shape SIDE_SAMPLE=$sample_file SIDE_TODAY=$today

  check=$(SIDE_CHECK=1 wrk -t1 -c1 -d1s -s "$script" "http://127.0.0.1:$port" 2>&1)
  if ! grep -q '^SIDE_CHECK ' <<<"$check" || grep -q 'SIDE_ERROR_SAMPLE' <<<"$check"; then
    echo "$server $shape does not answer as expected:" >&2
    echo "$check" >&2
    exit 1
  fi
  echo "   $server $shape: $(grep '^SIDE_CHECK ' <<<"$check" | head -1 | cut -d' ' -f2-)"

  wrk -t"$threads" -c"$connections" -d"${warmup}s" --timeout "$timeout" -s "$script" \
    "http://127.0.0.1:$port" >/dev/null

  local before_server after_server before_pg after_pg busy_before idle_before busy_after idle_after
  local load started ended
  before_server=$workdir/server.before after_server=$workdir/server.after
  before_pg=$workdir/pg.before after_pg=$workdir/pg.after
  reset_peak_rss "$server_pid"
  load=$(cut -d' ' -f1 /proc/loadavg)
  ticks_of $(tree_pids "$server_pid") >"$before_server"
  ticks_of $(backend_pids) >"$before_pg"
  read -r busy_before idle_before < <(machine_ticks)
  started=$(now_ms)
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout "$timeout" --latency \
    -s "$script" \
    "http://127.0.0.1:$port")
  ended=$(now_ms)
  read -r busy_after idle_after < <(machine_ticks)
  ticks_of $(tree_pids "$server_pid") >"$after_server"
  ticks_of $(backend_pids) >"$after_pg"
  echo "$out" >"$workdir/$server-$shape.wrk"

  local line sample
  line=$(grep '^SIDE_RESULT ' <<<"$out")
  sample=$(grep '^SIDE_ERROR_SAMPLE ' <<<"$out" | cut -d' ' -f2- || true)
  [ -z "$sample" ] || echo "   first error: $sample"
  awk -v line="$line" -v server_ticks="$(ticks_between "$before_server" "$after_server")" \
    -v pg_ticks="$(ticks_between "$before_pg" "$after_pg")" -v hz="$hz" \
    -v rss="$(peak_rss_mb "$server_pid")" -v loadavg="$load" \
    -v busy=$((busy_after - busy_before)) -v idle=$((idle_after - idle_before)) \
    -v shape="$shape" -v server="$server" 'BEGIN {
      n = split(line, kv, " ")
      for (i = 2; i <= n; i++) { split(kv[i], pair, "="); r[pair[1]] = pair[2] }
      requests = r["requests"]
      errors = r["graphql_errors"] + r["bad_status"] + r["socket_errors"]
      printf "%s\t%s\t%.1f\t%.2f\t%.2f\t%d\t%.3f\t%.3f\t%d\t%.0f\t%s\n", shape, server,
        requests / (r["duration_us"] / 1e6), r["p50_us"] / 1000, r["p99_us"] / 1000, errors,
        1000 * server_ticks / hz / requests, 1000 * pg_ticks / hz / requests, rss,
        100 * busy / (busy + idle), loadavg
    }' >>"$results"
}

# pgbench: the backends it opens are its whole cost. Their CPU is read
# from the moment all are connected until the run ends (sampled every
# 0.2 s, as they exit with it), and the transactions finished in that window
# are counted from pgbench's per-transaction log.
measure_floor() {
  local shape=$1 args log out pid load started last pids busy_before idle_before busy_after idle_after
  args=(-n -M prepared -D councils="$council_count" -D samples="$sample_count"
    -D today="$today" -f "$here/$shape.sql")
  if ! out=$(pgbench "${args[@]}" -c 1 -t 3 "${pgbench_target[@]}" 2>&1) ||
    ! grep -q 'number of failed transactions: 0' <<<"$out"; then
    echo "floor $shape failed:" >&2
    echo "$out" >&2
    exit 1
  fi
  if [ "$shape" = intake ]; then
    echo "   floor $shape: 3 transactions stored"
  else
    # The statement once through psql, to show how many cases it returns.
    out=$(sed '/^\\set /d' "$here/$shape.sql" |
      sql -F ' ' -v c=1 -v n=1 -v today="'$today'" | awk '{ print $1 }' | sort -u | grep -c . ||
      true)
    echo "   floor $shape: $out cases in the first answer"
  fi
  pgbench "${args[@]}" -c "$connections" -j "$threads" -T "$warmup" "${pgbench_target[@]}" \
    >/dev/null 2>&1

  log=$workdir/pgbench-$shape
  rm -f "$log".*
  (cd "$workdir" && exec pgbench "${args[@]}" -c "$connections" -j "$threads" -T "$seconds" \
    -l --log-prefix="$log" "${pgbench_target[@]}" >"$log.out" 2>&1) &
  pid=$!
  pids=
  while kill -0 "$pid" 2>/dev/null; do
    pids=$(backend_pids "application_name = 'pgbench'")
    [ "$(wc -w <<<"$pids")" -ge "$connections" ] && break
    sleep 0.1
  done
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "pgbench ended before all its connections were seen: raise SIDE_SECONDS" >&2
    exit 1
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  # shellcheck disable=SC2086
  ticks_of $pids >"$workdir/pg.before"
  read -r busy_before idle_before < <(machine_ticks)
  busy_after=$busy_before idle_after=$idle_before
  started=$(now_ms)
  cp "$workdir/pg.before" "$workdir/pg.after"
  last=$started
  while kill -0 "$pid" 2>/dev/null; do
    # shellcheck disable=SC2086
    ticks_of $pids >"$workdir/pg.now"
    if [ "$(wc -l <"$workdir/pg.now")" -ge "$(wc -l <"$workdir/pg.before")" ]; then
      mv "$workdir/pg.now" "$workdir/pg.after"
      last=$(now_ms)
      read -r busy_after idle_after < <(machine_ticks)
    fi
    sleep 0.2
  done
  wait "$pid" || { cat "$log.out" >&2; exit 1; }
  out=$(cat "$log.out")
  local failed
  failed=$(awk -F': ' '/number of failed transactions/ { split($2, f, " "); print f[1] }' <<<"$out")
  # Log lines: client, transaction, latency µs, script, end time s, µs.
  local inside percentiles
  inside=$(cat "$log".* | awk -v from="$started" -v until="$last" '
    { done_ms = $5 * 1000 + $6 / 1000; if (done_ms >= from && done_ms <= until) n++ }
    END { print n + 0 }')
  percentiles=$(cat "$log".* | awk '{ print $3 }' | sort -n | awk '
    { latency[NR] = $1 }
    END { print latency[int(NR * 0.50) + 1] / 1000, latency[int(NR * 0.99) + 1] / 1000 }')
  awk -v inside="$inside" -v percentiles="$percentiles" -v from="$started" -v until="$last" \
    -v shape="$shape" -v pg_ticks="$(ticks_between "$workdir/pg.before" "$workdir/pg.after")" \
    -v hz="$hz" -v errors="${failed:-0}" -v loadavg="$load" \
    -v busy=$((busy_after - busy_before)) -v idle=$((idle_after - idle_before)) 'BEGIN {
      split(percentiles, p, " ")
      printf "%s\tfloor\t%.1f\t%.2f\t%.2f\t%d\t%.3f\t%.3f\t-\t%.0f\t%s\n", shape,
        inside / ((until - from) / 1000), p[1], p[2], errors, 0, 1000 * pg_ticks / hz / inside,
        100 * busy / (busy + idle), loadavg
    }' >>"$results"
}

for server in $servers; do
  say "$server"
  if [ "$server" != floor ]; then
    start_server "$server"
  fi
  for shape in $shapes; do
    if [ "$server" = floor ]; then
      measure_floor "$shape"
    else
      measure_http "$server" "$shape"
    fi
    awk -F'\t' 'END { printf "   %s: %s req/s, p50 %s ms, p99 %s ms, %s errors\n", $1, $3, $4, $5, $6 }' \
      "$results"
    if [ "$shape" = intake ]; then
      forget_intakes
      settle
    fi
  done
  stop_server
done

# --- the table --------------------------------------------------------------

say "done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$total_cases cases of 5 councils, PostgreSQL $pg_version, PostGraphile $postgraphile_version," \
  "$(nproc) cores shared by load generator, server and database;" \
  "$connections connections, $seconds s after $warmup s of warm-up."
echo
awk -F'\t' '
  BEGIN {
    print "| shape | server | req/s | p50 ms | p99 ms | errors | server CPU ms/req | PostgreSQL CPU ms/req | peak RSS MB | machine busy | Redress req/s ÷ this | Redress CPU/req ÷ this |"
    print "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  }
  { row[NR] = $0; if ($2 == "redress") { rps[$1] = $3; cpu[$1] = $7 + $8 } }
  END {
    for (i = 1; i <= NR; i++) {
      split(row[i], f, "\t")
      total = f[7] + f[8]
      speed = (f[1] in rps && f[3] > 0) ? sprintf("%.2f", rps[f[1]] / f[3]) : "-"
      cost = (f[1] in cpu && total > 0) ? sprintf("%.2f", cpu[f[1]] / total) : "-"
      server_cpu = f[2] == "floor" ? "-" : sprintf("%.3f", f[7])
      printf "| %s | %s | %.0f | %.2f | %.2f | %d | %s | %.3f | %s | %s%% | %s | %s |\n",
        f[1], f[2], f[3], f[4], f[5], f[6], server_cpu, f[8], f[9], f[10], speed, cost
    }
  }' "$results"
