import type { AutoscalePlan } from '../autoscale/explain.js';
import { buildHpa, type ScaleTarget } from '../autoscale/hpa.js';
import type { ModelDeployment } from '../manifests/model.js';
import type { KubeObject } from '../manifests/objects.js';
import { buildPickerObjects } from '../manifests/picker.js';
import { KINFER_CONFIG_YAML } from '../routing/config.js';
import type { Capabilities } from './capabilities.js';
import type { DeployPlan } from './plan.js';
import type { DeployRequest } from './request.js';

/** One HPA's plan, with the labels of the workload it scales (so `list` shows it and `delete` removes it) and its kind. */
export type LabelledAutoscalePlan = AutoscalePlan & { readonly labels: Record<string, string>; readonly target: ScaleTarget };

/** What every object builder reads: the decisions made, none left to make. */
export interface BuildContext {
  readonly request: DeployRequest;
  readonly plan: DeployPlan;
  readonly capabilities: Capabilities;
  /** The model's workloads, Service and pool (buildModelObjects): what the other objects hang off. */
  readonly deployment: ModelDeployment;
  readonly workloads: readonly KubeObject[];
  /** One per Deployment with --autoscale; empty otherwise. */
  readonly autoscale: readonly LabelledAutoscalePlan[];
}

/**
 * One kind of object a deploy adds beside the model's workloads; it returns nothing when it does not apply.
 * Pure: a function of the context. A new kind of object is one more entry in OBJECT_BUILDERS.
 */
export type ObjectBuilder = (context: BuildContext) => readonly KubeObject[];

/** The pool's endpoint picker (what `route install` applies), with kinfer's default routing profile. */
export const pickerObjects: ObjectBuilder = ({ request, deployment }) => (deployment.pool && request.picker
  ? buildPickerObjects({ pool: request.name, namespace: deployment.namespace, configYaml: KINFER_CONFIG_YAML, ...(request.pickerImage ? { image: request.pickerImage } : {}) })
  : []);

/**
 * One HPA per autoscaled workload, named and labelled as it. The plugin completes the autoscaling objects with what
 * only the cluster knows (plugin/autoscale.ts: the metrics API's certificate, who holds the APIService, or the
 * KEDA / prometheus-adapter outputs), replacing these.
 */
export const autoscalers: ObjectBuilder = ({ deployment, autoscale }) => autoscale.map((p) => buildHpa({
  deployment: p.workload, target: p.target, namespace: deployment.namespace, minReplicas: p.minReplicas, maxReplicas: p.maxReplicas, behavior: p.behavior, labels: p.labels,
}));

/** The objects after the workloads, in apply order. */
export const OBJECT_BUILDERS: readonly ObjectBuilder[] = [pickerObjects, autoscalers];
