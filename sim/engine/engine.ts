import { err, ok, type Result } from '../../src/result.js';
import { BlockPool, blockHashes, type Block } from './kv-cache.js';
import { speedProblem, stepDurationMs, type SpeedModel } from './speed.js';

// A continuous-batching model server as an event-driven simulation on a virtual clock (milliseconds).
// The scheduler follows vLLM's v1 scheduler (vllm/v1/core/sched/scheduler.py) where it matters for routing:
// - each step first gives every running sequence its next tokens (one for a decoding sequence, the next prompt
//   chunk for a prefilling one) within a token budget; when a sequence needs a KV block and none is free, the
//   most recently admitted running sequence is preempted: its blocks are freed and it goes back to the front of
//   the queue, to be recomputed later (vLLM's RECOMPUTE preemption);
// - then, if nothing was preempted, it admits waiting sequences in arrival order while sequence slots, budget and
//   blocks allow; an admitted sequence starts from its longest cached prefix (whole blocks) and computes the rest;
// - a sequence emits a token at the end of each step that brings its computed tokens level with its length;
// - a finished or aborted sequence frees its blocks at once; computed full prompt blocks stay cached until evicted.
// The step's duration comes from the speed model; its tokens appear at its end. No I/O, no timers: the caller
// moves the clock (`runUntil`), in virtual time for benchmarks or in step with the wall clock for the server.

export interface EngineConfig {
  readonly numGpuBlocks: number;
  /** Tokens per KV block (vLLM default 16). */
  readonly blockSize: number;
  /** Sequences running at once at most (vLLM --max-num-seqs, default 256). */
  readonly maxNumSeqs: number;
  /** Tokens one step computes at most (vLLM --max-num-batched-tokens); longer prompts prefill in chunks. */
  readonly maxNumBatchedTokens: number;
  /** Prompt + output tokens one request may have (vLLM --max-model-len). */
  readonly maxModelLen: number;
  readonly enablePrefixCaching: boolean;
  readonly speed: SpeedModel;
}

export interface EngineRequest {
  /** Unique among the requests the engine holds. */
  readonly id: string;
  readonly promptTokenIds: readonly number[];
  /** Tokens the request generates before it finishes (the caller draws the length; see random.ts). */
  readonly outputTokens: number;
}

export interface TokenEvent {
  readonly requestId: string;
  readonly arrivalMs: number;
  /** 0-based index of the output token. */
  readonly index: number;
  readonly timeMs: number;
  /** Time since this request's previous token; undefined for the first. */
  readonly sinceLastMs: number | undefined;
}

export interface FinishEvent {
  readonly requestId: string;
  readonly reason: 'completed' | 'aborted';
  readonly arrivalMs: number;
  readonly firstTokenMs: number | undefined;
  /** When the request was first admitted to the running batch (vLLM's scheduled_ts); undefined if never. */
  readonly scheduledMs: number | undefined;
  readonly finishMs: number;
  readonly promptTokens: number;
  /** Tokens generated. */
  readonly outputTokens: number;
  /** Prompt tokens found in the prefix cache when the request was first admitted. */
  readonly cachedPromptTokens: number;
  readonly preemptions: number;
}

/** Callbacks with virtual timestamps; called synchronously from `runUntil` (or `abort`). They must not throw. */
export interface RequestListener {
  onFirstToken?(event: TokenEvent): void;
  onToken?(event: TokenEvent): void;
  onFinish?(event: FinishEvent): void;
}

export interface EngineSnapshot {
  readonly nowMs: number;
  readonly running: number;
  readonly waiting: number;
  /** Held KV blocks / all blocks, 0..1. */
  readonly kvCacheUsage: number;
  readonly usedBlocks: number;
  readonly numGpuBlocks: number;
  readonly cachedBlocks: number;
  /** Prompt tokens of requests that produced their first token. */
  readonly promptTokensTotal: number;
  readonly generationTokensTotal: number;
  /** Tokens looked up in the prefix cache at admission (vLLM counts the whole request), and of those, found. */
  readonly prefixCacheQueriesTotal: number;
  readonly prefixCacheHitsTotal: number;
  readonly preemptionsTotal: number;
  readonly requestsCompletedTotal: number;
  readonly requestsAbortedTotal: number;
  readonly stepsTotal: number;
}

type Status = 'pending' | 'waiting' | 'running' | 'done';

interface Sequence {
  readonly request: EngineRequest;
  readonly listener: RequestListener | undefined;
  readonly arrivalMs: number;
  readonly hashes: readonly string[];
  status: Status;
  blocks: Block[];
  /** Tokens whose KV is in `blocks`. */
  computed: number;
  /** Leading blocks already registered in the prefix cache. */
  registered: number;
  generated: number;
  firstTokenMs: number | undefined;
  scheduledMs: number | undefined;
  lastTokenMs: number | undefined;
  cachedPromptTokens: number | undefined;
  preemptions: number;
}

interface Step {
  readonly endMs: number;
  readonly scheduled: readonly { readonly seq: Sequence; readonly tokens: number }[];
}

/** Iterations one `runUntil` may take before the engine declares itself stuck (a bug, never a workload). */
const MAX_ITERATIONS_PER_RUN = 100_000_000;

export class Engine {
  private readonly pool: BlockPool;
  private now = 0;
  private readonly pending: Sequence[] = [];
  private readonly waiting: Sequence[] = [];
  private running: Sequence[] = [];
  private readonly live = new Map<string, Sequence>();
  private inflight: Step | undefined;
  private readonly counters = {
    promptTokensTotal: 0, generationTokensTotal: 0, prefixCacheQueriesTotal: 0, prefixCacheHitsTotal: 0,
    preemptionsTotal: 0, requestsCompletedTotal: 0, requestsAbortedTotal: 0, stepsTotal: 0,
  };

  /** `observer` hears every request's events (metrics); a request's own listener is given to `submit`. */
  constructor(readonly config: EngineConfig, private readonly observer: RequestListener = {}) {
    const problem = engineConfigProblem(config);
    if (problem !== undefined) throw new RangeError(problem);
    this.pool = new BlockPool(config.numGpuBlocks, config.blockSize);
  }

  get nowMs(): number {
    return this.now;
  }

  /** Why the engine can never serve this request, or undefined. */
  rejectReason(promptTokens: number, outputTokens: number): string | undefined {
    if (promptTokens < 1) return 'the prompt is empty';
    if (!Number.isInteger(outputTokens) || outputTokens < 1) return `output length ${outputTokens} must be a positive integer`;
    const total = promptTokens + outputTokens;
    if (total > this.config.maxModelLen) return `${total} tokens exceed the maximum context length of ${this.config.maxModelLen}`;
    const blocks = Math.ceil(total / this.config.blockSize);
    if (blocks > this.config.numGpuBlocks) return `${total} tokens need ${blocks} KV blocks; the cache has ${this.config.numGpuBlocks}`;
    return undefined;
  }

  /** Queues a request arriving at `atMs` (default: now; never in the past). */
  submit(request: EngineRequest, options: { atMs?: number; listener?: RequestListener } = {}): Result<void> {
    const atMs = options.atMs ?? this.now;
    if (!(atMs >= this.now)) return err(`arrival ${atMs} ms is before the engine's clock (${this.now} ms)`);
    if (this.live.has(request.id)) return err(`request ${request.id} is already in the engine`);
    const reason = this.rejectReason(request.promptTokenIds.length, request.outputTokens);
    if (reason !== undefined) return err(reason);
    const seq: Sequence = {
      request, listener: options.listener, arrivalMs: atMs,
      hashes: this.config.enablePrefixCaching ? blockHashes(request.promptTokenIds, this.config.blockSize) : [],
      status: 'pending', blocks: [], computed: 0, registered: 0, generated: 0,
      firstTokenMs: undefined, scheduledMs: undefined, lastTokenMs: undefined, cachedPromptTokens: undefined, preemptions: 0,
    };
    this.live.set(request.id, seq);
    // Keep `pending` sorted by arrival, submission order among equals.
    let i = this.pending.length;
    while (i > 0 && (this.pending[i - 1] as Sequence).arrivalMs > atMs) i--;
    this.pending.splice(i, 0, seq);
    this.admitArrivals();
    return ok(undefined);
  }

  /** Ends a request now (a client went away): frees its blocks and reports it finished as aborted. */
  abort(id: string): boolean {
    const seq = this.live.get(id);
    if (seq === undefined) return false;
    if (seq.status === 'pending') this.pending.splice(this.pending.indexOf(seq), 1);
    else if (seq.status === 'waiting') this.waiting.splice(this.waiting.indexOf(seq), 1);
    else if (seq.status === 'running') this.running = this.running.filter((s) => s !== seq);
    this.finish(seq, 'aborted');
    return true;
  }

  /** Processes every event up to and including `tMs`, then leaves the clock at `tMs`. */
  runUntil(tMs: number): void {
    if (!(tMs >= this.now)) return;
    for (let i = 0; i < MAX_ITERATIONS_PER_RUN; i++) {
      if (this.inflight !== undefined) {
        if (this.inflight.endMs > tMs) break;
        const step = this.inflight;
        this.inflight = undefined;
        this.now = step.endMs;
        this.complete(step);
        continue;
      }
      this.admitArrivals();
      if (this.running.length > 0 || this.waiting.length > 0) {
        const step = this.schedule();
        if (step !== undefined) {
          this.inflight = step;
          continue;
        }
      }
      const next = this.pending[0];
      if (next === undefined || next.arrivalMs > tMs) break;
      this.now = next.arrivalMs;
    }
    this.now = tMs;
    this.admitArrivals();
  }

  /** Runs until nothing is pending, waiting or running; returns the clock. */
  runUntilIdle(): number {
    for (let next = this.nextEventMs(); next !== undefined; next = this.nextEventMs()) {
      this.runUntil(next);
      if (this.inflight === undefined && this.running.length === 0 && this.waiting.length > 0) break; // cannot progress
    }
    return this.now;
  }

  /** When the engine next has something to do (a step ends, a step can start, a request arrives); undefined when idle. */
  nextEventMs(): number | undefined {
    if (this.inflight !== undefined) return this.inflight.endMs;
    if (this.running.length > 0 || this.waiting.length > 0) return this.now;
    return this.pending[0]?.arrivalMs;
  }

  snapshot(): EngineSnapshot {
    return {
      nowMs: this.now,
      running: this.running.length,
      waiting: this.waiting.length,
      kvCacheUsage: this.pool.usage,
      usedBlocks: this.pool.usedBlocks,
      numGpuBlocks: this.pool.numBlocks,
      cachedBlocks: this.pool.cachedBlocks,
      ...this.counters,
    };
  }

  private admitArrivals(): void {
    while (this.pending.length > 0 && (this.pending[0] as Sequence).arrivalMs <= this.now) {
      const seq = this.pending.shift() as Sequence;
      seq.status = 'waiting';
      this.waiting.push(seq);
    }
  }

  private schedule(): Step | undefined {
    const { blockSize, maxNumSeqs, maxNumBatchedTokens } = this.config;
    const scheduled: { seq: Sequence; tokens: number }[] = [];
    let budget = maxNumBatchedTokens;
    let preempted = false;

    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const seq = this.running[i] as Sequence;
      const tokens = Math.min(seq.request.promptTokenIds.length + seq.generated - seq.computed, budget);
      if (tokens <= 0) continue;
      const need = Math.ceil((seq.computed + tokens) / blockSize) - seq.blocks.length;
      let blocks = need > 0 ? this.pool.allocate(need) : [];
      while (blocks === undefined) {
        const victim = this.running.pop() as Sequence;
        this.preempt(victim);
        preempted = true;
        if (victim === seq) break;
        blocks = this.pool.allocate(need);
      }
      if (blocks === undefined) break;
      seq.blocks.push(...blocks);
      scheduled.push({ seq, tokens });
      budget -= tokens;
    }

    while (!preempted && this.waiting.length > 0 && this.running.length < maxNumSeqs && budget > 0) {
      const seq = this.waiting[0] as Sequence;
      const length = seq.request.promptTokenIds.length + seq.generated;
      // At least the last token is always computed, to produce the next one (vLLM: num_tokens - 1 at most hit).
      const hits = this.pool.lookup(seq.hashes.slice(0, Math.floor((length - 1) / blockSize)));
      const cachedTokens = hits.length * blockSize;
      const tokens = Math.min(length - cachedTokens, budget);
      const need = Math.ceil((cachedTokens + tokens) / blockSize) - hits.length;
      if (this.pool.available(hits) < need) break;
      this.pool.hold(hits);
      seq.blocks = [...hits, ...(this.pool.allocate(need) as Block[])];
      seq.computed = cachedTokens;
      seq.registered = hits.length;
      seq.cachedPromptTokens ??= cachedTokens;
      seq.scheduledMs ??= this.now;
      if (this.config.enablePrefixCaching) {
        this.counters.prefixCacheQueriesTotal += length;
        this.counters.prefixCacheHitsTotal += cachedTokens;
      }
      this.waiting.shift();
      seq.status = 'running';
      this.running.push(seq);
      scheduled.push({ seq, tokens });
      budget -= tokens;
    }

    if (scheduled.length === 0) return undefined;
    let tokens = 0;
    let kvTokens = 0;
    for (const s of scheduled) {
      tokens += s.tokens;
      kvTokens += s.seq.computed + s.tokens;
    }
    this.counters.stepsTotal++;
    return { endMs: this.now + stepDurationMs(this.config.speed, { tokens, sequences: scheduled.length, kvTokens }), scheduled };
  }

  private preempt(seq: Sequence): void {
    this.pool.release(seq.blocks);
    seq.blocks = [];
    seq.computed = 0;
    seq.registered = 0;
    seq.preemptions++;
    seq.status = 'waiting';
    this.waiting.unshift(seq);
    this.counters.preemptionsTotal++;
  }

  private complete(step: Step): void {
    const { blockSize } = this.config;
    for (const { seq, tokens } of step.scheduled) {
      if (seq.status !== 'running') continue; // aborted while the step ran
      seq.computed += tokens;
      const full = Math.min(seq.hashes.length, Math.floor(seq.computed / blockSize));
      for (; seq.registered < full; seq.registered++) this.pool.register(seq.blocks[seq.registered] as Block, seq.hashes[seq.registered] as string);
      if (seq.computed < seq.request.promptTokenIds.length + seq.generated) continue; // prefill chunk, no token yet
      this.emitToken(seq);
    }
    this.running = this.running.filter((s) => s.status === 'running');
  }

  private emitToken(seq: Sequence): void {
    const event: TokenEvent = {
      requestId: seq.request.id,
      arrivalMs: seq.arrivalMs,
      index: seq.generated,
      timeMs: this.now,
      sinceLastMs: seq.lastTokenMs === undefined ? undefined : this.now - seq.lastTokenMs,
    };
    seq.generated++;
    seq.lastTokenMs = this.now;
    this.counters.generationTokensTotal++;
    if (seq.firstTokenMs === undefined) {
      seq.firstTokenMs = this.now;
      this.counters.promptTokensTotal += seq.request.promptTokenIds.length;
      seq.listener?.onFirstToken?.(event);
      this.observer.onFirstToken?.(event);
    }
    seq.listener?.onToken?.(event);
    this.observer.onToken?.(event);
    if (seq.generated >= seq.request.outputTokens && seq.status === 'running') this.finish(seq, 'completed');
  }

  private finish(seq: Sequence, reason: FinishEvent['reason']): void {
    this.pool.release(seq.blocks);
    seq.blocks = [];
    seq.status = 'done';
    this.live.delete(seq.request.id);
    if (reason === 'completed') this.counters.requestsCompletedTotal++;
    else this.counters.requestsAbortedTotal++;
    const event: FinishEvent = {
      requestId: seq.request.id, reason, arrivalMs: seq.arrivalMs, firstTokenMs: seq.firstTokenMs, scheduledMs: seq.scheduledMs, finishMs: this.now,
      promptTokens: seq.request.promptTokenIds.length, outputTokens: seq.generated,
      cachedPromptTokens: seq.cachedPromptTokens ?? 0, preemptions: seq.preemptions,
    };
    seq.listener?.onFinish?.(event);
    this.observer.onFinish?.(event);
  }
}

/** Problem with an engine configuration, or undefined. */
export function engineConfigProblem(config: EngineConfig): string | undefined {
  const positive: [string, number][] = [
    ['num-gpu-blocks', config.numGpuBlocks], ['block-size', config.blockSize], ['max-num-seqs', config.maxNumSeqs],
    ['max-num-batched-tokens', config.maxNumBatchedTokens], ['max-model-len', config.maxModelLen],
  ];
  for (const [name, value] of positive) if (!Number.isInteger(value) || value < 1) return `${name} ${value} must be a positive integer`;
  return speedProblem(config.speed);
}
