import type { RecommendInput } from '../profiles/recommend.js';
import type { AutoscaleWith } from '../autoscale/adapters.js';
import { DNS_1123 } from '../manifests/labels.js';
import type { ModelCache } from '../manifests/model-cache.js';
import { servingShapeProblem } from '../models/memory.js';
import type { ServerKind } from '../servers/templates.js';
import type { DeploySpec } from './plan.js';

/** kubectl's --dry-run: none changes the cluster; client plans and prints only; server lets the API server validate. */
export type DryRun = 'none' | 'client' | 'server';

/** What a recommendation needs besides the spec and the candidates: read by the edge (profile store, price files). */
export type RecommendSettings = Pick<RecommendInput, 'workload' | 'targets' | 'prices' | 'pricing' | 'measured' | 'modelOf'>;

/** `deploy --autoscale`: the HPA's bounds and scale-down stabilization, and who serves the metric to the HPA. */
export interface AutoscaleRequest {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaleDownSeconds: number;
  /** kinfer (the picker's own external metrics APIService), keda (a ScaledObject) or prometheus-adapter (its rules). */
  readonly with: AutoscaleWith;
  /** With keda: the Prometheus that scrapes the picker. */
  readonly prometheusUrl?: string;
}

/** Everything the user asked `deploy` for, parsed; what is absent is for the pipeline to decide. */
export interface DeployRequest {
  /** The deployment's name: a DNS-1123 label (its objects are named after it). */
  readonly name: string;
  readonly server: ServerKind;
  readonly spec: DeploySpec;
  readonly dryRun: DryRun;
  /** Wait for every replica to be ready after applying (only when the cluster changes). */
  readonly wait: boolean;
  readonly image?: string;
  /** --scheduler as given; absent: kinfer-scheduler when it runs, else the default scheduler with node affinity. */
  readonly scheduler?: string;
  /** The Secret with the Hugging Face token: `NAME` or `NAME:KEY`. */
  readonly hfTokenSecret?: string;
  /** Create an InferencePool (when its CRD is installed). */
  readonly pool: boolean;
  /** With the pool: its kinfer-picker too. */
  readonly picker: boolean;
  readonly pickerImage?: string;
  /** `--model-cache`: where the replicas share downloaded weights (absent: each replica downloads its own). */
  readonly modelCache?: ModelCache;
  readonly autoscale?: AutoscaleRequest;
  /** With latency targets: recommend chooses accelerator, TP and batch within them. */
  readonly recommend?: RecommendSettings;
}

// A deployment's objects take suffixes (`-picker`, `-h100-80gb`, `-worker`) within the 63 characters of a label.
const MAX_NAME_LENGTH = 50;

/** Why the request cannot be served whatever the cluster holds (a usage error), or undefined. */
export function requestProblem(r: DeployRequest): string | undefined {
  if (!DNS_1123.test(r.name) || r.name.length > MAX_NAME_LENGTH) {
    return `--name ${r.name}: must be a DNS-1123 label of at most ${MAX_NAME_LENGTH} characters (lowercase letters, digits, -)`;
  }
  const shape = servingShapeProblem(r.spec);
  if (shape) return shape;
  if (r.autoscale && !r.recommend) {
    return '--autoscale needs --target-ttft-ms and/or --target-ntpot-ms: the replica capacity it scales by is what one replica serves within them';
  }
  if (r.autoscale?.with === 'keda' && !r.autoscale.prometheusUrl) {
    return '--autoscale-with keda needs --prometheus-url URL: the Prometheus that scrapes the picker (KEDA queries it)';
  }
  if (r.autoscale && (!r.pool || !r.picker)) {
    return `--autoscale needs the pool's kinfer-picker, which computes the demand: ${r.pool ? 'drop --no-picker' : 'drop --no-pool (and install the InferencePool CRD)'}`;
  }
  if (r.autoscale && r.autoscale.minReplicas > r.autoscale.maxReplicas) {
    return `--min-replicas ${r.autoscale.minReplicas} is above --max-replicas ${r.autoscale.maxReplicas}`;
  }
  return undefined;
}

/** `NAME` or `NAME:KEY` (the key defaults to `token`, what `kubectl create secret generic hf-token --from-literal=token=…` makes). */
export function hfTokenSecretRef(text: string): { readonly name: string; readonly key: string } {
  const [name, key] = text.split(':');
  return { name: name!, key: key ?? 'token' };
}
