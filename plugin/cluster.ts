import type { CoreV1Event} from '@kubernetes/client-node';
import { ApisApi, AppsV1Api, CoordinationV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { NodeLike } from '../src/accelerators/discovery.js';
import { KINFER_SCHEDULER } from '../src/deploy/capabilities.js';
import { describeKubeError, isNotFound } from '../src/kube/errors.js';
import { MANAGED_BY, LABELS } from '../src/manifests/labels.js';
import { INFERENCE_POOL, LEADER_WORKER_SET, type KubeObject } from '../src/manifests/objects.js';

/** The field manager of every write the plugin makes (server-side apply). */
export const FIELD_MANAGER = 'kubectl-inference';
/** Where `manifests/scheduler` installs kinfer-scheduler; its leader-election Lease or Deployment says it runs. */
export const KINFER_NAMESPACE = 'kinfer-system';

export class KubeError extends Error {}

/** The plugin's view of a cluster: the few calls the commands make, each failing with one clear line. */
export class Cluster {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly objects: KubernetesObjectApi;
  readonly server: string;

  constructor(readonly kubeConfig: KubeConfig, readonly namespace: string) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.server = kubeConfig.getCurrentCluster()?.server ?? 'unknown server';
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new KubeError(describeKubeError(error, what, this.server));
    }
  }

  async nodes(): Promise<NodeLike[]> {
    return this.call('listing nodes', async () => (await this.core.listNode()).items as NodeLike[]);
  }

  /** API groups/versions the server serves, e.g. `inference.networking.k8s.io/v1` (discovery needs no RBAC). */
  async apiVersions(): Promise<Set<string>> {
    const apis = this.kubeConfig.makeApiClient(ApisApi);
    return this.call('reading API discovery', async () => {
      const groups = await apis.getAPIVersions();
      return new Set(groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion)));
    });
  }

  async hasInferencePool(): Promise<boolean> {
    return (await this.apiVersions()).has(`${INFERENCE_POOL.group}/${INFERENCE_POOL.version}`);
  }

  async hasLeaderWorkerSet(): Promise<boolean> {
    return (await this.apiVersions()).has(`${LEADER_WORKER_SET.group}/${LEADER_WORKER_SET.version}`);
  }

  /**
   * kinfer-scheduler runs if its leader-election Lease in kinfer-system was renewed lately, or its Deployment
   * (manifests/scheduler) exists there.
   */
  async hasKinferScheduler(now = Date.now()): Promise<boolean> {
    const coordination = this.kubeConfig.makeApiClient(CoordinationV1Api);
    const read = async <T>(get: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await get();
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === 404 || code === 403) return undefined;
        throw new KubeError(describeKubeError(error, 'looking for kinfer-scheduler', this.server));
      }
    };
    const lease = await read(() => coordination.readNamespacedLease({ name: KINFER_SCHEDULER, namespace: KINFER_NAMESPACE }));
    const renewed = lease?.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : undefined;
    // A held lease is renewed every few seconds; one untouched for a minute (or four lease durations) is a scheduler gone.
    const staleAfterMs = Math.max(60_000, 4 * 1000 * (lease?.spec?.leaseDurationSeconds ?? 15));
    if (renewed !== undefined && now - renewed < staleAfterMs) return true;
    return (await read(() => this.apps.readNamespacedDeployment({ name: KINFER_SCHEDULER, namespace: KINFER_NAMESPACE }))) !== undefined;
  }

  /** Server-side apply, as the plugin's field manager; `dryRun` asks the server to validate without persisting. */
  async apply(object: KubeObject, dryRun: boolean, fieldManager = FIELD_MANAGER): Promise<KubernetesObject> {
    return this.call(`applying ${object.kind} ${object.metadata.name}`, () =>
      this.objects.patch(object as KubernetesObject, undefined, dryRun ? 'All' : undefined, fieldManager, true, PatchStrategy.ServerSideApply));
  }

  /** Objects `deploy` made, of one kind, in the namespace (or all with `allNamespaces`), narrowed by `extraSelector` (kubectl -l). */
  async managed(apiVersion: string, kind: string, allNamespaces: boolean, deployment?: string, extraSelector?: string): Promise<KubernetesObject[]> {
    const selector = [`${LABELS.managedBy}=${MANAGED_BY}`, ...(deployment ? [`${LABELS.deployment}=${deployment}`] : []), ...(extraSelector ? [extraSelector] : [])].join(',');
    try {
      const list = await this.objects.list(apiVersion, kind, allNamespaces ? undefined : this.namespace, undefined, undefined, undefined, undefined, selector);
      // List items come without apiVersion/kind; later calls (delete) and messages need them.
      return list.items.map((item) => ({ ...item, apiVersion, kind }));
    } catch (error) {
      if (isNotFound(error)) return []; // the kind is not served here (CRD missing): nothing of it to find
      throw new KubeError(describeKubeError(error, `listing ${kind}s`, this.server));
    }
  }

  /** Every object of a kind in the namespace; empty when the kind is not served (CRD missing). */
  async list(apiVersion: string, kind: string): Promise<KubernetesObject[]> {
    try {
      const list = await this.objects.list(apiVersion, kind, this.namespace);
      return list.items.map((item) => ({ ...item, apiVersion, kind }));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw new KubeError(describeKubeError(error, `listing ${kind}s`, this.server));
    }
  }

  async remove(object: KubernetesObject, dryRun: boolean): Promise<void> {
    await this.call(`deleting ${object.kind} ${object.metadata?.name}`, () =>
      this.objects.delete(object, undefined, dryRun ? 'All' : undefined, undefined, undefined, 'Background'));
  }

  /** An object, or undefined when it does not exist (or its kind is not served). */
  async read<T extends KubernetesObject>(apiVersion: string, kind: string, name: string): Promise<T | undefined> {
    try {
      return (await this.objects.read({ apiVersion, kind, metadata: { name, namespace: this.namespace } })) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new KubeError(describeKubeError(error, `reading ${kind} ${this.namespace}/${name}`, this.server));
    }
  }

  /** GET through the API server's service proxy (works from a laptop, no port-forward). */
  async serviceGet(service: string, port: string | number, path: string): Promise<string> {
    return this.call(`asking ${service}`, async () => String(await this.core.connectGetNamespacedServiceProxyWithPath({ name: `${service}:${port}`, namespace: this.namespace, path })));
  }

  async pods(labelSelector: string): Promise<V1Pod[]> {
    return this.call('listing pods', async () => (await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector })).items);
  }

  /** The latest FailedScheduling message of each named pod. */
  async schedulingFailures(): Promise<Map<string, string>> {
    return this.call('listing events', async () => {
      const events = await this.core.listNamespacedEvent({ namespace: this.namespace, fieldSelector: 'reason=FailedScheduling' });
      const latest = new Map<string, CoreV1Event>();
      for (const e of events.items) {
        const name = e.involvedObject.name ?? '';
        const prev = latest.get(name);
        if (!prev || time(e) >= time(prev)) latest.set(name, e);
      }
      return new Map([...latest].map(([name, e]) => [name, e.message ?? '']));
    });
  }
}

function time(e: CoreV1Event): number {
  return new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0).getTime();
}
