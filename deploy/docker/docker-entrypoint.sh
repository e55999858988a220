#!/usr/bin/env bash
# Container entry point: the node advertises and binds the container's IP unless MESH_HOST or
# MESH_MANAGEMENT_HOST name another address (the image default 127.0.0.1 would be unreachable from
# the other containers), then the launcher execs the JVM, which receives SIGTERM directly.
set -euo pipefail
container_ip() { hostname -i | awk '{print $1}'; }
export MESH_HOST="${MESH_HOST:-$(container_ip)}"
export MESH_MANAGEMENT_HOST="${MESH_MANAGEMENT_HOST:-$(container_ip)}"
exec /opt/meshwork/bin/mesh-node "$@"
