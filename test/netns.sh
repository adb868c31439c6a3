#!/usr/bin/env bash
# Runs a command in a network namespace of its own with only loopback up (util-linux `unshare`), so the test
# suites' fixed loopback ports never meet another checkout's, and suites that need a non-loopback address (the
# autoscale e2e puts one on its loopback device: the API server refuses loopback endpoints) have one that exists only
# there. Nothing inside can reach beyond the machine: build and download steps run before, outside.
#
#   test/netns.sh CMD [ARGS...]
#
# As root, a plain network namespace; otherwise a user namespace as well (unshare -r). Where neither is allowed
# (some containers), the command runs as it is, with a warning: the suites that need the namespace skip themselves.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: test/netns.sh CMD [ARGS...]" >&2; exit 2; }
if [[ "${KINFER_NETNS:-}" == 1 ]]; then exec "$@"; fi
flags=(-n)
[[ "$(id -u)" == 0 ]] || flags=(-r -n)
if command -v unshare >/dev/null && unshare "${flags[@]}" true 2>/dev/null; then
  exec unshare "${flags[@]}" env KINFER_NETNS=1 bash -c 'ip link set lo up 2>/dev/null || { echo "test/netns.sh: could not bring up loopback (needs iproute2)" >&2; exit 1; }; exec "$@"' netns "$@"
fi
echo "test/netns.sh: no private network namespace here (unshare not allowed); running in the host's network" >&2
exec "$@"
