import { Args } from '@oclif/core';
import { NAMESPACE_LABEL } from '../../src/autoscale/metrics-api.js';
import { INFERENCE_POOL, LEADER_WORKER_SET } from '../../src/manifests/objects.js';
import { KubeCommand } from '../base.js';
import { dryRunSuffix } from '../dry-run.js';
import { dryRunFlag } from '../flags.js';
import { KubeError } from '../cluster.js';
import { resourceName } from '../render.js';

/**
 * Kinds `deploy` creates, deleted in this order (the external metrics API's registration and the pool before what
 * they point at). Cluster-scoped ones are found by the deployment's namespace label too: only what this deployment made.
 */
const KINDS: readonly { apiVersion: string; kind: string; clusterScoped?: true }[] = [
  { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', clusterScoped: true },
  { apiVersion: `${INFERENCE_POOL.group}/${INFERENCE_POOL.version}`, kind: INFERENCE_POOL.kind },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  // KEDA deletes the HPA it made for a ScaledObject.
  { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', clusterScoped: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', clusterScoped: true },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: `${LEADER_WORKER_SET.group}/${LEADER_WORKER_SET.version}`, kind: LEADER_WORKER_SET.kind },
  // The model cache's claim only when deploy created it (it carries the deployment's labels); a claim given as
  // --model-cache pvc:NAME is the user's and has none, so it stays.
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
];

export default class Delete extends KubeCommand {
  static override summary = 'Delete a deployed model: everything `deploy` created for it, found by label.';

  static override examples = [
    '<%= config.bin %> delete llama-3-1-8b-instruct',
    '<%= config.bin %> delete gemma -n ml --dry-run=server',
  ];

  static override args = {
    name: Args.string({ required: true, description: 'Name of the deployment (see `kubectl inference list`)' }),
  };

  static override flags = {
    'dry-run': dryRunFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Delete);
    const cluster = this.cluster(flags);
    const found = (await Promise.all(KINDS.map((k) => cluster.managed(k.apiVersion, k.kind, false, args.name, k.clusterScoped ? `${NAMESPACE_LABEL}=${cluster.namespace}` : undefined)))).flat();
    if (found.length === 0) {
      throw new KubeError(`no model deployment named ${args.name} in namespace ${cluster.namespace} (see kubectl inference list)`);
    }
    for (const object of found) {
      if (flags['dry-run'] !== 'client') await cluster.remove(object, flags['dry-run'] === 'server');
      this.log(`${resourceName(object)} deleted${dryRunSuffix(flags['dry-run'])}`);
    }
  }
}
