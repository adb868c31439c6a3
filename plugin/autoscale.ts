import { LABELS } from '../src/manifests/labels.js';

// What `list` (AUTOSCALE column) and `top` (a line per autoscaled Deployment) say about the HPAs `deploy --autoscale`
// made: one reading of the HPA object, two formats.

/** The parts of an autoscaling/v2 HorizontalPodAutoscaler read here. */
export interface Autoscaler {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    minReplicas?: number;
    maxReplicas?: number;
    scaleTargetRef?: { name?: string };
    metrics?: { external?: { metric?: { name?: string } } }[];
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: { external?: { metric?: { name?: string }; current?: { averageValue?: string } } }[];
  };
}

/** One HPA as data (`top -o json`): absent figures are ones the HPA controller has not reported yet. */
export interface AutoscaleStatus {
  readonly namespace: string;
  /** The kinfer deployment (model) the scaled Deployment belongs to. */
  readonly deployment: string;
  /** The Kubernetes Deployment the HPA scales. */
  readonly workload: string;
  readonly currentReplicas?: number;
  readonly desiredReplicas?: number;
  readonly minReplicas: number;
  readonly maxReplicas?: number;
  /** The external metric it scales on (kinfer-replica-demand). */
  readonly metric?: string;
  /** The metric's current average value per replica as the HPA reports it (a quantity: `724m`). */
  readonly demandPerReplica?: string;
}

export function autoscaleStatus(h: Autoscaler, defaultNamespace = ''): AutoscaleStatus {
  const name = h.metadata?.name ?? '';
  const current = h.status?.currentMetrics?.[0]?.external;
  const status: AutoscaleStatus = {
    namespace: h.metadata?.namespace ?? defaultNamespace,
    deployment: h.metadata?.labels?.[LABELS.deployment] ?? name,
    workload: h.spec?.scaleTargetRef?.name ?? name,
    currentReplicas: h.status?.currentReplicas,
    desiredReplicas: h.status?.desiredReplicas,
    minReplicas: h.spec?.minReplicas ?? 1,
    maxReplicas: h.spec?.maxReplicas,
    metric: h.spec?.metrics?.[0]?.external?.metric?.name ?? current?.metric?.name,
    demandPerReplica: current?.current?.averageValue,
  };
  return Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined)) as unknown as AutoscaleStatus;
}

/** `list`'s AUTOSCALE cell: `3 wanted (1..4, 724m/replica)`. */
export function autoscaleCell(s: AutoscaleStatus): string {
  return `${s.desiredReplicas ?? '?'} wanted (${s.minReplicas}..${s.maxReplicas ?? '?'}${s.demandPerReplica !== undefined ? `, ${s.demandPerReplica}/replica` : ''})`;
}

/** A Kubernetes quantity as a number (`724m` → 0.724, `2` → 2); undefined when it is not one. */
export function quantity(text: string): number | undefined {
  const match = /^(-?\d+(?:\.\d+)?)(m|k|M|G)?$/.exec(text.trim());
  if (!match) return undefined;
  const scale = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9 }[match[2] as 'm' | 'k' | 'M' | 'G'] ?? 1;
  return Number(match[1]) * scale;
}

/**
 * The demand the HPA read, in replicas' worth of capacity: the External metric's average per replica times the
 * replicas it averaged over (the HPA wants the ceiling of it, within min..max); undefined until both are reported.
 */
export function totalDemand(s: AutoscaleStatus): number | undefined {
  const perReplica = s.demandPerReplica === undefined ? undefined : quantity(s.demandPerReplica);
  return perReplica === undefined || s.currentReplicas === undefined ? undefined : perReplica * s.currentReplicas;
}

/**
 * `top`'s line: `ml/llama: 2/3 replicas (HPA wants 3, 1..4; demand 2.41 replicas' worth: kinfer-replica-demand)`;
 * current is the Deployment's replicas as the HPA saw them, `?` until the controller reports.
 */
export function autoscaleLine(s: AutoscaleStatus): string {
  const name = s.namespace ? `${s.namespace}/${s.workload}` : s.workload;
  const demand = totalDemand(s);
  const why = demand === undefined ? 'no demand reported yet' : `demand ${demand.toFixed(2)} replicas' worth${s.metric ? `: ${s.metric}` : ''}`;
  return `${name}: ${s.currentReplicas ?? '?'}/${s.desiredReplicas ?? '?'} replicas (HPA wants ${s.desiredReplicas ?? '?'}, ${s.minReplicas}..${s.maxReplicas ?? '?'}; ${why})`;
}
