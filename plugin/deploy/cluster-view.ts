import { unreachable, type ClusterView } from '../../src/deploy/capabilities.js';
import { inventory } from '../../src/deploy/inventory.js';
import type { DeployRequest } from '../../src/deploy/request.js';
import type { Cluster } from '../cluster.js';

/** The cluster deploy reads, and the client to apply with (absent when the API server could not be reached). */
export interface DeployCluster {
  readonly view: ClusterView;
  readonly client?: Cluster;
}

/**
 * deploy's one read of the cluster: nodes and capabilities, asking only what the request leaves open (no CRD
 * discovery for --no-pool, no scheduler lookup with --scheduler). An unreachable cluster (a bad kubeconfig, no API
 * server) is returned as a capability; src/deploy decides whether the deploy can go on without it.
 */
export async function readDeployCluster(connect: () => Cluster, request: DeployRequest, namespaceFlag: string | undefined): Promise<DeployCluster> {
  let client: Cluster | undefined;
  let nodes;
  try {
    client = connect();
    nodes = await client.nodes();
  } catch (error) {
    const capabilities = unreachable((error as Error).message);
    return { view: { namespace: client?.namespace ?? namespaceFlag ?? 'default', inventory: [], capabilities } };
  }
  const [inferencePool, leaderWorkerSet, kinferScheduler] = await Promise.all([
    request.pool ? client.hasInferencePool() : false,
    client.hasLeaderWorkerSet(),
    request.scheduler === undefined ? client.hasKinferScheduler() : false,
  ]);
  return { client, view: { namespace: client.namespace, inventory: inventory(nodes), capabilities: { inferencePool, leaderWorkerSet, kinferScheduler } } };
}
