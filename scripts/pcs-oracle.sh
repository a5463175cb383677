#!/usr/bin/env bash
# Runs Debian's pcs (the oracle of the cib-model builders) from the copy that scripts/ensure-real-daemon.sh
# extracts into /opt/pcmk-remote-oracle/pcs (the pcs package cannot be installed next to pacemaker-remote).
# Usage: scripts/pcs-oracle.sh -f cib.xml cluster node add-remote NODE [HOST] [options...]
# Only offline use (-f FILE) is meaningful here: there is no cluster to talk to.
set -euo pipefail
root="${PCMK_REMOTE_PCS_ROOT:-/opt/pcmk-remote-oracle/pcs}"
site="$root/usr/lib/python3/dist-packages"
if [ ! -f "$site/pcs/entry_points/cli.py" ]; then
  echo "pcs oracle not found under $root; run scripts/ensure-real-daemon.sh as root" >&2
  exit 127
fi
# Debian's python3 (pcs's dependencies are Debian packages), not whatever python3 is first on PATH.
# pcs reads its data files (OCF metadata schemas) from /usr/share/pcs/data; point it at the extracted copy.
PYTHONPATH="$site" exec /usr/bin/python3 -s -c '
import sys
import pcs.settings as settings
settings.pcs_data_dir = sys.argv.pop(1)
sys.argv[0] = "pcs"
from pcs.entry_points.cli import main
sys.exit(main())
' "$root/usr/share/pcs/data/" "$@"
