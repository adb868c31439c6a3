import { Engine, type EngineConfig, type FinishEvent } from '../../sim/engine/engine.js';
import type { Profile } from '../../sim/engine/speed.js';
import { parsePickerConfig } from '../../src/routing/config.js';
import { RoutingScheduler } from '../../src/routing/scheduler.js';
import type { Endpoint, EndpointMetrics, InferenceRequest } from '../../src/routing/types.js';
import { PREFILL_POINT_SPACING_MS, PREFILL_WINDOW_MS, thinHistory, TOKEN_RATE_WINDOW_MS, type PrefillFit, type PrefillPoint } from '../../src/servers/rate.js';
import { mulberry32, type Rng } from './prng.js';
import type { TraceRequest } from './routing-workload.js';

// N simulated replicas (sim/engine, vLLM's scheduler on a virtual clock) behind one router, all on one clock:
// requests arrive (Poisson, the trace's gaps scaled by 1/rate), the router picks from what the last scrape said
// plus its own in-flight counts, metrics are scraped every `scrapeIntervalMs` of virtual time.

export interface Replica {
  readonly address: string;
  readonly profile: Profile;
}

/** A routing policy: the index of the endpoint a request goes to. */
export interface Router {
  readonly name: string;
  choose(request: InferenceRequest, endpoints: readonly Endpoint[], nowMs: number): number;
  routed?(request: InferenceRequest, address: string): void;
}

export class RoundRobin implements Router {
  readonly name = 'round-robin';
  private next = 0;

  choose(_request: InferenceRequest, endpoints: readonly Endpoint[]): number {
    return this.next++ % endpoints.length;
  }
}

/** Fewest requests in flight (the router's own count, always current), random among ties. */
export class LeastRequests implements Router {
  readonly name = 'least-requests';
  constructor(private readonly rng: Rng) {}

  choose(_request: InferenceRequest, endpoints: readonly Endpoint[]): number {
    let best: number[] = [];
    let min = Number.POSITIVE_INFINITY;
    endpoints.forEach((e, i) => {
      if (e.inFlight < min) {
        min = e.inFlight;
        best = [i];
      } else if (e.inFlight === min) best.push(i);
    });
    return best[Math.floor(this.rng() * best.length)] as number;
  }
}

/** kinfer's RoutingScheduler with a config; `inFlightAccounting: false` hides sentSinceScrape (the herding trap). */
export class PickerRouter implements Router {
  private readonly picker: RoutingScheduler;
  private now = 0;

  constructor(readonly name: string, configYaml: string, rng: Rng, private readonly inFlightAccounting = true) {
    const config = parsePickerConfig(configYaml);
    if (!config.ok) throw new Error(config.error);
    this.picker = new RoutingScheduler(config.value, { random: rng, nowMs: () => this.now });
  }

  choose(request: InferenceRequest, endpoints: readonly Endpoint[], nowMs: number): number {
    this.now = nowMs;
    const seen = this.inFlightAccounting ? endpoints : endpoints.map((e) => ({ ...e, sentSinceScrape: 0 }));
    const result = this.picker.pick(request, seen);
    if (result.endpoint === undefined) throw new Error(result.reason);
    return seen.indexOf(result.endpoint);
  }

  routed(request: InferenceRequest, address: string): void {
    this.picker.onRouted(request, address);
  }
}

export interface RequestOutcome {
  readonly ttftMs: number;
  readonly e2eMs: number;
  readonly outputTokens: number;
  readonly finishMs: number;
  readonly arrivalMs: number;
  readonly cachedPromptTokens: number;
  readonly preemptions: number;
  readonly replica: number;
}

export interface RunOptions {
  readonly replicas: readonly Replica[];
  readonly engine: Omit<EngineConfig, 'numGpuBlocks' | 'speed'>;
  readonly trace: readonly TraceRequest[];
  readonly model: string;
  /** Requests per second. */
  readonly rate: number;
  readonly router: Router;
  readonly scrapeIntervalMs: number;
  /**
   * How the picker learns each replica's prefill speed. Absent: it is told the truth (the replica's compute-bound
   * speed). Given: from the sums a real scrape reads (vllm:request_prefill_time_seconds and
   * vllm:request_prompt_tokens observed at finish, prefix-cache counters at admission) over the scraper's window,
   * through this estimator, holding its last figure as picker/scrape.ts does.
   */
  readonly measurePrefill?: (history: readonly PrefillPoint[]) => PrefillFit | undefined;
}

interface EndpointState {
  address: string;
  metrics: EndpointMetrics | undefined;
  sentSinceScrape: number;
  inFlight: number;
  itlSumMs: number;
  itlCount: number;
  decodeTokensPerSecond: number | undefined;
  prefillSecondsTotal: number;
  prefillRequestsTotal: number;
  requestPromptTokensTotal: number;
  prefillHistory: PrefillPoint[];
  prefill: PrefillFit | undefined;
}

/** Replays the trace at `rate` through the router; returns every request's outcome (in finish order). */
export function runScenario(options: RunOptions): RequestOutcome[] {
  const { replicas, trace, rate, router, scrapeIntervalMs } = options;
  const states: EndpointState[] = replicas.map((r) => ({
    address: r.address, metrics: undefined, sentSinceScrape: 0, inFlight: 0, itlSumMs: 0, itlCount: 0, decodeTokensPerSecond: undefined,
    prefillSecondsTotal: 0, prefillRequestsTotal: 0, requestPromptTokensTotal: 0, prefillHistory: [], prefill: undefined,
  }));
  const outcomes: RequestOutcome[] = [];
  const engines = replicas.map((r, index) => {
    const state = states[index] as EndpointState;
    return new Engine({ ...options.engine, numGpuBlocks: r.profile.numGpuBlocks, speed: r.profile.speed }, {
      onToken(event) {
        if (event.sinceLastMs !== undefined) {
          state.itlSumMs += event.sinceLastMs;
          state.itlCount++;
        }
      },
      onFinish(event: FinishEvent) {
        state.inFlight--;
        if (event.firstTokenMs !== undefined && event.scheduledMs !== undefined) {
          state.prefillSecondsTotal += (event.firstTokenMs - event.scheduledMs) / 1000;
          state.prefillRequestsTotal++;
          state.requestPromptTokensTotal += event.promptTokens;
        }
        outcomes.push({
          ttftMs: (event.firstTokenMs ?? event.finishMs) - event.arrivalMs,
          e2eMs: event.finishMs - event.arrivalMs,
          outputTokens: event.outputTokens,
          finishMs: event.finishMs,
          arrivalMs: event.arrivalMs,
          cachedPromptTokens: event.cachedPromptTokens,
          preemptions: event.preemptions,
          replica: index,
        });
      },
    });
  });

  const advance = (t: number): void => {
    for (const engine of engines) engine.runUntil(t);
  };
  const scrape = (t: number): void => {
    engines.forEach((engine, i) => {
      const s = states[i] as EndpointState;
      const snap = engine.snapshot();
      if (s.itlCount > 0) s.decodeTokensPerSecond = 1000 / (s.itlSumMs / s.itlCount);
      s.itlSumMs = 0;
      s.itlCount = 0;
      const prefillTokensPerSecond = (replicas[i] as Replica).profile.speed.prefillTokensPerSecond;
      if (options.measurePrefill !== undefined) {
        s.prefillHistory = thinHistory([...s.prefillHistory, {
          atMs: t, prefillSecondsTotal: s.prefillSecondsTotal, prefillRequestsTotal: s.prefillRequestsTotal, requestPromptTokensTotal: s.requestPromptTokensTotal,
          prefixCacheQueriesTotal: snap.prefixCacheQueriesTotal, prefixCacheHitsTotal: snap.prefixCacheHitsTotal,
        }], PREFILL_WINDOW_MS, TOKEN_RATE_WINDOW_MS, PREFILL_POINT_SPACING_MS);
        s.prefill = options.measurePrefill(s.prefillHistory) ?? s.prefill;
      }
      s.metrics = {
        kvCacheUsage: snap.kvCacheUsage,
        waiting: snap.waiting,
        running: snap.running,
        blockSize: engine.config.blockSize,
        numGpuBlocks: snap.numGpuBlocks,
        ...(options.measurePrefill === undefined
          ? { prefillTokensPerSecond }
          : s.prefill === undefined ? {} : { prefillTokensPerSecond: s.prefill.tokensPerSecond, prefillFixedMs: s.prefill.fixedSeconds * 1000 }),
        ...(s.decodeTokensPerSecond === undefined ? {} : { decodeTokensPerSecond: s.decodeTokensPerSecond }),
        scrapedAtMs: t,
      };
      s.sentSinceScrape = 0;
    });
  };

  let nextScrapeMs = 0;
  let arrivalMs = 0;
  for (const request of trace) {
    arrivalMs += (request.gapAtUnitRate * 1000) / rate;
    while (nextScrapeMs <= arrivalMs) {
      advance(nextScrapeMs);
      scrape(nextScrapeMs);
      nextScrapeMs += scrapeIntervalMs;
    }
    advance(arrivalMs);
    const inference: InferenceRequest = { model: options.model, promptTokens: request.promptTokens, prefixHashes: request.prefixHashes };
    const endpoints: Endpoint[] = states.map((s) => ({ address: s.address, metrics: s.metrics, sentSinceScrape: s.sentSinceScrape, inFlight: s.inFlight }));
    const index = router.choose(inference, endpoints, arrivalMs);
    const state = states[index] as EndpointState;
    const submitted = (engines[index] as Engine).submit({ id: request.id, promptTokenIds: request.promptTokenIds, outputTokens: request.outputTokens }, { atMs: arrivalMs });
    if (!submitted.ok) throw new Error(`${request.id}: ${submitted.error}`);
    state.sentSinceScrape++;
    state.inFlight++;
    router.routed?.(inference, state.address);
  }
  for (let guard = 0; states.some((s) => s.inFlight > 0); guard++) {
    if (guard > 10_000_000) throw new Error('the replicas never drained');
    advance(nextScrapeMs);
    nextScrapeMs += scrapeIntervalMs * 10;
  }
  return outcomes;
}

export const newRng = mulberry32;
