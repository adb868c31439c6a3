#!/usr/bin/env bash
# A local, real Kubernetes control plane for kinfer's e2e tests: etcd,
# kube-apiserver and kube-scheduler (binaries from build.sh), plus optionally
# the kinfer scheduler extender, all on 127.0.0.1, and kube-controller-manager
# with the workload controllers (Deployments make ReplicaSets make Pods) but no
# node lifecycle controller. No kubelet: nodes are API objects.
# The upstream CRDs (InferencePool, Gateway API, LeaderWorkerSet; test/upstream/upstream.sh crds) are applied
# once the API server is up, and the upstream LeaderWorkerSet controller (upstream.sh build lws-controller)
# runs with its webhooks served on loopback, certificates signed by the local CA.
#
#   cluster.sh up            start whatever is not running yet (idempotent)
#   cluster.sh down [--purge] stop everything started here; --purge also deletes etcd data
#   cluster.sh status        one line per component; exit 0 only if all expected are healthy
#   cluster.sh env           print "export KUBECONFIG=..." for eval
#
# Environment (defaults in brackets):
#   KINFER_ETCD_PORT [23790]               etcd client port
#   KINFER_ETCD_PEER_PORT [23800]          etcd peer port (loopback, single member)
#   KINFER_ETCD_FSYNC [off]                "on" makes etcd fsync (slower; test state is disposable)
#   KINFER_APISERVER_PORT [26443]          kube-apiserver secure port
#   KINFER_CONTROLLER_MANAGER [on]         "off": no kube-controller-manager (Deployments then create no Pods)
#   KINFER_CONTROLLER_MANAGER_PORT [26257] its secure (health) port
#   KINFER_SCHEDULER_PORT [26259]          kinfer kube-scheduler secure (health/metrics) port
#   KINFER_SCHEDULER_NAME [kinfer-scheduler] profile name of the kinfer scheduler
#   KINFER_SCHEDULER_EXTENDER [on]         "off": the kinfer scheduler runs without the extenders block
#   KINFER_EXTENDER_PORT [28090]           where the scheduler calls the extender
#   KINFER_EXTENDER_IGNORABLE [false]      extender "ignorable" (true: scheduling goes on if it is down)
#   KINFER_SCHEDULER_EXTENDER_URL [http://127.0.0.1:$KINFER_EXTENDER_PORT]
#                                          the kinfer scheduler's extender urlPrefix (another extender's, e.g.
#                                          the scale e2e's null extender, while kinfer-extender keeps running)
#   KINFER_EXTENDER_CMD []                 if set, started (from the repo root) after the apiserver and
#                                          before the scheduler; must serve GET /readyz on KINFER_EXTENDER_PORT
#   KINFER_DEFAULT_SCHEDULER [off]         "on": also run a baseline scheduler, profile "default-scheduler",
#                                          no extender (pods without spec.schedulerName go to it)
#   KINFER_DEFAULT_SCHEDULER_PORT [26260]  its secure port
#   KINFER_SCHEDULER_QPS []                clientConnection.qps of both schedulers (empty: upstream default, 50);
#                                          e.g. for throughput measurements not capped by the client rate limiter
#   KINFER_SCHEDULER_BURST []              clientConnection.burst (empty: 2 x KINFER_SCHEDULER_QPS, or upstream 100)
#   KINFER_CRDS [on]                       "off": do not apply the upstream CRDs
#   KINFER_CRD_DIR [<repo>/.kinfer/crds]   where test/upstream/upstream.sh crds put them
#   KINFER_LWS [on]                        "off": no LeaderWorkerSet controller (its webhook configurations are
#                                          removed too, so nothing waits on a webhook that is not there)
#   KINFER_LWS_WEBHOOK_PORT [29443]        the LWS controller's webhook server (HTTPS, local-CA certificate)
#   KINFER_LWS_HEALTH_PORT [28081]         its health probes (HTTP /readyz); metrics are off
#   KINFER_HPA_SYNC_PERIOD [15s]           kube-controller-manager --horizontal-pod-autoscaler-sync-period
#   KINFER_READY_TIMEOUT [90]              seconds to wait for each component to become ready
#   KINFER_STOP_TIMEOUT [15]               seconds between SIGTERM and SIGKILL on down
#   KINFER_BIN_DIR [<repo>/.kinfer/bin]    where build.sh put the binaries
#   KINFER_LOCAL_DIR [<repo>/.kinfer/local] state: etcd/, pki/, logs/, pids/, kubeconfig
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${KINFER_BIN_DIR:-$ROOT/.kinfer/bin}"
LOCAL="${KINFER_LOCAL_DIR:-$ROOT/.kinfer/local}"
PKI="$LOCAL/pki"
LOGS="$LOCAL/logs"
PIDS="$LOCAL/pids"
ETCD_DATA="$LOCAL/etcd"
KUBECONFIG_ADMIN="$LOCAL/kubeconfig"
KUBECONFIG_SCHED="$LOCAL/scheduler.kubeconfig"
KUBECONFIG_LWS="$LOCAL/lws-controller.kubeconfig"

ETCD_PORT="${KINFER_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${KINFER_ETCD_PEER_PORT:-23800}"
ETCD_FSYNC="${KINFER_ETCD_FSYNC:-off}"
API_PORT="${KINFER_APISERVER_PORT:-26443}"
KCM="${KINFER_CONTROLLER_MANAGER:-on}"
KCM_PORT="${KINFER_CONTROLLER_MANAGER_PORT:-26257}"
SCHED_PORT="${KINFER_SCHEDULER_PORT:-26259}"
SCHED_NAME="${KINFER_SCHEDULER_NAME:-kinfer-scheduler}"
SCHED_EXTENDER="${KINFER_SCHEDULER_EXTENDER:-on}"
EXT_PORT="${KINFER_EXTENDER_PORT:-28090}"
EXT_IGNORABLE="${KINFER_EXTENDER_IGNORABLE:-false}"
EXT_CMD="${KINFER_EXTENDER_CMD:-}"
EXT_URL="${KINFER_SCHEDULER_EXTENDER_URL:-http://127.0.0.1:$EXT_PORT}"
DEFSCHED="${KINFER_DEFAULT_SCHEDULER:-off}"
DEFSCHED_PORT="${KINFER_DEFAULT_SCHEDULER_PORT:-26260}"
SCHED_QPS="${KINFER_SCHEDULER_QPS:-}"
SCHED_BURST="${KINFER_SCHEDULER_BURST:-}"
CRDS="${KINFER_CRDS:-on}"
CRD_DIR="${KINFER_CRD_DIR:-$ROOT/.kinfer/crds}"
LWS="${KINFER_LWS:-on}"
LWS_WEBHOOK_PORT="${KINFER_LWS_WEBHOOK_PORT:-29443}"
LWS_HEALTH_PORT="${KINFER_LWS_HEALTH_PORT:-28081}"
LWS_MODULE="sigs.k8s.io/lws"
HPA_SYNC_PERIOD="${KINFER_HPA_SYNC_PERIOD:-15s}"
READY_TIMEOUT="${KINFER_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${KINFER_STOP_TIMEOUT:-15}"

# Every component this script may run, in start order.
ALL=(etcd kube-apiserver kube-controller-manager lws-controller extender kube-scheduler default-scheduler)

die() { echo "cluster.sh: $*" >&2; exit 1; }
is_on() { case "${1,,}" in on|1|true|yes) return 0 ;; *) return 1 ;; esac; }

log_of() { echo "$LOGS/$1.log"; }
port_of() {
  case "$1" in
    etcd) echo "$ETCD_PORT" ;;
    kube-apiserver) echo "$API_PORT" ;;
    kube-controller-manager) echo "$KCM_PORT" ;;
    lws-controller) echo "$LWS_WEBHOOK_PORT" ;;
    extender) echo "$EXT_PORT" ;;
    kube-scheduler) echo "$SCHED_PORT" ;;
    default-scheduler) echo "$DEFSCHED_PORT" ;;
  esac
}
wanted() {
  case "$1" in
    extender) [[ -n "$EXT_CMD" ]] ;;
    default-scheduler) is_on "$DEFSCHED" ;;
    kube-controller-manager) is_on "$KCM" ;;
    lws-controller) is_on "$LWS" ;;
    *) return 0 ;;
  esac
}

# ---- processes -------------------------------------------------------------

# Start time of a pid (field 22 of /proc/pid/stat), to tell our process from a reused pid.
starttime() { [[ -r /proc/$1/stat ]] && sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

is_zombie() { [[ "$(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" == Z ]]; }

# The pid of a component if it is running and is the process we started, else nothing.
# Cleans stale pid files.
running_pid() {
  local f="$PIDS/$1.pid" pid st
  [[ -f "$f" ]] || return 0
  read -r pid st _ <"$f" || true
  if [[ -n "${pid:-}" && -n "${st:-}" && "$(starttime "$pid")" == "$st" ]] && ! is_zombie "$pid"; then
    echo "$pid"
  else
    rm -f "$f" "$PIDS/$1.spec"
  fi
}

# pid listening on a TCP port on loopback (or any address), if the kernel tells us.
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -oE 'pid=[0-9]+' | head -1 | cut -d= -f2
}
port_busy() {
  if [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; then return 0; fi
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
# Is a pid one of ours (a binary from $BIN, or started from our repo with our state dir)?
is_ours_pid() {
  local exe cmd
  exe="$(readlink "/proc/$1/exe" 2>/dev/null || true)"
  [[ "$exe" == "$BIN/"* ]] && return 0
  cmd="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true)"
  [[ "$cmd" == *"$LOCAL/"* || "$cmd" == *".kinfer/local"* && "$(readlink "/proc/$1/cwd" 2>/dev/null)" == "$ROOT" ]]
}

# Fail clearly if a port is held by someone else; stop it if it is a stale process of ours.
claim_port() {
  local name="$1" port="$2" owner
  port_busy "$port" || return 0
  owner="$(port_owner "$port")"
  if [[ -n "$owner" ]] && is_ours_pid "$owner"; then
    echo "$name: port $port is held by a stale process of ours (pid $owner: $(tr '\0' ' ' </proc/"$owner"/cmdline | cut -c1-100)); stopping it"
    stop_pid "$owner" "$name (stale)"
    port_busy "$port" && die "$name: port $port is still in use after stopping pid $owner"
    return 0
  fi
  local who="${owner:+pid $owner ($(tr '\0' ' ' </proc/"$owner"/cmdline 2>/dev/null | cut -c1-100))}"
  die "$name: port 127.0.0.1:$port is already in use by ${who:-another process} that this script did not start. Stop it or choose another port (KINFER_*_PORT)."
}

stop_pid() {
  local pid="$1" what="$2" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    # a zombie child of ours counts as gone
    is_zombie "$pid" && return 0
    sleep 0.1
  done
  echo "$what: still alive ${STOP_TIMEOUT}s after SIGTERM, sending SIGKILL (pid $pid)"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# launch NAME SPEC CMD...: start in the background, own session, log to logs/NAME.log.
launch() {
  local name="$1" spec="$2"; shift 2
  local log; log="$(log_of "$name")"
  {
    echo
    echo "==== $(date -u +%Y-%m-%dT%H:%M:%SZ) cluster.sh starting $name"
    echo "==== $*"
  } >>"$log"
  (cd "$ROOT" && exec setsid "$@" </dev/null >>"$log" 2>&1) &
  local pid=$!
  local st=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do st="$(starttime "$pid")"; [[ -n "$st" ]] && break; sleep 0.05; done
  [[ -n "$st" ]] || die "$name: exited immediately; see $log"$'\n'"$(tail -n 20 "$log")"
  echo "$pid $st" >"$PIDS/$name.pid"
  echo "$spec" >"$PIDS/$name.spec"
}

# ---- health ----------------------------------------------------------------

admin_token() { cut -d, -f1 <(grep ',kinfer-admin,' "$PKI/tokens.csv"); }

healthy() {
  case "$1" in
    etcd) curl -fsS -m 2 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"' ;;
    kube-apiserver)
      [[ -f "$PKI/ca.crt" ]] &&
        curl -fsS -m 3 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(admin_token)" \
          "https://127.0.0.1:$API_PORT/readyz" 2>/dev/null | grep -qx ok ;;
    kube-controller-manager) curl -kfsS -m 2 "https://127.0.0.1:$KCM_PORT/healthz" 2>/dev/null | grep -qx ok ;;
    lws-controller)
      # Ready, and its webhooks answer over TLS with the local CA's certificate for 127.0.0.1 (the handlers
      # register after the manager starts; a 404 there would make the API server refuse LeaderWorkerSets).
      curl -fsS -m 2 "http://127.0.0.1:$LWS_HEALTH_PORT/readyz" 2>/dev/null | grep -qx ok &&
        webhook_serves /validate-leaderworkerset-x-k8s-io-v1-leaderworkerset && webhook_serves /mutate--v1-pod ;;
    extender) curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$EXT_PORT/readyz" 2>/dev/null ;;
    kube-scheduler) curl -kfsS -m 2 "https://127.0.0.1:$SCHED_PORT/healthz" 2>/dev/null | grep -qx ok ;;
    default-scheduler) curl -kfsS -m 2 "https://127.0.0.1:$DEFSCHED_PORT/healthz" 2>/dev/null | grep -qx ok ;;
  esac
}

# The LWS webhook server answers PATH (any status but 404) over TLS verified with the local CA.
webhook_serves() {
  local code
  code="$(curl -sS -m 2 -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" -X POST "https://127.0.0.1:$LWS_WEBHOOK_PORT$1" 2>/dev/null || true)"
  [[ "$code" =~ ^[1-5][0-9][0-9]$ && "$code" != 404 ]]
}

wait_ready() {
  local name="$1" pid="$2" t0=$SECONDS log; log="$(log_of "$name")"
  while ! healthy "$name"; do
    if ! kill -0 "$pid" 2>/dev/null || is_zombie "$pid"; then
      rm -f "$PIDS/$name.pid" "$PIDS/$name.spec"
      echo "cluster.sh: $name exited during startup; last lines of $log:" >&2
      tail -n 25 "$log" >&2
      exit 1
    fi
    if (( SECONDS - t0 >= READY_TIMEOUT )); then
      echo "cluster.sh: $name (pid $pid) not ready after ${READY_TIMEOUT}s; see $log. Last lines:" >&2
      tail -n 25 "$log" >&2
      exit 1
    fi
    sleep 0.25
  done
  echo "$name: ready after $((SECONDS - t0))s (pid $pid, log $log)"
}

# ---- generated config ------------------------------------------------------

ensure_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  if [[ ! -f "$PKI/ca.crt" || ! -f "$PKI/apiserver.crt" || ! -f "$PKI/sa.key" || ! -f "$PKI/tokens.csv" ]]; then
    command -v openssl >/dev/null || die "openssl is required to generate the local PKI"
    echo "generating local PKI in $PKI"
    (
      cd "$PKI"
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
        -subj "/CN=kinfer-local-ca" 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
        -subj "/CN=kube-apiserver" 2>/dev/null
      printf '%s\n' \
        "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" \
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1" \
        >apiserver.ext
      openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
        -out apiserver.crt -days 3650 -extfile apiserver.ext 2>/dev/null
      rm -f apiserver.csr apiserver.ext ca.srl
      openssl genrsa -out sa.key 2048 2>/dev/null
      openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
      umask 077
      {
        echo "$(openssl rand -hex 24),kinfer-admin,kinfer-admin,system:masters"
        echo "$(openssl rand -hex 24),system:kube-scheduler,system:kube-scheduler"
      } >tokens.csv
    )
  fi
}

# Identities added after the first PKI was made (an existing .kinfer/local keeps working): the LWS controller's
# token, and its webhook serving certificate, signed by the local CA for 127.0.0.1 (the API server calls the
# webhooks by URL: Services and Endpoints may not point at loopback addresses).
ensure_lws_pki() {
  if ! grep -q ',kinfer-lws-controller,' "$PKI/tokens.csv"; then
    (umask 077; echo "$(openssl rand -hex 24),kinfer-lws-controller,kinfer-lws-controller" >>"$PKI/tokens.csv")
  fi
  local dir="$PKI/lws-webhook"
  [[ -f "$dir/tls.crt" && -f "$dir/tls.key" ]] && return 0
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj "/CN=lws-webhook" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >tls.ext
    openssl x509 -req -in tls.csr -CA ../ca.crt -CAkey ../ca.key -CAcreateserial -out tls.crt -days 3650 \
      -extfile tls.ext 2>/dev/null
    rm -f tls.csr tls.ext ../ca.srl
  )
}

# ---- aggregation layer (autoscaling, docs/autoscaling.md) ------------------
# The API server proxies aggregated APIs (e.g. external.metrics.k8s.io served by kinfer-picker) with a client
# certificate of the front proxy: CN front-proxy-client (--requestheader-allowed-names), signed by the
# --requestheader-client-ca-file CA (here the local CA). Without --proxy-client-cert-file the aggregator refuses to
# proxy. --enable-aggregator-routing: the API server dials an APIService's endpoint, not its Service's ClusterIP,
# as nothing here (no kube-proxy) routes ClusterIPs.
ensure_front_proxy_pki() {
  [[ -f "$PKI/front-proxy-client.crt" && -f "$PKI/front-proxy-client.key" ]] && return 0
  (
    cd "$PKI"
    openssl req -newkey rsa:2048 -nodes -keyout front-proxy-client.key -out front-proxy-client.csr \
      -subj "/CN=front-proxy-client" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" >front-proxy-client.ext
    openssl x509 -req -in front-proxy-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out front-proxy-client.crt -days 3650 -extfile front-proxy-client.ext 2>/dev/null
    rm -f front-proxy-client.csr front-proxy-client.ext ca.srl
  )
}
AGGREGATOR_FLAGS=(--proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key"
  --enable-aggregator-routing=true)
HPA_FLAGS=(--horizontal-pod-autoscaler-sync-period="$HPA_SYNC_PERIOD")

write_kubeconfig() {
  local file="$1" user="$2" token="$3" ca
  ca="$(base64 -w0 <"$PKI/ca.crt")"
  umask 077
  cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kinfer-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $ca
users:
- name: $user
  user:
    token: $token
contexts:
- name: kinfer-local
  context:
    cluster: kinfer-local
    user: $user
    namespace: default
current-context: kinfer-local
EOF
  mv -f "$file.tmp" "$file"
}

write_kubeconfigs() {
  write_kubeconfig "$KUBECONFIG_ADMIN" kinfer-admin "$(admin_token)"
  write_kubeconfig "$KUBECONFIG_SCHED" system:kube-scheduler \
    "$(cut -d, -f1 <(grep ',system:kube-scheduler,' "$PKI/tokens.csv"))"
  write_kubeconfig "$KUBECONFIG_LWS" kinfer-lws-controller \
    "$(cut -d, -f1 <(grep ',kinfer-lws-controller,' "$PKI/tokens.csv"))"
}

# The extender's managedResources: whole devices and the MIG slices of kinfer's catalog (src/accelerators/mig.ts).
MANAGED_RESOURCES=(nvidia.com/gpu amd.com/gpu google.com/tpu
  nvidia.com/mig-1g.5gb nvidia.com/mig-2g.10gb nvidia.com/mig-3g.20gb nvidia.com/mig-4g.20gb nvidia.com/mig-7g.40gb nvidia.com/mig-1g.10gb
  nvidia.com/mig-1g.20gb nvidia.com/mig-2g.20gb nvidia.com/mig-3g.40gb nvidia.com/mig-4g.40gb nvidia.com/mig-7g.80gb nvidia.com/mig-1g.18gb
  nvidia.com/mig-1g.35gb nvidia.com/mig-2g.35gb nvidia.com/mig-3g.71gb nvidia.com/mig-4g.71gb nvidia.com/mig-7g.141gb)

# scheduler_config FILE PROFILE WITH_EXTENDER [LEADER_ELECT]
scheduler_config() {
  local file="$1" profile="$2" ext="$3" elect="${4:-off}"
  {
    cat <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: $KUBECONFIG_SCHED
EOF
    if [[ -n "$SCHED_QPS" ]]; then
      echo "  qps: $SCHED_QPS"
      echo "  burst: ${SCHED_BURST:-$((SCHED_QPS * 2))}"
    elif [[ -n "$SCHED_BURST" ]]; then
      echo "  burst: $SCHED_BURST"
    fi
    cat <<EOF
EOF
    if [[ "$elect" == on ]]; then
      # A Lease kinfer-system/<profile> says the kinfer scheduler runs (kubectl inference deploy looks for it,
      # as it does for manifests/scheduler's). Short durations: a restart takes the lease within seconds.
      cat <<EOF
leaderElection:
  leaderElect: true
  resourceNamespace: kinfer-system
  resourceName: $profile
  leaseDuration: 6s
  renewDeadline: 4s
  retryPeriod: 1s
EOF
    else
      cat <<EOF
leaderElection:
  leaderElect: false
EOF
    fi
    cat <<EOF
profiles:
- schedulerName: $profile
EOF
    if [[ "$ext" == on ]]; then
      cat <<EOF
extenders:
- urlPrefix: $EXT_URL
  filterVerb: filter
  prioritizeVerb: prioritize
  weight: 5
  nodeCacheCapable: true
  enableHTTPS: false
  ignorable: $EXT_IGNORABLE
  httpTimeout: 5s
  managedResources:
EOF
      # As manifests/scheduler ships it (test/install/managed-resources.test.ts keeps the lists equal).
      for r in "${MANAGED_RESOURCES[@]}"; do
        echo "  - { name: $r, ignoredByScheduler: false }"
      done
    fi
  } >"$file.tmp"
  mv -f "$file.tmp" "$file"
}

# ---- components ------------------------------------------------------------

# Objects the local control plane itself needs: the kinfer-system namespace and the right of the scheduler's
# user to hold its leader-election Lease there (as manifests/scheduler/rbac.yaml grants its ServiceAccount).
ensure_bootstrap() {
  "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" apply --server-side --field-manager=cluster.sh -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: kinfer-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: kinfer-local-scheduler-lease
  namespace: kinfer-system
rules:
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["create", "get", "list", "watch", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: kinfer-local-scheduler-lease
  namespace: kinfer-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: kinfer-local-scheduler-lease
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: system:kube-scheduler
EOF
}

kctl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# The upstream CRDs (test/upstream/upstream.sh crds), server-side applied, then waited on until Established.
ensure_crds() {
  local files=("$CRD_DIR"/*.yaml) names
  [[ -e "${files[0]}" ]] || die "no upstream CRDs in $CRD_DIR: run test/upstream/upstream.sh crds (or make upstream) first, or set KINFER_CRDS=off"
  # pwd -P: kubectl does not walk a directory given as a symlink (a worktree links .kinfer/crds to a shared one)
  names="$(kctl apply --server-side --force-conflicts --field-manager=cluster.sh -o name -f "$(cd "$CRD_DIR" && pwd -P)")" \
    || die "applying the upstream CRDs from $CRD_DIR failed"
  # shellcheck disable=SC2086
  kctl wait --for=condition=Established --timeout=60s $names >/dev/null || die "the upstream CRDs did not become Established"
  echo "upstream CRDs: $(wc -w <<<"$names") applied from $CRD_DIR"
}

LWS_WEBHOOK_CONFIGS=(mutatingwebhookconfiguration/lws-mutating-webhook-configuration validatingwebhookconfiguration/lws-validating-webhook-configuration)

# The LWS module's own webhook configurations and controller ClusterRole (config/webhook, config/rbac/role.yaml,
# with upstream's "lws-" name prefix), rendered by kubectl's built-in kustomize. Two local changes: each
# webhook's clientConfig names https://127.0.0.1:<port><path> with the local CA as caBundle instead of the
# in-cluster Service (which may not point at loopback), and the ClusterRole is bound to the controller's user
# instead of its ServiceAccount.
render_lws_objects() {
  local mod dir="$LOCAL/lws"
  mod="$("$ROOT/test/upstream/upstream.sh" dir "$LWS_MODULE")" || die "could not find the $LWS_MODULE module"
  [[ -d "$mod/config/webhook" ]] || die "$mod has no config/webhook"
  mkdir -p "$dir"
  # kustomize takes no absolute folder as a resource: name the module relative to this one.
  mod="$(realpath --relative-to="$dir" "$mod")"
  cat >"$dir/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: lws-
resources:
- $mod/config/webhook
- $mod/config/rbac/role.yaml
- binding.yaml
patches:
- patch: |-
    \$patch: delete
    apiVersion: v1
    kind: Service
    metadata:
      name: webhook-service
      namespace: system
EOF
  cat >"$dir/binding.yaml" <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: manager-rolebinding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: manager-role
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: kinfer-lws-controller
EOF
  "$BIN/kubectl" kustomize --load-restrictor=LoadRestrictionsNone "$dir" |
    awk -v url="https://127.0.0.1:$LWS_WEBHOOK_PORT" -v ca="$(base64 -w0 <"$PKI/ca.crt")" '
      /^ *clientConfig:$/ { print; cc = 1; next }
      cc && /^ *service:$/ { match($0, /^ */); indent = substr($0, 1, RLENGTH); svc = 1; next }
      svc && /^ *path: / { print indent "caBundle: " ca; print indent "url: " url $2; next }
      svc && /^ *(name|namespace|port): / { next }
      { cc = 0; svc = 0; print }'
}

ensure_lws_objects() {
  local rendered
  rendered="$(render_lws_objects)"
  grep -q '^ *service:$' <<<"$rendered" && die "a rendered LWS webhook still names a Service: $LOCAL/lws"
  kctl apply --server-side --force-conflicts --field-manager=cluster.sh -f - >/dev/null <<<"$rendered" \
    || die "applying the LWS webhook configurations and RBAC failed (rendered from $LOCAL/lws)"
}

# Sets CMD (array) and SPEC (a string that changes when the configuration changes).
component_cmd() {
  case "$1" in
    etcd)
      CMD=("$BIN/etcd" --name kinfer --data-dir "$ETCD_DATA"
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT"
        --advertise-client-urls "http://127.0.0.1:$ETCD_PORT"
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT"
        --log-level warn)
      is_on "$ETCD_FSYNC" || CMD+=(--unsafe-no-fsync)
      ;;
    kube-apiserver)
      CMD=("$BIN/kube-apiserver"
        --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT"
        --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key"
        --client-ca-file="$PKI/ca.crt"
        --requestheader-client-ca-file="$PKI/ca.crt" --requestheader-allowed-names=front-proxy-client
        --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group
        --requestheader-extra-headers-prefix=X-Remote-Extra-
        --endpoint-reconciler-type=none --shutdown-watch-termination-grace-period=2s
        --token-auth-file="$PKI/tokens.csv"
        --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key"
        --service-account-issuer=https://kubernetes.default.svc.cluster.local
        --authorization-mode=Node,RBAC
        --disable-admission-plugins=ServiceAccount,TaintNodesByCondition
        --service-cluster-ip-range=10.96.0.0/16
        --etcd-servers="http://127.0.0.1:$ETCD_PORT"
        --profiling=false --v=1 "${AGGREGATOR_FLAGS[@]}")
      # The token file is read at start: a new identity in it (ensure_lws_pki) restarts the API server.
      SPEC="$(printf '%s\n' "${CMD[@]}"; sha256sum <"$PKI/tokens.csv")"
      return
      ;;
    kube-controller-manager)
      # The workload and cleanup controllers only: no node lifecycle controller, which would mark the
      # kubelet-less nodes NotReady and evict their pods.
      CMD=("$BIN/kube-controller-manager"
        --kubeconfig="$KUBECONFIG_ADMIN"
        --authentication-kubeconfig="$KUBECONFIG_ADMIN" --authorization-kubeconfig="$KUBECONFIG_ADMIN"
        --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false
        --controllers=deployment,replicaset,statefulset,daemonset,job,cronjob,garbagecollector,namespace,serviceaccount,serviceaccount-token,endpoint,endpointslice,disruption,ttl-after-finished,horizontalpodautoscaling
        "${HPA_FLAGS[@]}"
        --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt"
        --concurrent-deployment-syncs=10 --concurrent-replicaset-syncs=10
        --v=1)
      ;;
    extender)
      CMD=(bash -c "exec $EXT_CMD")
      ;;
    lws-controller)
      # Upstream's config (config/manager/controller_manager_config.yaml) with what a single local process
      # needs: no leader election, no internal cert management (the local CA signed pki/lws-webhook), the
      # webhook and probes on loopback, metrics off (they would need TokenReview delegation).
      local cfg="$LOCAL/lws-controller.yaml"
      cat >"$cfg.tmp" <<EOF
apiVersion: config.lws.x-k8s.io/v1alpha1
kind: Configuration
leaderElection:
  leaderElect: false
internalCertManagement:
  enable: false
webhook:
  host: 127.0.0.1
  port: $LWS_WEBHOOK_PORT
  certDir: $PKI/lws-webhook
health:
  healthProbeBindAddress: 127.0.0.1:$LWS_HEALTH_PORT
metrics:
  bindAddress: "0"
EOF
      mv -f "$cfg.tmp" "$cfg"
      CMD=(env "KUBECONFIG=$KUBECONFIG_LWS" "$BIN/lws-controller" --config="$cfg" --zap-log-level=info --zap-stacktrace-level=panic)
      SPEC="$(printf '%s\n' "${CMD[@]}"; cat "$cfg")"
      return
      ;;
    kube-scheduler | default-scheduler)
      local cfg="$LOCAL/$1.yaml" port
      if [[ "$1" == kube-scheduler ]]; then
        scheduler_config "$cfg" "$SCHED_NAME" "$(is_on "$SCHED_EXTENDER" && echo on || echo off)" on
        port="$SCHED_PORT"
      else
        scheduler_config "$cfg" default-scheduler off
        port="$DEFSCHED_PORT"
      fi
      CMD=("$BIN/kube-scheduler" --config="$cfg"
        --bind-address=127.0.0.1 --secure-port="$port"
        --authentication-kubeconfig="$KUBECONFIG_SCHED" --authorization-kubeconfig="$KUBECONFIG_SCHED"
        --v=1)
      SPEC="$(printf '%s\n' "${CMD[@]}"; cat "$cfg")"
      return
      ;;
  esac
  SPEC="$(printf '%s\n' "${CMD[@]}")"
}

# start_component NAME: 0 if it was already running and healthy, starts it otherwise.
STARTED=0
start_component() {
  local name="$1" pid port
  port="$(port_of "$name")"
  component_cmd "$name"
  pid="$(running_pid "$name")"
  if [[ -n "$pid" ]]; then
    if [[ "$(cat "$PIDS/$name.spec" 2>/dev/null)" != "$SPEC" ]]; then
      echo "$name: configuration changed, restarting (pid $pid)"
      stop_pid "$pid" "$name"
      rm -f "$PIDS/$name.pid" "$PIDS/$name.spec"
    else
      local i
      for ((i = 0; i < 20; i++)); do healthy "$name" && break; sleep 0.25; done
      if healthy "$name"; then
        echo "$name: already running and healthy (pid $pid)"
        return 0
      fi
      echo "$name: running (pid $pid) but not healthy; restarting it"
      stop_pid "$pid" "$name"
      rm -f "$PIDS/$name.pid" "$PIDS/$name.spec"
    fi
  fi
  claim_port "$name" "$port"
  [[ "$name" == etcd ]] && claim_port "etcd (peer)" "$ETCD_PEER_PORT"
  [[ "$name" == lws-controller ]] && claim_port "lws-controller (health)" "$LWS_HEALTH_PORT"
  echo "$name: starting on 127.0.0.1:$port"
  launch "$name" "$SPEC" "${CMD[@]}"
  STARTED=$((STARTED + 1))
  wait_ready "$name" "$(running_pid "$name")"
}

stop_component() {
  local name="$1" pid
  pid="$(running_pid "$name")"
  if [[ -n "$pid" ]]; then
    echo "$name: stopping (pid $pid)"
    stop_pid "$pid" "$name"
  fi
  rm -f "$PIDS/$name.pid" "$PIDS/$name.spec"
}

cmd_up() {
  local t0=$SECONDS b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [[ -x "$BIN/$b" ]] || die "$BIN/$b is missing; run test/controlplane/build.sh first"
  done
  command -v curl >/dev/null || die "curl is required"
  command -v setsid >/dev/null || die "setsid (util-linux) is required"
  mkdir -p "$LOGS" "$PIDS" "$ETCD_DATA"
  chmod 700 "$ETCD_DATA"
  ensure_pki
  ensure_lws_pki
  ensure_front_proxy_pki
  write_kubeconfigs

  start_component etcd
  start_component kube-apiserver
  ensure_bootstrap
  is_on "$CRDS" && ensure_crds
  if wanted kube-controller-manager; then start_component kube-controller-manager; else stop_component kube-controller-manager; fi
  if wanted lws-controller; then
    is_on "$CRDS" || die "the LWS controller needs the upstream CRDs: KINFER_LWS=on with KINFER_CRDS=off"
    [[ -x "$BIN/lws-controller" ]] || die "$BIN/lws-controller is missing: run test/upstream/upstream.sh build lws-controller (or make upstream) first, or set KINFER_LWS=off"
    ensure_lws_objects
    start_component lws-controller
  else
    stop_component lws-controller
    kctl delete --ignore-not-found "${LWS_WEBHOOK_CONFIGS[@]}" >/dev/null
  fi
  if wanted extender; then start_component extender; else stop_component extender; fi
  start_component kube-scheduler
  if wanted default-scheduler; then start_component default-scheduler; else stop_component default-scheduler; fi

  if (( STARTED == 0 )); then
    echo "control plane already up"
  else
    echo "control plane up in $((SECONDS - t0))s"
  fi
  echo
  echo "kubeconfig: $KUBECONFIG_ADMIN"
  echo "  export KUBECONFIG=$KUBECONFIG_ADMIN; $BIN/kubectl get nodes"
  echo "scheduler: pods with spec.schedulerName: $SCHED_NAME$(is_on "$SCHED_EXTENDER" && echo " (extender $EXT_URL, ignorable=$EXT_IGNORABLE)" || echo " (no extender)")"
  wanted default-scheduler && echo "baseline scheduler: spec.schedulerName: default-scheduler (no extender)"
  wanted lws-controller && echo "LeaderWorkerSet controller: webhooks https://127.0.0.1:$LWS_WEBHOOK_PORT"
  return 0
}

cmd_down() {
  local purge=0 i name pid
  [[ "${1:-}" == --purge ]] && purge=1
  for ((i = ${#ALL[@]} - 1; i >= 0; i--)); do stop_component "${ALL[i]}"; done
  # Anything still running from our bin dir (e.g. after pid files were lost) is ours too.
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" == "$BIN/"* ]] || continue
    [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"$LOCAL/"* ]] || continue
    echo "stopping leftover pid $pid ($(basename "$(readlink "/proc/$pid/exe")"))"
    stop_pid "$pid" "leftover $pid"
  done
  if (( purge )); then
    rm -rf "$ETCD_DATA"
    echo "purged etcd data ($ETCD_DATA)"
  fi
  echo "control plane down"
}

cmd_status() {
  local name pid ok=0 state
  for name in "${ALL[@]}"; do
    pid="$(running_pid "$name")"
    if [[ -n "$pid" ]]; then
      if healthy "$name"; then state="running, healthy"; else state="running, NOT healthy"; ok=1; fi
      printf '%-18s %-22s pid %-8s 127.0.0.1:%-6s log %s\n' "$name" "$state" "$pid" "$(port_of "$name")" "$(log_of "$name")"
    elif wanted "$name"; then
      printf '%-18s %s\n' "$name" "stopped"
      ok=1
    else
      printf '%-18s %s\n' "$name" "stopped (not enabled)"
    fi
  done
  return "$ok"
}

case "${1:-}" in
  up) cmd_up ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  env) echo "export KUBECONFIG=$KUBECONFIG_ADMIN" ;;
  *) echo "usage: $0 up|down [--purge]|status|env" >&2; exit 2 ;;
esac
