#!/usr/bin/env bash
# Upstream parts kinfer is tested against, taken from their Go modules at pinned versions through the Go module
# proxy, at build or test time. Nothing they contain is committed to this repository.
#
#   upstream.sh crds            copy the pinned CRDs into $KINFER_CRD_DIR (default <repo>/.kinfer/crds)
#   upstream.sh dir MODULE      print the module cache folder of one pinned module (downloads it when needed)
#   upstream.sh build NAME...   build upstream binaries into $KINFER_BIN_DIR (default <repo>/.kinfer/bin);
#                               skipped when .NAME.version there matches the pin
#   upstream.sh list            the pins
#
# A module that carries a go.work is built with GOWORK=off, inside its own (read-only) module folder, so its own
# go.sum decides every dependency.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN_DIR="${KINFER_BIN_DIR:-$ROOT/.kinfer/bin}"
CRD_DIR="${KINFER_CRD_DIR:-$ROOT/.kinfer/crds}"

# module -> pinned version. gateway-api v1.7.0 needs Go 1.27; GIE v1.6.2 no longer ships cmd/epp, so the EPP
# comes from v1.5.0 while the CRDs come from v1.6.2.
declare -A PIN=(
  [sigs.k8s.io/gateway-api-inference-extension]=v1.6.2
  [sigs.k8s.io/gateway-api-inference-extension/epp]=v1.5.0
  [sigs.k8s.io/gateway-api]=v1.6.3
  [sigs.k8s.io/lws]=v0.9.0
  [github.com/llm-d/llm-d-inference-sim]=v0.10.2
  [helm.sh/helm/v3]=v3.19.4
  [sigs.k8s.io/krew]=v0.4.4
  # autoscaling's alternative outputs (docs/autoscaling.md): KEDA's ScaledObject CRD, prometheus-adapter's config
  # loader (test/controlplane/adapter-rules requires the same version in its go.mod; v0.12.0 is the latest release)
  [github.com/kedacore/keda/v2]=v2.18.3
  [sigs.k8s.io/prometheus-adapter]=v0.12.0
)

# CRD files: "pin-key path-inside-module"
CRDS=(
  "sigs.k8s.io/gateway-api-inference-extension config/crd/bases/inference.networking.k8s.io_inferencepools.yaml"
  "sigs.k8s.io/gateway-api-inference-extension config/crd/bases/inference.networking.x-k8s.io_inferencepoolimports.yaml"
  "sigs.k8s.io/gateway-api-inference-extension/epp config/crd/bases/inference.networking.x-k8s.io_inferenceobjectives.yaml"
  "sigs.k8s.io/gateway-api config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml"
  "sigs.k8s.io/gateway-api config/crd/standard/gateway.networking.k8s.io_gateways.yaml"
  "sigs.k8s.io/gateway-api config/crd/standard/gateway.networking.k8s.io_httproutes.yaml"
  "sigs.k8s.io/gateway-api config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml"
  "sigs.k8s.io/gateway-api config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml"
  "sigs.k8s.io/lws config/crd/bases/leaderworkerset.x-k8s.io_leaderworkersets.yaml"
  # the LWS controller also runs a DisaggregatedSet controller, which needs its kind served
  "sigs.k8s.io/lws config/crd/bases/disaggregatedset.x-k8s.io_disaggregatedsets.yaml"
)

# Binaries: "name pin-key package"
BUILDS=(
  "epp sigs.k8s.io/gateway-api-inference-extension/epp ./cmd/epp"
  "llm-d-inference-sim github.com/llm-d/llm-d-inference-sim ./cmd/llm-d-inference-sim"
  "lws-controller sigs.k8s.io/lws ./cmd"
  "helm helm.sh/helm/v3 ./cmd/helm"
  "validate-krew-manifest sigs.k8s.io/krew ./cmd/validate-krew-manifest"
  "kubectl-krew sigs.k8s.io/krew ./cmd/krew"
  # our own small module in test/controlplane/adapter-rules (the one place Go of ours lives) over the adapter's pkg/config and pkg/naming
  "adapter-rules sigs.k8s.io/prometheus-adapter local:adapter-rules"
)

die() { echo "upstream.sh: $*" >&2; exit 1; }
command -v go >/dev/null || die "go is not installed (the upstream parts are built from Go modules)"

# The module path and version of a pin key (the "/epp" key is the same module at another version).
module_of() { local k="$1"; echo "${k%/epp}"; }

module_dir() {
  local key="$1" mod ver out
  [[ -n "${PIN[$key]:-}" ]] || die "no pin for $key (see: upstream.sh list)"
  mod="$(module_of "$key")"; ver="${PIN[$key]}"
  # -json prints Dir once the module is in the cache; exact versions only (the proxy refuses some version lists).
  out="$(cd "$HERE" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$mod@$ver" 2>&1)" \
    || die "could not download $mod@$ver from the Go module proxy: $(echo "$out" | tr '\n' ' ')"
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$out"
}

cmd_crds() {
  mkdir -p "$CRD_DIR"
  local entry key path dir
  for entry in "${CRDS[@]}"; do
    key="${entry%% *}"; path="${entry#* }"
    dir="$(module_dir "$key")"
    [[ -f "$dir/$path" ]] || die "$key@${PIN[$key]} has no $path"
    install -m 0644 "$dir/$path" "$CRD_DIR/$(basename "$path")"
  done
  echo "upstream CRDs in $CRD_DIR"
}

cmd_build() {
  mkdir -p "$BIN_DIR"
  local want name entry key pkg dir found stampf
  for want in "$@"; do
    found=""
    for entry in "${BUILDS[@]}"; do
      read -r name key pkg <<<"$entry"
      [[ "$name" == "$want" ]] || continue
      found=1
      stampf="$BIN_DIR/.$name.version"
      local stamp; stamp="$(module_of "$key")@${PIN[$key]} $pkg $(go version)"
      if [[ -x "$BIN_DIR/$name" && -f "$stampf" && "$(cat "$stampf")" == "$stamp" ]]; then
        echo "$name is up to date ($(module_of "$key")@${PIN[$key]})"; continue
      fi
      if [[ "$pkg" == local:* ]]; then
        dir="$ROOT/test/controlplane/${pkg#local:}"
        grep -q "$(module_of "$key") ${PIN[$key]}\$" "$dir/go.mod" || die "$dir/go.mod does not require $(module_of "$key") ${PIN[$key]} (the pin)"
        pkg=.
      else
        dir="$(module_dir "$key")"
      fi
      echo "building $name from $(module_of "$key")@${PIN[$key]} ($pkg); a cold build takes minutes on 2 cores"
      (cd "$dir" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/$name.tmp" "$pkg") \
        || die "building $name failed"
      mv "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
      echo "$stamp" >"$stampf"
    done
    [[ -n "$found" ]] || die "unknown binary '$want' (one of: $(for e in "${BUILDS[@]}"; do printf '%s ' "${e%% *}"; done))"
  done
}

case "${1:-}" in
  crds) cmd_crds ;;
  dir) [[ $# == 2 ]] || die "usage: upstream.sh dir MODULE"; module_dir "$2" ;;
  build) shift; [[ $# -ge 1 ]] || die "usage: upstream.sh build NAME..."; cmd_build "$@" ;;
  list) for k in "${!PIN[@]}"; do echo "$(module_of "$k")@${PIN[$k]}"; done | sort ;;
  *) die "usage: upstream.sh crds | dir MODULE | build NAME... | list" ;;
esac
