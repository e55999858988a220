#!/usr/bin/env bash
# Runs the Meshwork benchmark in one go and prints one markdown table (also written to
# bench/results/latest.md).
#
#   bench/run.sh [--quick] [--servers node,nio,mesh,mesh2]
#
# Servers: node (bench/node-ref/server.js), nio (the plain java.nio echo server), mesh (one
# Meshwork node serving echo), mesh2 (two nodes: the load goes to a node hosting nothing, which
# forwards to echo on the other). Each server runs alone, pinned to CPU 0; the load generator is
# pinned to CPU 1. Scenarios (64-byte payloads unless said):
#   A 1 connection x depth 1   B 1 x 64   C 16 x 16   D 256 x 1   E 16 x 16, 16 KiB payloads
#   F 10,000 connections, each sending 1 request/s (open loop)
# --quick is the CI smoke run: 1 s warm-up, 2 s measured, F with 500 connections for 3 s.
#
# Environment: SERVER_JAVA_OPTS (nio and mesh alike), LOADGEN_JAVA_OPTS.
# Exits non-zero if any scenario had errors or could not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_JAR="$ROOT/bench/target/meshwork-bench.jar"
NODE_JAR="$ROOT/mesh-node/target/mesh-node.jar"
NODE_REF="$ROOT/bench/node-ref"
RESULTS="$ROOT/bench/results"
LOGS="$RESULTS/logs"
HOST=127.0.0.1

# A fixed-size heap (no resizing during a run) with the throughput collector, the same for the
# NIO server and the Meshwork nodes; the young generation keeps the JVM's default size (a third of
# the heap): bench/README.md has what a smaller one changes. No -XX:+AlwaysPreTouch: it would make
# every JVM's RSS the full heap from the start, and the peak RSS and scenario F's RSS per
# connection would then say nothing about the memory the server really uses.
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseParallelGC}"
LOADGEN_JAVA_OPTS="${LOADGEN_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"

MODE=full
SERVERS=node,nio,mesh,mesh2

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
log() { printf '%s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) MODE=quick ;;
    --servers) [[ $# -ge 2 ]] || die "--servers needs a list"; SERVERS="$2"; shift ;;
    --servers=*) SERVERS="${1#--servers=}" ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

if [[ $MODE == quick ]]; then
  WARMUP=1 DURATION=2 F_CONNECTIONS=500 F_DURATION=3
else
  WARMUP=5 DURATION=10 F_CONNECTIONS=10000 F_DURATION=15
fi

# Scenario: name|label|connections|depth|payload bytes|rate per connection (0 = closed loop)
SCENARIOS=(
  "A|A 1×1|1|1|64|0"
  "B|B 1×64|1|64|64|0"
  "C|C 16×16|16|16|64|0"
  "D|D 256×1|256|1|64|0"
  "E|E 16×16, 16 KiB|16|16|16384|0"
  "F|F ${F_CONNECTIONS}×1/s|${F_CONNECTIONS}|1|64|1"
)

IFS=, read -r -a SERVER_LIST <<<"$SERVERS"
for s in "${SERVER_LIST[@]}"; do
  case "$s" in node|nio|mesh|mesh2) ;; *) die "unknown server '$s' (expected: node, nio, mesh, mesh2)" ;; esac
done

# ---------------------------------------------------------------------------------------------
# Processes: every child is recorded and stopped on exit, failure or Ctrl-C.

# A pid is only signalled while it still names the process we started: pids are reused, and
# this machine may run other work (the start time in /proc/PID/stat tells them apart).
CHILDREN=()
declare -A STARTED_AT

start_time() { # pid: its start time, field 22 of /proc/PID/stat (after the parenthesised name)
  local stat fields
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[19]}"
}

track() { # pid: a child to stop on exit (idempotent)
  [[ " ${CHILDREN[*]} " == *" $1 "* ]] || CHILDREN+=("$1")
  STARTED_AT[$1]="$(start_time "$1" || echo gone)"
}

alive() { # pid...: each one is still the process we started
  local pid
  for pid in "$@"; do
    [[ -n "${STARTED_AT[$pid]:-}" && "$(start_time "$pid" || true)" == "${STARTED_AT[$pid]}" ]] || return 1
  done
}

stop_pids() { # SIGTERM, then SIGKILL for whatever still runs after 20 s
  local pid running deadline=$((SECONDS + 20))
  for pid in "$@"; do alive "$pid" && { kill -TERM "$pid" 2>/dev/null || true; }; done
  while :; do
    running=()
    for pid in "$@"; do alive "$pid" && running+=("$pid"); done
    [[ ${#running[@]} -eq 0 ]] && break
    if (( SECONDS >= deadline )); then
      log "still running 20 s after SIGTERM, killing: ${running[*]}"
      kill -KILL "${running[@]}" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

forget_children() { # drop stopped pids from CHILDREN
  local pid keep=()
  for pid in "${CHILDREN[@]}"; do alive "$pid" && keep+=("$pid"); done
  CHILDREN=("${keep[@]}")
}

# shellcheck disable=SC2317 # called by the traps
cleanup() {
  if [[ ${#CHILDREN[@]} -gt 0 ]]; then
    stop_pids "${CHILDREN[@]}"
    CHILDREN=()
  fi
}
trap cleanup EXIT
trap 'log "interrupted"; cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Helpers

USED_PORTS=" "
free_port() { # a port nobody listens on, outside the ephemeral range the load generator uses
  local port tries=0
  while (( tries++ < 1000 )); do
    port=$((20000 + RANDOM % 12000))
    [[ "$USED_PORTS" == *" $port "* ]] && continue
    if command -v ss >/dev/null 2>&1; then
      [[ -n "$(ss -Htan "sport = :$port" 2>/dev/null)" ]] && continue
    elif (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
      continue
    fi
    USED_PORTS+="$port "
    echo "$port"
    return
  done
  die "no free port found"
}

wait_until() { # timeout_seconds description command...: polls until the command succeeds;
  # gives up at once when it exits with 2 (the process it waits for is gone)
  local timeout=$1 what=$2 rc; shift 2
  local deadline=$((SECONDS + timeout))
  while :; do
    rc=0; "$@" || rc=$?
    (( rc == 0 )) && return 0
    if (( rc == 2 )); then log "gave up waiting for $what: the process exited"; return 1; fi
    if (( SECONDS >= deadline )); then log "timed out after ${timeout}s waiting for $what"; return 1; fi
    sleep 0.05
  done
}


# shellcheck disable=SC2317 # called through wait_until
listening() { # pid log: the server printed "listening on"
  alive "$1" || return 2
  grep -q "listening on" "$2" 2>/dev/null
}

proc_kb() { # field pid...: the sum of a /proc/PID/status field (kB) over the pids
  local field=$1 pid total=0 v; shift
  for pid in "$@"; do
    v="$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status" 2>/dev/null || true)"
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

field() { # RESULT line, key: the value of key=value
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

group() { # 1234567 -> 1,234,567
  sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"
}

ratio() { # a b: a/b as "1.23×", or "–"
  awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b + 0 > 0) printf "%.2f×", a / b; else printf "–" }'
}

# ---------------------------------------------------------------------------------------------
# Preparation

command -v java >/dev/null 2>&1 || die "java not found (Java 17+ is needed)"
command -v curl >/dev/null 2>&1 || die "curl not found (used for the nodes' readiness checks)"
PIN_SERVER=() PIN_LOADGEN=()
if command -v taskset >/dev/null 2>&1 && [[ "$(nproc)" -ge 2 ]]; then
  PIN_SERVER=(taskset -c 0) PIN_LOADGEN=(taskset -c 1)
else
  log "warning: taskset or a second CPU is missing: server and load generator run unpinned"
fi

stale() { # jar module...: the jar is missing or older than a pom or a main source of the modules
  local jar=$1; shift
  [[ -f "$jar" ]] || return 0
  [[ -n "$(find "$ROOT/pom.xml" "${@/#/$ROOT/}" \( -name target -o -name node_modules \) -prune -o \
    \( -name pom.xml -o -path '*/src/main/*' \) -type f -newer "$jar" -print -quit)" ]]
}
build_needed() {
  stale "$NODE_JAR" protocol services mesh-node || stale "$BENCH_JAR" protocol bench
}
if build_needed; then
  log "building the jars (mvn -B -q -DskipTests package) ..."
  (cd "$ROOT" && mvn -B -q -DskipTests package) || die "build failed"
fi

mkdir -p "$LOGS"
rm -f "$LOGS"/*.log

# Meshwork nodes start through their launcher, as in production: its class-data-sharing archive
# is made here (once per build), so that start-up below is measured with it.
MESH_NODE_JAR="$NODE_JAR" "$ROOT/mesh-node/bin/mesh-node" --prepare

# Scenario F needs a file descriptor per connection, on both sides: raise the soft limit.
hard_nofile="$(ulimit -Hn)"
want_nofile=65536
[[ "$hard_nofile" != unlimited && "$hard_nofile" -lt "$want_nofile" ]] && want_nofile="$hard_nofile"
ulimit -n "$want_nofile" 2>/dev/null || true
if (( $(ulimit -n) < F_CONNECTIONS + 1024 )); then
  log "warning: ulimit -n is $(ulimit -n): scenario F with $F_CONNECTIONS connections may fail"
fi

# A benchmark wants the machine to itself: say so when something else keeps the CPUs busy.
cpu_busy_percent() { # over one second, all CPUs
  local a b
  a="$(head -n 1 /proc/stat)"; sleep 1; b="$(head -n 1 /proc/stat)"
  awk -v a="$a" -v b="$b" 'BEGIN {
    n = split(a, x); split(b, y); total = 0
    for (i = 2; i <= n; i++) total += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    busy = 0
    if (total > 0) busy = 100 * (total - idle) / total
    printf "%.0f\n", busy }'
}
BUSY_BEFORE="$(cpu_busy_percent)"
if (( BUSY_BEFORE > 10 )); then
  log "warning: the CPUs were ${BUSY_BEFORE}% busy just before the run: something else is running, the numbers will be noisy"
fi

SKIPPED=()
RUN_SERVERS=()
for s in "${SERVER_LIST[@]}"; do
  if [[ $s == node ]]; then
    if [[ ! -f "$NODE_REF/server.js" ]]; then
      log "skipping the Node peer: $NODE_REF/server.js is not there (yet)"
      SKIPPED+=("node (bench/node-ref/server.js absent)")
      continue
    fi
    command -v node >/dev/null 2>&1 || die "node not found (needed for the Node peer; or leave it out with --servers)"
    if [[ -f "$NODE_REF/package-lock.json" ]]; then
      log "installing the Node peer (npm ci) ..."
      (cd "$NODE_REF" && npm ci --no-audit --no-fund --loglevel=error >"$LOGS/npm-ci.log" 2>&1) ||
        { cat "$LOGS/npm-ci.log" >&2; die "npm ci failed in bench/node-ref"; }
    fi
  fi
  RUN_SERVERS+=("$s")
done

# ---------------------------------------------------------------------------------------------
# Servers. start_<server> sets SERVER_PIDS (all processes of the server) and CLIENT_PORT.

SERVER_PIDS=()
CLIENT_PORT=""
STARTUP=()

start_node() {
  CLIENT_PORT="$(free_port)"
  "${PIN_SERVER[@]}" node "$NODE_REF/server.js" --host "$HOST" --port "$CLIENT_PORT" >"$LOGS/node.log" 2>&1 &
  SERVER_PIDS=($!); track "$!"
  wait_until 30 "the Node peer to listen" listening "${SERVER_PIDS[0]}" "$LOGS/node.log"
}

start_nio() {
  CLIENT_PORT="$(free_port)"
  # shellcheck disable=SC2086 # SERVER_JAVA_OPTS is a list of options
  "${PIN_SERVER[@]}" java $SERVER_JAVA_OPTS -cp "$BENCH_JAR" io.meshwork.bench.NioEchoServer \
    --host "$HOST" --port "$CLIENT_PORT" >"$LOGS/nio.log" 2>&1 &
  SERVER_PIDS=($!); track "$!"
  wait_until 30 "the NIO server to listen" listening "${SERVER_PIDS[0]}" "$LOGS/nio.log"
}

# launch_mesh name services seed-nodes: starts one node; sets LAUNCHED_PID, *_PORT of that node.
launch_mesh() {
  local name=$1 services=$2 seeds=$3
  MESH_CLIENT_PORT="$(free_port)" MESH_CLUSTER="$(free_port)" MESH_MGMT="$(free_port)"
  LAUNCH_NS="$(date +%s%N)"
  MESH_HOST="$HOST" MESH_PORT="$MESH_CLIENT_PORT" MESH_CLUSTER_PORT="$MESH_CLUSTER" \
    MESH_MANAGEMENT_PORT="$MESH_MGMT" MESH_SERVICES="$services" MESH_SEED_NODES="$seeds" \
    MESH_NODE_JAR="$NODE_JAR" JAVA_OPTS="$SERVER_JAVA_OPTS" \
    "${PIN_SERVER[@]}" "$ROOT/mesh-node/bin/mesh-node" >"$LOGS/$name.log" 2>&1 &
  LAUNCHED_PID=$!; CHILDREN+=("$!")
}

# up_time name log launch_ns pid: waits for "Meshwork node Up N ms after JVM start" and records
# N and the wall time from launch to the line's appearance.
up_time() {
  local name=$1 file=$2 launch_ns=$3 pid=$4 line wall_ms up_ms deadline=$((SECONDS + 60))
  until line="$(grep -m1 -o 'Meshwork node Up [0-9]* ms after JVM start' "$file" 2>/dev/null)"; do
    alive "$pid" || { log "$name exited during start-up (see $file)"; return 1; }
    (( SECONDS < deadline )) || { log "$name: no 'Meshwork node Up' line within 60 s"; return 1; }
    sleep 0.02
  done
  wall_ms=$(( ($(date +%s%N) - launch_ns) / 1000000 ))
  up_ms="${line#Meshwork node Up }" up_ms="${up_ms%% *}"
  STARTUP+=("$name: Up ${up_ms} ms after JVM start (node's log); ${wall_ms} ms from launching the process to that line")
}

# shellcheck disable=SC2317 # called through wait_until
ready() { # pid mgmt-port
  alive "$1" || return 2
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HOST:$2/ready" || true)" == 200 ]]
}
# shellcheck disable=SC2317 # called through wait_until
sees_echo() { # pid mgmt-port: the node routes echo to a reachable instance
  alive "$1" || return 2
  curl -s --max-time 2 "http://$HOST:$2/services" 2>/dev/null |
    grep -q '"name":"echo","instances":\[[^]]*"reachable":true'
}

start_mesh() {
  launch_mesh mesh echo ""
  track "$LAUNCHED_PID"
  SERVER_PIDS=("$LAUNCHED_PID"); CLIENT_PORT="$MESH_CLIENT_PORT"
  local mgmt="$MESH_MGMT"
  up_time "mesh (one node)" "$LOGS/mesh.log" "$LAUNCH_NS" "$LAUNCHED_PID" &&
    wait_until 60 "mesh to be ready" ready "$LAUNCHED_PID" "$mgmt"
}

start_mesh2() {
  launch_mesh mesh2-a echo ""
  track "$LAUNCHED_PID"
  local a_pid=$LAUNCHED_PID a_launch=$LAUNCH_NS a_mgmt=$MESH_MGMT a_cluster=$MESH_CLUSTER
  launch_mesh mesh2-b none "$HOST:$a_cluster"
  track "$LAUNCHED_PID"
  local b_pid=$LAUNCHED_PID b_launch=$LAUNCH_NS b_mgmt=$MESH_MGMT
  SERVER_PIDS=("$a_pid" "$b_pid"); CLIENT_PORT="$MESH_CLIENT_PORT" # load goes to B
  up_time "mesh2 node A (echo)" "$LOGS/mesh2-a.log" "$a_launch" "$a_pid" &&
    up_time "mesh2 node B (forwards, started with A)" "$LOGS/mesh2-b.log" "$b_launch" "$b_pid" &&
    wait_until 60 "mesh2 node A to be ready" ready "$a_pid" "$a_mgmt" &&
    wait_until 60 "mesh2 node B to be ready" ready "$b_pid" "$b_mgmt" &&
    wait_until 30 "mesh2 node B to see echo on node A" sees_echo "$b_pid" "$b_mgmt"
}

start_server() {
  case $1 in
    node) start_node ;;
    nio) start_nio ;;
    mesh) start_mesh ;;
    mesh2) start_mesh2 ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Scenarios

declare -A RPS P50 P99 ERRS CPU PEAK_MB RSS_KB_PER_CONN
FAILED=0

mark_row() { # server scenario-spec status: a scenario without a result
  local name
  IFS='|' read -r name _ <<<"$2"
  RPS[$name:$1]="" P50[$name:$1]="–" P99[$name:$1]="–" ERRS[$name:$1]="$3" CPU[$name:$1]="–"
}

run_scenario() { # server scenario-spec
  local server=$1 name label conns depth payload rate warmup duration out rc result
  IFS='|' read -r name label conns depth payload rate <<<"$2"
  warmup=$WARMUP duration=$DURATION
  [[ $name == F ]] && duration=$F_DURATION
  local args=(--host "$HOST" --port "$CLIENT_PORT" --connections "$conns" --depth "$depth"
    --payload "$payload" --warmup "$warmup" --duration "$duration")
  [[ $rate != 0 ]] && args+=(--rate-per-connection "$rate")
  out="$LOGS/$server-$name.log"

  local rss_before=0 rss_max=0 rss lg_pid
  rss_before="$(proc_kb VmRSS "${SERVER_PIDS[@]}")"
  # shellcheck disable=SC2086 # LOADGEN_JAVA_OPTS is a list of options
  "${PIN_LOADGEN[@]}" java $LOADGEN_JAVA_OPTS -cp "$BENCH_JAR" io.meshwork.bench.LoadGenerator \
    "${args[@]}" >"$out" 2>&1 &
  lg_pid=$!; track "$lg_pid"
  if [[ $name == F ]]; then # the server's RSS while it holds every connection
    while alive "$lg_pid"; do
      rss="$(proc_kb VmRSS "${SERVER_PIDS[@]}")"
      (( rss > rss_max )) && rss_max=$rss
      sleep 0.25
    done
  fi
  rc=0; wait "$lg_pid" || rc=$?
  forget_children

  result="$(grep '^RESULT ' "$out" | tail -n 1 || true)"
  local key="$name:$server"
  if [[ -z "$result" ]]; then
    log "  $label: no result (exit $rc), see $out:"; tail -n 5 "$out" | sed 's/^/    /' >&2
    RPS[$key]="" P50[$key]="–" P99[$key]="–" ERRS[$key]="failed" CPU[$key]="–"
    FAILED=1
    return
  fi
  RPS[$key]="$(field "$result" rps)" P50[$key]="$(field "$result" p50_us)"
  P99[$key]="$(field "$result" p99_us)" ERRS[$key]="$(field "$result" errors)"
  CPU[$key]="$(awk -v c="$(field "$result" client_cpu)" 'BEGIN { printf "%.0f%%", c * 100 }')"
  if [[ ${ERRS[$key]} != 0 || $rc != 0 ]]; then
    FAILED=1
    log "  $label: ${ERRS[$key]} errors (exit $rc), see $out"
  fi
  if [[ $name == F ]]; then
    RSS_KB_PER_CONN[$server]="$(awk -v a="$rss_max" -v b="$rss_before" -v n="$conns" \
      'BEGIN { printf "%.1f", (a - b) / n }')"
  fi
  log "  $label: $(group "${RPS[$key]}") req/s, p50 ${P50[$key]} µs, p99 ${P99[$key]} µs, errors ${ERRS[$key]}"
}

for server in "${RUN_SERVERS[@]}"; do
  log "== $server: starting"
  if ! start_server "$server"; then
    log "$server did not start; last lines of its log:"
    tail -n 20 "$LOGS/$server"*.log >&2 || true
    for spec in "${SCENARIOS[@]}"; do mark_row "$server" "$spec" "no start"; done
    FAILED=1
    stop_pids "${SERVER_PIDS[@]}"; forget_children
    continue
  fi
  peak_kb=0 gone=""
  for spec in "${SCENARIOS[@]}"; do
    if [[ -z $gone ]] && ! alive "${SERVER_PIDS[@]}"; then
      gone=1 FAILED=1
      log "  $server is no longer running (crashed, or killed from outside); its log: $LOGS/$server*.log"
    fi
    if [[ -n $gone ]]; then
      mark_row "$server" "$spec" "server gone"
      continue
    fi
    run_scenario "$server" "$spec"
    hwm="$(proc_kb VmHWM "${SERVER_PIDS[@]}")"
    (( hwm > peak_kb )) && peak_kb=$hwm
  done
  PEAK_MB[$server]=$((peak_kb / 1024))
  log "== $server: stopping"
  stop_pids "${SERVER_PIDS[@]}"; forget_children
done

# ---------------------------------------------------------------------------------------------
# The table

commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""; [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]] && dirty=" (with uncommitted changes)"
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
java_version="$(java -version 2>&1 | head -n 1)"
node_version="$(node --version 2>/dev/null || echo 'not installed')"

table() {
  echo "| scenario | server | req/s | p50 µs | p99 µs | errors | server peak RSS MB | RSS/conn KB | Meshwork/Node req/s | Meshwork/NIO req/s | load gen CPU |"
  echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
  local spec name label server key vs_node vs_nio rss_conn
  for spec in "${SCENARIOS[@]}"; do
    IFS='|' read -r name label _ <<<"$spec"
    for server in "${RUN_SERVERS[@]}"; do
      key="$name:$server"
      vs_node="" vs_nio="" rss_conn=""
      if [[ $server == mesh || $server == mesh2 ]]; then
        vs_node="$(ratio "${RPS[$key]}" "${RPS[$name:node]:-}")"
        vs_nio="$(ratio "${RPS[$key]}" "${RPS[$name:nio]:-}")"
      fi
      [[ $name == F ]] && rss_conn="${RSS_KB_PER_CONN[$server]:-–}"
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$label" "$server" "$(group "${RPS[$key]:-–}")" "$(group "${P50[$key]:-–}")" "$(group "${P99[$key]:-–}")" \
        "${ERRS[$key]:-–}" "${PEAK_MB[$server]:-–}" "$rss_conn" "$vs_node" "$vs_nio" "${CPU[$key]:-–}"
    done
  done
}

report() {
  echo "Meshwork benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty, mode $MODE" \
    "(warm-up ${WARMUP} s, measured ${DURATION} s; F: ${F_CONNECTIONS} connections, ${F_DURATION} s)"
  echo
  echo "Machine: $(nproc) CPUs, $cpu_model; $java_version; node $node_version;" \
    "server JVM options: \`$SERVER_JAVA_OPTS\`; CPUs busy just before the run: ${BUSY_BEFORE}%"
  echo
  table
  echo
  if [[ ${#STARTUP[@]} -gt 0 ]]; then
    echo "Meshwork node start-up:"
    echo
    local line
    for line in "${STARTUP[@]}"; do echo "- $line"; done
    echo
  fi
  if [[ ${#SKIPPED[@]} -gt 0 ]]; then
    echo "Skipped: ${SKIPPED[*]}"
    echo
  fi
  echo "RSS/conn: (server RSS while holding F's connections − RSS before F) / connections." \
    "Load gen CPU: the load generator's selector thread, share of its core (F polls to send on time)."
}

report | tee "$RESULTS/latest.md"
exit "$FAILED"
