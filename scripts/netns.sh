#!/usr/bin/env bash
# Runs a command in a private network namespace with only loopback up (as root), so a real
# pacemaker-remoted started by the command cannot collide with another one on this machine.
set -euo pipefail
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n -- bash -c 'ip link set lo up && exec "$@"' bash "$@"
fi
exec "$@"
