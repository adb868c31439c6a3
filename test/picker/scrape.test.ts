import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EndpointTable } from '../../picker/endpoints.js';
import { Scraper } from '../../picker/scrape.js';

/** One vLLM page: cumulative prefill seconds, prompt tokens of finished requests, prefix-cache hits. */
interface Sums {
  readonly prefillSeconds?: number;
  readonly promptTokens?: number;
  readonly queries?: number;
  readonly hits?: number;
}

function page(s: Sums): string {
  const lines = ['vllm:num_requests_running{model_name="m"} 1', 'vllm:kv_cache_usage_perc{model_name="m"} 0.1'];
  if (s.prefillSeconds !== undefined) lines.push(`vllm:request_prefill_time_seconds_sum{model_name="m"} ${s.prefillSeconds}`);
  if (s.promptTokens !== undefined) lines.push(`vllm:request_prompt_tokens_sum{model_name="m"} ${s.promptTokens}`);
  if (s.queries !== undefined) lines.push(`vllm:prefix_cache_queries_total{model_name="m"} ${s.queries}`);
  if (s.hits !== undefined) lines.push(`vllm:prefix_cache_hits_total{model_name="m"} ${s.hits}`);
  return `${lines.join('\n')}\n`;
}

describe('Scraper: per-replica prefill speed from the prefill-time and prompt-token histogram sums', () => {
  let server: Server;
  let address = '';
  let current = '';
  before(async () => {
    server = createServer((_req, res) => res.end(current));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Scrapes 1 s apart (the window is 10 s); `want` is prefillTokensPerSecond after each scrape.
  const cases: { name: string; scrapes: Sums[]; want: (number | undefined)[] }[] = [
    {
      name: 'an L4-like replica: 3,000 prompt tokens in 0.75 s of prefill',
      scrapes: [{ prefillSeconds: 10, promptTokens: 40_000 }, { prefillSeconds: 10.75, promptTokens: 43_000 }],
      want: [undefined, 4000],
    },
    {
      name: 'the speed holds through scrapes in which no request finished',
      scrapes: [{ prefillSeconds: 0, promptTokens: 0 }, { prefillSeconds: 0.1, promptTokens: 3000 }, { prefillSeconds: 0.1, promptTokens: 3000 }],
      want: [undefined, 30_000, 30_000],
    },
    {
      name: 'the share of tokens found in the prefix cache is not prefilled',
      scrapes: [{ prefillSeconds: 0, promptTokens: 0, queries: 0, hits: 0 }, { prefillSeconds: 0.5, promptTokens: 3000, queries: 4000, hits: 1000 }],
      want: [undefined, 4500],
    },
    {
      name: 'a server without the prefill histogram: no speed (the scorer uses its default)',
      scrapes: [{ promptTokens: 0 }, { promptTokens: 3000 }],
      want: [undefined, undefined],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const table = new EndpointTable();
      table.replace([address]);
      let nowMs = 1_000_000;
      const scraper = new Scraper(table, { intervalMs: 1000, timeoutMs: 500 }, undefined, () => nowMs);
      const got: (number | undefined)[] = [];
      for (const sums of c.scrapes) {
        current = page(sums);
        await scraper.scrapeAll();
        got.push(table.get(address)?.metrics?.prefillTokensPerSecond);
        nowMs += 1000;
      }
      scraper.stop();
      assert.deepEqual(got, c.want);
    });
  }
});
