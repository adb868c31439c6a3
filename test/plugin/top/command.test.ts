import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runProcess, type Run } from '../../run.js';

// `kubectl inference top` as a user runs it (bin/kubectl-inference, stdout piped: the one-shot table).
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const VLLM = readFileSync(join(ROOT, 'test/fixtures/metrics/vllm-v0.11.prom'), 'utf8');
const SGLANG = readFileSync(join(ROOT, 'test/fixtures/metrics/sglang.prom'), 'utf8');

function top(args: readonly string[]): Promise<Run> {
  return runProcess(process.execPath, [join(ROOT, 'bin/kubectl-inference'), 'top', ...args], { env: { ...process.env, KUBECONFIG: '/nonexistent' }, timeoutMs: 20_000 });
}

/**
 * A stand-in for kube-apiserver's two calls `top` makes: list pods by label, and the pod proxy to /metrics.
 * (A real kube-apiserver refuses to proxy to the loopback pod IPs of the e2e control plane, so this path is
 * only testable against a fake; test/e2e/top.e2e.test.ts covers --endpoint and --direct against real sims.)
 */
class FakeApi {
  server: Server | undefined;
  port = 0;
  requests: string[] = [];
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(`${req.url} ${req.headers.authorization ?? ''}`);
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/api/v1/namespaces/ml/pods') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [
          pod('llama-0', 'Running', 'nvidia-h100-80gb'), pod('qwen-0', 'Running', 'nvidia-l4', 'qwen'), pod('llama-1', 'Pending', 'nvidia-h100-80gb'),
        ] }));
      } else if (/^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(url.pathname)) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] }));
      } else if (url.pathname === '/api/v1/namespaces/ml/pods/llama-0:8000/proxy/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(VLLM);
      } else if (url.pathname === '/api/v1/namespaces/ml/pods/qwen-0:8000/proxy/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(SGLANG);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function pod(name: string, phase: string, accelerator: string, deployment = 'llama'): object {
  return {
    metadata: { name, namespace: 'ml', labels: { 'kinfer.dev/deployment': deployment, 'kinfer.dev/accelerator': accelerator } },
    spec: { nodeName: `node-${name}`, containers: [{ name: 'server', ports: [{ name: 'http', containerPort: 8000 }] }] },
    status: { phase, ...(phase === 'Running' ? { podIP: '10.1.0.7' } : {}) },
  };
}

describe('kubectl inference top (one-shot, from the command line)', () => {
  const api = new FakeApi();
  let dir = '';
  let kubeconfig = '';
  before(async () => {
    await api.start();
    dir = mkdtempSync(join(tmpdir(), 'kinfer-top-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: fake',
      `clusters: [{ name: fake, cluster: { server: "http://127.0.0.1:${api.port}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: admin, user: { token: top-token } }]',
      'contexts: [{ name: fake, context: { cluster: fake, user: admin, namespace: ml } }]',
    ].join('\n'));
  });
  after(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--help: summary, examples, the two-scrape note', async () => {
    const r = await top(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Live view of every model replica/);
    assert.match(r.stdout, /EXAMPLES[\s\S]*top --endpoint http:\/\/10\.0\.0\.5:8000/);
    assert.match(r.stdout, /scrapes twice,\s+--interval apart/);
    for (const flag of ['--endpoint', '--direct', '--interval', '--timeout', '--concurrency', '--once', '--selector', '--all-namespaces', '--kubeconfig']) {
      assert.ok(r.stdout.includes(flag), `help names ${flag}`);
    }
  });

  const bad: { args: string[]; error: RegExp }[] = [
    { args: ['--endpoint', 'http://127.0.0.1:9', '--interval', 'soon'], error: /^error: --interval "soon" is not a duration \(e\.g\. 1h30m, 90s, 250ms; units: h, m, s, ms, us, ns\) \(see --help\)\n$/ },
    { args: ['--endpoint', 'http://127.0.0.1:9', '--interval', '2'], error: /^error: --interval "2" has no unit: write 2s or 2ms .*\(see --help\)\n$/ },
    { args: ['--endpoint', 'http://127.0.0.1:9', '--interval', '50ms'], error: /^error: --interval 50ms: must be at least 100ms \(see --help\)\n$/ },
    { args: ['--endpoint', 'http://127.0.0.1:9', '--interval', '2h'], error: /^error: --interval 2h: must be at most 1h \(see --help\)\n$/ },
    { args: ['--endpoint', 'nope'], error: /^error: --endpoint nope: not a URL \(want http:\/\/host:port\) \(see --help\)\n$/ },
    { args: ['llama', '--endpoint', 'http://127.0.0.1:9'], error: /^error: --endpoint scrapes the given URLs: it takes no NAME, -l, -A or --direct \(see --help\)\n$/ },
    { args: ['--endpoint', 'http://127.0.0.1:9', '--picker', 'nope'], error: /^error: --picker nope: not a URL \(want http:\/\/host:9003, the picker's --health-port\) \(see --help\)\n$/ },
    { args: ['--endpoint', 'http://127.0.0.1:9', '--picker', 'ftp://p:9003'], error: /^error: --picker ftp:\/\/p:9003: use an http:\/\/ or https:\/\/ URL \(see --help\)\n$/ },
    { args: ['--concurrency', '0', '--endpoint', 'http://127.0.0.1:9'], error: /^error: .*concurrency.* \(see --help\)\n$/ },
  ];
  for (const c of bad) {
    it(`${c.args.join(' ')}: one line, exit 2`, async () => {
      const r = await top(c.args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, c.error);
    });
  }

  it('an unreachable API server: one line, exit 1', async () => {
    const r = await top(['--kubeconfig', join(ROOT, 'test/e2e/fixtures/unreachable.kubeconfig'), '--once']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: .*listing pods.*\n$/);
  });

  it('pods through the API server pod proxy, with the kubeconfig token: pools, bars, a Pending pod unreachable', async () => {
    const r = await top(['--kubeconfig', kubeconfig, '--once', '--interval', '200ms']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ml\/llama {2}2 replicas \(1 unreachable\) {2}KV 81% mean, 81% max {2}run 12 {2}wait 3 {2}0\.0 tok\/s/);
    assert.match(lines[1]!, /^ml\/qwen {2}1 replica {2}KV 97% mean, 97% max {2}run 20 {2}wait 9/);
    assert.equal(lines[2], '');
    assert.equal(lines[3], 'REPLICA  NODE          ACCELERATOR       KV CACHE         RUN  WAIT  TOK/S  TTFT P50  TTFT P99  PREFIX HIT  PREEMPT  STATUS');
    assert.deepEqual(lines.slice(4).map((l) => l.replace(/ {2,}/g, ' | ')), [
      'llama-0 | node-llama-0 | nvidia-h100-80gb | ########.. | 81% | 12 | 3 | 0.0 | - | - | - | 7 | ok',
      'llama-1 | node-llama-1 | nvidia-h100-80gb | - | - | - | - | - | - | - | - | unreachable: pod Pending',
      'qwen-0 | node-qwen-0 | nvidia-l4 | ########## | 97% | 20 | 9 | 0.0 | - | - | - | 3 | ok',
    ]);
    assert.ok(api.requests.some((r) => r.startsWith('/api/v1/namespaces/ml/pods?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dkubectl-inference%2Capp.kubernetes.io%2Fcomponent%3Dmodel-server')));
    assert.ok(api.requests.includes('/api/v1/namespaces/ml/pods/llama-0:8000/proxy/metrics Bearer top-token'));
  });

  it('-o json: the same figures as data', async () => {
    const r = await top(['--kubeconfig', kubeconfig, 'llama', '-o', 'json', '--interval', '100ms']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { pools: { pool: string }[]; replicas: { name: string; kvCacheUsage?: number; reachable: boolean }[] };
    assert.deepEqual(report.replicas.map((x) => [x.name, x.kvCacheUsage, x.reachable]), [['llama-0', 0.8125, true], ['llama-1', undefined, false], ['qwen-0', 0.97, true]]);
    assert.ok(api.requests.some((r) => r.includes('kinfer.dev%2Fdeployment%3Dllama')), 'NAME narrows the selector');
  });

  it('-o yaml', async () => {
    const r = await top(['--kubeconfig', kubeconfig, 'llama', '-o', 'yaml', '--interval', '100ms']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^time: .*\npools:\n {2}- pool: ml\/llama\n/);
  });

  it('no replicas: a note on stderr, exit 0', async () => {
    const r = await top(['--kubeconfig', kubeconfig, '-n', 'empty', '--once']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'No model-server replicas found in namespace empty.\n');
  });
});
