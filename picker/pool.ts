import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { describeKubeError } from '../src/kube/errors.js';
import { Reflector } from '../src/kube/reflector.js';
import { INFERENCE_POOL } from '../src/manifests/objects.js';
import type { EndpointTable } from './endpoints.js';

interface InferencePool {
  spec?: { selector?: { matchLabels?: Record<string, string> }; targetPorts?: { number?: number }[] };
}

/**
 * The endpoints of an InferencePool (inference.networking.k8s.io/v1): its selector's ready pods, at the pool's
 * target port. The pods are watched (list + watch with the restart policy of src/kube/reflector.ts); the pool
 * itself is read at start.
 */
export class PoolSource {
  private reflector: Reflector<V1Pod> | undefined;
  private readonly pods = new Map<string, string>();
  /** Address → the pod's Deployment (the autoscaling metric groups replicas by it; see workloadOf). */
  private readonly deployments = new Map<string, string>();

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly pool: string,
    private readonly table: EndpointTable,
    private readonly onError: (message: string) => void,
  ) {}

  /** Reads the pool and starts watching its pods; throws one clear line when the pool or its CRD is missing. */
  async start(): Promise<void> {
    const { labelSelector, port } = await this.readPool();
    this.watch(labelSelector, port);
  }

  /** Without an InferencePool: the ready pods of a label selector, at a port. */
  startSelector(labelSelector: string, port: number): void {
    this.watch(labelSelector, port);
  }

  private async readPool(): Promise<{ labelSelector: string; port: number }> {
    const custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
    let pool: InferencePool;
    try {
      pool = (await custom.getNamespacedCustomObject({ group: INFERENCE_POOL.group, version: INFERENCE_POOL.version, namespace: this.namespace, plural: INFERENCE_POOL.plural, name: this.pool })) as InferencePool;
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === 404) throw new Error(`InferencePool ${this.namespace}/${this.pool} not found (or its CRD, inference.networking.k8s.io/v1, is not installed)`);
      throw new Error(describeKubeError(error, `reading InferencePool ${this.namespace}/${this.pool}`));
    }
    const labels = pool.spec?.selector?.matchLabels ?? {};
    const port = pool.spec?.targetPorts?.[0]?.number;
    if (Object.keys(labels).length === 0 || port === undefined) {
      throw new Error(`InferencePool ${this.namespace}/${this.pool} has no selector.matchLabels or targetPorts`);
    }
    return { labelSelector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','), port };
  }

  private watch(labelSelector: string, port: number): void {
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    const track = (pod: V1Pod): void => {
      const name = pod.metadata?.name ?? '';
      const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (ready && pod.status?.podIP && !pod.metadata?.deletionTimestamp) {
        const address = `${pod.status.podIP}:${port}`;
        this.pods.set(name, address);
        const workload = workloadOf(pod);
        if (workload !== undefined) this.deployments.set(address, workload);
      } else this.pods.delete(name);
    };
    const publish = (): void => this.table.replace(this.pods.values());
    this.reflector = new Reflector<V1Pod>({
      name: 'pool pods',
      kubeConfig: this.kubeConfig,
      path: `/api/v1/namespaces/${this.namespace}/pods`,
      labelSelector,
      listPage: async (token) => {
        const list = await core.listNamespacedPod({ namespace: this.namespace, labelSelector, limit: 500, ...(token ? { _continue: token } : {}) });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '', ...(list.metadata?._continue ? { continueToken: list.metadata._continue } : {}) };
      },
      sink: {
        beginList: () => {
          const fresh: V1Pod[] = [];
          return {
            add: (pod) => fresh.push(pod),
            done: () => {
              this.pods.clear();
              fresh.forEach(track);
              publish();
            },
          };
        },
        upsert: (pod) => {
          track(pod);
          publish();
        },
        remove: (pod) => {
          this.pods.delete(pod.metadata?.name ?? '');
          publish();
        },
      },
      onStateChange: (state, error) => {
        if (state === 'failed') this.onError(`watching the pool's pods failed: ${error?.message}; retrying`);
      },
    });
    this.reflector.start();
  }

  deploymentOf(address: string): string | undefined {
    return this.deployments.get(address);
  }

  stop(): void {
    this.reflector?.stop();
  }
}

/**
 * The Deployment that owns a pod: its ReplicaSet's name less the `-<pod-template-hash>` the Deployment controller
 * appends (kubernetes pkg/controller/deployment). Undefined for pods of other owners.
 */
export function workloadOf(pod: V1Pod): string | undefined {
  const rs = pod.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  return rs !== undefined && hash !== undefined && rs.endsWith(`-${hash}`) ? rs.slice(0, -hash.length - 1) : undefined;
}
