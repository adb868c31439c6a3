// The objects that connect kinfer's replica demand to the HorizontalPodAutoscaler: the external metric's name and
// selector, the APIService that registers the picker's metrics server, and one autoscaling/v2 HPA per Deployment.

/** The external metric the picker serves: a Deployment's replica demand (see rule.ts), selected by this label. */
export const DEMAND_METRIC = 'kinfer-replica-demand';
/** The series label of the metric: the name of the Kubernetes Deployment (one per accelerator type of a pool). */
export const WORKLOAD_LABEL = 'kinfer.dev/workload';
/** external.metrics.k8s.io/v1beta1, the API the HPA controller reads External metrics from (k8s.io/metrics). */
export const EXTERNAL_METRICS_GROUP = 'external.metrics.k8s.io';
export const EXTERNAL_METRICS_VERSION = 'v1beta1';

export interface ScalingBehavior {
  /**
   * How long the HPA keeps the highest recommendation before scaling down. Upstream default 300 s
   * (k8s.io/api autoscaling/v2 HPAScalingRules): a dip in arrivals shorter than this never removes a replica.
   */
  readonly scaleDownStabilizationSeconds: number;
  /** Scale-down policy: remove at most this percent of replicas per period (default 50 % per 60 s). */
  readonly scaleDownPercent: number;
  readonly scaleDownPeriodSeconds: number;
}

export const DEFAULT_BEHAVIOR: ScalingBehavior = { scaleDownStabilizationSeconds: 300, scaleDownPercent: 50, scaleDownPeriodSeconds: 60 };

/** What an HPA scales: a Deployment (one per accelerator type), or a LeaderWorkerSet (multi-host replicas: its scale subresource counts groups). */
export interface ScaleTarget {
  readonly apiVersion: string;
  readonly kind: string;
}

export const DEPLOYMENT_TARGET: ScaleTarget = { apiVersion: 'apps/v1', kind: 'Deployment' };

export interface HpaSpec {
  /** The workload it scales, and the series its metric selects. */
  readonly deployment: string;
  /** Default: a Deployment. */
  readonly target?: ScaleTarget;
  /**
   * The label that selects the workload's series: kinfer.dev/workload from the picker's own API; `workload` through
   * prometheus-adapter, whose series labels are Prometheus label names (no `.` or `/`).
   */
  readonly selectorLabel?: string;
  readonly namespace: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: ScalingBehavior;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * An autoscaling/v2 HPA on the External metric `kinfer-replica-demand{kinfer.dev/workload=NAME}` with an
 * AverageValue target of 1: the controller computes ceil(demand ÷ 1), so the metric is the replica count we want
 * (before the controller's 10 % tolerance, its min/max and the behavior below).
 * Scale-up: no stabilization (upstream default 0), at most double or +4 pods per 15 s (upstream defaults).
 */
export interface HpaObject {
  readonly apiVersion: 'autoscaling/v2';
  readonly kind: 'HorizontalPodAutoscaler';
  readonly metadata: { name: string; namespace: string; labels?: Record<string, string> };
  readonly spec: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export function buildHpa(spec: HpaSpec): HpaObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: spec.deployment, namespace: spec.namespace, ...(spec.labels ? { labels: { ...spec.labels } } : {}) },
    spec: {
      scaleTargetRef: { ...(spec.target ?? DEPLOYMENT_TARGET), name: spec.deployment },
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics: [{
        type: 'External',
        external: {
          metric: { name: DEMAND_METRIC, selector: { matchLabels: { [spec.selectorLabel ?? WORKLOAD_LABEL]: spec.deployment } } },
          target: { type: 'AverageValue', averageValue: '1' },
        },
      }],
      behavior: hpaBehavior(spec.behavior),
    },
  };
}

/**
 * Scale-up at once (stabilization 0 s), at most double or +4 pods per 15 s (upstream defaults); scale-down after
 * the window, at most the given percent per period. The same for KEDA's HPA (advanced.horizontalPodAutoscalerConfig).
 */
export function hpaBehavior(behavior: ScalingBehavior): Record<string, unknown> {
  return {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: behavior.scaleDownStabilizationSeconds,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: behavior.scaleDownPercent, periodSeconds: behavior.scaleDownPeriodSeconds }],
    },
  };
}

export interface ApiServiceSpec {
  /** The Service in front of the picker's metrics port. */
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly servicePort: number;
  /** PEM of the CA that signed the metrics server's certificate; absent: insecureSkipTLSVerify. */
  readonly caBundlePem?: string;
}

/** The apiregistration.k8s.io/v1 APIService that sends external.metrics.k8s.io/v1beta1 to the picker. */
export function buildExternalMetricsApiService(spec: ApiServiceSpec): Record<string, unknown> {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: `${EXTERNAL_METRICS_VERSION}.${EXTERNAL_METRICS_GROUP}` },
    spec: {
      group: EXTERNAL_METRICS_GROUP,
      version: EXTERNAL_METRICS_VERSION,
      service: { name: spec.serviceName, namespace: spec.serviceNamespace, port: spec.servicePort },
      // Priorities as metrics-server and prometheus-adapter register theirs (group 100, version 100).
      groupPriorityMinimum: 100,
      versionPriority: 100,
      ...(spec.caBundlePem
        ? { caBundle: Buffer.from(spec.caBundlePem).toString('base64') }
        : { insecureSkipTLSVerify: true }),
    },
  };
}
