import type { Endpoint, EndpointMetrics, InferenceRequest } from '../../../src/routing/types.js';
import { SlotTracker, type PickContext } from '../../../src/routing/framework.js';

// Builders for routing tests: endpoints with metrics, requests, and a pick context on a fixed clock.

export const NOW_MS = 10_000;

export class EndpointBuilder {
  private metricsValue: EndpointMetrics | undefined = { scrapedAtMs: NOW_MS };
  private sent = 0;
  private inFlightValue = 0;

  constructor(private readonly address: string) {}

  metrics(m: Partial<EndpointMetrics>): this {
    this.metricsValue = { ...(this.metricsValue ?? { scrapedAtMs: NOW_MS }), ...m };
    return this;
  }

  waiting(n: number): this {
    return this.metrics({ waiting: n });
  }

  kv(usage: number, numGpuBlocks = 1000): this {
    return this.metrics({ kvCacheUsage: usage, numGpuBlocks, blockSize: 16 });
  }

  scrapedAgo(ms: number): this {
    return this.metrics({ scrapedAtMs: NOW_MS - ms });
  }

  unscraped(): this {
    this.metricsValue = undefined;
    return this;
  }

  sentSinceScrape(n: number): this {
    this.sent = n;
    return this;
  }

  inFlight(n: number): this {
    this.inFlightValue = n;
    return this;
  }

  build(): Endpoint {
    return { address: this.address, ...(this.metricsValue ? { metrics: this.metricsValue } : {}), sentSinceScrape: this.sent, inFlight: this.inFlightValue };
  }
}

export const anEndpoint = (address: string): EndpointBuilder => new EndpointBuilder(address);

export function aRequest(overrides: Partial<InferenceRequest> = {}): InferenceRequest {
  return { model: 'm', promptTokens: 160, prefixHashes: [], ...overrides };
}

/** A pick context at NOW_MS; `slots` is the tracker the scheduler would have fed (none learned by default). */
export function contextFor(request: InferenceRequest = aRequest(), random: () => number = () => 0.5, slots: SlotTracker = new SlotTracker()): PickContext {
  return { request, nowMs: NOW_MS, metricsStalenessMs: 500, random, slots };
}

/** Scores rounded to 3 decimals, by address: easy to compare whole. */
export function scoreTable(endpoints: readonly Endpoint[], scores: readonly number[]): Record<string, number> {
  return Object.fromEntries(endpoints.map((e, i) => [e.address, Math.round((scores[i] as number) * 1000) / 1000]));
}
