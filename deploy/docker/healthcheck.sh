#!/usr/bin/env bash
# Docker HEALTHCHECK: healthy when GET /ready on the management API answers 200. Plain bash
# (/dev/tcp), so the image needs no curl.
set -euo pipefail
host="${MESH_MANAGEMENT_HOST:-$(hostname -i | awk '{print $1}')}"
exec 3<>"/dev/tcp/$host/${MESH_MANAGEMENT_PORT:-8558}"
printf 'GET /ready HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
IFS= read -r -t 3 status <&3
[[ "$status" == "HTTP/1."?" 200"* ]]
