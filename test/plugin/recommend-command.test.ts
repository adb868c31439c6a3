// `kubectl inference recommend` and `kubectl inference profiles` through the real CLI binary, without a cluster:
// the report's parts, every flag the issue names, pictures, the store commands' round trip, and one-line errors.
// The cluster paths (--in-cluster, bench, deploy --target-*) are test/e2e/bench.e2e.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT, runProcess, type Run } from '../run.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'inference-perf', 'vllm-llama-3.1-8b-h100');

describe('kubectl inference recommend and profiles (no cluster)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-recommend-'));
  const store = join(dir, 'profiles.db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: readonly string[]): Promise<Run> =>
    runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'kubectl-inference'), ...args], { env: { ...process.env, KINFER_PROFILES: store, KUBECONFIG: '/nonexistent' } });

  it('reports the recommendation first, then every option with memory, throughput, latency and cost, then what cannot serve', async () => {
    const run = await cli(['recommend', 'meta-llama/Llama-3.1-70B-Instruct', '--target-ttft-ms', '1000', '--target-ntpot-ms', '50', '--accelerator', 'nvidia-h100-80gb,nvidia-l4,nvidia-a100-80gb']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.match(lines[0]!, /^meta-llama\/Llama-3\.1-70B-Instruct \(vllm\), 1000 in \/ 200 out tokens, targets: TTFT p99 ≤ 1000 ms, NTPOT p99 ≤ 50 ms$/);
    assert.match(lines[2]!, /^Recommendation: \d × nvidia-h100-80gb per replica: lowest on-demand cost per million output tokens within TTFT p99 ≤ 1000 ms and NTPOT p99 ≤ 50 ms \(\$[\d.]+ at \d+ output tokens\/s per replica, estimated\)/);
    assert.match(run.stdout, /^ {2}kubectl inference deploy meta-llama\/Llama-3\.1-70B-Instruct --accelerator nvidia-h100-80gb --tp \d --target-ttft-ms 1000 --target-ntpot-ms 50$/m);
    // The server batch deploy would pass is the operating concurrency, not the KV reservation (and never 1 here).
    assert.match(run.stdout, /^Server batch: deploy with these targets passes --max-num-seqs (\d{2,}), the requests in flight at that load \(the KV reservation --kv-reserve-seqs is separate/m);
    assert.match(run.stdout, /^# +ACCELERATOR +TP +MEMORY \(NEED\/USABLE\) +KV TOKENS +REQ\/S +OUT TOK\/S +TTFT P99 +NTPOT P99 +\$\/HOUR +\$\/1M OUT +FIGURES$/m);
    assert.match(run.stdout, /^1 +nvidia-h100-80gb +\d +[\d.]+ GiB \/ [\d.]+ GiB +[\d,]+ +[\d.]+ +[\d,]+ +[\d.]+ ms +[\d.]+ ms +\$[\d.]+ +\$[\d.]+ +estimated$/m);
    assert.match(run.stdout, /^Not feasible:$/m);
    // 8 L4s hold the 70B as vLLM budgets it (256 sequences: 1.4 GiB of activation a device), but decode too slowly.
    assert.match(run.stdout, /^nvidia-l4 +8 +misses the target even at batch 1: NTPOT p99 [\d.]+ ms > 50 ms \(estimated\)$/m);
    assert.match(run.stdout, /^nvidia-a100-80gb +2 +misses the target even at batch 1: NTPOT p99 [\d.]+ ms > 50 ms \(estimated\)$/m);
    assert.match(run.stdout, /^prices: on-demand, USD per device-hour, gcp, as of \d{4}-\d\d-\d\d \(override with --prices FILE; other clouds with --cloud\)$/m);
  });

  it('a model no node holds: a replica over several nodes, with a NODES column and the deploy command for it', async () => {
    const run = await cli(['recommend', 'meta-llama/Llama-3.1-405B-Instruct', '--accelerator', 'nvidia-h100-80gb', '--target-ttft-ms', '5000', '--target-ntpot-ms', '200']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Recommendation: 16 × nvidia-h100-80gb over 2 nodes per replica: /m);
    assert.match(run.stdout, /^ {2}kubectl inference deploy meta-llama\/Llama-3\.1-405B-Instruct --accelerator nvidia-h100-80gb --tp 16 --target-ttft-ms 5000 --target-ntpot-ms 200$/m);
    assert.match(run.stdout, /^# +ACCELERATOR +TP +NODES +MEMORY \(NEED\/USABLE\)/m);
    assert.match(run.stdout, /^1 +nvidia-h100-80gb +16 +2 +[\d.]+ GiB \/ [\d.]+ GiB /m);
    const json = JSON.parse((await cli(['recommend', 'meta-llama/Llama-3.1-405B-Instruct', '--accelerator', 'nvidia-h100-80gb', '-o', 'json'])).stdout) as { options: { tp: number; nodes: number }[] };
    assert.deepEqual(json.options.map((o) => [o.tp, o.nodes]), [[16, 2]]);
  });

  it('nothing fits one node: beside the multi-node option, the one-node changes that would fit, cheapest first, in the report and in JSON', async () => {
    const run = await cli(['recommend', 'meta-llama/Llama-3.1-405B-Instruct', '--accelerator', 'nvidia-h100-80gb']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Nothing here holds meta-llama\/Llama-3\.1-405B-Instruct at bf16 with --max-model-len 8192 on one node\. What would, cheapest first:\n {2}--dtype fp8: fp8 weights on 8 × nvidia-h100-80gb \(needs [\d.]+ GiB of [\d.]+ GiB usable\); changes output quality/m);
    const json = await cli(['recommend', 'meta-llama/Llama-3.1-405B-Instruct', '--accelerator', 'nvidia-h100-80gb', '-o', 'json']);
    const data = JSON.parse(json.stdout) as { changes: { flags: string }[]; options: { nodes: number }[] };
    // The 2-node replica is an option itself, so it is not repeated as a change.
    assert.deepEqual(data.changes.map((c) => c.flags), ['--dtype fp8']);
    assert.deepEqual(data.options.map((o) => o.nodes), [2]);
  });

  it('--pricing spot, a --prices file laid over the table, and --rate for replicas', async () => {
    const onDemand = await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--target-ntpot-ms', '100', '-o', 'json']);
    const spot = await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--target-ntpot-ms', '100', '--pricing', 'spot', '-o', 'json']);
    type Data = { pricing: { kind: string; source: string }; options: { tp: number; pricePerHour: number; replicas?: number; operating: { requestRate: number } }[] };
    const a = JSON.parse(onDemand.stdout) as Data;
    const b = JSON.parse(spot.stdout) as Data;
    assert.equal(b.pricing.kind, 'spot');
    assert.ok(b.options[0]!.pricePerHour < a.options[0]!.pricePerHour);

    const prices = join(dir, 'prices.yaml');
    writeFileSync(prices, 'source: "our rates"\nasOf: 2026-11-01\nprices:\n  nvidia-l4: { onDemand: 0.5 }\n');
    const ours = JSON.parse((await cli(['recommend', MODEL, '--accelerator', 'nvidia-l4', '--target-ntpot-ms', '100', '--prices', prices, '--rate', '10', '-o', 'json'])).stdout) as Data;
    const one = ours.options.find((o) => o.tp === 1)!;
    assert.equal(one.pricePerHour, 0.5);
    assert.match(ours.pricing.source, /our rates/);
    assert.equal(one.replicas, Math.ceil(10 / one.operating.requestRate));
  });

  it('--cloud ranks within one cloud (GKE by default); --cloud all compares across clouds under a note', async () => {
    type Data = { pricing: { cloud: string; note?: string; rows: { cloud: string; machine: string; date: string; source: string }[] }; options: { accelerator: string; pricePerHour?: number }[] };
    const ask = async (...args: string[]) => JSON.parse((await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb,amd-mi300x', '--target-ntpot-ms', '100', ...args, '-o', 'json'])).stdout) as Data;
    const gke = await ask();
    assert.equal(gke.pricing.cloud, 'gcp');
    assert.ok(gke.pricing.rows.every((r) => r.cloud === 'gcp' && r.date && r.source));
    assert.equal(gke.options.find((o) => o.accelerator === 'amd-mi300x')!.pricePerHour, undefined, 'no GCP price for an Azure part');
    const azure = await ask('--cloud', 'azure');
    assert.equal(azure.options[0]!.accelerator, 'amd-mi300x');
    const all = await ask('--cloud', 'all');
    assert.match(all.pricing.note ?? '', /compared across clouds/);
    const text = await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--cloud', 'all']);
    assert.match(text.stdout, /^note: prices compared across clouds/m);
    const bad = await cli(['recommend', MODEL, '--cloud', 'oracle']);
    assert.equal(bad.code, 2, bad.stderr);
  });

  it('says when the chosen cloud has no price of that kind, instead of dating prices it does not have', async () => {
    const none = await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--cloud', 'aws', '--pricing', 'spot']);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^prices: none: the default table has no spot price for aws .*--prices FILE, or rank on --pricing on-demand$/m);
    const spot = await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--pricing', 'spot']);
    assert.match(spot.stdout, /^prices: spot, USD per device-hour, gcp, as of 2026-10-13 /m, 'the newest spot row, not the newest row');
  });

  it('-o yaml has the same data as -o json; --max-model-len changes the memory figures', async () => {
    const json = JSON.parse((await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '-o', 'json'])).stdout) as { options: { memory: { needBytes: number } }[] };
    const yaml = parse((await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '-o', 'yaml'])).stdout) as typeof json;
    assert.deepEqual(yaml.options.map((o) => o.memory), json.options.map((o) => o.memory));
    const long = JSON.parse((await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--max-model-len', '65536', '-o', 'json'])).stdout) as typeof json;
    assert.ok(long.options[0]!.memory.needBytes > json.options[0]!.memory.needBytes);
  });

  it('--plot draws both panels in the terminal; --plot-file writes an SVG or a PNG', async () => {
    const svg = join(dir, 'curves.svg');
    const png = join(dir, 'curves.png');
    const plotted = await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--target-ttft-ms', '500', '--plot', '--plot-file', svg]);
    assert.equal(plotted.code, 0, plotted.stderr);
    assert.match(plotted.stdout, /^TTFT p99 \(ms\)/m);
    assert.match(plotted.stdout, /^NTPOT p99 \(ms\)/m);
    assert.match(plotted.stdout, /target 500 ms/);
    assert.match(readFileSync(svg, 'utf8'), /^<svg [^>]*>[\s\S]*<\/svg>$/);
    assert.equal((await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--plot-file', png])).code, 0);
    assert.deepEqual([...readFileSync(png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('profiles import (inference-perf), list, export, delete, import the export: the same profile back', async () => {
    const imported = await cli(['profiles', 'import', FIXTURE, '--model', MODEL, '--accelerator', 'nvidia-h100-80gb', '--tp', '1', '--replicas', '2']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^imported measured profile: meta-llama\/Llama-3\.1-8B-Instruct on 1 × nvidia-h100-80gb \(vllm\), 1023 in \/ 255 out tokens, 3 points$/m);
    const listed = await cli(['profiles', 'list']);
    assert.match(listed.stdout, /^meta-llama\/Llama-3\.1-8B-Instruct +vllm +nvidia-h100-80gb +1 +1023 +255 +measured +3 /m);
    const exported = join(dir, 'export.json');
    assert.equal((await cli(['profiles', 'export', '-f', exported])).code, 0);
    const before = (await cli(['profiles', 'list', '-o', 'json'])).stdout;
    assert.match((await cli(['profiles', 'delete', MODEL])).stdout, /^deleted 1 profile of meta-llama\/Llama-3\.1-8B-Instruct$/m);
    assert.equal(JSON.parse((await cli(['profiles', 'list', '-o', 'json'])).stdout).profiles.length, 0);
    assert.equal((await cli(['profiles', 'import', exported])).code, 0);
    assert.deepEqual(JSON.parse((await cli(['profiles', 'list', '-o', 'json'])).stdout), JSON.parse(before));

    // recommend now uses it as measured for that workload.
    const measured = await cli(['recommend', MODEL, '--accelerator', 'nvidia-h100-80gb', '--input-tokens', '1023', '--output-tokens', '255']);
    assert.match(measured.stdout, /^\d+ +nvidia-h100-80gb +1 +.* measured$/m);
  });

  const errors: ReadonlyArray<[string, string[], number, RegExp]> = [
    ['an unknown model', ['recommend', 'acme/nope'], 2, /^error: unknown model "acme\/nope": not in kinfer's catalog \(kubectl inference models lists it\)\. Add it with --hf-config PATH .* \(see --help\)$/],
    ['an unknown accelerator', ['recommend', MODEL, '--accelerator', 'nvidia-h1000'], 2, /^error: --accelerator nvidia-h1000: not a known accelerator type \(see --help\)$/],
    ['a workload longer than --max-model-len', ['recommend', MODEL, '--input-tokens', '9000'], 2, /^error: --input-tokens 9000 \+ --output-tokens 200 exceed --max-model-len 8192 \(see --help\)$/],
    ['a plot file that is neither svg nor png', ['recommend', MODEL, '--plot-file', 'x.jpg'], 2, /^error: --plot-file x\.jpg: the name must end in \.svg or \.png \(see --help\)$/],
    ['a missing price file', ['recommend', MODEL, '--prices', '/nonexistent/p.yaml'], 2, /^error: --prices \/nonexistent\/p\.yaml: ENOENT \(see --help\)$/],
    ['targets nothing meets', ['recommend', MODEL, '--accelerator', 'nvidia-l4', '--target-ttft-ms', '1'], 1, /^$/],
    ['an inference-perf report without what served it', ['profiles', 'import', FIXTURE], 2, /^.*error: an inference-perf report does not say what served it: give --model, --accelerator and --tp \(see --help\)$/s],
    ['a store that is not SQLite', ['profiles', 'list', '--profiles', join(REPO_ROOT, 'package.json')], 1, /^error: profile store .*package\.json is not a SQLite database/],
  ];
  for (const [name, args, code, message] of errors) {
    it(`refuses ${name} (exit ${code})`, async () => {
      const run = await cli(args);
      assert.equal(run.code, code, run.stderr);
      assert.match(run.stderr.trim(), message);
    });
  }
});
