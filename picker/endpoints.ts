import type { Endpoint, EndpointMetrics } from '../src/routing/types.js';

/** What the picker tracks of one replica: its last good metrics, and the requests it sent there. */
export interface EndpointState {
  readonly address: string;
  metrics: EndpointMetrics | undefined;
  /** Requests sent since the scrape that produced `metrics` began. */
  sentSinceScrape: number;
  inFlight: number;
  /** The last scrape's error, when it failed (the endpoint is then unknown to the picker). */
  lastError: string | undefined;
  decisions: number;
}

/**
 * The replicas the picker routes over, by address. Sources (a static list, or an InferencePool's pods) call
 * `replace`; the scraper writes metrics; the data path counts requests. Single-threaded, so plain fields.
 */
export class EndpointTable {
  private readonly states = new Map<string, EndpointState>();

  replace(addresses: Iterable<string>): void {
    const keep = new Set(addresses);
    for (const address of [...this.states.keys()]) if (!keep.has(address)) this.states.delete(address);
    for (const address of keep) {
      if (!this.states.has(address)) {
        this.states.set(address, { address, metrics: undefined, sentSinceScrape: 0, inFlight: 0, lastError: undefined, decisions: 0 });
      }
    }
  }

  get(address: string): EndpointState | undefined {
    return this.states.get(address);
  }

  all(): EndpointState[] {
    return [...this.states.values()];
  }

  get size(): number {
    return this.states.size;
  }

  /** The routing core's view: a snapshot per endpoint. */
  snapshot(): Endpoint[] {
    const out: Endpoint[] = [];
    for (const s of this.states.values()) {
      out.push({ address: s.address, ...(s.metrics ? { metrics: s.metrics } : {}), sentSinceScrape: s.sentSinceScrape, inFlight: s.inFlight });
    }
    return out;
  }

  /** A request was sent: count it until the next scrape sees it, and while it is in flight. */
  sent(address: string): void {
    const s = this.states.get(address);
    if (!s) return;
    s.sentSinceScrape += 1;
    s.inFlight += 1;
    s.decisions += 1;
  }

  finished(address: string): void {
    const s = this.states.get(address);
    if (s && s.inFlight > 0) s.inFlight -= 1;
  }
}
