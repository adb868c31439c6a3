import type { V1Pod } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '../../src/manifests/labels.js';
import { SERVER_PORT } from '../../src/servers/templates.js';

/** One replica to scrape: where its /metrics page is and what the view says about it. */
export interface Target {
  /** Stable across refreshes: `namespace/pod` or the endpoint URL. */
  readonly id: string;
  readonly namespace: string;
  /** Pod name, or `host:port/path` of a plain endpoint. */
  readonly name: string;
  readonly node: string;
  readonly accelerator: string;
  /** The deployment (`kinfer.dev/deployment`) a pod serves; empty for endpoints (the page's model name is used). */
  readonly pool: string;
  /** A full URL, or an API-server pod-proxy path (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/metrics`). */
  readonly metricsUrl: string;
  /** `host:port` of the model server, as a picker names its endpoints (matches its recent requests); absent without an IP. */
  readonly address?: string;
  /** Set when the replica cannot be scraped at all (a Pending pod): shown as unreachable with this reason. */
  readonly unavailable?: string;
}

/**
 * The pods `top` watches by default: model-server pods of deployments `kubectl inference deploy` made
 * (src/manifests/model.ts labels them; worker pods of multi-host groups serve no metrics).
 */
export function defaultSelector(deployment?: string): string {
  return [
    `${LABELS.managedBy}=${MANAGED_BY}`,
    `${LABELS.component}=model-server`,
    ...(deployment ? [`${LABELS.deployment}=${deployment}`] : []),
  ].join(',');
}

/** `--endpoint` values: `http://host:port` scrapes `/metrics`; a URL with a path scrapes that path. */
export function endpointTargets(urls: readonly string[]): Target[] {
  return urls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error(`--endpoint ${raw}: not a URL (want http://host:port)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--endpoint ${raw}: use an http:// or https:// URL`);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/metrics';
    const name = `${url.host}${url.pathname === '/metrics' ? '' : url.pathname}`;
    const address = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
    return { id: url.href, namespace: '', name, node: '', accelerator: '', pool: '', metricsUrl: url.href, address };
  });
}

/**
 * Pods as targets. `direct` scrapes pod IP:port (from inside the cluster network); otherwise through the API
 * server's pod proxy, which works wherever kubectl does. The port is the container port named `http`
 * (what `deploy` declares), else the first declared one, else the servers' default 8000.
 */
export function podTargets(pods: readonly V1Pod[], direct: boolean, metricsPath = '/metrics'): Target[] {
  return pods.map((pod) => {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const labels = pod.metadata?.labels ?? {};
    const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    const port = (ports.find((p) => p.name === 'http') ?? ports[0])?.containerPort ?? SERVER_PORT;
    const ip = pod.status?.podIP;
    const phase = pod.status?.phase ?? 'Unknown';
    const base = {
      id: `${namespace}/${name}`, namespace, name,
      node: pod.spec?.nodeName ?? '', accelerator: labels[LABELS.accelerator] ?? '', pool: labels[LABELS.deployment] ?? '',
    };
    const metricsUrl = direct
      ? `http://${ip?.includes(':') ? `[${ip}]` : ip}:${port}${metricsPath}`
      : `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}:${port}/proxy${metricsPath}`;
    const unavailable = pod.metadata?.deletionTimestamp ? 'pod terminating'
      : phase !== 'Running' ? `pod ${phase}`
        : direct && !ip ? 'pod has no IP yet'
          : undefined;
    return { ...base, metricsUrl, ...(ip ? { address: `${ip}:${port}` } : {}), ...(unavailable ? { unavailable } : {}) };
  });
}
