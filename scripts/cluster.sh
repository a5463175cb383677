#!/usr/bin/env bash
# Starts the test suite's real Pacemaker cluster by hand (as root), to look at it with crm_mon:
#   bash scripts/cluster.sh up [--nodes 3] [--remotes 1]   # cluster nodes node1..N, real remote nodes remote1..M
#   bash scripts/cluster.sh exec node1 crm_mon             # any command inside a node's namespaces
#   bash scripts/cluster.sh down                           # stops every process by PID, removes everything
# Everything runs in private namespaces: the nodes' bridge lives in a "switch" network namespace held by a
# sleep process, so nothing is added to this machine's own network. State: $PCMK_CLUSTER_STATE.
set -euo pipefail
cd "$(dirname "$0")/.."
state="${PCMK_CLUSTER_STATE:-/run/pcmk-remote-cluster.json}"
cli=(node --conditions=source --import tsx test/support/cluster/cli.ts)
[ "$(id -u)" = 0 ] || { echo "scripts/cluster.sh needs root (namespaces and mounts): sudo bash scripts/cluster.sh $*" >&2; exit 1; }
case "${1:-}" in
  up)
    shift
    [ -e "$state" ] && { echo "a cluster is already up ($state): bash scripts/cluster.sh down first" >&2; exit 1; }
    bash scripts/ensure-real-cluster.sh >/dev/null
    unshare -n sleep infinity &
    sw=$!
    for _ in $(seq 100); do [ "$(readlink /proc/$sw/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.02; done
    nsenter -t "$sw" -n -- ip link set lo up
    if ! nsenter -t "$sw" -n -- "${cli[@]}" up --switch-holder "$sw" --state "$state" "$@"; then kill "$sw"; exit 1; fi
    ;;
  exec)
    shift
    node=${1:?usage: cluster.sh exec NODE CMD...}
    shift
    pid=$("${cli[@]}" holder "$node" --state "$state")
    exec nsenter -t "$pid" -n -m -u -- "$@"
    ;;
  down)
    [ -e "$state" ] || { echo "no cluster is up ($state)" >&2; exit 1; }
    sw=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).switchHolder)' "$state")
    nsenter -t "$sw" -n -- "${cli[@]}" down --state "$state"
    kill "$sw" 2>/dev/null || true
    ;;
  *)
    sed -n '2,6p' "$0" >&2
    exit 2
    ;;
esac
