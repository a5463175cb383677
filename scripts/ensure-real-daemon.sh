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
install_packages() {
[ ${#need[@]} -eq 0 ] && return 0
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
}
install_packages

# --- The pcs oracle of @pcmk-remote/cib-model's builders (Debian's pcs, run offline with -f) -------------
# Debian's pcs package "Breaks: pacemaker" and conflicts with the pacemaker-remote setup above, so it is not
# installed: its .deb is extracted into $PCS_ORACLE and run by scripts/pcs-oracle.sh with Debian's python3
# and pcs's python dependencies. `pcs cluster node add-remote` reads the ocf:pacemaker:remote agent
# metadata through crm_resource; that agent file ships in Debian's `pacemaker` package (not installable
# here either), so the file alone is extracted from the pacemaker .deb of the installed pacemaker version
# into /usr/lib/ocf/resource.d/pacemaker/remote (no installed package owns that path).
PCS_ORACLE=/opt/pcmk-remote-oracle/pcs
REMOTE_AGENT=/usr/lib/ocf/resource.d/pacemaker/remote
pcs_py_deps=(python3 python3-dacite python3-dateutil python3-lxml python3-openssl python3-pkg-resources python3-pycurl python3-pyparsing python3-tornado)
pcs_oracle_ok() {
  [ -f "$PCS_ORACLE/usr/lib/python3/dist-packages/pcs/entry_points/cli.py" ] && [ -x "$REMOTE_AGENT" ] &&
    bash "$(dirname "$0")/pcs-oracle.sh" --version >/dev/null 2>&1 &&
    crm_resource --show-metadata ocf:pacemaker:remote >/dev/null 2>&1
}
if ! pcs_oracle_ok; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "The cib-model pcs oracle is missing ($PCS_ORACLE, $REMOTE_AGENT). Run bash scripts/ensure-real-daemon.sh as root on Debian." >&2
    exit 1
  fi
  echo "Installing the pcs oracle (Debian's pcs, extracted into $PCS_ORACLE)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  missing=()
  for p in "${pcs_py_deps[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  chmod 755 "$work" # apt-get download runs as _apt and must be able to write here
  pm_version=$(dpkg-query -W -f='${Version}' pacemaker-cli-utils)
  (cd "$work" && apt-get download -qq pcs "pacemaker=$pm_version" >/dev/null 2>&1) ||
    (apt-get update -qq && cd "$work" && apt-get download -qq pcs "pacemaker=$pm_version" >/dev/null)
  rm -rf "$PCS_ORACLE.new"
  mkdir -p "$PCS_ORACLE.new" "$work/pacemaker"
  dpkg -x "$work"/pcs_*.deb "$PCS_ORACLE.new"
  rm -rf "$PCS_ORACLE"
  mv "$PCS_ORACLE.new" "$PCS_ORACLE"
  dpkg -x "$work"/pacemaker_*.deb "$work/pacemaker"
  install -D -m 0755 "$work/pacemaker/usr/lib/ocf/resource.d/pacemaker/remote" "$REMOTE_AGENT"
  pcs_oracle_ok || { echo "The pcs oracle still does not run after the install: try bash scripts/pcs-oracle.sh --version" >&2; exit 1; }
fi

# --- crm_node for the IPC relay suites (packages/remote-conn/test/real/relay*.test.ts) ----------------------
# crm_node ships only in Debian's `pacemaker` package, which conflicts with pacemaker-remote: the binary
# alone is extracted from the .deb of the installed version into a private directory (it needs only the
# libcrmcommon that pacemaker-cli-utils installs). The relay suites run it "on the remote node".
CRM_NODE_BIN=/opt/pcmk-remote-oracle/pacemaker/usr/sbin/crm_node
if ! "$CRM_NODE_BIN" --version >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "crm_node is missing ($CRM_NODE_BIN). Run bash scripts/ensure-real-daemon.sh as root on Debian." >&2
    exit 1
  fi
  echo "Extracting crm_node from Debian's pacemaker package into $CRM_NODE_BIN..." >&2
  cn_work=$(mktemp -d)
  chmod 755 "$cn_work"
  cn_version=$(dpkg-query -W -f='${Version}' pacemaker-cli-utils)
  (cd "$cn_work" && apt-get download -qq "pacemaker=$cn_version" >/dev/null 2>&1) ||
    (apt-get update -qq && cd "$cn_work" && apt-get download -qq "pacemaker=$cn_version" >/dev/null)
  dpkg -x "$cn_work"/pacemaker_*.deb "$cn_work/x"
  install -D -m 0755 "$cn_work/x/usr/sbin/crm_node" "$CRM_NODE_BIN"
  rm -rf "$cn_work"
  "$CRM_NODE_BIN" --version >/dev/null 2>&1 || { echo "crm_node still does not run after the install" >&2; exit 1; }
fi
