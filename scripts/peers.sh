#!/usr/bin/env bash
# Builds the chroots that hold the NEWER real Pacemaker daemons the test suite runs against, beside the
# host's Debian 12 pacemaker-remoted (2.1.5):
#
#   trixie (Debian 13)  -> Pacemaker 3.0.0
#   sid (unstable)      -> Pacemaker 3.0.3
#
# Each chroot is built with mmdebstrap from the Debian mirror this machine's apt sources already use (read
# from /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list, never written here), and cached in
# $PEERS_DIR/<suite>-<pacemaker version>. A cached chroot is re-used while the registry serves the same
# version and rebuilt when it serves a newer one. $PEERS_DIR/<suite> is a symlink to the current one.
# All are built in parallel. Needs root; without root it prints the command to run and fails
# (the real-daemon tests then fail too: they never skip).
#
#   sid-cluster         -> Pacemaker 3.0.3 CLUSTER stack (pacemaker + corosync; the `pacemaker` package
#                          conflicts with `pacemaker-remote`, so the cluster has its own chroot), used by
#                          the fixture's `{ kind: 'chroot' }` stack (test/support/cluster/stack.ts)
#
# Usage: bash scripts/peers.sh [suite...]        (default: trixie sid sid-cluster)
#        bash scripts/peers.sh --print-dir       (prints $PEERS_DIR)
set -euo pipefail
PEERS_DIR=${PCMK_REMOTE_PEERS_DIR:-/opt/pcmk-remote-peers}
if [ "${1:-}" = "--print-dir" ]; then echo "$PEERS_DIR"; exit 0; fi
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(trixie sid sid-cluster)
# What the tests need inside each chroot: the daemon, its agents (ocf:pacemaker:Dummy), the CLI oracles
# (crm_simulate, crm_mon), iproute2 (ss) and openssl (X.509 test certificates are made on the host, but the
# daemon's GnuTLS reads them: openssl in the chroot lets a failing test be debugged where the daemon runs).
include=pacemaker-remote,pacemaker-cli-utils,pacemaker-resource-agents,iproute2,openssl,ca-certificates
# A `<suite>-cluster` chroot holds the cluster stack instead (corosync, pacemakerd and its daemons, the CLI).
include_cluster=pacemaker,corosync,pacemaker-cli-utils,pacemaker-resource-agents,iproute2
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

if [ "$(id -u)" != 0 ]; then
  echo "The real 3.0 daemons need chroots built as root. Run: sudo bash $(realpath "$0") ${suites[*]}" >&2
  exit 1
fi

# The mirror this machine's apt already uses for Debian's main archive.
mirror() {
  local m=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    m=$(awk 'BEGIN{IGNORECASE=1} /^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
      /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { if ($i !~ /security/) { print $i; exit } else break } }' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || { echo "peers.sh: no Debian mirror found in this machine's apt sources" >&2; return 1; }
  echo "${m%/}"
}
MIRROR=$(mirror)
aptopts=(--aptopt='Acquire::Check-Valid-Until "false"') # sid's Release can be past Valid-Until on a snapshot mirror; signatures are still checked

if ! command -v mmdebstrap >/dev/null 2>&1; then
  echo "Installing mmdebstrap (Debian package) to build the peer chroots..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq mmdebstrap >/dev/null 2>&1 ||
    { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq mmdebstrap >/dev/null; }
fi

mkdir -p "$PEERS_DIR"
exec 9>"$PEERS_DIR/.lock"
flock -w 900 9 || { echo "peers.sh: another build holds $PEERS_DIR/.lock" >&2; exit 1; }

# The version of pacemaker-remote the registry serves for SUITE, asked with apt itself (a private state
# directory so the host's apt lists are not touched). Prints nothing when the registry cannot be reached.
served_version() {
  local suite=$1 pkg=$2 st
  st=$(mktemp -d)
  mkdir -p "$st/lists/partial" "$st/cache/archives/partial"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$MIRROR" "$suite" "$KEYRING" >"$st/src.sources"
  local o=(-o Dir::State="$st" -o Dir::State::status=/dev/null -o Dir::Cache="$st/cache" -o Dir::Etc::SourceList=/dev/null
    -o Dir::Etc::SourceParts="$st" -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root -o Acquire::Languages=none)
  if apt-get "${o[@]}" update -qq >/dev/null 2>&1; then
    apt-cache "${o[@]}" show "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }'
  fi
  rm -rf "$st"
}

chroot_ok() {
  local d=$1 daemon=$2
  [ -f "$d/.complete" ] && [ -x "$d/usr/sbin/$daemon" ] && [ -x "$d/usr/sbin/crm_simulate" ]
}

build() {
  local name=$1 suite=${1%-cluster} pkg=pacemaker-remote daemon=pacemaker-remoted incl=$include version dir t0
  if [ "$name" != "$suite" ]; then pkg=pacemaker daemon=pacemakerd incl=$include_cluster; fi
  version=$(served_version "$suite" "$pkg")
  if [ -z "$version" ]; then
    # Registry unreachable: keep using what is cached, if anything.
    if [ -L "$PEERS_DIR/$name" ] && chroot_ok "$PEERS_DIR/$name" "$daemon"; then
      echo "   $name: registry not reachable, using the cached $(readlink "$PEERS_DIR/$name")"
      return 0
    fi
    echo "peers.sh: cannot ask $MIRROR for $suite's $pkg and nothing is cached" >&2
    return 1
  fi
  dir="$PEERS_DIR/$name-$version"
  if chroot_ok "$dir" "$daemon"; then
    ln -sfn "$(basename "$dir")" "$PEERS_DIR/$name"
    echo "   $name: pacemaker $version (cached in $dir)"
    return 0
  fi
  t0=$(date +%s)
  rm -rf "$dir" "$dir.tmp"
  echo "   $name: building pacemaker $version into $dir ..."
  if ! mmdebstrap --quiet --variant=apt --include="$incl" "${aptopts[@]}" \
    "$suite" "$dir.tmp" "deb [signed-by=$KEYRING] $MIRROR $suite main" >"$PEERS_DIR/$name.build.log" 2>&1; then
    echo "peers.sh: mmdebstrap $name failed; see $PEERS_DIR/$name.build.log" >&2
    tail -20 "$PEERS_DIR/$name.build.log" >&2
    rm -rf "$dir.tmp"
    return 1
  fi
  rm -rf "$dir.tmp/var/cache/apt/archives/"*.deb "$dir.tmp/var/lib/apt/lists/"*_Packages* 2>/dev/null || true
  local got
  got=$(chroot "$dir.tmp" dpkg-query -W -f='${Version}' "$pkg")
  echo "$got" >"$dir.tmp/.pacemaker-version"
  touch "$dir.tmp/.complete"
  mv "$dir.tmp" "$dir"
  ln -sfn "$(basename "$dir")" "$PEERS_DIR/$name"
  # Older builds of the same suite are no longer needed (versions start with a digit: sid-* is not sid-cluster-*).
  for old in "$PEERS_DIR/$name"-[0-9]*; do
    [ "$old" = "$dir" ] || [ ! -d "$old" ] || rm -rf "$old"
  done
  echo "   $name: pacemaker $got built in $(($(date +%s) - t0)) s"
}

pids=()
for s in "${suites[@]}"; do
  build "$s" &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
