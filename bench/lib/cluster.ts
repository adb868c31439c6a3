// A deterministic, heterogeneous cluster for the extender benchmark: Node and Pod objects shaped as the API
// server returns them (full metadata, spec and status, no managedFields, which kube-scheduler's informers
// strip), so bodies and parse costs are realistic. Same seed, same cluster: the parent process regenerates
// the nodes for nodeCacheCapable=false bodies while the server process feeds its ClusterState.

import { mulberry32 } from './prng.js';

export type Json = Record<string, unknown>;

/** mulberry32 (bench/lib/prng.ts): small, fast, seeded. */
export const rng = mulberry32;

const ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c'] as const;

export type NodeKind = 'cpu' | 'l4' | 'h100' | 'h200' | 'a100' | 'tpu-2x4' | 'tpu-4x4';

export interface NodeSpec {
  readonly name: string;
  readonly kind: NodeKind;
  readonly index: number;
  readonly zone: string;
  readonly pool: string;
  /** Accelerator devices per node (0 on CPU nodes). */
  readonly devices: number;
}

/** Share of each kind (TPU 4x4 slices come as node pools of 4 hosts). */
const MIX: readonly [NodeKind, number][] = [
  ['cpu', 0.40], ['l4', 0.16], ['h100', 0.12], ['h200', 0.08], ['a100', 0.12], ['tpu-2x4', 0.04], ['tpu-4x4', 0.08],
];

export function nodeSpecs(size: number): NodeSpec[] {
  const counts = MIX.filter(([kind]) => kind !== 'cpu').map(([kind, share]) => {
    const n = Math.round(size * share);
    return [kind, kind === 'tpu-4x4' ? n - (n % 4) : n] as const;
  });
  const cpu = size - counts.reduce((sum, [, n]) => sum + n, 0);
  const specs: NodeSpec[] = [];
  for (const [kind, n] of [['cpu', cpu] as const, ...counts]) {
    for (let i = 0; i < n; i += 1) specs.push(spec(kind, i, kind === 'cpu' ? 0 : kind === 'tpu-4x4' ? 4 : 8));
  }
  return specs;
}

function spec(kind: NodeKind, i: number, devices: number): NodeSpec {
  const zone = ZONES[i % ZONES.length]!;
  const pool = kind === 'tpu-4x4' ? `tpu-v6e-4x4-${Math.floor(i / 4)}` : `${kind}-pool-${i % 4}`;
  const hash = (i * 2654435761 >>> 0).toString(36).padStart(7, '0').slice(0, 4);
  return { name: `gke-prod-${pool}-${hash}-${i.toString(36)}`, kind, index: i, zone: kind === 'tpu-4x4' ? ZONES[Math.floor(i / 4) % 3]! : zone, pool, devices };
}

const INSTANCE: Record<NodeKind, { type: string; cpu: string; memory: string }> = {
  'cpu': { type: 'n2-standard-32', cpu: '31850m', memory: '121716544Ki' },
  'l4': { type: 'g2-standard-96', cpu: '95690m', memory: '382739264Ki' },
  'h100': { type: 'a3-highgpu-8g', cpu: '207690m', memory: '1845493592Ki' },
  'h200': { type: 'a3-ultragpu-8g', cpu: '223690m', memory: '2873411236Ki' },
  'a100': { type: 'a2-ultragpu-8g', cpu: '95690m', memory: '1334822936Ki' },
  'tpu-2x4': { type: 'ct6e-standard-8t', cpu: '179690m', memory: '1432167424Ki' },
  'tpu-4x4': { type: 'ct6e-standard-4t', cpu: '179690m', memory: '722739264Ki' },
};

function accelerationLabels(s: NodeSpec): Record<string, string> {
  switch (s.kind) {
    case 'cpu': return {};
    case 'l4': return { 'cloud.google.com/gke-accelerator': 'nvidia-l4', 'cloud.google.com/gke-accelerator-count': '8', 'cloud.google.com/gke-gpu': 'true', 'cloud.google.com/gke-gpu-driver-version': 'latest' };
    case 'h100': return {
      'cloud.google.com/gke-accelerator': 'nvidia-h100-80gb', 'cloud.google.com/gke-accelerator-count': '8', 'cloud.google.com/gke-gpu': 'true',
      'cloud.google.com/gce-topology-block': `block-${s.index % 5}`, 'cloud.google.com/gce-topology-subblock': `subblock-${s.index % 20}`,
    };
    case 'h200': return {
      // NVIDIA GPU Feature Discovery labels, with NVLink cliques.
      'nvidia.com/gpu.product': 'NVIDIA-H200', 'nvidia.com/gpu.count': '8', 'nvidia.com/gpu.memory': '143771', 'nvidia.com/gpu.family': 'hopper',
      'nvidia.com/gpu.machine': 'a3-ultragpu-8g', 'nvidia.com/gpu.compute.major': '9', 'nvidia.com/gpu.compute.minor': '0',
      'nvidia.com/cuda.driver.major': '550', 'nvidia.com/cuda.driver.minor': '90', 'nvidia.com/cuda.runtime.major': '12', 'nvidia.com/cuda.runtime.minor': '4',
      'nvidia.com/gpu.clique': `cluster-${s.index % 7}.${s.index % 3}`, 'nvidia.com/mig.capable': 'false', 'nvidia.com/gpu.present': 'true',
      'feature.node.kubernetes.io/pci-10de.present': 'true',
    };
    case 'a100': return {
      'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'nvidia.com/gpu.count': '8', 'nvidia.com/gpu.memory': '81920', 'nvidia.com/gpu.family': 'ampere',
      'nvidia.com/gpu.machine': 'a2-ultragpu-8g', 'nvidia.com/gpu.compute.major': '8', 'nvidia.com/gpu.compute.minor': '0',
      'nvidia.com/cuda.driver.major': '550', 'nvidia.com/cuda.runtime.major': '12', 'nvidia.com/mig.capable': 'true', 'nvidia.com/mig.strategy': 'single',
      'nvidia.com/gpu.present': 'true', 'feature.node.kubernetes.io/pci-10de.present': 'true',
    };
    case 'tpu-2x4': return { 'cloud.google.com/gke-tpu-accelerator': 'tpu-v6e-slice', 'cloud.google.com/gke-tpu-topology': '2x4', 'cloud.google.com/gke-accelerator-count': '8' };
    case 'tpu-4x4': return {
      'cloud.google.com/gke-tpu-accelerator': 'tpu-v6e-slice', 'cloud.google.com/gke-tpu-topology': '4x4', 'cloud.google.com/gke-accelerator-count': '4',
      'cloud.google.com/gke-placement-group': s.pool,
    };
  }
}

function resourceName(kind: NodeKind): string | undefined {
  return kind === 'cpu' ? undefined : kind.startsWith('tpu') ? 'google.com/tpu' : 'nvidia.com/gpu';
}

const IMAGES = [
  'gke.gcr.io/gke-metrics-agent', 'gke.gcr.io/fluent-bit', 'gke.gcr.io/kube-proxy-amd64', 'gke.gcr.io/netd', 'gke.gcr.io/gke-metadata-server',
  'gke.gcr.io/csi-node-driver-registrar', 'gke.gcr.io/gcp-compute-persistent-disk-csi-driver', 'gke.gcr.io/ip-masq-agent', 'gke.gcr.io/node-problem-detector',
  'registry.k8s.io/pause', 'gke.gcr.io/prometheus-to-sd', 'nvcr.io/nvidia/k8s-device-plugin', 'nvcr.io/nvidia/dcgm-exporter',
  'docker.io/vllm/vllm-openai', 'us-docker.pkg.dev/prod/serving/router', 'quay.io/prometheus/node-exporter', 'docker.io/grafana/promtail',
  'us-docker.pkg.dev/prod/apps/checkout', 'us-docker.pkg.dev/prod/apps/frontend', 'us-docker.pkg.dev/prod/apps/search',
];

const hex = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i += 1) s += Math.floor(r() * 16).toString(16);
  return s;
};

/** A Node as `GET /api/v1/nodes` returns it. */
export function makeNode(s: NodeSpec): Json {
  const r = rng(hashString(s.name));
  const inst = INSTANCE[s.kind];
  const res = resourceName(s.kind);
  const capacity: Record<string, string> = {
    'cpu': String(Math.ceil(parseInt(inst.cpu, 10) / 1000)), 'ephemeral-storage': '507944172Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0',
    'memory': inst.memory, 'pods': '110',
  };
  const allocatable: Record<string, string> = {
    'cpu': inst.cpu, 'ephemeral-storage': '336244180013', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', 'memory': inst.memory, 'pods': '110',
  };
  if (res !== undefined) {
    capacity[res] = String(s.devices);
    allocatable[res] = String(s.devices);
  }
  const created = new Date(Date.UTC(2025, 0, 1) + s.index * 60_000).toISOString().replace('.000', '');
  const internalIp = `10.${(s.index >> 16) & 255}.${(s.index >> 8) & 255}.${s.index & 255}`;
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name: s.name,
      uid: `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`,
      resourceVersion: String(1_000_000 + s.index * 17),
      creationTimestamp: created,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': inst.type,
        'beta.kubernetes.io/os': 'linux',
        'cloud.google.com/gke-boot-disk': 'pd-balanced',
        'cloud.google.com/gke-container-runtime': 'containerd',
        'cloud.google.com/gke-cpu-scaling-level': '32',
        'cloud.google.com/gke-logging-variant': 'DEFAULT',
        'cloud.google.com/gke-max-pods-per-node': '110',
        'cloud.google.com/gke-nodepool': s.pool,
        'cloud.google.com/gke-os-distribution': 'cos',
        'cloud.google.com/gke-provisioning': 'standard',
        'cloud.google.com/gke-stack-type': 'IPV4',
        'cloud.google.com/machine-family': inst.type.split('-')[0]!,
        'cloud.google.com/private-node': 'false',
        'failure-domain.beta.kubernetes.io/region': 'us-central1',
        'failure-domain.beta.kubernetes.io/zone': s.zone,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': s.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': inst.type,
        'topology.gke.io/zone': s.zone,
        'topology.kubernetes.io/region': 'us-central1',
        'topology.kubernetes.io/zone': s.zone,
        ...accelerationLabels(s),
      },
      annotations: {
        'container.googleapis.com/instance_id': String(Math.floor(r() * 1e18)),
        'csi.volume.kubernetes.io/nodeid': JSON.stringify({ 'pd.csi.storage.gke.io': `projects/prod/zones/${s.zone}/instances/${s.name}` }),
        'node.alpha.kubernetes.io/ttl': '0',
        'node.gke.io/last-applied-node-labels': 'cloud.google.com/gke-boot-disk,cloud.google.com/gke-container-runtime,cloud.google.com/gke-nodepool',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: `10.${64 + ((s.index >> 8) & 63)}.${s.index & 255}.0/24`,
      podCIDRs: [`10.${64 + ((s.index >> 8) & 63)}.${s.index & 255}.0/24`],
      providerID: `gce://prod/${s.zone}/${s.name}`,
      ...(res !== undefined ? { taints: [{ key: res, value: 'present', effect: 'NoSchedule' }] } : {}),
    },
    status: {
      capacity,
      allocatable,
      conditions: [
        ['FrequentUnregisterNetDevice', 'False', 'NoFrequentUnregisterNetDevice', 'node is functioning properly'],
        ['KernelDeadlock', 'False', 'KernelHasNoDeadlock', 'kernel has no deadlock'],
        ['ReadonlyFilesystem', 'False', 'FilesystemIsNotReadOnly', 'Filesystem is not read-only'],
        ['NetworkUnavailable', 'False', 'RouteCreated', 'NodeController create implicit route'],
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
        ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status. AppArmor enabled'],
      ].map(([type, status, reason, message]) => ({ type, status, lastHeartbeatTime: '2025-06-01T10:00:00Z', lastTransitionTime: created, reason, message })),
      addresses: [
        { type: 'InternalIP', address: internalIp },
        { type: 'ExternalIP', address: `34.${(s.index >> 8) & 255}.${s.index & 255}.${Math.floor(r() * 255)}` },
        { type: 'Hostname', address: s.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex(r, 32), systemUUID: hex(r, 32), bootID: `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`,
        kernelVersion: '6.1.112+', osImage: 'Container-Optimized OS from Google', containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: 'v1.31.5-gke.1023000', kubeProxyVersion: 'v1.31.5-gke.1023000', operatingSystem: 'linux', architecture: 'amd64',
      },
      images: IMAGES.map((image) => ({
        names: [`${image}@sha256:${hex(r, 64)}`, `${image}:v${1 + Math.floor(r() * 3)}.${Math.floor(r() * 20)}.${Math.floor(r() * 9)}`],
        sizeBytes: Math.floor(r() * 4e9),
      })),
    },
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export const SERVING_NAMESPACE = 'serving';

/** What a model pod bound on a node holds; the kinfer annotations it carries. */
interface ModelPlacement {
  readonly devices: number;
  readonly annotations: Record<string, string>;
  readonly app: string;
}

/** Model pods already running on an accelerator node: random fill, so some nodes are full and some free. */
function modelPlacements(s: NodeSpec, r: () => number): ModelPlacement[] {
  const out: ModelPlacement[] = [];
  const m = (devices: number, model: string, extra: Record<string, string> = {}): ModelPlacement => ({
    devices, app: model.split('/')[1]!.toLowerCase(), annotations: { 'kinfer.dev/model': model, ...extra },
  });
  let free = s.devices;
  const take = (p: ModelPlacement): void => {
    if (p.devices <= free) {
      out.push(p);
      free -= p.devices;
    }
  };
  switch (s.kind) {
    case 'cpu': break;
    case 'l4':
    case 'a100': {
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i += 1) take(r() < 0.6 ? m(1, 'meta-llama/Llama-3.1-8B-Instruct') : m(2, 'Qwen/Qwen2.5-7B-Instruct', { 'kinfer.dev/max-model-len': '16384' }));
      break;
    }
    case 'h100':
    case 'h200': {
      const roll = r();
      if (roll < 0.3) take(m(8, 'meta-llama/Llama-3.3-70B-Instruct'));
      else if (roll < 0.6) take(m(4, 'meta-llama/Llama-3.3-70B-Instruct'));
      if (r() < 0.5) take(m(2, 'Qwen/Qwen3-32B'));
      break;
    }
    case 'tpu-2x4':
      if (r() < 0.5) take(m(8, 'google/gemma-2-27b-it', { 'kinfer.dev/tpu-topology': '2x4' }));
      break;
    case 'tpu-4x4':
      // Whole multi-host slices are taken or free together: decided per node pool.
      if (rng(hashString(s.pool))() < 0.5) {
        take(m(4, 'meta-llama/Llama-3.1-70B-Instruct', {
          'kinfer.dev/tpu-topology': '4x4', 'kinfer.dev/group': `${s.pool}-llama70b`, 'kinfer.dev/group-size': '4',
        }));
      }
      break;
  }
  return out;
}

const DAEMONS = ['kube-proxy', 'fluentbit-gke', 'gke-metrics-agent', 'pdcsi-node', 'netd', 'node-exporter'] as const;
const APPS = ['checkout', 'frontend', 'search', 'cart', 'recommendations', 'payments', 'auth', 'catalog', 'ads', 'email'] as const;

/** The 20 pods bound on one node, as the pods informer receives them. */
export function podsForNode(s: NodeSpec, perNode = 20): Json[] {
  const r = rng(hashString(`${s.name}/pods`));
  const pods: Json[] = [];
  for (const daemon of DAEMONS) {
    pods.push(makePod({ r, node: s, namespace: 'kube-system', app: daemon, owner: 'DaemonSet', cpu: '100m', memory: '128Mi' }));
  }
  if (resourceName(s.kind) === 'nvidia.com/gpu') {
    pods.push(makePod({ r, node: s, namespace: 'kube-system', app: 'nvidia-gpu-device-plugin', owner: 'DaemonSet', cpu: '50m', memory: '64Mi' }));
    pods.push(makePod({ r, node: s, namespace: 'gmp-public', app: 'dcgm-exporter', owner: 'DaemonSet', cpu: '100m', memory: '512Mi' }));
  }
  const res = resourceName(s.kind);
  if (res !== undefined) {
    for (const p of modelPlacements(s, r)) {
      if (pods.length >= perNode) break;
      pods.push(makePod({
        r, node: s, namespace: SERVING_NAMESPACE, app: p.app, owner: p.annotations['kinfer.dev/group'] ? 'LeaderWorkerSet' : 'ReplicaSet',
        cpu: '8', memory: '64Gi', devices: { name: res, count: p.devices }, annotations: p.annotations,
      }));
    }
  }
  while (pods.length < perNode) {
    const app = APPS[Math.floor(r() * APPS.length)]!;
    pods.push(makePod({ r, node: s, namespace: `team-${app}`, app, owner: 'ReplicaSet', cpu: `${250 * (1 + Math.floor(r() * 8))}m`, memory: `${256 * (1 + Math.floor(r() * 8))}Mi` }));
  }
  return pods;
}

export interface PodOptions {
  readonly r: () => number;
  readonly node?: NodeSpec;
  readonly namespace: string;
  readonly app: string;
  readonly owner: 'DaemonSet' | 'ReplicaSet' | 'LeaderWorkerSet';
  readonly cpu: string;
  readonly memory: string;
  readonly devices?: { readonly name: string; readonly count: number };
  readonly annotations?: Record<string, string>;
  readonly name?: string;
}

/** A Pod as `GET /api/v1/pods` returns it (bound and Running when `node` is set, else Pending). */
export function makePod(o: PodOptions): Json {
  const { r } = o;
  const uid = `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`;
  const template = hex(r, 10);
  const name = o.name ?? `${o.app}-${o.owner === 'DaemonSet' ? '' : `${template}-`}${hex(r, 5)}`;
  const requests: Record<string, string> = { cpu: o.cpu, memory: o.memory };
  const limits: Record<string, string> = { memory: o.memory };
  if (o.devices) {
    requests[o.devices.name] = String(o.devices.count);
    limits[o.devices.name] = String(o.devices.count);
  }
  const bound = o.node !== undefined;
  const model = o.annotations?.['kinfer.dev/model'];
  const image = model !== undefined ? 'docker.io/vllm/vllm-openai:v0.8.5' : `us-docker.pkg.dev/prod/apps/${o.app}:v1.${Math.floor(r() * 40)}.0`;
  const ip = `10.${64 + Math.floor(r() * 63)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`;
  const startTime = '2025-05-20T08:15:00Z';
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      ...(o.owner !== 'DaemonSet' ? { generateName: `${o.app}-${template}-` } : { generateName: `${o.app}-` }),
      namespace: o.namespace,
      uid,
      resourceVersion: String(Math.floor(r() * 1e9)),
      creationTimestamp: startTime,
      labels: {
        'app.kubernetes.io/name': o.app,
        'app.kubernetes.io/part-of': o.namespace,
        'app.kubernetes.io/version': 'v1.4.2',
        ...(o.owner === 'DaemonSet' ? { 'controller-revision-hash': hex(r, 10), 'pod-template-generation': '3' } : { 'pod-template-hash': template }),
        ...(model !== undefined ? { 'kinfer.dev/model-name': o.app } : {}),
      },
      annotations: {
        'kubectl.kubernetes.io/restartedAt': '2025-05-20T08:14:00Z',
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
        ...(o.annotations ?? {}),
      },
      ownerReferences: [{ apiVersion: o.owner === 'LeaderWorkerSet' ? 'leaderworkerset.x-k8s.io/v1' : 'apps/v1', kind: o.owner, name: o.owner === 'DaemonSet' ? o.app : `${o.app}-${template}`, uid: `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [
        { name: 'config', configMap: { name: `${o.app}-config`, defaultMode: 420 } },
        ...(model !== undefined ? [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } }, { name: 'models', persistentVolumeClaim: { claimName: 'model-cache' } }] : []),
        { name: 'kube-api-access-' + hex(r, 5), projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }], defaultMode: 420 } },
      ],
      containers: [{
        name: model !== undefined ? 'vllm' : o.app,
        image,
        ...(model !== undefined ? { args: ['--model', model, '--tensor-parallel-size', String(o.devices?.count ?? 1), '--port', '8000', '--gpu-memory-utilization', '0.9', '--enable-prefix-caching'] } : { args: ['--config=/etc/config/app.yaml', '--log-level=info'] }),
        ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
          { name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4317' },
          { name: 'LOG_FORMAT', value: 'json' },
          { name: 'GOMAXPROCS', value: '4' },
          ...(model !== undefined ? [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } }, { name: 'VLLM_LOGGING_LEVEL', value: 'INFO' }] : []),
        ],
        resources: { requests, limits },
        volumeMounts: [
          { name: 'config', readOnly: true, mountPath: '/etc/config' },
          ...(model !== undefined ? [{ name: 'dshm', mountPath: '/dev/shm' }, { name: 'models', mountPath: '/models' }] : []),
          { name: 'kube-api-access', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
        ],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 10, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
        readinessProbe: { httpGet: { path: model !== undefined ? '/health' : '/readyz', port: 'http', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
      }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: o.app,
      serviceAccount: o.app,
      ...(bound ? { nodeName: o.node.name } : {}),
      securityContext: { runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ...(o.devices ? [{ key: o.devices.name, operator: 'Exists', effect: 'NoSchedule' }] : []),
      ],
      priority: o.owner === 'DaemonSet' ? 2000001000 : 0,
      ...(o.owner === 'DaemonSet' ? { priorityClassName: 'system-node-critical' } : {}),
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: bound
      ? {
          phase: 'Running',
          conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: startTime })),
          hostIP: `10.0.${(o.node.index >> 8) & 255}.${o.node.index & 255}`,
          hostIPs: [{ ip: `10.0.${(o.node.index >> 8) & 255}.${o.node.index & 255}` }],
          podIP: ip,
          podIPs: [{ ip }],
          startTime,
          containerStatuses: [{
            name: model !== undefined ? 'vllm' : o.app, state: { running: { startedAt: startTime } }, lastState: {}, ready: true, restartCount: Math.floor(r() * 3),
            image, imageID: `${image.split(':')[0]}@sha256:${hex(r, 64)}`, containerID: `containerd://${hex(r, 64)}`, started: true,
          }],
          qosClass: 'Burstable',
        }
      : { phase: 'Pending', qosClass: 'Burstable' },
  };
}

/** The pods the benchmark asks the extender to place (Pending, unbound), one of each kind. */
export function requestPods(): { kind: string; pod: Json }[] {
  const r = rng(42);
  const gpu = (count: number) => ({ name: 'nvidia.com/gpu', count });
  const tpu = (count: number) => ({ name: 'google.com/tpu', count });
  return [
    {
      kind: '8B x1 GPU',
      pod: makePod({ r, namespace: SERVING_NAMESPACE, app: 'llama-3-1-8b-instruct', owner: 'ReplicaSet', cpu: '8', memory: '32Gi', devices: gpu(1),
        annotations: { 'kinfer.dev/model': 'meta-llama/Llama-3.1-8B-Instruct', 'kinfer.dev/max-model-len': '8192', 'kinfer.dev/accelerators': 'nvidia-l4,nvidia-a100-80gb,nvidia-h100-80gb' } }),
    },
    {
      kind: '70B x4 GPU',
      pod: makePod({ r, namespace: SERVING_NAMESPACE, app: 'llama-3-3-70b-instruct', owner: 'ReplicaSet', cpu: '32', memory: '256Gi', devices: gpu(4),
        annotations: { 'kinfer.dev/model': 'meta-llama/Llama-3.3-70B-Instruct', 'kinfer.dev/max-model-len': '16384' } }),
    },
    {
      kind: '70B fp8 x2 GPU',
      pod: makePod({ r, namespace: SERVING_NAMESPACE, app: 'llama-3-3-70b-instruct-fp8', owner: 'ReplicaSet', cpu: '16', memory: '128Gi', devices: gpu(2),
        annotations: { 'kinfer.dev/model': 'meta-llama/Llama-3.3-70B-Instruct', 'kinfer.dev/dtype': 'fp8', 'kinfer.dev/kv-cache-dtype': 'fp8', 'kinfer.dev/max-model-len': '8192' } }),
    },
    {
      kind: 'TPU 2x4',
      pod: makePod({ r, namespace: SERVING_NAMESPACE, app: 'gemma-2-27b-it', owner: 'ReplicaSet', cpu: '16', memory: '128Gi', devices: tpu(8),
        annotations: { 'kinfer.dev/model': 'google/gemma-2-27b-it', 'kinfer.dev/tpu-topology': '2x4' } }),
    },
    {
      kind: 'TPU 4x4 group',
      pod: makePod({ r, namespace: SERVING_NAMESPACE, app: 'llama-3-1-70b-tpu', owner: 'LeaderWorkerSet', cpu: '16', memory: '128Gi', devices: tpu(4),
        annotations: { 'kinfer.dev/hbm': '100Gi', 'kinfer.dev/tpu-topology': '4x4', 'kinfer.dev/group': 'llama70b-new', 'kinfer.dev/group-size': '4' } }),
    },
    {
      kind: 'no kinfer',
      pod: makePod({ r, namespace: 'team-checkout', app: 'checkout', owner: 'ReplicaSet', cpu: '500m', memory: '512Mi' }),
    },
  ];
}
