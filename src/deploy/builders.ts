import type { AutoscalePlan } from '../autoscale/explain.js';
import type { ScaleTarget } from '../autoscale/hpa.js';
import type { ModelDeployment } from '../manifests/model.js';
import type { KubeObject } from '../manifests/objects.js';
import { buildPickerObjects } from '../manifests/picker.js';
import { KINFER_CONFIG_YAML } from '../routing/config.js';
import type { Capabilities } from './capabilities.js';
import type { DeployPlan } from './plan.js';
import type { DeployRequest } from './request.js';

/** One HPA's plan, with the labels of the workload it scales (so `list` shows it and `delete` removes it) and its kind. */
export type LabelledAutoscalePlan = AutoscalePlan & { readonly labels: Record<string, string>; readonly target: ScaleTarget };

/** What the object builders (here and autoscaling.ts) read: the decisions made, none left to make. */
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
 * The pool's endpoint picker (what `route install` applies), with kinfer's default routing profile; none without the
 * pool or with --no-picker. With --autoscale, autoscaling.ts changes it to compute the demand.
 */
export const pickerObjects = ({ request, deployment }: BuildContext): readonly KubeObject[] => (deployment.pool && request.picker
  ? buildPickerObjects({ pool: request.name, namespace: deployment.namespace, configYaml: KINFER_CONFIG_YAML, ...(request.pickerImage ? { image: request.pickerImage } : {}) })
  : []);
