import { createServer, type Server } from 'node:http';
import type { HealthImplementation } from 'grpc-health-check';
import type { EndpointTable } from './endpoints.js';
import { EXT_PROC_SERVICE } from './extproc.js';
import type { PickerMetrics } from './metrics.js';
import type { Router } from './router.js';
import type { Scraper } from './scrape.js';
import type { RecentRequests } from '../src/routing/recent-requests.js';

// Readiness and the health port (--health-port): GET /health, /healthz, /debug/endpoints, /debug/requests and /metrics.

export interface Health {
  readonly ready: boolean;
  readonly status: string;
  readonly mode: string;
  readonly endpoints: number;
  readonly fresh: number;
}

/**
 * Readiness: the picker can route only with at least one endpoint scraped recently (a pool of stale or
 * unreachable endpoints would answer every request 503 anyway, so the gateway should use another replica).
 * Each check also updates the endpoint gauges and, once attached, grpc.health.v1's status.
 */
export class Readiness {
  private grpcHealth: HealthImplementation | undefined;

  constructor(private readonly mode: string, private readonly table: EndpointTable, private readonly scraper: Scraper, private readonly metrics: PickerMetrics) {}

  /** grpc.health.v1 follows readiness from now on (Envoy's gRPC health checks ask it instead of /health). */
  attachGrpc(health: HealthImplementation): void {
    this.grpcHealth = health;
  }

  check(): Health {
    const states = this.table.all();
    const fresh = states.filter((s) => this.scraper.isFresh(s)).length;
    this.metrics.endpoints.set({ state: 'all' }, states.length);
    this.metrics.endpoints.set({ state: 'fresh' }, fresh);
    const ready = fresh > 0;
    this.grpcHealth?.setStatus('', ready ? 'SERVING' : 'NOT_SERVING');
    this.grpcHealth?.setStatus(EXT_PROC_SERVICE, ready ? 'SERVING' : 'NOT_SERVING');
    return { ready, status: ready ? 'ok' : 'no endpoint has fresh metrics', mode: this.mode, endpoints: states.length, fresh };
  }
}

export interface HealthServerParts {
  readonly readiness: Readiness;
  readonly router: Router;
  readonly table: EndpointTable;
  readonly metrics: PickerMetrics;
  /** The last requests per endpoint (proxy mode only), for `kubectl inference top --picker`. */
  readonly recent: RecentRequests;
  /** Brings gauges computed on demand (replica demand) up to date before /metrics answers. */
  readonly beforeMetrics?: () => void;
}

export function createHealthServer(parts: HealthServerParts): Server {
  const { readiness, router, table, metrics } = parts;
  return createServer(async (req, res) => {
    if (req.url === '/health') {
      const answer = readiness.check();
      res.writeHead(answer.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    } else if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"alive"}');
    else if (req.url === '/debug/endpoints') {
      // What `kubectl inference route show` prints: each endpoint's state and its score for an empty prompt.
      const scores = router.current.pick({ model: '', promptTokens: 0, prefixHashes: [] }, table.snapshot()).scores;
      const rows = table.all().map((s) => ({
        address: s.address, metrics: s.metrics ?? null, sentSinceScrape: s.sentSinceScrape, inFlight: s.inFlight,
        decisions: s.decisions, lastError: s.lastError ?? null, score: scores.get(s.address) ?? null,
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ profile: router.current.profile, endpoints: rows }));
    } else if (req.url === '/debug/requests') {
      parts.recent.retain(new Set(table.all().map((s) => s.address)));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(parts.recent.answer()));
    } else if (req.url === '/metrics') {
      readiness.check();
      parts.beforeMetrics?.();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    } else res.writeHead(404).end();
  });
}
