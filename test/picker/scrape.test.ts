import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EndpointTable } from '../../picker/endpoints.js';
import { Scraper } from '../../picker/scrape.js';
import type { EndpointMetrics } from '../../src/routing/types.js';

/** One stub replica serving `current`, shared by every suite below (each test scrapes it alone, in sequence). */
let server: Server;
let address = '';
let current = '';
before(async () => {
  server = createServer((_req, res) => res.end(current));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Scrapes each page in turn, 1 s apart on the scraper's clock, and reads `pick` of the endpoint's metrics after each. */
async function scrapeSeries<T>(pages: readonly string[], pick: (m: EndpointMetrics | undefined) => T): Promise<T[]> {
  const table = new EndpointTable();
  table.replace([address]);
  let nowMs = 1_000_000;
  const scraper = new Scraper(table, { intervalMs: 1000, timeoutMs: 500 }, undefined, () => nowMs);
  const got: T[] = [];
  try {
    for (const p of pages) {
      current = p;
      await scraper.scrapeAll();
      got.push(pick(table.get(address)?.metrics));
      nowMs += 1000;
    }
  } finally {
    scraper.stop();
  }
  return got;
}

/** One vLLM page: cumulative prefill seconds, prompt tokens of finished requests, prefix-cache hits. */
interface Sums {
  readonly prefillSeconds?: number;
  readonly requests?: number;
  readonly promptTokens?: number;
  readonly queries?: number;
  readonly hits?: number;
}

function page(s: Sums): string {
  const lines = ['vllm:num_requests_running{model_name="m"} 1', 'vllm:kv_cache_usage_perc{model_name="m"} 0.1'];
  if (s.prefillSeconds !== undefined) lines.push(`vllm:request_prefill_time_seconds_sum{model_name="m"} ${s.prefillSeconds}`);
  if (s.requests !== undefined) lines.push(`vllm:request_prefill_time_seconds_count{model_name="m"} ${s.requests}`);
  if (s.promptTokens !== undefined) lines.push(`vllm:request_prompt_tokens_sum{model_name="m"} ${s.promptTokens}`);
  if (s.queries !== undefined) lines.push(`vllm:prefix_cache_queries_total{model_name="m"} ${s.queries}`);
  if (s.hits !== undefined) lines.push(`vllm:prefix_cache_hits_total{model_name="m"} ${s.hits}`);
  return `${lines.join('\n')}\n`;
}

describe('Scraper: per-replica prefill speed from the prefill-time and prompt-token histogram sums', () => {
  // Scrapes 1 s apart; `want` is prefillTokensPerSecond / prefillFixedMs after each scrape (rounded). An
  // llm-d-like replica: 30 ms per request plus 250 µs per token (4,000 tokens/s), one request finishing per scrape.
  const requests = [1000, 2000, 500, 3000, 1500];
  const llmd = (k: number, extra: Partial<Sums> = {}): Sums => {
    const done = requests.slice(0, k);
    return { prefillSeconds: done.reduce((a, p) => a + 0.03 + p / 4000, 0), requests: k, promptTokens: done.reduce((a, p) => a + p, 0), ...extra };
  };
  const cases: { name: string; scrapes: Sums[]; want: ([number, number] | undefined)[] }[] = [
    {
      name: 'the fixed cost per request and the speed per token apart, once 4 requests and 2,000 tokens finished',
      scrapes: [0, 1, 2, 3, 4, 5].map((k) => llmd(k)),
      want: [undefined, undefined, undefined, undefined, [4000, 30], [4000, 30]],
    },
    {
      name: 'the figures hold through scrapes in which no request finished',
      scrapes: [0, 1, 2, 3, 4, 4, 4].map((k) => llmd(k)),
      want: [undefined, undefined, undefined, undefined, [4000, 30], [4000, 30], [4000, 30]],
    },
    {
      name: 'a server without the prefill histogram: no speed (the scorer uses its default)',
      scrapes: [{ promptTokens: 0 }, { promptTokens: 3000 }],
      want: [undefined, undefined],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await scrapeSeries(c.scrapes.map(page), (m): [number, number] | undefined =>
        (m?.prefillTokensPerSecond === undefined ? undefined : [Math.round(m.prefillTokensPerSecond), Math.round(m.prefillFixedMs ?? Number.NaN)]));
      assert.deepEqual(got, c.want);
    });
  }
});

describe('Scraper: per-sequence decode speed from the inter-token gaps, held while the replica idles', () => {
  /** A vLLM page: `running` sequences, `generated` tokens so far, and (unless undefined) the inter-token sums. */
  const vllm = (running: number, generated: number, itl?: [seconds: number, gaps: number]): string => [
    `vllm:num_requests_running{model_name="m"} ${running}`, 'vllm:kv_cache_usage_perc{model_name="m"} 0.1',
    `vllm:generation_tokens_total{model_name="m"} ${generated}`,
    ...(itl === undefined ? [] : [`vllm:inter_token_latency_seconds_bucket{model_name="m",le="+Inf"} ${itl[1]}`, `vllm:inter_token_latency_seconds_sum{model_name="m"} ${itl[0]}`, `vllm:inter_token_latency_seconds_count{model_name="m"} ${itl[1]}`]),
  ].join('\n') + '\n';
  // Scrapes 1 s apart; `want` is decodeTokensPerSecond after each (rounded).
  const cases: { name: string; pages: string[]; want: (number | undefined)[] }[] = [
    {
      // One 200-token answer at 200 tokens/s, then nothing runs: the speed holds (before, it was undefined once idle).
      name: 'an H100-like replica: 200 tokens/s while it ran, and after',
      pages: [vllm(0, 0, [0, 0]), vllm(1, 200, [1, 200]), vllm(0, 200, [1, 200]), vllm(0, 200, [1, 200])],
      want: [undefined, 200, 200, 200],
    },
    {
      // Without the histogram: generated tokens over the window ÷ running, and nothing while idle.
      name: 'no inter-token histogram: the generated-token rate shared by the batch',
      pages: [vllm(4, 0), vllm(4, 400), vllm(0, 400)],
      want: [undefined, 100, undefined],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await scrapeSeries(c.pages, (m) => (m?.decodeTokensPerSecond === undefined ? undefined : Math.round(m.decodeTokensPerSecond)));
      assert.deepEqual(got, c.want);
    });
  }
});
