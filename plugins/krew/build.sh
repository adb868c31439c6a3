#!/usr/bin/env bash
# Builds what a release publishes for `npm i -g` and krew, from the current dist/ (run `make build` first):
#   OUT/kinfer-VERSION.tgz                      npm pack (dist without tests/benchmarks, bin/, LICENSE, README)
#   OUT/prefix/                                 that tarball installed with `npm i -g --prefix` (deps from the npm cache
#                                               when there: --prefer-offline; better-sqlite3 compiles its native module)
#   OUT/kubectl-inference-linux-amd64.tar.gz    the installed package as the krew archive (kinfer/ with node_modules)
#   OUT/inference.yaml                          the krew manifest, plugins/krew/inference.yaml.in with version and sha256
# Usage: plugins/krew/build.sh OUT
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:?usage: plugins/krew/build.sh OUT}"
mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
VERSION="$(node -p "require('$ROOT/package.json').version")"

[[ -f "$ROOT/dist/plugin/index.js" ]] || { echo "build.sh: $ROOT/dist is not built (make build)" >&2; exit 1; }
# --ignore-scripts: prepack would rebuild dist/ (rm -rf + tsc); the caller built it already.
(cd "$ROOT" && npm pack --ignore-scripts --pack-destination "$OUT" >/dev/null)
npm i -g --prefix "$OUT/prefix" --prefer-offline --no-audit --no-fund "$OUT/kinfer-$VERSION.tgz" >&2
# krew unpacks regular files and folders only: no hard links (npm leaves some) and no symlinks (node_modules/.bin).
tar --hard-dereference --exclude=.bin -C "$OUT/prefix/lib/node_modules" -czf "$OUT/kubectl-inference-linux-amd64.tar.gz" kinfer
SHA256="$(sha256sum "$OUT/kubectl-inference-linux-amd64.tar.gz" | cut -d' ' -f1)"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@SHA256@/$SHA256/" "$HERE/inference.yaml.in" >"$OUT/inference.yaml"
echo "$OUT"
