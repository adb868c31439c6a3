import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Refresher } from '../../../plugin/top/refresher.js';
import { apiServerFetcher, directFetcher, scrapeAll } from '../../../plugin/top/scrape.js';
import { defaultSelector, endpointTargets, podTargets } from '../../../plugin/top/targets.js';

const FIXTURES = new URL('../../../../test/fixtures/metrics/', import.meta.url);
const VLLM = readFileSync(new URL('vllm-v0.11.prom', FIXTURES), 'utf8');
const GARBAGE = readFileSync(new URL('garbage.prom', FIXTURES), 'utf8');

/** A loopback server with paths: /ok/N (a vLLM page after 20 ms), /slow (never answers), /500, /garbage. */
class PageServer {
  server: Server | undefined;
  url = '';
  inFlight = 0;
  maxInFlight = 0;
  requests: { url: string; authorization: string | undefined }[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const done = (status: number, body: string): void => {
        this.inFlight -= 1;
        res.writeHead(status, { 'content-type': status === 200 ? 'text/plain' : 'application/json' }).end(body);
      };
      const path = req.url ?? '';
      if (path.startsWith('/ok/') || path.includes('/proxy/metrics')) setTimeout(() => done(200, VLLM), 20);
      else if (path === '/slow') req.on('close', () => (this.inFlight -= 1));
      else if (path === '/500') done(500, 'oops');
      else if (path === '/503-status') done(503, JSON.stringify({ kind: 'Status', message: 'error trying to reach service: dial tcp 10.0.0.9:8000: connect: connection refused' }));
      else if (path === '/garbage') done(200, GARBAGE);
      else done(404, 'not found');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('scrapeAll', () => {
  const pages = new PageServer();
  before(() => pages.start());
  after(() => pages.stop());

  it('keeps at most `concurrency` requests in flight and returns results in target order', async () => {
    pages.maxInFlight = 0;
    const targets = endpointTargets(Array.from({ length: 40 }, (_, i) => `${pages.url}/ok/${i}`));
    const scrapes = await scrapeAll(targets, directFetcher, { concurrency: 4, timeoutMs: 2000 });
    assert.equal(pages.maxInFlight, 4);
    assert.deepEqual(scrapes.map((s) => s.target.name), targets.map((t) => t.name));
    assert.ok(scrapes.every((s) => s.metrics?.kvCacheUsage === 0.8125));
  });

  it('turns every failure into a reason, bounded by the timeout', async () => {
    const closed = await closedPort();
    const started = Date.now();
    const targets = endpointTargets([`${pages.url}/slow`, `${pages.url}/500`, `${pages.url}/garbage`, `http://127.0.0.1:${closed}/metrics`, `${pages.url}/ok/1`]);
    const scrapes = await scrapeAll(targets, directFetcher, { concurrency: 16, timeoutMs: 300 });
    assert.ok(Date.now() - started < 1500, 'the slow replica costs one timeout, not more');
    assert.deepEqual(scrapes.map((s) => s.error), ['no answer in 0.3s', 'HTTP 500', 'no model-server metrics on the page', 'connection refused', undefined]);
  });

  it('does not scrape a target known to be unavailable (a Pending pod)', async () => {
    const [target] = endpointTargets([`${pages.url}/ok/x`]);
    const count = pages.requests.length;
    const [s] = await scrapeAll([{ ...target!, unavailable: 'pod Pending' }], directFetcher, { concurrency: 1, timeoutMs: 100 });
    assert.equal(s!.error, 'pod Pending');
    assert.equal(pages.requests.length, count);
  });

  it('through the API server: the pod-proxy path, with the kubeconfig credentials', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: pages.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'secret-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const fetch = apiServerFetcher(kc);
    const [target] = podTargets([pod('llama-0', { ip: '10.0.0.9' })], false);
    const [s] = await scrapeAll([target!], fetch, { concurrency: 1, timeoutMs: 2000 });
    assert.equal(s!.metrics?.running, 12);
    assert.deepEqual(pages.requests.at(-1), { url: '/api/v1/namespaces/ml/pods/llama-0:8000/proxy/metrics', authorization: 'Bearer secret-token' });
    await assert.rejects(fetch('/503-status', new AbortController().signal), /^Error: HTTP 503: error trying to reach service: dial tcp 10\.0\.0\.9:8000: connect: connection refused$/);
  });
});

/** A loopback port nothing listens on (one the OS just gave and took back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function pod(name: string, o: { ip?: string; phase?: string; ports?: { name?: string; containerPort: number }[] } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'ml', labels: { 'kinfer.dev/deployment': 'llama', 'kinfer.dev/accelerator': 'nvidia-l4' } },
    spec: { nodeName: 'gpu-1', containers: [{ name: 'server', ...(o.ports ? { ports: o.ports } : {}) }] },
    status: { phase: o.phase ?? 'Running', ...(o.ip ? { podIP: o.ip } : {}) },
  };
}

describe('targets', () => {
  it('the default selector picks the model-server pods deploy made', () => {
    assert.equal(defaultSelector(), 'app.kubernetes.io/managed-by=kubectl-inference,app.kubernetes.io/component=model-server');
    assert.equal(defaultSelector('llama'), 'app.kubernetes.io/managed-by=kubectl-inference,app.kubernetes.io/component=model-server,kinfer.dev/deployment=llama');
  });

  it('pods: proxy path or pod IP, the port named http, unavailable when not running', () => {
    const pods = [
      pod('a', { ip: '10.0.0.1', ports: [{ name: 'metrics', containerPort: 9000 }, { name: 'http', containerPort: 8080 }] }),
      pod('b', { ip: 'fd00::2' }),
      pod('c', { phase: 'Pending' }),
    ];
    assert.deepEqual(podTargets(pods, false).map((t) => [t.metricsUrl, t.unavailable]), [
      ['/api/v1/namespaces/ml/pods/a:8080/proxy/metrics', undefined],
      ['/api/v1/namespaces/ml/pods/b:8000/proxy/metrics', undefined],
      ['/api/v1/namespaces/ml/pods/c:8000/proxy/metrics', 'pod Pending'],
    ]);
    assert.deepEqual(podTargets(pods, true).map((t) => t.metricsUrl).slice(0, 2), ['http://10.0.0.1:8080/metrics', 'http://[fd00::2]:8000/metrics']);
    assert.deepEqual(podTargets(pods, true)[0], {
      id: 'ml/a', namespace: 'ml', name: 'a', node: 'gpu-1', accelerator: 'nvidia-l4', pool: 'llama', metricsUrl: 'http://10.0.0.1:8080/metrics',
      address: '10.0.0.1:8080',
    });
    // The address is how kinfer-picker names the endpoint (picker/pool.ts: podIP:port), for its recent requests; none without an IP.
    assert.deepEqual(podTargets(pods, false).map((t) => t.address), ['10.0.0.1:8080', 'fd00::2:8000', undefined]);
  });

  it('endpoints: /metrics unless a path is given; bad URLs are one line', () => {
    assert.deepEqual(endpointTargets(['http://h:8000', 'http://h:9000/', 'http://h:1/pages/7']).map((t) => [t.name, t.metricsUrl]), [
      ['h:8000', 'http://h:8000/metrics'], ['h:9000', 'http://h:9000/metrics'], ['h:1/pages/7', 'http://h:1/pages/7'],
    ]);
    // As kinfer-picker's --endpoint names them (hostname:port, port 80 when none is given).
    assert.deepEqual(endpointTargets(['http://h:8000', 'http://h/', 'http://[::1]:9/']).map((t) => t.address), ['h:8000', 'h:80', '[::1]:9']);
    assert.throws(() => endpointTargets(['h:8000']), /^Error: --endpoint h:8000: (not a URL|use an http)/);
    assert.throws(() => endpointTargets(['nope']), /^Error: --endpoint nope: not a URL \(want http:\/\/host:port\)$/);
  });
});

describe('Refresher', () => {
  it('rates need two refreshes; a failed listing keeps the last rows and says why', async () => {
    let total = 0;
    let fail = false;
    const refresher = new Refresher({
      discover: async () => {
        if (fail) throw new Error('listing pods: connection refused');
        return endpointTargets(['http://replica:8000']);
      },
      fetch: async () => `vllm:num_requests_running 1\nvllm:generation_tokens_total ${(total += 100)}\n`,
      concurrency: 1, timeoutMs: 100, intervalMs: 1000,
    });
    const first = await refresher.refresh();
    assert.equal(first.rows[0]!.generationTokensPerSecond, undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await refresher.refresh();
    assert.ok(second.rows[0]!.generationTokensPerSecond! > 0);
    fail = true;
    const third = await refresher.refresh();
    assert.equal(third.problem, 'listing pods: connection refused');
    assert.deepEqual(third.rows, second.rows);
  });

  it('start() refreshes on the interval until stopped', async () => {
    let calls = 0;
    const refresher = new Refresher({ discover: async () => [], fetch: async () => '', concurrency: 1, timeoutMs: 100, intervalMs: 30 });
    const stop = refresher.start(() => (calls += 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    const seen = calls;
    assert.ok(seen >= 3, `refreshed ${seen} times in 200 ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(calls, seen, 'no refresh after stop');
  });

  it('lists the HPAs each refresh, sorted; a failed listing keeps the last ones and no HPAs leave the field out', async () => {
    const hpa = (workload: string) => ({ namespace: 'ml', deployment: 'llama', workload, minReplicas: 1 });
    let answer: () => Promise<ReturnType<typeof hpa>[]> = async () => [hpa('llama-l4'), hpa('llama-h100')];
    const refresher = new Refresher({ discover: async () => [], fetch: async () => '', autoscalers: () => answer(), concurrency: 1, timeoutMs: 100, intervalMs: 30 });
    assert.deepEqual((await refresher.refresh()).autoscale?.map((a) => a.workload), ['llama-h100', 'llama-l4']);
    answer = async () => {
      throw new Error('forbidden');
    };
    assert.deepEqual((await refresher.refresh()).autoscale?.map((a) => a.workload), ['llama-h100', 'llama-l4']);
    answer = async () => [];
    assert.equal('autoscale' in (await refresher.refresh()), false);
  });
});

