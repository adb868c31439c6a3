// The alternative outputs of `deploy --autoscale-with keda|prometheus-adapter`, for clusters whose external metrics
// API is already held by KEDA or prometheus-adapter (one per cluster). The picker still computes the demand and
// exports it as the gauge kinfer_picker_replica_demand{workload} on its /metrics; Prometheus scrapes it, and:
// - KEDA: a ScaledObject (keda.sh/v1alpha1) with a prometheus trigger; KEDA makes the HPA and serves the metric.
// - prometheus-adapter: externalRules that serve the gauge as the External metric kinfer-replica-demand, and the
//   same HPA as with kinfer's own API, selecting on the Prometheus label `workload`.
// Checked against the real parts in test/e2e/autoscale-adapters.e2e.test.ts (KEDA's CRD, the adapter's loader).
import type { KubeObject } from '../manifests/objects.js';
import { DEMAND_METRIC, DEPLOYMENT_TARGET, hpaBehavior, type ScaleTarget, type ScalingBehavior } from './hpa.js';

/** The picker's gauge (picker/metrics.ts) and its label. */
export const DEMAND_GAUGE = 'kinfer_picker_replica_demand';
export const DEMAND_GAUGE_LABEL = 'workload';
export const AUTOSCALE_WITH = ['kinfer', 'keda', 'prometheus-adapter'] as const;
export type AutoscaleWith = (typeof AUTOSCALE_WITH)[number];
/** The key of the rules in the ConfigMap `--autoscale-with prometheus-adapter` writes (the adapter's --config file). */
export const ADAPTER_RULES_KEY = 'config.yaml';

/**
 * The PromQL of one workload's demand. `namespace` is the label Prometheus' Kubernetes pod discovery is relabelled
 * to by kube-prometheus (PodMonitor/ServiceMonitor) and the prometheus Helm chart's `kubernetes-pods` job. `max`:
 * the picker Deployment runs one replica, and a series left by a restarted one must not add up.
 */
export function demandQuery(namespace: string, workload: string): string {
  return `max(${DEMAND_GAUGE}{namespace="${namespace}",${DEMAND_GAUGE_LABEL}="${workload}"})`;
}

export interface ScaledObjectSpec {
  readonly workload: string;
  readonly namespace: string;
  readonly target?: ScaleTarget;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: ScalingBehavior;
  /** The Prometheus that scrapes the picker, e.g. http://prometheus-operated.monitoring.svc:9090. */
  readonly prometheusUrl: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A KEDA ScaledObject (keda.sh/v1alpha1, kedacore/keda apis/keda/v1alpha1/scaledobject_types.go) whose HPA is
 * ours in all but name: metricType AverageValue with threshold 1 gives the same `replicas = ceil(demand)` and the
 * behavior rides on advanced.horizontalPodAutoscalerConfig. The prometheus trigger's fields are those of KEDA's
 * pkg/scalers/prometheus_scaler.go (serverAddress, query, threshold).
 */
export function buildScaledObject(spec: ScaledObjectSpec): KubeObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: spec.workload, namespace: spec.namespace, ...(spec.labels ? { labels: { ...spec.labels } } : {}) },
    spec: {
      scaleTargetRef: { ...(spec.target ?? DEPLOYMENT_TARGET), name: spec.workload },
      minReplicaCount: spec.minReplicas,
      maxReplicaCount: spec.maxReplicas,
      advanced: { horizontalPodAutoscalerConfig: { name: spec.workload, behavior: hpaBehavior(spec.behavior) } },
      triggers: [{
        type: 'prometheus',
        name: DEMAND_METRIC,
        metricType: 'AverageValue',
        metadata: { serverAddress: spec.prometheusUrl, query: demandQuery(spec.namespace, spec.workload), threshold: '1' },
      }],
    },
  };
}

/**
 * prometheus-adapter's externalRules (sigs.k8s.io/prometheus-adapter pkg/config): the gauge served as
 * `kinfer-replica-demand`, namespaced by the series' `namespace` label; an HPA selector `workload=NAME` becomes the
 * label matcher. `max … by (workload)`, as demandQuery.
 */
export function prometheusAdapterRules(): string {
  return [
    'externalRules:',
    `- seriesQuery: '${DEMAND_GAUGE}{namespace!="",${DEMAND_GAUGE_LABEL}!=""}'`,
    '  resources:',
    '    overrides:',
    '      namespace: {resource: namespace}',
    '  name:',
    `    matches: '^${DEMAND_GAUGE}$'`,
    `    as: '${DEMAND_METRIC}'`,
    `  metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>}) by (${DEMAND_GAUGE_LABEL})'`,
    '',
  ].join('\n');
}

/**
 * Annotations on the picker's pods for Prometheus' conventional `kubernetes-pods` scrape job (the prometheus Helm
 * chart reads prometheus.io/scrape, /port, /path); with kube-prometheus add a PodMonitor on the same port instead.
 */
export function scrapeAnnotations(port: number): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' };
}
