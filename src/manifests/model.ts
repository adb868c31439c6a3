import { ACCELERATOR_LABELS } from '../accelerators/discovery.js';
import type { DeploySpec, DeployTarget } from '../deploy/plan.js';
import { weightsBytes } from '../models/memory.js';
import { ANNOTATIONS } from '../placement/request.js';
import { err, ok, type Result } from '../result.js';
import { containerSpec, defaultImage, SERVER_PORT, type ServerKind } from '../servers/templates.js';
import { GiB } from '../units/quantity.js';
import { LABELS, MANAGED_BY, modelLabelValue } from './labels.js';
import { modelCacheClaim, modelCachePodParts, type ModelCache } from './model-cache.js';
import { INFERENCE_POOL, LEADER_WORKER_SET, type KubeObject } from './objects.js';
import { MODEL_SERVER_CONTAINER_SECURITY, MODEL_SERVER_POD_SECURITY, modelServerNetworkPolicy } from './security.js';
import { platformOf } from '../accelerators/resources.js';

/** Everything `deploy` decided, from which the objects follow without further choices. */
export interface ModelDeployment {
  readonly name: string;
  readonly namespace: string;
  readonly server: ServerKind;
  /** Overrides the pinned image (every target). */
  readonly image?: string;
  readonly spec: DeploySpec;
  readonly targets: readonly DeployTarget[];
  /** `kinfer-scheduler` (the extender checks HBM), or undefined: the default scheduler, pinned by node affinity. */
  readonly schedulerName?: string;
  readonly hfTokenSecret?: { readonly name: string; readonly key: string };
  /** Create an InferencePool (its CRD is installed and --no-pool was not given). */
  readonly pool: boolean;
  /** The LeaderWorkerSet CRD is installed (needed for multi-host replicas). */
  readonly leaderWorkerSet: boolean;
  /** Weights shared by the replicas (--model-cache); absent: each replica downloads its own. */
  readonly modelCache?: ModelCache;
}

/** The picker Service an InferencePool points at (created by `kubectl inference route install`). */
export const pickerServiceName = (name: string): string => `${name}-picker`;
/** The endpoint picker's ext_proc port (Gateway API Inference Extension default). */
export const PICKER_PORT = 9002;

/** `nvidia-h100-80gb` → `h100-80gb`: the suffix of a workload name when one model spans several types. */
function shortType(type: string): string {
  return type.replace(/^(nvidia-tesla-|nvidia-|amd-)/, '');
}

export function workloadName(d: ModelDeployment, target: DeployTarget): string {
  return d.targets.length > 1 ? `${d.name}-${shortType(target.option.inventory.type)}`.slice(0, 63).replace(/-$/, '') : d.name;
}

function commonLabels(d: ModelDeployment): Record<string, string> {
  return {
    [LABELS.name]: d.name,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.deployment]: d.name,
    [LABELS.model]: modelLabelValue(d.spec.model.id),
    [LABELS.server]: d.server,
  };
}

/** The pod template of one target: server container, kinfer annotations, devices, placement, probes. */
function podTemplate(d: ModelDeployment, target: DeployTarget, role?: 'leader' | 'worker'): Result<object> {
  const platform = platformOf(target.option.inventory);
  const image = d.image ?? defaultImage(d.server, platform);
  if (!image) return err(`${d.server} publishes no image for ${target.option.inventory.type} (${platform}); pass --image or use --server vllm`);
  const inv = target.option.inventory;
  const devicesPerHost = target.option.devices / target.option.hosts;
  const slice = target.option.tpuSlice;
  const args = {
    modelId: d.spec.model.id,
    servedModelName: d.spec.model.id,
    // A TPU slice is one tensor-parallel group over every chip of every host (see deploy/plan.ts).
    tensorParallelSize: slice ? target.option.devices : devicesPerHost,
    maxModelLen: d.spec.maxModelLen,
    ...(d.spec.maxBatch !== undefined ? { maxBatch: d.spec.maxBatch } : {}),
    memoryUtilization: d.spec.memoryUtilization,
    dtype: d.spec.dtype,
    kvCacheDtype: d.spec.kvCacheDtype,
  };
  const container = containerSpec(d.server, args);
  let command = [...container.command];
  let containerArgs = [...container.args];
  if (target.option.hosts > 1) {
    // vLLM's multi-node recipe: a Ray cluster across the LeaderWorkerSet group. GPUs: tensor parallel within a
    // host, pipeline parallel across hosts; the script ships in the vLLM image. A TPU slice: one tensor-parallel
    // group over the whole slice, the script at the vllm-tpu image's path (sigs.k8s.io/lws@v0.9.0
    // docs/examples/vllm/TPU/lws.yaml runs `bash /workspace/vllm/examples/online_serving/multi-node-serving.sh`).
    const script = slice ? 'bash /workspace/vllm/examples/online_serving/multi-node-serving.sh' : '/vllm-workspace/examples/online_serving/multi-node-serving.sh';
    const pipeline = slice ? '' : ` --pipeline-parallel-size ${target.option.hosts}`;
    command = ['/bin/sh', '-c'];
    containerArgs = role === 'leader'
      ? [`${script} leader --ray_cluster_size=$(LWS_GROUP_SIZE); exec ${container.command.join(' ')} ${container.args.join(' ')}${pipeline}`]
      : [`${script} worker --ray_address=$(LWS_LEADER_ADDRESS)`];
  }
  // Host memory: the server streams weights through page cache and pinned buffers; a host share of the
  // weights plus 16 GiB for the runtime, tokenizer and CUDA graphs capture keeps the pod clear of OOM kills.
  const memoryGi = Math.ceil(weightsBytes(d.spec.model, d.spec.dtype) / target.option.hosts / GiB) + 16;
  const resources = {
    requests: { cpu: String(2 + 2 * devicesPerHost), memory: `${memoryGi}Gi`, [inv.resourceName]: String(devicesPerHost) },
    limits: { memory: `${memoryGi}Gi`, [inv.resourceName]: String(devicesPerHost) },
  };
  const annotations: Record<string, string> = {
    [ANNOTATIONS.model]: d.spec.model.id,
    [ANNOTATIONS.maxModelLen]: String(d.spec.maxModelLen),
    [ANNOTATIONS.kvReserveSeqs]: String(d.spec.kvReserveSeqs),
    [ANNOTATIONS.dtype]: d.spec.dtype,
    [ANNOTATIONS.kvCacheDtype]: d.spec.kvCacheDtype,
    [ANNOTATIONS.memoryUtilization]: String(d.spec.memoryUtilization),
    [ANNOTATIONS.accelerators]: inv.type,
  };
  if (target.option.hosts > 1) annotations[ANNOTATIONS.groupSize] = String(target.option.hosts);
  // The extender holds every pod of the replica to the slice shape it was planned on.
  if (slice) annotations[ANNOTATIONS.tpuTopology] = slice.topology;
  const isTpu = platform === 'tpu';
  const nodeSelector: Record<string, string> = {};
  if (isTpu) {
    // GKE's own TPU node selectors (the LWS TPU example pins both), so the default scheduler keeps to the shape too.
    nodeSelector[ACCELERATOR_LABELS.gkeTpuAccelerator] = inv.type;
    const topology = slice?.topology ?? (inv.tpuTopologies.length === 1 ? inv.tpuTopologies[0] : undefined);
    if (topology !== undefined) nodeSelector[ACCELERATOR_LABELS.gkeTpuTopology] = topology;
  }
  const affinity = d.schedulerName === undefined && !isTpu
    ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: inv.selector.key, operator: 'In', values: [...inv.selector.values] }] }] } } }
    : undefined;
  const probe = (path: string, extra: object) => ({ httpGet: { path, port: 'http' }, ...extra });
  const env: object[] = [];
  if (d.hfTokenSecret) env.push({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: d.hfTokenSecret.name, key: d.hfTokenSecret.key } } });
  const cache = d.modelCache ? modelCachePodParts(d.modelCache) : undefined;
  if (cache) env.push(cache.env);
  const serving = role !== 'worker';
  return ok({
    metadata: {
      labels: { ...commonLabels(d), [LABELS.component]: role === 'worker' ? 'model-worker' : 'model-server', [LABELS.accelerator]: inv.type, ...(role ? { 'kinfer.dev/role': role } : {}) },
      annotations,
    },
    spec: {
      ...(d.schedulerName ? { schedulerName: d.schedulerName } : {}),
      ...(affinity ? { affinity } : {}),
      ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
      // GKE taints accelerator nodes so only pods that ask for devices land there.
      tolerations: [{ key: inv.resourceName, operator: 'Exists', effect: 'NoSchedule' }],
      terminationGracePeriodSeconds: 60,
      // A model server never calls the Kubernetes API: no token in the pod for a compromised server to use.
      automountServiceAccountToken: false,
      securityContext: MODEL_SERVER_POD_SECURITY,
      containers: [{
        name: 'server',
        image,
        command,
        args: containerArgs,
        ...(serving ? { ports: [{ name: 'http', containerPort: SERVER_PORT, protocol: 'TCP' }] } : {}),
        ...(env.length > 0 ? { env } : {}),
        resources,
        ...(serving ? {
          // Loading weights takes minutes: the startup probe allows 30 of them before liveness takes over.
          startupProbe: probe(container.healthPath, { periodSeconds: 10, failureThreshold: 180 }),
          readinessProbe: probe(container.healthPath, { periodSeconds: 5, failureThreshold: 3 }),
          livenessProbe: probe(container.healthPath, { periodSeconds: 10, failureThreshold: 6 }),
        } : {}),
        volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }, ...(cache ? [cache.mount] : [])],
        securityContext: MODEL_SERVER_CONTAINER_SECURITY,
      }],
      // Tensor-parallel workers exchange activations through shared memory; the container default (64 MiB) is far too small.
      volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } }, ...(cache ? [cache.volume] : [])],
    },
  });
}

/**
 * The objects one `deploy` applies, in apply order: the model cache's claim when deploy creates one, workloads,
 * Service, and with a pool its NetworkPolicy and the InferencePool.
 */
export function buildModelObjects(d: ModelDeployment): Result<KubeObject[]> {
  const objects: KubeObject[] = [];
  const metadata = (name: string, extra: Record<string, string> = {}) => ({
    name,
    namespace: d.namespace,
    labels: { ...commonLabels(d), ...extra },
    annotations: { [ANNOTATIONS.model]: d.spec.model.id },
  });
  const claim = d.modelCache ? modelCacheClaim(d.modelCache, metadata(d.name, { [LABELS.component]: 'model-cache' })) : undefined;
  if (claim) objects.push(claim);
  for (const target of d.targets) {
    const name = workloadName(d, target);
    const selector = { [LABELS.deployment]: d.name, [LABELS.accelerator]: target.option.inventory.type };
    if (target.option.hosts > 1) {
      if (!d.leaderWorkerSet) {
        return err(`${d.spec.model.id} needs ${target.option.devices} × ${target.option.inventory.type} over ${target.option.hosts} nodes per replica, which takes a LeaderWorkerSet; its CRD (leaderworkersets.leaderworkerset.x-k8s.io) is not installed`);
      }
      const leader = podTemplate(d, target, 'leader');
      const worker = podTemplate(d, target, 'worker');
      if (!leader.ok) return leader;
      if (!worker.ok) return worker;
      objects.push({
        apiVersion: `${LEADER_WORKER_SET.group}/${LEADER_WORKER_SET.version}`,
        kind: LEADER_WORKER_SET.kind,
        metadata: metadata(name, { [LABELS.accelerator]: target.option.inventory.type }),
        spec: {
          replicas: target.replicas,
          leaderWorkerTemplate: { size: target.option.hosts, restartPolicy: 'RecreateGroupOnPodRestart', leaderTemplate: leader.value, workerTemplate: worker.value },
        },
      });
      continue;
    }
    const template = podTemplate(d, target);
    if (!template.ok) return template;
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(name, { [LABELS.accelerator]: target.option.inventory.type }),
      spec: {
        replicas: target.replicas,
        selector: { matchLabels: selector },
        // Replacing a replica frees its devices first: with scarce accelerators a surge pod would only wait.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        template: template.value,
      },
    });
  }
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(d.name),
    spec: {
      selector: { [LABELS.deployment]: d.name, [LABELS.component]: 'model-server' },
      ports: [{ name: 'http', port: SERVER_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  });
  if (d.pool) {
    // Behind a pool, requests come through the gateway; without one, clients use the Service directly and a
    // policy would have to name them (the user's to write).
    const policy = modelServerNetworkPolicy({ deployment: d.name, namespace: d.namespace });
    objects.push({ ...policy, metadata: metadata(policy.metadata.name, { [LABELS.component]: 'network-policy' }) });
    objects.push({
      apiVersion: `${INFERENCE_POOL.group}/${INFERENCE_POOL.version}`,
      kind: INFERENCE_POOL.kind,
      metadata: metadata(d.name),
      spec: {
        selector: { matchLabels: { [LABELS.deployment]: d.name, [LABELS.component]: 'model-server' } },
        targetPorts: [{ number: SERVER_PORT }],
        endpointPickerRef: { name: pickerServiceName(d.name), port: { number: PICKER_PORT } },
      },
    });
  }
  return ok(objects);
}
