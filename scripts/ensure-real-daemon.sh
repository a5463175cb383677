#!/usr/bin/env bash
# Makes sure Debian's pacemaker-remoted (2.1.5) and pacemaker-cli-utils are installed; installs them when
# running as root. Exits non-zero with a clear message otherwise: real-daemon tests must fail, never skip.
set -euo pipefail
need=()
[ -x /usr/sbin/pacemaker-remoted ] || need+=(pacemaker-remote)
command -v crm_simulate >/dev/null 2>&1 || need+=(pacemaker-cli-utils)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v ss >/dev/null 2>&1 || need+=(iproute2)
[ -x /usr/sbin/fence_dummy ] || need+=(fence-agents)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "The real-daemon tests need: ${need[*]}. Install them as root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The real-daemon tests need Debian's ${need[*]} and this machine has no apt-get." >&2
  exit 1
fi
echo "Installing ${need[*]} (Debian packages) for the real-daemon tests..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
[ -x /usr/sbin/pacemaker-remoted ] || { echo "pacemaker-remoted is still missing after the install" >&2; exit 1; }
