#!/usr/bin/env bash
# CI step: the packages as users get them. Packs every workspace package with pnpm (each `prepack` builds
# it, `publishConfig` gives the published manifest), installs the tarballs with plain npm into a fresh
# `npm init -y` project, and there:
#   - runs scripts/pack-install/session.mjs: a RemoteSession against a SimulatedRemoteDaemon, ESM;
#   - runs scripts/pack-install/require.cjs: CommonJS require() (module on Node 22+, ERR_REQUIRE_ESM before);
#   - type-checks scripts/pack-install/app.ts (strict, nodenext) against the installed declarations;
#   - runs `npx pcmk-remote --version`;
#   - runs session.mjs again without the optional koffi: it must still work and warn PCMK_REMOTE_NO_QUICKACK;
#   - on the lowest Node that `engines` allows (the registry's node-<os>-<arch> package): session.mjs,
#     require.cjs, and the simulator's fault suite from this checkout (Node 20.3-20.6 crash
#     there: js_stream_socket finishShutdown of null when a simulated daemon closes; fixed in 20.7.0).
# Prints each tarball's size. Usage: bash scripts/pack-install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pnpm=(npx --yes pnpm@10.34.8)
npm_install=(npm install --no-audit --no-fund --loglevel=error)
lowest=$(node -p "require('./packages/remote-conn/package.json').engines.node.replace(/^>=/, '')")
work=$(mktemp -d /tmp/pcmk-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== pack (prepack builds each package)"
for p in cib-model fencing-hooks remote-conn simulator cli; do
  (cd "packages/$p" && "${pnpm[@]}" pack --pack-destination "$work/tarballs" >/dev/null)
done
for t in "$work"/tarballs/*.tgz; do
  listing=$(tar tzf "$t")
  unpacked=$(tar xzf "$t" -O | wc -c)
  printf '   %-40s %7d bytes packed, %8d unpacked, %3d files\n' "$(basename "$t")" "$(stat -c %s "$t")" "$unpacked" "$(wc -l <<<"$listing")"
  for f in package/LICENSE package/README.md package/package.json; do
    grep -qx "$f" <<<"$listing" || { echo "pack-install: $(basename "$t") has no $f" >&2; exit 1; }
  done
  manifest=$(tar xzf "$t" -O package/package.json)
  if grep -q '"source"\|workspace:' <<<"$manifest"; then
    echo "pack-install: $(basename "$t") publishes a source condition or a workspace: range" >&2; exit 1
  fi
done

echo "== npm install of the tarballs into a fresh project"
mkdir "$work/app"
cp scripts/pack-install/* "$work/app/"
cd "$work/app"
npm init -y >/dev/null
"${npm_install[@]}" "$work"/tarballs/*.tgz
echo "== ESM session against the simulator"
node session.mjs
echo "== CommonJS"
node require.cjs
echo "== TypeScript (strict, nodenext) against the installed declarations"
"${npm_install[@]}" --no-save "@types/node@$(node -p "require('$root/node_modules/@types/node/package.json').version")"
node "$root/node_modules/typescript/bin/tsc" -p tsconfig.json
echo "== npx pcmk-remote --version"
version=$(npx --no-install pcmk-remote --version)
expected=$(node -p "require('$root/packages/cli/package.json').version")
[ "$version" = "$expected" ] || { echo "pack-install: pcmk-remote --version printed '$version', expected $expected" >&2; exit 1; }
echo "   $version"

echo "== without the optional koffi"
mv node_modules/koffi "$work/koffi.away"
node session.mjs 2>"$work/stderr" | tee "$work/stdout"
grep -q '"quickAck":false' "$work/stdout" || { echo 'pack-install: quickAck should be false without koffi' >&2; exit 1; }
grep -q 'PCMK_REMOTE_NO_QUICKACK' "$work/stderr" || { echo 'pack-install: no PCMK_REMOTE_NO_QUICKACK warning without koffi' >&2; cat "$work/stderr" >&2; exit 1; }
echo "   warned: $(grep -o 'TCP_QUICKACK is unavailable[^:]*' "$work/stderr" | head -1)"
mv "$work/koffi.away" node_modules/koffi

echo "== lowest supported Node ($lowest)"
node_pkg="node-$(node -p process.platform)-$(node -p process.arch)@$lowest"
mkdir "$work/node-lowest"
(cd "$work/node-lowest" && npm init -y >/dev/null && "${npm_install[@]}" "$node_pkg")
old_node="$work/node-lowest/node_modules/node-$(node -p process.platform)-$(node -p process.arch)/bin/node"
"$old_node" --version
"$old_node" session.mjs
"$old_node" require.cjs
cd "$root"
"$old_node" --conditions=source --import tsx node_modules/mocha/bin/mocha.js --timeout 10000 --reporter dot \
  packages/simulator/test/sim-faults.test.ts
echo "pack-install: ok"
