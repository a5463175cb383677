#!/usr/bin/env bash
# The project's test command: type-check, make sure the real pacemaker-remoted is installed, then run every
# suite (unit, simulator, cross-package and real-daemon) in one mocha run. As root, the run happens in a
# fresh network namespace with only loopback up, so the real daemon's abstract IPC sockets and ports never
# collide with anything else on the machine and nothing can leave 127.0.0.1/::1.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=()
[ "${1:-}" = "--only-real" ] && mode=(--only-real)
echo "== type-check"
npx tsc -p tsconfig.json --noEmit
echo "== packages: pack, install with npm, run (scripts/pack-install.sh)"
bash scripts/pack-install.sh
echo "== real daemon"
bash scripts/ensure-real-daemon.sh
echo "   $(/usr/sbin/pacemaker-remoted --version 2>/dev/null | head -1)"
echo "== newer real daemons and cluster stack (chroots: trixie = 3.0.0, sid = 3.0.3, sid-cluster = 3.0.3 cluster)"
bash scripts/peers.sh
echo "== real cluster stack (corosync, the pacemaker .deb extracted for test/support/cluster)"
cluster_stack=$(bash scripts/ensure-real-cluster.sh)
echo "   $cluster_stack"
run=(node --conditions=source --import tsx scripts/run-mocha.ts "${mode[@]}")
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  echo "== tests (private network namespace, loopback only)"
  exec unshare -n -- bash -c 'ip link set lo up && exec "$@"' bash "${run[@]}"
else
  echo "== tests"
  exec "${run[@]}"
fi
