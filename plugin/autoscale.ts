import type { KubernetesObject } from '@kubernetes/client-node';
import { ADAPTER_RULES_KEY, buildScaledObject, DEMAND_GAUGE_LABEL, prometheusAdapterRules, scrapeAnnotations, type AutoscaleWith } from '../src/autoscale/adapters.js';
import { pickerAutoscaleArgs, type AutoscalePlan } from '../src/autoscale/explain.js';
import { buildHpa, type HpaSpec, type ScaleTarget } from '../src/autoscale/hpa.js';
import {
  apiServiceConflict, autoscalingPicker, buildMetricsApiObjects, EXTERNAL_METRICS_API_SERVICE, metricsSecretName, metricsServiceDnsName, metricsServiceName,
  type ExistingApiService,
} from '../src/autoscale/metrics-api.js';
import { LABELS } from '../src/manifests/labels.js';
import { pickerServiceName } from '../src/manifests/model.js';
import { LEADER_WORKER_SET, type KubeObject } from '../src/manifests/objects.js';
import { PICKER_HEALTH_PORT } from '../src/manifests/picker.js';
import { selfSignedCertificate } from '../src/tls/certificate.js';
import { Cluster, KubeError } from './cluster.js';

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

// What `deploy --autoscale` writes besides the model: the autoscaler per workload (an HPA, or a KEDA ScaledObject),
// the picker changed to compute the demand, and with kinfer's own external metrics API its Service, APIService,
// certificate Secret and the HPA controller's read access. The cluster is read here (the APIService's holder, the
// certificate to keep, the front-proxy CA); the objects are built in src/autoscale.

export interface AutoscaleRequest {
  readonly with: AutoscaleWith;
  /** The kinfer deployment: the pool whose picker computes the demand. */
  readonly pool: string;
  readonly namespace: string;
  /** One per scaled workload (a Deployment per accelerator type, or the LeaderWorkerSet). */
  readonly plans: readonly (AutoscalePlan & { readonly labels: Record<string, string>; readonly target: ScaleTarget })[];
  /** The picker objects deploy would apply (buildPickerObjects). */
  readonly pickerObjects: readonly KubeObject[];
  /** With keda: the Prometheus that scrapes the picker. */
  readonly prometheusUrl?: string;
}

export interface AutoscaleObjects {
  readonly objects: KubeObject[];
  /** Lines for the summary: what was written and what the user still does. */
  readonly notes: string[];
}

/** The scalable workloads among deploy's objects: the model servers' Deployments, or the LeaderWorkerSet. */
export function scaledWorkloads(objects: readonly KubeObject[]): { name: string; labels: Record<string, string>; target: ScaleTarget }[] {
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === LEADER_WORKER_SET.kind)
    .map((o) => ({ name: o.metadata.name, labels: o.metadata.labels ?? {}, target: { apiVersion: o.apiVersion, kind: o.kind } }));
}

/**
 * `cluster` undefined: a client dry run with no cluster (a fresh certificate, no front-proxy CA, no holder check).
 * Throws KubeError when kinfer's APIService would take the external metrics API from someone else.
 */
export async function autoscaleObjects(cluster: Cluster | undefined, r: AutoscaleRequest): Promise<AutoscaleObjects> {
  const autoscaleArgs = pickerAutoscaleArgs(r.plans);
  const base = { pool: r.pool, autoscaleArgs };
  if (r.with === 'keda' || r.with === 'prometheus-adapter') {
    const picker = autoscalingPicker(r.pickerObjects, { ...base, podAnnotations: scrapeAnnotations(PICKER_HEALTH_PORT) });
    const scrape = `Prometheus must scrape the picker's /metrics (port ${PICKER_HEALTH_PORT}; its pods carry prometheus.io/scrape annotations) with a namespace label`;
    if (r.with === 'keda') {
      const scaled = r.plans.map((p) => buildScaledObject({
        workload: p.workload, namespace: r.namespace, target: p.target, minReplicas: p.minReplicas, maxReplicas: p.maxReplicas,
        behavior: p.behavior, prometheusUrl: r.prometheusUrl!, labels: p.labels,
      }));
      return { objects: [...picker, ...scaled], notes: [`autoscale with KEDA: a ScaledObject per workload on ${r.prometheusUrl}; ${scrape}`] };
    }
    const hpas = r.plans.map((p) => buildHpa({ ...hpaOf(p, r.namespace), selectorLabel: DEMAND_GAUGE_LABEL }));
    const rules: KubeObject = {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: `${pickerServiceName(r.pool)}-adapter-rules`, namespace: r.namespace, labels: { ...r.plans[0]!.labels, [LABELS.component]: 'prometheus-adapter-rules' } },
      data: { [ADAPTER_RULES_KEY]: prometheusAdapterRules() },
    };
    return {
      objects: [...picker, ...hpas, rules],
      notes: [`autoscale with prometheus-adapter: add the externalRules of ConfigMap ${rules.metadata.name} to the adapter's config (Helm: rules.external); ${scrape}`],
    };
  }
  const hpas = r.plans.map((p) => buildHpa(hpaOf(p, r.namespace)));
  const held = cluster ? await cluster.read<ExistingApiService & KubernetesObject>('apiregistration.k8s.io/v1', 'APIService', EXTERNAL_METRICS_API_SERVICE) : undefined;
  const conflict = apiServiceConflict(held, r.pool, r.namespace);
  if (conflict) throw new KubeError(conflict);
  // Kept across re-deploys (the caBundle and the mounted pair stay in step; the picker is not restarted for nothing).
  const secret = cluster ? await cluster.read<KubernetesObject & { data?: Record<string, string> }>('v1', 'Secret', metricsSecretName(r.pool)) : undefined;
  const kept = secret?.data?.['tls.crt'] && secret.data['tls.key']
    ? { certPem: Buffer.from(secret.data['tls.crt'], 'base64').toString(), keyPem: Buffer.from(secret.data['tls.key'], 'base64').toString() }
    : undefined;
  const cert = kept ?? selfSignedCertificate([metricsServiceDnsName(r.pool, r.namespace)]);
  const clientCaPem = cluster ? await frontProxyCa(cluster) : undefined;
  const picker = autoscalingPicker(r.pickerObjects, { ...base, metricsApi: { clientCa: clientCaPem !== undefined } });
  const api = buildMetricsApiObjects({ pool: r.pool, namespace: r.namespace, ...cert, ...(clientCaPem ? { clientCaPem } : {}) });
  return {
    // The Secret before the picker that mounts it (a kubelet would wait for it; nothing gains by making it wait).
    objects: [...api, ...picker, ...hpas],
    notes: [`autoscale: the picker serves ${EXTERNAL_METRICS_API_SERVICE} (Service ${metricsServiceName(r.pool)}, certificate in Secret ${metricsSecretName(r.pool)})` +
      (clientCaPem ? '' : cluster
        ? '; the front-proxy CA (kube-system/extension-apiserver-authentication) was not readable, so the picker accepts any TLS client'
        : '; no cluster to read the front-proxy CA from, so this picker would accept any TLS client')],
  };
}

function hpaOf(p: AutoscaleRequest['plans'][number], namespace: string): HpaSpec {
  return { deployment: p.workload, target: p.target, namespace, minReplicas: p.minReplicas, maxReplicas: p.maxReplicas, behavior: p.behavior, labels: p.labels };
}

/**
 * The CA of the API server's front-proxy client certificate, as every aggregated API server reads it: the
 * `requestheader-client-ca-file` key of kube-system/extension-apiserver-authentication (k8s.io/apiserver
 * pkg/server/options/authentication.go). Copied into the picker's Secret at deploy time, so the picker needs no
 * read access to kube-system; undefined when the deploying user may not read it.
 */
async function frontProxyCa(cluster: Cluster): Promise<string | undefined> {
  try {
    const cm = await new Cluster(cluster.kubeConfig, 'kube-system').read<KubernetesObject & { data?: Record<string, string> }>('v1', 'ConfigMap', 'extension-apiserver-authentication');
    return cm?.data?.['requestheader-client-ca-file'];
  } catch {
    return undefined;
  }
}

/**
 * Deploy's autoscaling, completed with what only the cluster knows: src/deploy plans the HPAs and the picker; here the
 * picker gets its autoscale flags and, with kinfer's own metrics API, its certificate, Service and APIService (or the
 * KEDA / prometheus-adapter outputs), replacing the planned HPAs. Nothing changes without autoscale plans.
 */
export async function completeAutoscaling(
  outcome: { readonly objects: readonly KubeObject[]; readonly autoscale: AutoscaleRequest['plans']; readonly deployment: { readonly namespace: string } },
  request: { readonly name: string; readonly autoscale?: { readonly with: AutoscaleWith; readonly prometheusUrl?: string } },
  cluster: Cluster | undefined,
): Promise<AutoscaleObjects> {
  if (outcome.autoscale.length === 0 || !request.autoscale) return { objects: [...outcome.objects], notes: [] };
  const isPicker = (o: KubeObject) => o.metadata.labels?.[LABELS.component] === 'endpoint-picker';
  const pickerObjects = outcome.objects.filter(isPicker);
  if (pickerObjects.length === 0) throw new KubeError("--autoscale needs the pool's kinfer-picker, which computes the demand, and this cluster has no InferencePool CRD: install it (docs/plugin.md) or drop --autoscale");
  const scaling = await autoscaleObjects(cluster, {
    with: request.autoscale.with, pool: request.name, namespace: outcome.deployment.namespace, plans: outcome.autoscale, pickerObjects,
    ...(request.autoscale.prometheusUrl ? { prometheusUrl: request.autoscale.prometheusUrl } : {}),
  });
  const rest = outcome.objects.filter((o) => !isPicker(o) && o.kind !== 'HorizontalPodAutoscaler');
  return { objects: [...rest, ...scaling.objects], notes: scaling.notes };
}
