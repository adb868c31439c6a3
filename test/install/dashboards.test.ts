// The Grafana dashboards (charts/kinfer-picker/dashboards/*.json) against two things we did not write:
// 1. Grafana's own dashboard schema, as the types it publishes in @grafana/schema (13.2.3, generated from its CUE
//    kinds; the dashboard kind of schemaVersion 42): each dashboard must be assignable to `Dashboard` as an object
//    literal, which the TypeScript compiler checks field by field, excess fields included. A broken copy must fail.
// 2. The metrics the real processes export: kinfer-sim in both dialects (vLLM and SGLang names, types and buckets,
//    sim/metrics.ts) and the real kinfer-picker binary in proxy mode, each sent a request and scraped; every
//    metric a dashboard queries must be on one of those /metrics pages.
// Starts servers on loopback: run inside `isolated`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultDashboard } from '@grafana/schema';
import ts from 'typescript';
import type { RunningSim } from '../../sim/server.js';
import { Child, freePort, metricsOf, waitFor } from '../picker/helpers.js';
import { MODEL, startSim } from '../sim/harness.js';
import { REPO_ROOT } from '../run.js';

const DIR = join(REPO_ROOT, 'charts', 'kinfer-picker', 'dashboards');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const dashboards = FILES.map((file) => ({ file, json: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown> }));

/** Type errors of `source`, compiled as a module at the repository root (so @grafana/schema resolves from node_modules). */
function typeErrors(source: string): string[] {
  const fileName = join(REPO_ROOT, '__dashboard_check__.ts');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === fileName ? ts.createSourceFile(name, source, language) : read(name, language, ...rest));
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || exists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const asDashboard = (json: unknown): string => `import type { Dashboard } from '@grafana/schema';\nexport const dashboard = ${JSON.stringify(json, null, 2)} satisfies Dashboard;\n`;

describe("dashboards against Grafana's schema (@grafana/schema)", () => {
  it('there are dashboards for the picker and the model servers', () => assert.deepEqual(FILES, ['kinfer-model-servers.json', 'kinfer-picker.json']));

  for (const { file, json } of dashboards) {
    it(`${file}: declares the schemaVersion of the package's dashboard kind, and type-checks as a Dashboard`, () => {
      assert.equal(json.schemaVersion, defaultDashboard.schemaVersion);
      assert.deepEqual(typeErrors(asDashboard(json)), []);
    });
  }

  const broken: ReadonlyArray<[string, (d: Record<string, unknown>) => Record<string, unknown>, RegExp]> = [
    ['an unknown top-level field', (d) => ({ ...d, panelz: [] }), /panelz/],
    ['schemaVersion as a string', (d) => ({ ...d, schemaVersion: '42' }), /schemaVersion|string.*number/],
    ['a panel without its type', (d) => ({ ...d, panels: [{ title: 'x', gridPos: { h: 8, w: 12, x: 0, y: 0 } }] }), /type/],
    ['gridPos without its height', (d) => ({ ...d, panels: [{ type: 'timeseries', gridPos: { w: 12, x: 0, y: 0 } }] }), /'h'/],
  ];
  for (const [what, breakIt, want] of broken) {
    it(`the same check refuses ${what}`, () => {
      const errors = typeErrors(asDashboard(breakIt(dashboards[0]!.json)));
      assert.ok(errors.some((e) => want.test(e)), errors.join('\n') || 'no type error');
    });
  }
});

/** Every metric name a dashboard's queries and variables name. */
function queriedMetrics(json: unknown): Set<string> {
  const text = JSON.stringify(json);
  const exprs = [...text.matchAll(/"(?:expr|query)":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  const names = new Set<string>();
  for (const expr of exprs) {
    for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)) names.add(m[1]!);
    for (const m of expr.matchAll(/label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*),/g)) names.add(m[1]!);
    for (const m of expr.matchAll(/__name__=~"([^"]+)"/g)) for (const n of m[1]!.split('|')) names.add(n);
  }
  return names;
}

/** Names on a /metrics page: sample names, and for each declared histogram its _bucket/_sum/_count. */
function exposed(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      names.add(type[1]!);
      if (type[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${type[1]}${s}`);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

describe('every metric the dashboards query is one the real processes export', { timeout: 60_000 }, () => {
  const sims: RunningSim[] = [];
  let picker: Child | undefined;
  const pages: Record<string, string> = {};

  before(async () => {
    const request = (url: string) => fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, prompt: 'hello there', max_tokens: 4 }) });
    for (const dialect of ['vllm', 'sglang']) {
      const sim = await startSim(['--dialect', dialect, '--speedup', '100']);
      sims.push(sim);
      assert.equal((await request(sim.url)).status, 200);
      pages[`kinfer-sim --dialect ${dialect}`] = await metricsOf(sim.url);
    }
    const [port, healthPort] = [await freePort(), await freePort()];
    picker = new Child('kinfer-picker', process.execPath, ['bin/kinfer-picker.js', '--mode', 'proxy', '--port', String(port), '--health-port', String(healthPort),
      '--endpoint', sims[0]!.url, '--refresh-interval', '50ms']);
    await picker.waitOutput(/kinfer-picker ready/);
    const health = `http://127.0.0.1:${healthPort}`;
    await waitFor(async () => ((await (await fetch(`${health}/health`)).json()) as { fresh: number }).fresh === 1, 'the picker to scrape the sim', 10_000);
    assert.equal((await request(`http://127.0.0.1:${port}`)).status, 200);
    pages['kinfer-picker'] = await metricsOf(health);
  }, { timeout: 60_000 });

  after(async () => {
    await picker?.stop();
    await Promise.all(sims.map((s) => s.close()));
  });

  for (const { file, json } of dashboards) {
    it(file, () => {
      const queried = queriedMetrics(json);
      assert.ok(queried.size >= 6, `${file} queries ${[...queried].join(', ')}`);
      const all = new Set(Object.values(pages).flatMap((text) => [...exposed(text)]));
      assert.deepEqual([...queried].filter((name) => !all.has(name)), [], `exported: ${Object.entries(pages).map(([who, text]) => `${who}: ${[...exposed(text)].join(' ')}`).join('\n')}`);
    });
  }

  it('the check finds a metric nobody exports', () => {
    const all = new Set(Object.values(pages).flatMap((text) => [...exposed(text)]));
    const typo = queriedMetrics({ panels: [{ targets: [{ expr: 'sum(vllm:kv_cache_usage_percent{model_name=~"$model"})' }] }] });
    assert.deepEqual([...typo].filter((name) => !all.has(name)), ['vllm:kv_cache_usage_percent']);
  });
});
