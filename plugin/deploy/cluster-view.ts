import type { KubernetesObject } from '@kubernetes/client-node';
import { EXTERNAL_METRICS_API_SERVICE, metricsSecretName, type ExistingApiService } from '../../src/autoscale/metrics-api.js';
import type { MetricsApiReads } from '../../src/deploy/autoscaling.js';
import { unreachable, type ClusterView } from '../../src/deploy/capabilities.js';
import { inventory } from '../../src/deploy/inventory.js';
import type { DeployRequest } from '../../src/deploy/request.js';
import { Cluster } from '../cluster.js';

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
  const [inferencePool, leaderWorkerSet, kinferScheduler, metricsApi] = await Promise.all([
    request.pool ? client.hasInferencePool() : false,
    client.hasLeaderWorkerSet(),
    request.scheduler === undefined ? client.hasKinferScheduler() : false,
    request.autoscale?.with === 'kinfer' ? readMetricsApi(client, request.name) : undefined,
  ]);
  const capabilities = { inferencePool, leaderWorkerSet, kinferScheduler };
  return { client, view: { namespace: client.namespace, inventory: inventory(nodes), capabilities, ...(metricsApi ? { metricsApi } : {}) } };
}

type WithData = KubernetesObject & { data?: Record<string, string> };

/** What src/deploy/autoscaling.ts decides kinfer's external metrics API on: the APIService's holder, the pair to keep, the front-proxy CA. */
async function readMetricsApi(cluster: Cluster, pool: string): Promise<MetricsApiReads> {
  const [holder, secret, frontProxyCaPem] = await Promise.all([
    cluster.read<ExistingApiService & KubernetesObject>('apiregistration.k8s.io/v1', 'APIService', EXTERNAL_METRICS_API_SERVICE),
    cluster.read<WithData>('v1', 'Secret', metricsSecretName(pool)),
    frontProxyCa(cluster),
  ]);
  const [crt, key] = [secret?.data?.['tls.crt'], secret?.data?.['tls.key']];
  const kept = crt && key ? { certPem: Buffer.from(crt, 'base64').toString(), keyPem: Buffer.from(key, 'base64').toString() } : undefined;
  return { ...(holder ? { holder } : {}), ...(kept ? { kept } : {}), ...(frontProxyCaPem ? { frontProxyCaPem } : {}) };
}

/**
 * The CA of the API server's front-proxy client certificate, as every aggregated API server reads it: the
 * `requestheader-client-ca-file` key of kube-system/extension-apiserver-authentication (k8s.io/apiserver
 * pkg/server/options/authentication.go). Copied into the picker's Secret at deploy time, so the picker needs no
 * read access to kube-system; undefined when the deploying user may not read it.
 */
async function frontProxyCa(cluster: Cluster): Promise<string | undefined> {
  try {
    const cm = await new Cluster(cluster.kubeConfig, 'kube-system').read<WithData>('v1', 'ConfigMap', 'extension-apiserver-authentication');
    return cm?.data?.['requestheader-client-ca-file'];
  } catch {
    return undefined;
  }
}
