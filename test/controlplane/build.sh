#!/usr/bin/env bash
# Builds the real control-plane binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl) from the Go modules pinned in go.mod into <repo>/.kinfer/bin/.
# Skips the build when .kinfer/bin/.stamp matches the inputs.
#
# Env:
#   KINFER_BIN_DIR   output directory (default <repo>/.kinfer/bin)
#   KINFER_FORCE=1   rebuild even when the stamp matches
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${KINFER_BIN_DIR:-$ROOT/.kinfer/bin}"
BINS=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)

command -v go >/dev/null || { echo "build.sh: go is not installed (need Go >= 1.24)" >&2; exit 1; }

cd "$HERE"

# The k8s.io/kubernetes version pinned in go.mod, e.g. v1.34.4.
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' go.mod)"
[[ -n "$K8S_VERSION" ]] || { echo "build.sh: k8s.io/kubernetes not found in go.mod" >&2; exit 1; }

stamp() {
  {
    go version
    sha256sum go.mod go.sum build.sh
    find cmd -name '*.go' -type f | LC_ALL=C sort | xargs sha256sum
  } | sha256sum | cut -d' ' -f1
}

want="$(stamp)"
if [[ "${KINFER_FORCE:-0}" != 1 && -f "$OUT/.stamp" && "$(cat "$OUT/.stamp")" == "$want" ]]; then
  ok=1
  for b in "${BINS[@]}"; do [[ -x "$OUT/$b" ]] || ok=0; done
  if [[ $ok == 1 ]]; then
    echo "control plane binaries are up to date in $OUT (Kubernetes $K8S_VERSION)"
    exit 0
  fi
fi

mkdir -p "$OUT"
# A private build folder, so two builds at once never mix their outputs; the last to finish wins.
mkdir -p "$OUT"
TMP="$(mktemp -d "$OUT/.tmp.XXXXXX")"
LOG="$TMP.log"

ver="${K8S_VERSION#v}"
major="${ver%%.*}"
minor="${ver#*.}"; minor="${minor%%.*}"
LDFLAGS="-s -w"
for kv in "gitVersion=$K8S_VERSION" "gitMajor=$major" "gitMinor=$minor" "gitTreeState=clean" \
          "buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
  LDFLAGS+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

echo "building ${BINS[*]} (Kubernetes $K8S_VERSION) into $OUT"
echo "  a cold build (empty Go cache) takes ~7 minutes on 2 cores (plus module downloads); a warm one well under a minute. log: $LOG"

start=$SECONDS
# One go build for all four mains: shared packages compile once and the
# link steps overlap with compilation.
go build -trimpath -ldflags="$LDFLAGS" -o "$TMP/" ./cmd/... >"$LOG" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' INT TERM

declare -A done_at=()
last_note=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
  sleep 2
  for b in "${BINS[@]}"; do
    if [[ -z "${done_at[$b]:-}" && -f "$TMP/$b" ]]; then
      done_at[$b]=$((SECONDS - start))
      echo "  built $b after $(fmt_secs "${done_at[$b]}")"
    fi
  done
  if (( SECONDS - last_note >= 60 )); then
    last_note=$SECONDS
    echo "  ... still building ($(fmt_secs $((SECONDS - start))) elapsed)"
  fi
done
rc=0
wait "$pid" || rc=$?
trap - INT TERM
if (( rc != 0 )); then
  echo "build.sh: go build failed (exit $rc) after $(fmt_secs $((SECONDS - start))):" >&2
  tail -n 40 "$LOG" >&2
  exit "$rc"
fi
total=$((SECONDS - start))
for b in "${BINS[@]}"; do
  [[ -n "${done_at[$b]:-}" ]] || echo "  built $b after $(fmt_secs "$total")"
  mv -f "$TMP/$b" "$OUT/$b"
done
rmdir "$TMP" 2>/dev/null || true
rm -f "$LOG"
echo "$want" >"$OUT/.stamp"
echo "done in $(fmt_secs "$total"):"
for b in "${BINS[@]}"; do
  printf '  %-15s %s\n' "$b" "$(du -h "$OUT/$b" | cut -f1)"
done
