import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describeKubeError } from '../../src/kube/errors.js';
import { podTargets, type Target } from './targets.js';

export interface PodSource {
  readonly kubeConfig: KubeConfig;
  /** undefined: every namespace (-A). */
  readonly namespace: string | undefined;
  readonly labelSelector: string;
  readonly direct: boolean;
}

/** Lists the pods to scrape through the API (one call per refresh); fails with one line saying what and where. */
export function podDiscovery(source: PodSource): () => Promise<Target[]> {
  const core = source.kubeConfig.makeApiClient(CoreV1Api);
  const server = source.kubeConfig.getCurrentCluster()?.server ?? 'unknown server';
  return async () => {
    try {
      const list = source.namespace === undefined
        ? await core.listPodForAllNamespaces({ labelSelector: source.labelSelector })
        : await core.listNamespacedPod({ namespace: source.namespace, labelSelector: source.labelSelector });
      return podTargets(list.items, source.direct);
    } catch (error) {
      throw new Error(describeKubeError(error, 'listing pods', server));
    }
  };
}
