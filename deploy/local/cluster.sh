#!/usr/bin/env bash
# Runs a three-node Meshwork cluster on this machine.
#
#   deploy/local/cluster.sh up       build the jar if missing or stale, start three nodes, wait until Up
#   deploy/local/cluster.sh status   show each node's process, readiness and the cluster's members
#   deploy/local/cluster.sh down     stop exactly the nodes this script started (SIGTERM, then KILL)
#
# Nodes: client ports 7701-7703, cluster ports 2551-2553, management ports 8551-8553, all on
# 127.0.0.1. Nodes 1 and 2 host every built-in service, conformance included (it is opt-in: asked
# for here so that the conformance suite can run against the cluster, as CI does); node 3 hosts
# none and routes every call to the others. State (pids, logs) lives in $MESH_CLUSTER_DIR (default: .cluster/ in the repository).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="$ROOT/mesh-node/target/mesh-node.jar"
STATE="${MESH_CLUSTER_DIR:-$ROOT/.cluster}"
JAVA_OPTS="${JAVA_OPTS:--Xmx256m}"
HOST=127.0.0.1
NODES=(1 2 3)
SERVICES=("" "all,conformance" "all,conformance" "none")  # indexed by node number

client_port() { echo $((7700 + $1)); }
cluster_port() { echo $((2550 + $1)); }
management_port() { echo $((8550 + $1)); }

log() { printf '%s\n' "$*"; }
die() { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }

# GET a management route; prints the body, fails when the node does not answer.
http_get() {
  local port=$1 path=$2
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 3 "http://$HOST:$port$path"
  else
    exec 3<>"/dev/tcp/$HOST/$port" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$HOST" >&3
    local response
    response="$(cat <&3)"; exec 3<&-
    [[ "$response" == "HTTP/1."?" 200"* ]] || return 1
    printf '%s' "${response#*$'\r\n\r\n'}"
  fi
}

pid_of() { cat "$STATE/node$1.pid" 2>/dev/null || true; }

# True when the pid file's process is alive and really is one of our nodes (not a reused pid): the
# launcher script, or the JVM it has become, or, for the first moments after "up" started it, the
# forked copy of this script that has not yet run the launcher.
running() {
  local pid; pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -e "mesh-node" -e "cluster.sh"
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

build_if_needed() {
  local stale=""
  if [[ ! -f "$JAR" ]]; then
    stale="missing"
  elif [[ -n "$(find "$ROOT" -path "$ROOT/.cluster" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) -newer "$JAR" -type f -print -quit)" ]]; then
    stale="older than the sources"
  fi
  if [[ -n "$stale" ]]; then
    log "mesh-node.jar is $stale: building (mvn -B -q -DskipTests package) ..."
    (cd "$ROOT" && mvn -B -q -DskipTests package) || die "build failed"
  fi
}

up() {
  local n
  command -v java >/dev/null 2>&1 || die "java not found (Java 17+ is needed)"
  local all_running=1
  for n in "${NODES[@]}"; do running "$n" || all_running=0; done
  if [[ $all_running == 1 ]]; then
    log "The cluster is already running."
    status
    return
  fi
  for n in "${NODES[@]}"; do
    if running "$n"; then die "node $n is running but others are not: run '$0 down' first"; fi
  done
  build_if_needed
  for n in "${NODES[@]}"; do
    for p in "$(client_port "$n")" "$(cluster_port "$n")" "$(management_port "$n")"; do
      if port_in_use "$p"; then die "port $p on $HOST is already in use"; fi
    done
  done
  mkdir -p "$STATE/logs"
  # The first start after a build also writes the class-data-sharing archive (a few seconds).
  MESH_NODE_JAR="$JAR" "$ROOT/mesh-node/bin/mesh-node" --prepare
  for n in "${NODES[@]}"; do
    MESH_HOST=$HOST \
    MESH_PORT="$(client_port "$n")" \
    MESH_CLUSTER_PORT="$(cluster_port "$n")" \
    MESH_MANAGEMENT_PORT="$(management_port "$n")" \
    MESH_SEED_NODES="$HOST:$(cluster_port 1)" \
    MESH_SERVICES="${SERVICES[$n]}" \
    JAVA_OPTS="$JAVA_OPTS" \
      nohup "$ROOT/mesh-node/bin/mesh-node" >"$STATE/logs/node$n.log" 2>&1 </dev/null &
    echo $! >"$STATE/node$n.pid"
  done
  log "Started 3 nodes; logs in $STATE/logs. Waiting for the cluster to be Up ..."
  local deadline=$((SECONDS + 90))
  while :; do
    local ready=0
    for n in "${NODES[@]}"; do
      if ! running "$n"; then
        log "node $n exited; the end of its log:"; tail -n 20 "$STATE/logs/node$n.log" >&2 || true
        down >/dev/null 2>&1 || true
        die "node $n failed to start"
      fi
      if http_get "$(management_port "$n")" /ready >/dev/null 2>&1; then ready=$((ready + 1)); fi
    done
    local members; members="$(http_get "$(management_port 1)" /cluster/members 2>/dev/null || true)"
    local up; up="$( (grep -o '"status":"Up"' <<<"$members" || true) | wc -l)"
    if [[ $ready == 3 && $up == 3 ]]; then break; fi
    if (( SECONDS > deadline )); then die "the cluster did not come Up within 90 s (logs in $STATE/logs)"; fi
    sleep 0.5
  done
  status
  cat <<TOUR

Try it:
  client/bin/meshctl call echo --node $HOST:7703 --text 'hello mesh'   # node 3 forwards to node 1 or 2
  client/bin/meshctl call info --node $HOST:7703                       # shows which node served
  curl -s http://$HOST:8551/cluster/members
  curl -s http://$HOST:8553/services
Stop it with: deploy/local/cluster.sh down
TOUR
}

status() {
  local n
  printf '%-6s %-8s %-7s %-16s %-16s %-18s %s\n' NODE PID READY CLIENT CLUSTER MANAGEMENT SERVICES
  for n in "${NODES[@]}"; do
    local pid="-" ready="-"
    if running "$n"; then
      pid="$(pid_of "$n")"
      if http_get "$(management_port "$n")" /ready >/dev/null 2>&1; then ready=yes; else ready=no; fi
    else
      pid="stopped"
    fi
    printf '%-6s %-8s %-7s %-16s %-16s %-18s %s\n' "node$n" "$pid" "$ready" \
      "$HOST:$(client_port "$n")" "$HOST:$(cluster_port "$n")" "http://$HOST:$(management_port "$n")" \
      "${SERVICES[$n]}"
  done
  for n in "${NODES[@]}"; do
    if running "$n"; then
      local members
      if members="$(http_get "$(management_port "$n")" /cluster/members 2>/dev/null)"; then
        log "Cluster members seen by node$n: $( (grep -o '"status":"[A-Za-z]*"' <<<"$members" || true) | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
      fi
      break
    fi
  done
}

down() {
  local n
  local any=0
  for n in "${NODES[@]}"; do
    if running "$n"; then
      any=1
      kill -TERM "$(pid_of "$n")"
    fi
  done
  local deadline=$((SECONDS + 30))
  for n in "${NODES[@]}"; do
    while running "$n"; do
      if (( SECONDS > deadline )); then
        log "node $n did not stop within 30 s of SIGTERM: killing it"
        kill -KILL "$(pid_of "$n")" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
    rm -f "$STATE/node$n.pid"
  done
  if [[ $any == 1 ]]; then log "Stopped the local cluster (logs kept in $STATE/logs)."; else log "No node of the local cluster is running."; fi
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up|status|down" >&2; exit 2 ;;
esac
