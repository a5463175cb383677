#!/usr/bin/env bash
# Makes sure the real-cluster fixture (test/support/cluster/) can start a real Pacemaker cluster on this
# machine: corosync, the shared libraries of the full Pacemaker stack, and Debian's `pacemaker` .deb of the
# installed pacemaker-remote version extracted into $PCMK_CLUSTER_PKG (default below). The `pacemaker`
# package Conflicts with `pacemaker-remote`, so it is never installed: the fixture overlays the extracted
# /usr/lib and /usr/sbin on the real paths inside each cluster node's private mount namespace only.
# Installs what is missing when run as root; otherwise exits non-zero with the exact command to run (the
# real-cluster suites fail, never skip, without it). Prints the extracted tree's path on success.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v corosync >/dev/null 2>&1 || need+=(corosync)
for lib in libcrmcluster29 libcib27 libpe-status28 libpacemaker1 libstonithd26 liblrmd28 libcrmservice28; do
  dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q 'ok installed' || need+=("$lib")
done
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
command -v bzip2 >/dev/null 2>&1 || need+=(bzip2)
pm_version=$(dpkg-query -W -f='${Version}' pacemaker-remote 2>/dev/null || true)
if [ -z "$pm_version" ]; then
  echo "The real-cluster tests need pacemaker-remote first: run bash scripts/ensure-real-daemon.sh as root." >&2
  exit 1
fi
PKG="${PCMK_CLUSTER_PKG:-/opt/pcmk-remote-cluster/pacemaker-$pm_version}"
pkg_ok() { [ -x "$PKG/usr/sbin/pacemakerd" ] && [ -x "$PKG/usr/lib/pacemaker/pacemaker-controld" ]; }
if [ ${#need[@]} -eq 0 ] && pkg_ok; then
  echo "$PKG"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The real-cluster tests need ${need[*]:-} and Debian's pacemaker=$pm_version extracted into $PKG." >&2
  echo "Run as root on Debian: sudo bash scripts/ensure-real-cluster.sh" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} (Debian packages) for the real-cluster tests..." >&2
  # corosync's postinst would start it on the host; a policy-rc.d that denies starts prevents that.
  added_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && added_policy=1
  fi
  apt_get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt_get update -qq && apt_get install -y -qq "${need[@]}" >/dev/null; }
  [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d
  command -v corosync >/dev/null 2>&1 || { echo "corosync is still missing after the install" >&2; exit 1; }
fi
if ! pkg_ok; then
  echo "Extracting Debian's pacemaker=$pm_version into $PKG..." >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  chmod 755 "$work" # apt-get download runs as _apt and must be able to write here
  (cd "$work" && apt_get download -qq "pacemaker=$pm_version" >/dev/null 2>&1) ||
    (apt_get update -qq && cd "$work" && apt_get download -qq "pacemaker=$pm_version" >/dev/null)
  rm -rf "$PKG.new"
  mkdir -p "$PKG.new"
  dpkg-deb -x "$work"/pacemaker_*.deb "$PKG.new"
  rm -rf "$PKG"
  mv "$PKG.new" "$PKG"
  pkg_ok || { echo "$PKG/usr/sbin/pacemakerd is still missing after the extraction" >&2; exit 1; }
fi
echo "$PKG"
