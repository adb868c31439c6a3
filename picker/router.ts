import { performance } from 'node:perf_hooks';
import type { RoutingScheduler } from '../src/routing/scheduler.js';
import type { InferenceRequest } from '../src/routing/types.js';
import { ArrivalMeter } from './arrivals.js';
import type { EndpointTable } from './endpoints.js';
import type { PickerMetrics } from './metrics.js';

export type Decision = { readonly address: string } | { readonly address?: undefined; readonly reason: string };

/**
 * The data path's one entry: pick an endpoint for a request with the current RoutingScheduler (swapped whole on a
 * config reload), account the request against that endpoint, and count the decision.
 */
export class Router {
  constructor(
    private scheduler: RoutingScheduler,
    readonly table: EndpointTable,
    private readonly metrics: PickerMetrics,
    /** Arrivals for the autoscaling metric (picker/autoscale.ts); 30 s unless the caller sets a window. */
    readonly arrivals: ArrivalMeter = new ArrivalMeter(30),
  ) {}

  /** Routes with `scheduler` from the next request on (a reloaded EndpointPickerConfig). */
  use(scheduler: RoutingScheduler): void {
    this.scheduler = scheduler;
  }

  get current(): RoutingScheduler {
    return this.scheduler;
  }

  decide(request: InferenceRequest): Decision {
    const started = performance.now();
    this.arrivals.record();
    const endpoints = this.table.snapshot();
    if (endpoints.length === 0) {
      this.metrics.decisions.inc({ endpoint: 'none' });
      return { reason: 'the pool has no endpoints' };
    }
    const result = this.scheduler.pick(request, endpoints);
    this.metrics.decisionSeconds.observe((performance.now() - started) / 1000);
    const address = result.endpoint?.address;
    if (address === undefined) {
      this.metrics.decisions.inc({ endpoint: 'none' });
      return { reason: result.reason ?? 'no endpoint can take the request' };
    }
    this.table.sent(address);
    this.scheduler.onRouted(request, address);
    this.metrics.decisions.inc({ endpoint: address });
    return { address };
  }

  finished(address: string): void {
    this.table.finished(address);
  }
}
