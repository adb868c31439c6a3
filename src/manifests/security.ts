import { LABELS, MANAGED_BY } from './labels.js';
import type { KubeObject } from './objects.js';

// What the generated objects allow, and whom they admit: the securityContext of model servers, the picker's
// disruption budget, and NetworkPolicies. Kept apart from the builders of what runs (model.ts, picker.ts).

/**
 * Pod-level securityContext of a model server. The stock images (vllm/vllm-openai: vllm-project/vllm
 * docker/Dockerfile; lmsysorg/sglang: sgl-project/sglang docker/Dockerfile) have no USER instruction: they run as
 * root, with HOME=/root, and write caches there at start (Hugging Face downloads under ~/.cache/huggingface,
 * torch.compile / Triton / FlashInfer JIT kernels under ~/.cache). So what they can take is what does not need
 * another user or a read-only root: the runtime's default seccomp filter (RuntimeDefault, the Pod Security
 * "restricted" profile's requirement), which blocks syscalls no inference server makes (kexec, mount, ptrace of
 * other processes, ...). Left out, and why:
 * - runAsNonRoot / runAsUser: the images' files and /root caches belong to root; a non-root uid cannot write
 *   ~/.cache (and /root is mode 700), so the server fails at its first download or JIT compile.
 * - readOnlyRootFilesystem: the same caches are written under the root filesystem; it would need an emptyDir
 *   per cache path, which differ by server version.
 */
export const MODEL_SERVER_POD_SECURITY = { seccompProfile: { type: 'RuntimeDefault' } } as const;

/**
 * Container-level securityContext of a model server: no privilege escalation (no setuid binaries take effect)
 * and every Linux capability dropped. Root without capabilities still owns the image's files, which is all
 * the server needs: GPUs come through the device plugin's device nodes (cgroup-allowed, not a capability),
 * NCCL and Ray speak over ordinary sockets, and /dev/shm is the emptyDir volume. Not verified on a GPU node
 * here (this machine has none): if a driver stack needs a capability (e.g. IPC_LOCK for RDMA memory
 * registration with GPUDirect), add it back explicitly with `add`.
 */
export const MODEL_SERVER_CONTAINER_SECURITY = { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } } as const;

/**
 * Label keys gateway implementations put on the pods of a Gateway: the Gateway API's own
 * `gateway.networking.k8s.io/gateway-name` (Istio and kgateway label their deployed gateways with it) and Envoy
 * Gateway's `gateway.envoyproxy.io/owning-gateway-name`. A pod carrying either, in any namespace, is a gateway.
 */
export const GATEWAY_POD_LABELS = ['gateway.networking.k8s.io/gateway-name', 'gateway.envoyproxy.io/owning-gateway-name'] as const;

/** A NetworkPolicy peer per gateway label: pods with the label, in any namespace. */
function gatewayPeers(): object[] {
  return GATEWAY_POD_LABELS.map((key) => ({ namespaceSelector: {}, podSelector: { matchExpressions: [{ key, operator: 'Exists' }] } }));
}

interface Owner {
  /** The deployment (one model under one name) the objects belong to. */
  readonly deployment: string;
  readonly namespace: string;
}

const metadataOf = (o: Owner, name: string, component: string): KubeObject['metadata'] => ({
  name,
  namespace: o.namespace,
  labels: { [LABELS.name]: name, [LABELS.managedBy]: MANAGED_BY, [LABELS.deployment]: o.deployment, [LABELS.component]: component },
});

/**
 * Ingress to a deployment's model servers: the gateway (it sends the requests, to the endpoint the picker chose),
 * the deployment's picker (it scrapes /metrics), and the deployment's own pods (multi-host replicas: Ray and
 * NCCL between a LeaderWorkerSet group's leader and workers). Nothing else reaches port 8000, so a pod elsewhere
 * in the cluster cannot bypass the gateway's routing or read the servers' metrics. Kubelet probes are not pod
 * traffic and stay allowed. `kubectl inference top` through the API server's pod proxy comes from the control
 * plane: admit its address with an extra policy, or use `top --direct` from inside the cluster.
 */
export function modelServerNetworkPolicy(o: Owner): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadataOf(o, `${o.deployment}-model-servers`, 'network-policy'),
    spec: {
      podSelector: { matchLabels: { [LABELS.deployment]: o.deployment }, matchExpressions: [{ key: LABELS.component, operator: 'In', values: ['model-server', 'model-worker'] }] },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [...gatewayPeers(), { podSelector: { matchLabels: { [LABELS.deployment]: o.deployment, [LABELS.component]: 'endpoint-picker' } } }] },
        { from: [{ podSelector: { matchLabels: { [LABELS.deployment]: o.deployment }, matchExpressions: [{ key: LABELS.component, operator: 'In', values: ['model-server', 'model-worker'] }] } }] },
      ],
    },
  };
}

/**
 * Ingress to the picker: its ext_proc port only from the gateway; its health and metrics port from any pod
 * (read-only figures, for Prometheus wherever it runs).
 */
export function pickerNetworkPolicy(o: Owner, name: string, ports: { readonly extProc: number; readonly health: number }): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadataOf(o, name, 'network-policy'),
    spec: {
      podSelector: { matchLabels: { [LABELS.name]: name, [LABELS.component]: 'endpoint-picker' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: gatewayPeers(), ports: [{ protocol: 'TCP', port: ports.extProc }] },
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: ports.health }] },
      ],
    },
  };
}

/** Keeps one picker serving through voluntary disruptions (node drains, upgrades): the pool is dark without one. */
export function pickerDisruptionBudget(o: Owner, name: string): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadataOf(o, name, 'endpoint-picker'),
    spec: { minAvailable: 1, selector: { matchLabels: { [LABELS.name]: name, [LABELS.component]: 'endpoint-picker' } } },
  };
}
