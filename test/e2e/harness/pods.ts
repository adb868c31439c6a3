// Model pods as a user (or `kubectl inference deploy`) creates them, and the waits the suites share.
import { CoreV1Api, Watch, type CoreV1Event, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { mapLimit, waitFor } from './wait.js';

export const KINFER_SCHEDULER = 'kinfer-scheduler';

export interface ModelPodSpec {
  readonly name: string;
  readonly namespace?: string;
  /** `kinfer.dev/<key>` annotations, e.g. `{ model: 'meta-llama/Llama-3.1-8B-Instruct' }`. */
  readonly kinfer?: Record<string, string>;
  /** Device requests (and limits), e.g. `{ 'nvidia.com/gpu': 1 }`. */
  readonly devices?: Record<string, number>;
  readonly schedulerName?: string;
  readonly labels?: Record<string, string>;
  readonly port?: number;
}

/** A model-server pod: one `server` container with the device request, scheduled by `kinfer-scheduler`. */
export function modelPod(spec: ModelPodSpec): V1Pod {
  const devices = Object.fromEntries(Object.entries(spec.devices ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      namespace: spec.namespace ?? 'default',
      labels: { 'app.kubernetes.io/name': 'model-server', ...(spec.labels ?? {}) },
      annotations: Object.fromEntries(Object.entries(spec.kinfer ?? {}).map(([k, v]) => [`kinfer.dev/${k}`, v])),
    },
    spec: {
      schedulerName: spec.schedulerName ?? KINFER_SCHEDULER,
      terminationGracePeriodSeconds: 0,
      containers: [{
        name: 'server',
        image: 'vllm/vllm-openai:v0.11.0',
        ports: [{ name: 'http', containerPort: spec.port ?? 8000 }],
        resources: { requests: { cpu: '1', memory: '4Gi', ...devices }, limits: { ...devices } },
      }],
    },
  };
}

export async function createPods(core: CoreV1Api, pods: readonly V1Pod[], concurrency = 20): Promise<void> {
  await mapLimit(pods, concurrency, (body) => core.createNamespacedPod({ namespace: body.metadata!.namespace!, body }));
}

export async function createNamespace(core: CoreV1Api, name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name } } });
}

/** Where each named pod is bound (`undefined` while Pending). */
export async function placements(core: CoreV1Api, namespace: string): Promise<Map<string, string | undefined>> {
  const list = await core.listNamespacedPod({ namespace });
  return new Map(list.items.map((p) => [p.metadata!.name!, p.spec?.nodeName || undefined]));
}

function summary(map: Map<string, string | undefined>): string {
  const pending = [...map].filter(([, n]) => !n).map(([p]) => p);
  return `${map.size - pending.length}/${map.size} bound; pending: ${pending.slice(0, 10).join(', ')}${pending.length > 10 ? ', ...' : ''}`;
}

/** Waits until every named pod of the namespace is bound; returns pod → node. */
export async function waitBound(core: CoreV1Api, namespace: string, names: readonly string[], timeoutMs: number): Promise<Map<string, string>> {
  let last = new Map<string, string | undefined>();
  await waitFor(
    async () => {
      last = await placements(core, namespace);
      return names.every((n) => last.get(n) !== undefined);
    },
    { timeoutMs, intervalMs: 250, what: `${names.length} pods in ${namespace} to be bound`, describe: () => summary(new Map(names.map((n) => [n, last.get(n)]))) },
  );
  return new Map(names.map((n) => [n, last.get(n)!]));
}

/** Events about one pod (core/v1 view; kube-scheduler writes events.k8s.io/v1, the same objects). */
export async function podEvents(core: CoreV1Api, namespace: string, pod: string): Promise<CoreV1Event[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod}` });
  return list.items;
}

/** Waits for a FailedScheduling event of the pod whose message satisfies `match`; returns the message. */
export async function waitFailedScheduling(core: CoreV1Api, namespace: string, pod: string, match: (message: string) => boolean, timeoutMs: number): Promise<string> {
  let seen: string[] = [];
  return waitFor(
    async () => {
      const events = await podEvents(core, namespace, pod);
      seen = events.filter((e) => e.reason === 'FailedScheduling').map((e) => e.message ?? '');
      return seen.find(match);
    },
    { timeoutMs, intervalMs: 500, what: `a matching FailedScheduling event for ${namespace}/${pod}`, describe: () => `FailedScheduling messages so far: ${JSON.stringify(seen)}` },
  );
}

/** Sum of each node's bound pods' requests of `resource`. */
export async function requestsByNode(core: CoreV1Api, resource: string): Promise<Map<string, number>> {
  const list = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName!=' });
  const out = new Map<string, number>();
  for (const pod of list.items) {
    const node = pod.spec!.nodeName!;
    for (const c of pod.spec?.containers ?? []) {
      const q = Number(c.resources?.requests?.[resource] ?? 0);
      if (q > 0) out.set(node, (out.get(node) ?? 0) + q);
    }
  }
  return out;
}

/**
 * Watches a namespace and records when each pod is first seen bound (ms since epoch), so a throughput figure
 * does not depend on a polling period. When the server ends the watch (or sends an ERROR event) it lists and
 * watches again; pods first seen bound in such a relist are stamped with the relist's time, and `restarts`
 * counts how often that happened. `done` resolves once `count` pods are bound and rejects on timeout; call
 * `stop` in any case.
 */
export async function watchBindings(kubeConfig: KubeConfig, namespace: string, count: number, timeoutMs: number): Promise<{ done: Promise<Map<string, number>>; stop: () => void; restarts: () => string[] }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const boundAt = new Map<string, number>();
  const restarts: string[] = [];
  let controller: AbortController | undefined;
  let finished = false;
  const record = (pod: V1Pod): void => {
    const name = pod.metadata?.name;
    if (name && pod.spec?.nodeName && !boundAt.has(name)) boundAt.set(name, Date.now());
  };
  const listAndWatch = async (): Promise<void> => {
    const list = await core.listNamespacedPod({ namespace });
    for (const pod of list.items) record(pod);
    if (finished) return;
    if (boundAt.size >= count) return finish();
    controller = await new Watch(kubeConfig).watch(`/api/v1/namespaces/${namespace}/pods`,
      { resourceVersion: list.metadata?.resourceVersion ?? '', allowWatchBookmarks: true },
      (type: string, object: V1Pod & { code?: number; message?: string }) => {
        if (type === 'ERROR') {
          restarts.push(`ERROR event: ${object.code ?? ''} ${object.message ?? ''}`);
          return;
        }
        if (type === 'DELETED') return;
        record(object);
        if (boundAt.size >= count) finish();
      },
      (error: unknown) => {
        if (finished) return;
        restarts.push(`watch ended at ${boundAt.size}/${count}: ${(error as Error | null)?.message ?? 'closed by the server'}`);
        setTimeout(() => void listAndWatch().catch(retry), 100);
      });
    if (finished) controller.abort();
  };
  const retry = (error: unknown): void => {
    if (finished) return;
    restarts.push(`list/watch failed: ${(error as Error).message}`);
    setTimeout(() => void listAndWatch().catch(retry), 500);
  };
  let resolveDone!: (value: Map<string, number>) => void;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<Map<string, number>>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined); // a rejection before anyone awaits is not "unhandled"; awaiting still throws
  function finish(error?: Error): void {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    controller?.abort();
    if (error) rejectDone(error);
    else resolveDone(boundAt);
  }
  const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs / 1000}s: ${boundAt.size}/${count} pods of ${namespace} bound; watch restarts: ${restarts.join('; ') || 'none'}`)), timeoutMs);
  await listAndWatch();
  return { done, stop: () => finish(new Error('stopped')), restarts: () => [...restarts] };
}
