import type { MetricsApiReads } from './autoscaling.js';
import type { AcceleratorInventory } from './inventory.js';

/** The scheduler kinfer installs (manifests/scheduler, the Helm chart): a kube-scheduler with kinfer's extender. */
export const KINFER_SCHEDULER = 'kinfer-scheduler';

/**
 * What the cluster offers a deploy, read once at the edge (plugin/cluster.ts) and decided on here. An unreachable
 * cluster is a value, not an exception: a client dry run with --accelerator and --tp plans from the catalog.
 */
export interface Capabilities {
  /** Why the API server could not be read; absent when it was. */
  readonly unreachable?: string;
  /** inference.networking.k8s.io/v1 is served (the InferencePool CRD is installed). */
  readonly inferencePool: boolean;
  /** leaderworkerset.x-k8s.io/v1 is served (needed for multi-host replicas). */
  readonly leaderWorkerSet: boolean;
  /** kinfer-scheduler runs (its lease is held or its Deployment exists). */
  readonly kinferScheduler: boolean;
}

/** What an offline plan assumes: the CRDs are there (so the objects are complete) and no kinfer-scheduler is known. */
export function unreachable(why: string): Capabilities {
  return { unreachable: why, inferencePool: true, leaderWorkerSet: true, kinferScheduler: false };
}

/** The cluster as deploy sees it: its accelerators (empty when unreachable) and capabilities. */
export interface ClusterView {
  readonly namespace: string;
  readonly inventory: readonly AcceleratorInventory[];
  readonly capabilities: Capabilities;
  /** With --autoscale-with kinfer and a reachable cluster: who holds the external metrics API, the certificate to keep, the front-proxy CA. */
  readonly metricsApi?: MetricsApiReads;
}
