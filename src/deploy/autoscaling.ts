// What `deploy --autoscale` writes besides the model, per --autoscale-with: the pool's picker changed to compute the
// demand, and the autoscaler of each scaled workload (an HPA, or a KEDA ScaledObject); with kinfer's own external
// metrics API also its Service, APIService, certificate Secret and the HPA controller's read access. Pure: what only
// the cluster knows (who holds the APIService, the certificate to keep, the front-proxy CA) comes in as data, read
// by plugin/deploy/cluster-view.ts; the one impure step is a fresh certificate when none is kept.
import { ADAPTER_RULES_KEY, buildScaledObject, DEMAND_GAUGE_LABEL, prometheusAdapterRules, scrapeAnnotations } from '../autoscale/adapters.js';
import { pickerAutoscaleArgs } from '../autoscale/explain.js';
import { buildHpa, type HpaSpec } from '../autoscale/hpa.js';
import {
  apiServiceConflict, autoscalingPicker, buildMetricsApiObjects, EXTERNAL_METRICS_API_SERVICE, metricsSecretName, metricsServiceDnsName, metricsServiceName,
  type ExistingApiService,
} from '../autoscale/metrics-api.js';
import { LABELS } from '../manifests/labels.js';
import { pickerServiceName } from '../manifests/model.js';
import type { KubeObject } from '../manifests/objects.js';
import { PICKER_HEALTH_PORT } from '../manifests/picker.js';
import { err, ok, type Result } from '../result.js';
import { selfSignedCertificate } from '../tls/certificate.js';
import type { BuildContext, LabelledAutoscalePlan } from './builders.js';

/** What the cluster says about kinfer's external metrics API, read before planning (`--autoscale-with kinfer` only). */
export interface MetricsApiReads {
  /** APIService v1beta1.external.metrics.k8s.io as it stands; absent: nobody registered it. */
  readonly holder?: ExistingApiService;
  /** The pair in the picker's metrics Secret: kept across re-deploys (the caBundle and the mounted pair stay in step). */
  readonly kept?: { readonly certPem: string; readonly keyPem: string };
  /** The front-proxy client CA (kube-system/extension-apiserver-authentication); absent: the user may not read it. */
  readonly frontProxyCaPem?: string;
}

export interface AutoscalingObjects {
  /** The picker and the autoscaling objects, in apply order. */
  readonly objects: KubeObject[];
  /** Lines for the summary: what was written and what the user still does. */
  readonly notes: string[];
}

const NO_PICKER = "--autoscale needs the pool's kinfer-picker, which computes the demand, and this cluster has no InferencePool CRD: install it (docs/plugin.md) or drop --autoscale";

/**
 * The pool's picker and what scales the workloads. Without autoscale plans: the picker as built. `reads` absent: no
 * cluster was read (a client dry run offline): a fresh certificate, no front-proxy CA, no holder check. Err: why the
 * cluster cannot take it (no picker to compute the demand, or the external metrics API is someone else's).
 */
export function autoscaling(context: BuildContext, picker: readonly KubeObject[], reads: MetricsApiReads | undefined): Result<AutoscalingObjects, string> {
  const { request, autoscale: plans } = context;
  const scaling = request.autoscale;
  if (!scaling || plans.length === 0) return ok({ objects: [...picker], notes: [] });
  if (picker.length === 0) return err(NO_PICKER);
  const pool = request.name;
  const { namespace } = context.deployment;
  const autoscaleArgs = pickerAutoscaleArgs(plans);
  const hpaOf = (p: LabelledAutoscalePlan): HpaSpec => ({
    deployment: p.workload, target: p.target, namespace, minReplicas: p.minReplicas, maxReplicas: p.maxReplicas, behavior: p.behavior, labels: p.labels,
  });
  if (scaling.with !== 'kinfer') {
    const scraped = autoscalingPicker(picker, { pool, autoscaleArgs, podAnnotations: scrapeAnnotations(PICKER_HEALTH_PORT) });
    const scrape = `Prometheus must scrape the picker's /metrics (port ${PICKER_HEALTH_PORT}; its pods carry prometheus.io/scrape annotations) with a namespace label`;
    if (scaling.with === 'keda') {
      const scaled = plans.map((p) => buildScaledObject({
        workload: p.workload, namespace, target: p.target, minReplicas: p.minReplicas, maxReplicas: p.maxReplicas, behavior: p.behavior,
        prometheusUrl: scaling.prometheusUrl!, labels: p.labels,
      }));
      return ok({ objects: [...scraped, ...scaled], notes: [`autoscale with KEDA: a ScaledObject per workload on ${scaling.prometheusUrl}; ${scrape}`] });
    }
    const rules: KubeObject = {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: `${pickerServiceName(pool)}-adapter-rules`, namespace, labels: { ...plans[0]!.labels, [LABELS.component]: 'prometheus-adapter-rules' } },
      data: { [ADAPTER_RULES_KEY]: prometheusAdapterRules() },
    };
    return ok({
      objects: [...scraped, ...plans.map((p) => buildHpa({ ...hpaOf(p), selectorLabel: DEMAND_GAUGE_LABEL })), rules],
      notes: [`autoscale with prometheus-adapter: add the externalRules of ConfigMap ${rules.metadata.name} to the adapter's config (Helm: rules.external); ${scrape}`],
    });
  }
  const conflict = apiServiceConflict(reads?.holder, pool, namespace);
  if (conflict) return err(conflict);
  const cert = reads?.kept ?? selfSignedCertificate([metricsServiceDnsName(pool, namespace)]);
  const clientCaPem = reads?.frontProxyCaPem;
  const api = buildMetricsApiObjects({ pool, namespace, ...cert, ...(clientCaPem ? { clientCaPem } : {}) });
  const served = autoscalingPicker(picker, { pool, autoscaleArgs, metricsApi: { clientCa: clientCaPem !== undefined } });
  const anyClient = reads
    ? '; the front-proxy CA (kube-system/extension-apiserver-authentication) was not readable, so the picker accepts any TLS client'
    : '; no cluster to read the front-proxy CA from, so this picker would accept any TLS client';
  return ok({
    // The Secret before the picker that mounts it (a kubelet would wait for it; nothing gains by making it wait).
    objects: [...api, ...served, ...plans.map((p) => buildHpa(hpaOf(p)))],
    notes: [`autoscale: the picker serves ${EXTERNAL_METRICS_API_SERVICE} (Service ${metricsServiceName(pool)}, certificate in Secret ${metricsSecretName(pool)})${clientCaPem ? '' : anyClient}`],
  });
}
