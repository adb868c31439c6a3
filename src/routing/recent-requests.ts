import { z } from 'zod';

// The last requests the picker routed to each endpoint, as it saw them: the one honest per-request source kinfer has
// (model servers export histograms, not requests). kinfer-picker records them in proxy mode, where the answer passes
// through it, and serves them at GET /debug/requests on its health port; `kubectl inference top --picker URL` reads
// them for a replica's detail. In ext-proc mode Envoy carries the answer and the picker sees no outcome: none are kept.

export const RecentRequestSchema = z.strictObject({
  /** When the request arrived (ms since the epoch). */
  atMs: z.number(),
  /** The HTTP status answered (0: the model server failed before answering, or the client went away). */
  status: z.number().int().nonnegative(),
  /** Prompt tokens: the server's `usage.prompt_tokens` when the answer carried it, else the picker's estimate. */
  promptTokens: z.number().int().nonnegative(),
  /** True when promptTokens is the picker's estimate (estimateTokens), not the server's count. */
  promptEstimated: z.boolean(),
  /** The server's `usage.completion_tokens`; absent when the answer did not carry usage. */
  outputTokens: z.number().int().nonnegative().optional(),
  /** Time to the first byte of a streamed answer (the first token's event): absent for unstreamed answers. */
  ttftMs: z.number().nonnegative().optional(),
  /** Arrival to the last byte of the answer. */
  latencyMs: z.number().nonnegative(),
});
export type RecentRequest = z.infer<typeof RecentRequestSchema>;

/** The answer of GET /debug/requests: per endpoint address (`host:port`), newest request last. */
export const RecentRequestsAnswerSchema = z.strictObject({
  perEndpoint: z.number().int().positive(),
  endpoints: z.record(z.string(), z.array(RecentRequestSchema)),
});
export type RecentRequestsAnswer = z.infer<typeof RecentRequestsAnswerSchema>;

/** Requests kept per endpoint: 32, a screenful of the detail and a few KB per endpoint. */
export const RECENT_REQUESTS_PER_ENDPOINT = 32;

/** A bounded log per endpoint: the newest `perEndpoint` requests, oldest dropped first. */
export class RecentRequests {
  private readonly byEndpoint = new Map<string, RecentRequest[]>();

  constructor(readonly perEndpoint = RECENT_REQUESTS_PER_ENDPOINT) {}

  record(address: string, request: RecentRequest): void {
    let list = this.byEndpoint.get(address);
    if (!list) this.byEndpoint.set(address, (list = []));
    list.push(request);
    if (list.length > this.perEndpoint) list.splice(0, list.length - this.perEndpoint);
  }

  /** Forgets endpoints no longer in the pool. */
  retain(addresses: ReadonlySet<string>): void {
    for (const address of this.byEndpoint.keys()) if (!addresses.has(address)) this.byEndpoint.delete(address);
  }

  answer(): RecentRequestsAnswer {
    return { perEndpoint: this.perEndpoint, endpoints: Object.fromEntries([...this.byEndpoint].map(([a, list]) => [a, [...list]])) };
  }
}

/**
 * The token counts an OpenAI answer reports in `usage` (a JSON body, or the last server-sent event of a stream with
 * usage), read from the answer's last bytes; undefined fields when absent.
 */
export function usageOf(tail: string): { promptTokens?: number; outputTokens?: number } {
  const last = (name: string): number | undefined => {
    const all = [...tail.matchAll(new RegExp(`"${name}"\\s*:\\s*(\\d+)`, 'g'))];
    const value = all.at(-1)?.[1];
    return value === undefined ? undefined : Number(value);
  };
  const promptTokens = last('prompt_tokens');
  const outputTokens = last('completion_tokens');
  return { ...(promptTokens !== undefined ? { promptTokens } : {}), ...(outputTokens !== undefined ? { outputTokens } : {}) };
}
