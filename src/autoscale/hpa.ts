// The objects that connect kinfer's replica demand to the HorizontalPodAutoscaler: the external metric's name and
// selector, the APIService that registers the picker's metrics server, and one autoscaling/v2 HPA per Deployment.

/** The external metric the picker serves: a Deployment's replica demand (see rule.ts), selected by this label. */
export const DEMAND_METRIC = 'kinfer-replica-demand';
export const DEPLOYMENT_LABEL = 'kinfer.dev/deployment';
/** external.metrics.k8s.io/v1beta1, the API the HPA controller reads External metrics from (k8s.io/metrics). */
export const EXTERNAL_METRICS_GROUP = 'external.metrics.k8s.io';
export const EXTERNAL_METRICS_VERSION = 'v1beta1';

export interface ScalingBehavior {
  /**
   * How long the HPA keeps the highest recommendation before scaling down. Upstream default 300 s
   * (k8s.io/api autoscaling/v2 HPAScalingRules): a dip in arrivals shorter than this never removes a replica.
   */
  readonly scaleDownStabilizationSeconds: number;
  /** Scale-down policy: remove at most this percent of replicas per period (we use 50 % per 60 s). */
  readonly scaleDownPercentPerMinute: number;
}

export const DEFAULT_BEHAVIOR: ScalingBehavior = { scaleDownStabilizationSeconds: 300, scaleDownPercentPerMinute: 50 };

export interface HpaSpec {
  readonly deployment: string;
  readonly namespace: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: ScalingBehavior;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * An autoscaling/v2 HPA on the External metric `kinfer-replica-demand{kinfer.dev/deployment=NAME}` with an
 * AverageValue target of 1: the controller computes ceil(demand ÷ 1), so the metric is the replica count we want
 * (before the controller's 10 % tolerance, its min/max and the behavior below).
 * Scale-up: no stabilization (upstream default 0), at most double or +4 pods per 15 s (upstream defaults).
 */
export function buildHpa(spec: HpaSpec): Record<string, unknown> {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: spec.deployment, namespace: spec.namespace, ...(spec.labels ? { labels: { ...spec.labels } } : {}) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: spec.deployment },
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics: [{
        type: 'External',
        external: {
          metric: { name: DEMAND_METRIC, selector: { matchLabels: { [DEPLOYMENT_LABEL]: spec.deployment } } },
          target: { type: 'AverageValue', averageValue: '1' },
        },
      }],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
        },
        scaleDown: {
          stabilizationWindowSeconds: spec.behavior.scaleDownStabilizationSeconds,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: spec.behavior.scaleDownPercentPerMinute, periodSeconds: 60 }],
        },
      },
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
