// What `deploy --autoscale` installs so the HPA controller reaches the picker's external metrics, the way metrics
// adapters install themselves (prometheus-adapter's deploy/manifests, KEDA's config/metrics-server): a Service in
// front of the picker's metrics port, the `v1beta1.external.metrics.k8s.io` APIService with the caBundle of the
// serving certificate, that certificate in a Secret the picker mounts, and the HPA controller's read access.
// Pure: the certificate and the front-proxy CA come in as PEM; plugin/deploy/cluster-view.ts reads the cluster and
// src/deploy/autoscaling.ts puts these objects together with the picker and the HPAs.
import { LABELS, MANAGED_BY } from '../manifests/labels.js';
import { pickerServiceName } from '../manifests/model.js';
import type { KubeObject } from '../manifests/objects.js';
import { buildExternalMetricsApiService, DEMAND_METRIC, EXTERNAL_METRICS_GROUP, EXTERNAL_METRICS_VERSION } from './hpa.js';

/** The one APIService name of the external metrics API in a cluster (k8s.io/metrics; KEDA and prometheus-adapter register the same). */
export const EXTERNAL_METRICS_API_SERVICE = `${EXTERNAL_METRICS_VERSION}.${EXTERNAL_METRICS_GROUP}`;
/** The picker's HTTPS port for external.metrics.k8s.io (its --autoscale-port default, picker/main.ts). */
export const METRICS_API_PORT = 6443;
/** The Service port the APIService names: 443, as metrics-server, prometheus-adapter and KEDA's metrics server use. */
export const METRICS_SERVICE_PORT = 443;
/** Where the picker mounts the Secret (tls.crt, tls.key, and client-ca.crt when the front-proxy CA was readable). */
export const METRICS_CERT_DIR = '/etc/kinfer/metrics-api';
/** The key of the front-proxy client CA in the Secret. */
export const CLIENT_CA_KEY = 'client-ca.crt';
/**
 * The HPA controller's identity when kube-controller-manager runs with --use-service-account-credentials (kubeadm,
 * GKE, EKS): KEDA binds `keda-hpa-controller-external-metrics` and prometheus-adapter `hpa-controller-custom-metrics`
 * to the same ServiceAccount.
 */
export const HPA_CONTROLLER_SUBJECT = { kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' } as const;
/** Cluster-scoped names: one external metrics API per cluster, so one kinfer registration. */
export const METRICS_READER_ROLE = 'kinfer:external-metrics-reader';

export const metricsServiceName = (pool: string): string => `${pickerServiceName(pool)}-metrics`;
export const metricsSecretName = (pool: string): string => `${pickerServiceName(pool)}-metrics-api`;

export interface MetricsApiSpec {
  /** The pool (kinfer deployment) whose picker serves the metric. */
  readonly pool: string;
  readonly namespace: string;
  /** The picker's serving certificate for `<service>.<namespace>.svc`; self-signed, so it is its own caBundle. */
  readonly certPem: string;
  readonly keyPem: string;
  /** The API server's front-proxy client CA (requestheader-client-ca-file); the picker then requires its client certificate. */
  readonly clientCaPem?: string;
}

/** The DNS name the aggregator verifies the picker's certificate against (it dials `<service>.<namespace>.svc`). */
export function metricsServiceDnsName(pool: string, namespace: string): string {
  return `${metricsServiceName(pool)}.${namespace}.svc`;
}

function labelsOf(spec: MetricsApiSpec): Record<string, string> {
  return {
    [LABELS.name]: metricsServiceName(spec.pool), [LABELS.managedBy]: MANAGED_BY, [LABELS.deployment]: spec.pool,
    [LABELS.component]: 'external-metrics-api', [NAMESPACE_LABEL]: spec.namespace,
  };
}

/**
 * On cluster-scoped objects (the APIService, the reader role): the namespace of the deployment that made them, so
 * `delete NAME -n NS` removes only its own (a same-named deployment elsewhere has another value).
 */
export const NAMESPACE_LABEL = 'kinfer.dev/namespace';

/** Secret, Service, APIService, and the HPA controller's read access; the picker Deployment is changed by withMetricsApi. */
export function buildMetricsApiObjects(spec: MetricsApiSpec): KubeObject[] {
  const labels = labelsOf(spec);
  const service = metricsServiceName(spec.pool);
  const apiService = buildExternalMetricsApiService({ serviceName: service, serviceNamespace: spec.namespace, servicePort: METRICS_SERVICE_PORT, caBundlePem: spec.certPem });
  return [
    {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
      metadata: { name: metricsSecretName(spec.pool), namespace: spec.namespace, labels },
      stringData: { 'tls.crt': spec.certPem, 'tls.key': spec.keyPem, ...(spec.clientCaPem ? { [CLIENT_CA_KEY]: spec.clientCaPem } : {}) },
    },
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: service, namespace: spec.namespace, labels },
      spec: {
        selector: { [LABELS.name]: pickerServiceName(spec.pool), [LABELS.component]: 'endpoint-picker' },
        ports: [{ name: 'https', port: METRICS_SERVICE_PORT, targetPort: 'metrics-api' }],
      },
    },
    { ...(apiService as unknown as KubeObject), metadata: { name: EXTERNAL_METRICS_API_SERVICE, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
      metadata: { name: METRICS_READER_ROLE, labels },
      rules: [{ apiGroups: [EXTERNAL_METRICS_GROUP], resources: [DEMAND_METRIC], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
      metadata: { name: METRICS_READER_ROLE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: METRICS_READER_ROLE },
      subjects: [HPA_CONTROLLER_SUBJECT],
    },
  ];
}

interface Container { args?: string[]; ports?: { name: string; containerPort: number }[]; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }
interface PodSpec { containers: Container[]; volumes?: Record<string, unknown>[] }

export interface AutoscalingPicker {
  readonly pool: string;
  /** `--autoscale NAME=RPS … --ttft-target D` (src/autoscale/explain.ts pickerAutoscaleArgs). */
  readonly autoscaleArgs: readonly string[];
  /** Serve the external metrics API from the Secret (kinfer's own APIService); absent: only the /metrics gauge. */
  readonly metricsApi?: { readonly clientCa: boolean };
  /** On the pod template, e.g. Prometheus' scrape annotations for KEDA and prometheus-adapter. */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/**
 * The picker Deployment of `pickerObjects`, computing the demand: `--autoscale` flags, with kinfer's API also the
 * metrics port and the Secret mounted, and one replica. One, because the demand's rate term is the arrivals one
 * picker sees: two pickers behind the gateway would each see about half and report half the demand (its
 * PodDisruptionBudget then keeps that one up through drains; a restart costs seconds of metrics, and the HPA keeps
 * its last scale while a metric is missing).
 */
export function autoscalingPicker(pickerObjects: readonly KubeObject[], p: AutoscalingPicker): KubeObject[] {
  return pickerObjects.map((o) => {
    if (o.kind === 'NetworkPolicy' && p.metricsApi) {
      // The API server is no pod (it dials from the control plane's address), so no peer selector names it: the
      // metrics port is open to any source, and requires the front-proxy client certificate when its CA was readable.
      const spec = o.spec as { ingress: unknown[] };
      return { ...o, spec: { ...spec, ingress: [...spec.ingress, { ports: [{ protocol: 'TCP', port: METRICS_API_PORT }] }] } };
    }
    if (o.kind !== 'Deployment') return o;
    const spec = o.spec as { replicas: number; template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } };
    const pod = spec.template.spec;
    const [container, ...rest] = pod.containers;
    const volume = 'metrics-api';
    const api = p.metricsApi;
    const args = [...(container!.args ?? []), ...p.autoscaleArgs, ...(api
      ? ['--autoscale-port', String(METRICS_API_PORT), '--autoscale-cert', `${METRICS_CERT_DIR}/tls.crt`, '--autoscale-key', `${METRICS_CERT_DIR}/tls.key`,
        ...(api.clientCa ? ['--autoscale-client-ca', `${METRICS_CERT_DIR}/${CLIENT_CA_KEY}`] : [])]
      : [])];
    const picker: Container = api
      ? {
        ...container!, args,
        ports: [...(container!.ports ?? []), { name: 'metrics-api', containerPort: METRICS_API_PORT }],
        volumeMounts: [...(container!.volumeMounts ?? []), { name: volume, mountPath: METRICS_CERT_DIR, readOnly: true }],
      }
      : { ...container!, args };
    const metadata = p.podAnnotations ? { ...spec.template.metadata, annotations: { ...spec.template.metadata?.annotations, ...p.podAnnotations } } : spec.template.metadata;
    const volumes = api ? [...(pod.volumes ?? []), { name: volume, secret: { secretName: metricsSecretName(p.pool) } }] : pod.volumes;
    return {
      ...o,
      spec: {
        ...spec, replicas: 1,
        template: { ...spec.template, ...(metadata ? { metadata } : {}), spec: { ...pod, containers: [picker, ...rest], ...(volumes ? { volumes } : {}) } },
      },
    };
  });
}

/** The parts of an existing APIService read to decide whether it is ours. */
export interface ExistingApiService {
  readonly metadata?: { labels?: Record<string, string> };
  readonly spec?: { service?: { name?: string; namespace?: string } | null };
}

/**
 * undefined when `deploy` may (re)write the external metrics APIService for this pool; otherwise why not, in one
 * sentence naming who holds it and what to use instead. One cluster has one external metrics API.
 */
export function apiServiceConflict(existing: ExistingApiService | undefined, pool: string, namespace: string): string | undefined {
  if (!existing) return undefined;
  const labels = existing.metadata?.labels ?? {};
  const service = existing.spec?.service;
  const target = service?.name ? `Service ${service.namespace ?? '?'}/${service.name}` : 'the API server itself (no service)';
  const ours = labels[LABELS.managedBy] === MANAGED_BY;
  if (ours && labels[LABELS.deployment] === pool && labels[NAMESPACE_LABEL] === namespace) return undefined;
  const owner = ours
    ? `kinfer deployment ${labels[NAMESPACE_LABEL] ?? '?'}/${labels[LABELS.deployment] ?? '?'} (its picker answers for its own pool only)`
    : ownerName(labels, service?.name ?? '');
  return `the external metrics API (APIService ${EXTERNAL_METRICS_API_SERVICE}) already points at ${target}, held by ${owner}; a cluster has one. ` +
    (ours
      ? `Autoscale this deployment with --autoscale-with keda or --autoscale-with prometheus-adapter, or delete ${labels[LABELS.deployment] ?? 'that deployment'}'s autoscaling first`
      : `Keep it and use --autoscale-with ${/prometheus/.test(owner) ? 'prometheus-adapter' : 'keda'} (or --autoscale-with ${/prometheus/.test(owner) ? 'keda' : 'prometheus-adapter'}), which feeds the same demand through it`);
}

/** Who registered an APIService, from the labels their charts set (app.kubernetes.io/name, app) or the Service name. */
function ownerName(labels: Record<string, string>, service: string): string {
  const name = labels['app.kubernetes.io/name'] ?? labels['app.kubernetes.io/part-of'] ?? labels.app ?? service;
  if (/keda/i.test(name) || /keda/i.test(service)) return `KEDA (${name})`;
  if (/prometheus-adapter|custom-metrics/i.test(name) || /prometheus-adapter/i.test(service)) return `prometheus-adapter (${name})`;
  return name ? `${name} (another metrics adapter)` : 'another metrics adapter';
}
