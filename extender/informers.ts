import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { Reflector, type ReflectorState } from '../src/kube/reflector.js';
import type { ClusterState } from '../src/placement/state.js';
import type { ExtenderMetrics } from './metrics.js';
import type { Readiness } from './service.js';
import type { Logger } from '../src/log.js';

// Pages of 500 keep a relist of 100,000 pods to ~200 pages without holding them all (client-go's pager uses 500).
const PAGE_SIZE = 500;
// Only pods bound to a node and still running can hold devices; the API server filters the rest out.
const BOUND_PODS = 'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed';

/**
 * Feeds the placement state from the API server: one reflector for Nodes, one for bound Pods in all
 * namespaces. Ready once both have listed; a later failure keeps serving the last state while they retry.
 */
export class ClusterInformers implements Readiness {
  private readonly reflectors: { resource: string; reflector: Reflector<{ metadata?: { resourceVersion?: string } }> }[];

  constructor(kubeConfig: KubeConfig, state: ClusterState, metrics: ExtenderMetrics, log: Logger, backoff?: { initialMs: number; maxMs: number }) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const observe = (resource: string) => ({
      onStateChange: (st: ReflectorState, error?: Error): void => {
        metrics.informerSynced.set({ resource }, st === 'synced' ? 1 : 0);
        if (st === 'failed') log.warn(`${resource} informer failed; retrying`, { error: error?.message });
        else log.info(`${resource} informer ${st}`);
      },
      onRestart: (): void => metrics.informerRestarts.inc({ resource }),
      ...(backoff ? { initialBackoffMs: backoff.initialMs, maxBackoffMs: backoff.maxMs } : {}),
    });
    const nodes = new Reflector<V1Node>({
      name: 'nodes',
      kubeConfig,
      path: '/api/v1/nodes',
      listPage: async (token) => {
        const list = await core.listNode({ limit: PAGE_SIZE, ...(token ? { _continue: token } : {}) });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '', ...(list.metadata?._continue ? { continueToken: list.metadata._continue } : {}) };
      },
      sink: {
        beginList: () => state.beginNodeList(),
        upsert: (node) => state.upsertNode(node),
        remove: (node) => state.deleteNode(node.metadata?.name ?? ''),
      },
      ...observe('nodes'),
    });
    const pods = new Reflector<V1Pod>({
      name: 'pods',
      kubeConfig,
      path: '/api/v1/pods',
      fieldSelector: BOUND_PODS,
      listPage: async (token) => {
        const list = await core.listPodForAllNamespaces({ limit: PAGE_SIZE, fieldSelector: BOUND_PODS, ...(token ? { _continue: token } : {}) });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '', ...(list.metadata?._continue ? { continueToken: list.metadata._continue } : {}) };
      },
      sink: {
        beginList: () => state.beginPodList(),
        upsert: (pod) => state.upsertPod(pod),
        remove: (pod) => state.deletePod(pod.metadata?.uid ?? ''),
      },
      ...observe('pods'),
    });
    this.reflectors = [
      { resource: 'nodes', reflector: nodes as Reflector<{ metadata?: { resourceVersion?: string } }> },
      { resource: 'pods', reflector: pods as Reflector<{ metadata?: { resourceVersion?: string } }> },
    ];
  }

  start(): void {
    for (const { reflector } of this.reflectors) reflector.start();
  }

  stop(): void {
    for (const { reflector } of this.reflectors) reflector.stop();
  }

  notReadyReason(): string | undefined {
    const waiting = this.reflectors.filter((r) => !r.reflector.hasSynced);
    if (waiting.length === 0) return undefined;
    return waiting.map((r) => `${r.resource} not synced${r.reflector.error ? ` (${r.reflector.error.message})` : ''}`).join(', ');
  }

  status(): Record<string, ReflectorState> {
    return Object.fromEntries(this.reflectors.map((r) => [r.resource, r.reflector.state]));
  }
}
