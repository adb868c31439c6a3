// deploy's core: (request, cluster view) in; plan, objects and notes out. Pure and synchronous (the one exception: a
// fresh key for kinfer's metrics API when the cluster keeps none, autoscaling.ts): the command reads the cluster and
// the profile store before, and applies and renders after (docs/layers.md).
import { acceleratorByName } from '../accelerators/catalog.js';
import { DEFAULT_BEHAVIOR } from '../autoscale/hpa.js';
import { buildModelObjects, type ModelDeployment } from '../manifests/model.js';
import { LEADER_WORKER_SET, type KubeObject } from '../manifests/objects.js';
import { err, ok, type Result } from '../result.js';
import { autoscaling } from './autoscaling.js';
import { pickerObjects, type BuildContext, type LabelledAutoscalePlan } from './builders.js';
import { KINFER_SCHEDULER, type ClusterView } from './capabilities.js';
import { catalogInventory, type AcceleratorInventory } from './inventory.js';
import { planDeployment, type DeployPlan, type DeploySpec } from './plan.js';
import { hfTokenSecretRef, type DeployRequest } from './request.js';
import { describeChanges, fittingChanges, type FittingChange } from './suggest.js';
import { targeted, untargeted, type ReplicaCapacity, type Targeted } from './targets.js';

/** Why nothing is deployed: a usage error (exit 2) or what the cluster lacks (exit 1). */
export interface DeployFailure {
  readonly kind: 'usage' | 'cluster';
  readonly message: string;
  /** Notes made before the failure (an offline plan, recommend's choice): printed before the error. */
  readonly notes: readonly string[];
  /** When the plan was made before the failure: the plan and spec, for --explain (why it needs what it lacks). */
  readonly planned?: Pick<DeployOutcome, 'plan' | 'targeted'> & Partial<Pick<DeployOutcome, 'autoscale'>>;
}

/** What the command does after the core: apply (or not), then wait (or not). */
export interface DeploySteps {
  /** Send the objects to the API server (every mode but a client dry run). */
  readonly apply: boolean;
  /** ...as a server dry run (validated, not persisted). */
  readonly serverDryRun: boolean;
  /** Wait for the replicas (only when the cluster changed and --wait was given). */
  readonly wait: boolean;
}

export interface DeployOutcome {
  readonly plan: DeployPlan;
  /** The spec planned (with targets: recommend's accelerator, TP and batch) and why its batch is what it is. */
  readonly targeted: Targeted;
  readonly deployment: ModelDeployment;
  /** The pods' scheduler as chosen (--scheduler, else kinfer-scheduler when it runs); absent: the default scheduler. */
  readonly scheduler: string | undefined;
  /** In apply order: workloads, Service, pool, then the picker and the autoscaling objects (autoscaling.ts). */
  readonly objects: readonly KubeObject[];
  readonly autoscale: readonly LabelledAutoscalePlan[];
  /** Lines for stderr, in order: notes and warnings the user should read. */
  readonly notes: readonly string[];
  /** Lines for the summary: what --autoscale wrote and what the user still does. */
  readonly autoscaleNotes: readonly string[];
  readonly steps: DeploySteps;
}

const POOL_MISSING = 'note: the InferencePool CRD (inference.networking.k8s.io/v1) is not installed; deploying without a pool (as --no-pool). Install the Gateway API Inference Extension CRDs for one.';

/** The whole decision of a deploy. A failure carries the notes made before it (they still explain). */
export function planDeploy(request: DeployRequest, cluster: ClusterView): Result<DeployOutcome, DeployFailure> {
  const notes: string[] = [];
  const fail = (kind: DeployFailure['kind'], message: string) => err({ kind, message, notes });
  const inventory = inventoryFor(request, cluster);
  if (!inventory.ok) return fail(inventory.error.kind, inventory.error.message);
  notes.push(...inventory.value.notes);
  const chosen = request.recommend ? targeted(request.spec, request.server, request.recommend, inventory.value.inventory) : ok(untargeted(request.spec));
  if (!chosen.ok) return fail('cluster', chosen.error);
  notes.push(...chosen.value.notes);
  const spec = chosen.value.spec;
  const plan = planDeployment(spec, inventory.value.inventory);
  if (!plan.ok) return fail('cluster', withChanges(plan.error, fittingChanges(spec, inventory.value.inventory)));
  const deployment = modelDeployment(request, cluster, spec, plan.value);
  if (request.pool && !deployment.pool) notes.push(POOL_MISSING);
  const workloads = buildModelObjects(deployment);
  // Without a LeaderWorkerSet, only what fits on one node helps.
  if (!workloads.ok) {
    const message = withChanges(workloads.error, fittingChanges(spec, inventory.value.inventory).filter((c) => !c.multiNode));
    return err({ kind: 'cluster', message, notes, planned: { plan: plan.value, targeted: chosen.value } });
  }
  notes.push(...plan.value.warnings.map((w) => `warning: ${w}`));
  const autoscale = autoscalePlans(request, chosen.value.capacity, workloads.value);
  const context: BuildContext = { request, plan: plan.value, capabilities: cluster.capabilities, deployment, workloads: workloads.value, autoscale };
  const after = autoscaling(context, pickerObjects(context), cluster.metricsApi);
  if (!after.ok) return err({ kind: 'cluster', message: after.error, notes, planned: { plan: plan.value, targeted: chosen.value, autoscale } });
  return ok({
    plan: plan.value, targeted: chosen.value, deployment, scheduler: schedulerFor(request, cluster), autoscale, notes, autoscaleNotes: after.value.notes,
    objects: [...workloads.value, ...after.value.objects],
    steps: { apply: request.dryRun !== 'client', serverDryRun: request.dryRun === 'server', wait: request.wait && request.dryRun === 'none' },
  });
}

/**
 * The accelerators to plan with: the cluster's; or, for a client dry run with --accelerator and --tp and no
 * reachable cluster, the catalog's figures (so manifests can be rendered offline).
 */
export function inventoryFor(request: DeployRequest, cluster: ClusterView): Result<{ inventory: readonly AcceleratorInventory[]; notes: string[] }, Omit<DeployFailure, 'notes'>> {
  const why = cluster.capabilities.unreachable;
  if (why === undefined) return ok({ inventory: cluster.inventory, notes: [] });
  const { accelerators, tp } = request.spec;
  if (request.dryRun !== 'client' || !accelerators || tp === undefined) return err({ kind: 'cluster', message: why });
  const offline: AcceleratorInventory[] = [];
  for (const type of accelerators) {
    const known = acceleratorByName(type);
    if (!known) return err({ kind: 'usage', message: `--accelerator ${type}: not a known accelerator type` });
    offline.push(catalogInventory(known, tp));
  }
  return ok({ inventory: offline, notes: [`note: ${why.split(';')[0]}; planning from the catalog for --dry-run=client`] });
}

/** Where the model goes and how: the pool, the LeaderWorkerSet, the scheduler and the token decided from the cluster. */
export function modelDeployment(request: DeployRequest, cluster: ClusterView, spec: DeploySpec, plan: DeployPlan): ModelDeployment {
  const { capabilities } = cluster;
  const schedulerName = schedulerFor(request, cluster);
  return {
    name: request.name,
    namespace: cluster.namespace,
    server: request.server,
    spec,
    targets: plan.targets,
    pool: request.pool && capabilities.inferencePool,
    leaderWorkerSet: capabilities.leaderWorkerSet,
    ...(request.image ? { image: request.image } : {}),
    // The default scheduler is named by leaving schedulerName out (node affinity pins the accelerator).
    ...(schedulerName && schedulerName !== 'default-scheduler' ? { schedulerName } : {}),
    ...(request.hfTokenSecret ? { hfTokenSecret: hfTokenSecretRef(request.hfTokenSecret) } : {}),
    ...(request.modelCache ? { modelCache: request.modelCache } : {}),
  };
}

/** --scheduler, else kinfer-scheduler when it runs (it checks HBM), else undefined: the default scheduler. */
export function schedulerFor(request: DeployRequest, cluster: ClusterView): string | undefined {
  return request.scheduler ?? (cluster.capabilities.kinferScheduler ? KINFER_SCHEDULER : undefined);
}

/**
 * One autoscaler plan per scaled workload: a Deployment per accelerator type (with targets there is one: recommend's),
 * or the LeaderWorkerSet of a multi-host replica (its scale subresource scales whole groups).
 */
export function autoscalePlans(request: DeployRequest, capacity: ReplicaCapacity | undefined, workloads: readonly KubeObject[]): LabelledAutoscalePlan[] {
  const { autoscale } = request;
  if (!autoscale || !capacity) return [];
  return workloads.filter((o) => o.kind === 'Deployment' || o.kind === LEADER_WORKER_SET.kind).map((o) => ({
    workload: o.metadata.name, labels: o.metadata.labels ?? {}, target: { apiVersion: o.apiVersion, kind: o.kind },
    ...capacity, minReplicas: autoscale.minReplicas, maxReplicas: autoscale.maxReplicas,
    behavior: { ...DEFAULT_BEHAVIOR, scaleDownStabilizationSeconds: autoscale.scaleDownSeconds },
  }));
}

function withChanges(error: string, changes: readonly FittingChange[]): string {
  return changes.length > 0 ? `${error}; ${describeChanges(changes)}` : error;
}
