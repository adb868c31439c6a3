import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { TimedRequest } from '../../src/profiles/measure.js';

// The load generator of `kubectl inference bench` and of bench/routing-live: streamed OpenAI completions over
// keep-alive connections, timed by the client (TTFT to the first content chunk, every gap between chunks), at a
// Poisson request rate (open loop) or a fixed number in flight (closed loop). Every stage is bounded by a
// duration and a request count, and requests still running at its end get a short drain, then are aborted.

/** One request to send: a path and a JSON body (the body asks for a stream). */
export interface LoadRequest {
  readonly path: '/v1/completions' | '/v1/chat/completions';
  readonly body: string;
  /** Headers of this request alone (e.g. an id a proxy's access log can name it by), over the target's. */
  readonly headers?: Record<string, string>;
}

export interface Sample {
  readonly ok: boolean;
  /** HTTP status, or 0 when the connection failed. */
  readonly status: number;
  readonly error?: string;
  readonly startMs: number;
  /** From the start to the first content chunk; -1 when none came. */
  readonly ttftMs: number;
  readonly endMs: number;
  /** Content chunks received (one token each for vLLM, SGLang and kinfer-sim streams). */
  readonly chunks: number;
  /** Gaps between consecutive content chunks. */
  readonly gapsMs: readonly number[];
  /** From the server's usage block (stream_options.include_usage), when it sent one. */
  readonly promptTokens?: number;
  readonly completionTokens?: number;
}

/** What a finished request contributes to a profile point: the server's token counts when it sent them. */
export function timedRequest(s: Sample): TimedRequest {
  return {
    ttftMs: s.ttftMs, latencyMs: s.endMs - s.startMs, gapsMs: s.gapsMs, outputTokens: s.completionTokens ?? s.chunks,
    ...(s.promptTokens !== undefined ? { promptTokens: s.promptTokens } : {}),
  };
}

/** Where requests go, with what the connection needs (TLS options, auth headers). */
export interface Target {
  readonly url: URL;
  readonly headers?: Record<string, string>;
  readonly tls?: Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
}

export class LoadClient {
  private readonly agent: http.Agent;

  constructor(private readonly target: Target, maxSockets = 1024) {
    this.agent = target.url.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, maxSockets, ...target.tls })
      : new http.Agent({ keepAlive: true, maxSockets });
  }

  /** Sends one streamed request; resolves (never rejects) with what was measured. */
  send(request: LoadRequest, timeoutMs: number, signal?: AbortSignal): Promise<Sample> {
    const startMs = performance.now();
    const base = this.target.url.pathname.replace(/\/$/, '');
    const transport = this.target.url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let ttftMs = -1;
      let last = 0;
      let chunks = 0;
      const gapsMs: number[] = [];
      let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
      let settled = false;
      /** An error the server sent inside a 200 stream (llm-d-inference-sim v0.10.2 answers a prompt over its context so). */
      let streamError: string | undefined;
      const finish = (status: number, transportError?: string) => {
        if (settled) return;
        settled = true;
        const error = transportError ?? streamError;
        const ok = error === undefined && status === 200 && ttftMs >= 0;
        resolve({
          ok, status, startMs, ttftMs, endMs: performance.now(), chunks, gapsMs,
          ...(error !== undefined ? { error } : status !== 200 ? { error: `HTTP ${status}` } : ttftMs < 0 ? { error: 'no tokens in the stream' } : {}),
          ...(usage?.prompt_tokens !== undefined ? { promptTokens: usage.prompt_tokens } : {}),
          ...(usage?.completion_tokens !== undefined ? { completionTokens: usage.completion_tokens } : {}),
        });
      };
      const req = transport.request({
        host: this.target.url.hostname, port: this.target.url.port, path: `${base}${request.path}`, method: 'POST', agent: this.agent,
        headers: { ...this.target.headers, ...request.headers, 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(request.body) },
        ...(signal ? { signal } : {}),
      }, (res) => {
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          if (res.statusCode !== 200) return;
          buffer += chunk;
          let i;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            if (!event.startsWith('data: ') || event.startsWith('data: [DONE]')) continue;
            const now = performance.now();
            // An error event carries no token and fails the request: `{"error":{...}}` (llm-d-inference-sim, vLLM's
            // OpenAI server) or `{"object":"error",...}` (vLLM before v0.6).
            if (event.includes('"error"')) {
              const message = streamErrorMessage(event.slice(6));
              if (message !== undefined) {
                streamError ??= `error in the stream: ${message}`;
                continue;
              }
            }
            // Usage-only chunks (empty choices) carry no token.
            if (event.includes('"usage"') && event.includes('"choices":[]')) {
              try {
                usage = (JSON.parse(event.slice(6)) as { usage?: typeof usage }).usage;
              } catch {
                // a malformed usage chunk only loses the token counts
              }
              continue;
            }
            if (ttftMs < 0) ttftMs = now - startMs;
            else gapsMs.push(now - last);
            last = now;
            chunks += 1;
          }
        });
        res.on('end', () => finish(res.statusCode ?? 0));
        res.on('error', (error) => finish(res.statusCode ?? 0, error.message));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => finish(0, error.message));
      req.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface StageSpec {
  /** Open loop: Poisson arrivals at this many requests per second. */
  readonly rate?: number;
  /** Closed loop: this many requests in flight at all times. */
  readonly concurrency?: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** How long requests still running at the end may take to finish before they are aborted. */
  readonly drainMs: number;
  readonly requestTimeoutMs: number;
  /**
   * Closed loop: worker k of n sends its first request k/n of this into the stage. Requests of one shape take
   * about as long as each other, so workers that start together finish together and prefill in waves; spread
   * over one request's latency, they stay spread.
   */
  readonly rampMs?: number;
  /** Aborting it ends the stage at once: no more sends, running requests aborted (what was measured is kept). */
  readonly signal?: AbortSignal;
}

export interface StageResult {
  readonly samples: readonly Sample[];
  /** Wall time from the first send to the last completion (or the abort). */
  readonly seconds: number;
  /** Requests aborted at the end of the drain. */
  readonly aborted: number;
}

/** Exponential gaps from a seeded generator, so two runs of the same stage send at the same moments. */
export function poissonGaps(rate: number, random: () => number): () => number {
  return () => (-Math.log(1 - random()) / rate) * 1000;
}

/**
 * Runs one stage. `next` gives the i-th request; `onProgress` is called after every completion with the count
 * done and the stage's elapsed fraction.
 */
export async function runStage(
  client: LoadClient,
  spec: StageSpec,
  next: (i: number) => LoadRequest,
  random: () => number,
  onProgress: (done: number, elapsed: number) => void = () => undefined,
): Promise<StageResult> {
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const abort = new AbortController();
  // Every request of the stage listens on this one signal.
  setMaxListeners(0, abort.signal);
  const samples: Sample[] = [];
  const running = new Set<Promise<void>>();
  let sent = 0;
  let aborted = 0;
  const launch = (): Promise<void> => {
    const p = client.send(next(sent), spec.requestTimeoutMs, abort.signal).then((s) => {
      running.delete(p);
      if (abort.signal.aborted && !s.ok) {
        aborted += 1;
        return;
      }
      samples.push(s);
      onProgress(samples.length, Math.min(1, (performance.now() - started) / spec.durationMs));
    });
    sent += 1;
    running.add(p);
    return p;
  };
  // The stage stops sending at its deadline, or at once when the caller's signal aborts (Ctrl-C).
  let stopped = false;
  let stopTimer: NodeJS.Timeout | undefined;
  const stop = new Promise<void>((resolve) => {
    const end = () => {
      stopped = true;
      resolve();
    };
    stopTimer = setTimeout(end, spec.durationMs);
    spec.signal?.addEventListener('abort', end, { once: true });
  });
  const pause = (ms: number) => {
    let t: NodeJS.Timeout | undefined;
    return Promise.race([new Promise<void>((r) => (t = setTimeout(r, ms))), stop]).finally(() => clearTimeout(t));
  };
  // The clock check matters as much as the flag: a loop that never awaits (the open loop behind schedule) would
  // never let the stop timer run.
  const open = () => !stopped && performance.now() < deadline && sent < spec.maxRequests;
  if (spec.concurrency !== undefined) {
    // Closed loop: each worker sends its next request when its last one ends, until the stage stops (a request
    // still running then is left to the drain below).
    const workers = spec.concurrency;
    await Promise.all(Array.from({ length: workers }, async (_, k) => {
      const delay = ((spec.rampMs ?? 0) * k) / workers;
      if (delay > 0) await pause(delay);
      while (open()) await Promise.race([launch(), stop]);
    }));
  } else {
    const gap = poissonGaps(spec.rate ?? 1, random);
    let at = started;
    while (open()) {
      void launch();
      at += gap();
      const wait = Math.min(at, deadline) - performance.now();
      if (wait > 0) await pause(wait);
    }
  }
  clearTimeout(stopTimer);
  if (spec.signal?.aborted) abort.abort();
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    Promise.all([...running]).then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), spec.drainMs))),
  ]);
  clearTimeout(timer);
  if (!drained) {
    abort.abort();
    await Promise.all([...running]);
  }
  const end = samples.length > 0 ? samples.reduce((max, s) => Math.max(max, s.endMs), started) : performance.now();
  return { samples, seconds: (end - started) / 1000, aborted };
}

/** The message of an error event's JSON, or undefined when the event is not an error. */
function streamErrorMessage(json: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const o = parsed as { error?: { message?: unknown } | string; object?: unknown; message?: unknown };
  if (o.error !== undefined) return typeof o.error === 'string' ? o.error : String(o.error.message ?? 'error');
  if (o.object === 'error') return String(o.message ?? 'error');
  return undefined;
}
