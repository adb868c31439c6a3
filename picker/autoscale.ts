// The external metrics API (external.metrics.k8s.io/v1beta1, k8s.io/metrics pkg/apis/external_metrics) served by
// the picker: the HPA controller reads `kinfer-replica-demand{kinfer.dev/workload=NAME}` through the API server's
// aggregation layer (an APIService pointing at this server), so no loop of ours writes replica counts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEMAND_METRIC, WORKLOAD_LABEL, EXTERNAL_METRICS_GROUP, EXTERNAL_METRICS_VERSION } from '../src/autoscale/hpa.js';
import { replicaDemand, type PoolLoad, type RuleSettings } from '../src/autoscale/rule.js';
import type { EndpointState } from './endpoints.js';

const GROUP_VERSION = `${EXTERNAL_METRICS_GROUP}/${EXTERNAL_METRICS_VERSION}`;
const BASE = `/apis/${GROUP_VERSION}`;

export interface AutoscaleConfig {
  /** The namespace the picker's pool lives in; other namespaces have no kinfer metrics. */
  readonly namespace: string;
  /** Requests per second one replica of each Deployment serves within the targets. */
  readonly capacityRps: ReadonlyMap<string, number>;
  readonly settings: RuleSettings;
  readonly windowSeconds: number;
}

export interface LoadSource {
  arrivalRps(): number;
  endpoints(): readonly EndpointState[];
  /** The Deployment that owns an endpoint's pod (pool.ts workloadOf), when the picker watches pods. */
  deploymentOf(address: string): string | undefined;
}

/** Groups the picker's endpoints by Deployment; with one Deployment configured, every endpoint is its. */
export function poolLoad(config: AutoscaleConfig, source: LoadSource): PoolLoad {
  const names = [...config.capacityRps.keys()];
  const only = names.length === 1 ? names[0] : undefined;
  const groups = new Map(names.map((n) => [n, [] as EndpointState[]]));
  for (const e of source.endpoints()) groups.get(source.deploymentOf(e.address) ?? only ?? '')?.push(e);
  return {
    arrivalRps: source.arrivalRps(),
    deployments: names.map((name) => {
      const ready = groups.get(name)!.filter((e) => e.metrics);
      return {
        name,
        capacityRps: config.capacityRps.get(name)!,
        readyReplicas: ready.length,
        waitingRequests: ready.reduce((a, e) => a + (e.metrics!.waiting ?? 0), 0),
        kvCacheUsages: ready.flatMap((e) => (e.metrics!.kvCacheUsage === undefined ? [] : [e.metrics!.kvCacheUsage])),
      };
    }),
  };
}

/** `a=b,c==d` → pairs; anything else (set-based, !=, exists) is not a selector this metric can answer. */
export function parseEqualitySelector(text: string): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9./_-]+)\s*==?\s*([A-Za-z0-9._-]*)$/.exec(part);
    if (!match) return `labelSelector ${JSON.stringify(part)}: only equality terms (key=value) select a ${DEMAND_METRIC} series`;
    out.set(match[1]!, match[2]!);
  }
  return out;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' })
    .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The request handler: discovery, one metric, health; everything else is a Kubernetes Status. */
export function externalMetricsHandler(config: AutoscaleConfig, source: LoadSource, nowMs: () => number = Date.now) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://picker');
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported; the external metrics API is read-only`);
    if (['/healthz', '/readyz', '/livez'].includes(url.pathname)) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (url.pathname === BASE || url.pathname === `${BASE}/`) {
      return json(res, {
        kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GROUP_VERSION,
        resources: [{ name: DEMAND_METRIC, singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }],
      });
    }
    const match = new RegExp(`^${BASE}/namespaces/([^/]+)/([^/]+)$`).exec(url.pathname);
    if (!match) return status(res, 404, 'NotFound', `${url.pathname}: not found (this server answers ${BASE}/namespaces/NS/${DEMAND_METRIC})`);
    const [, namespace, metric] = match;
    if (metric !== DEMAND_METRIC) return status(res, 404, 'NotFound', `external metric ${metric}: not served here (kinfer serves ${DEMAND_METRIC})`);
    if (namespace !== config.namespace) return status(res, 404, 'NotFound', `${DEMAND_METRIC} in namespace ${namespace}: this picker serves namespace ${config.namespace}`);
    const selector = parseEqualitySelector(url.searchParams.get('labelSelector') ?? '');
    if (typeof selector === 'string') return status(res, 400, 'BadRequest', selector);
    const timestamp = new Date(Math.floor(nowMs() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const items = replicaDemand(poolLoad(config, source), config.settings)
      .filter((d) => [...selector].every(([k, v]) => k === WORKLOAD_LABEL && v === d.name))
      .map((d) => ({
        metricName: DEMAND_METRIC,
        metricLabels: { [WORKLOAD_LABEL]: d.name },
        timestamp,
        window: config.windowSeconds,
        value: `${Math.round(d.demand * 1000)}m`,
      }));
    json(res, { kind: 'ExternalMetricValueList', apiVersion: GROUP_VERSION, metadata: {}, items });
  };
}
