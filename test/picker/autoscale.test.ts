import assert from 'node:assert/strict';
import { request as httpsRequest, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ArrivalMeter } from '../../picker/arrivals.js';
import { externalMetricsHandler, parseEqualitySelector, type AutoscaleConfig, type LoadSource } from '../../picker/autoscale.js';
import type { EndpointState } from '../../picker/endpoints.js';
import type { V1Pod } from '@kubernetes/client-node';
import { workloadOf } from '../../picker/pool.js';
import { makeTestPki, type TestPki } from './certs.js';

function endpoint(address: string, waiting: number, kvCacheUsage: number): EndpointState {
  return { address, metrics: { waiting, kvCacheUsage, scrapedAtMs: 0 }, sentSinceScrape: 0, inFlight: 0, lastError: undefined, decisions: 0 };
}

const CONFIG: AutoscaleConfig = {
  namespace: 'ml', windowSeconds: 30,
  capacityRps: new Map([['llama-gpu', 6], ['llama-tpu', 2]]),
  settings: { ttftTargetSeconds: 2, kvHighWatermark: 0.9 },
};
const SOURCE: LoadSource = {
  arrivalRps: () => 12,
  endpoints: () => [endpoint('10.0.0.1:8000', 0, 0.3), endpoint('10.0.0.2:8000', 4, 0.5)],
  deploymentOf: (a) => (a === '10.0.0.1:8000' ? 'llama-gpu' : 'llama-tpu'),
};

interface Reply { status: number; body: { kind?: string; items?: { metricLabels: Record<string, string>; value: string; window: number }[]; message?: string; resources?: { name: string }[] } }

describe('external metrics API over HTTPS (client certificate required)', () => {
  let pki: TestPki;
  let port = 0;
  let server: ReturnType<typeof createServer>;
  before(async () => {
    pki = makeTestPki();
    server = createServer({ cert: pki.read(pki.certFile), key: pki.read(pki.keyFile), ca: pki.read(pki.caFile), requestCert: true, rejectUnauthorized: true },
      externalMetricsHandler(CONFIG, SOURCE, () => Date.parse('2026-12-07T08:00:00.500Z')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  const get = (path: string, method = 'GET', withClientCert = true): Promise<Reply> => new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1', port, path, method, ca: pki.read(pki.caFile),
      ...(withClientCert ? { cert: pki.read(pki.clientCertFile), key: pki.read(pki.clientKeyFile) } : {}),
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as Reply['body'] }));
    });
    req.on('error', reject);
    req.end();
  });

  const BASE = '/apis/external.metrics.k8s.io/v1beta1';
  const cases: { name: string; path: string; method?: string; status: number; check: (r: Reply) => void }[] = [
    { name: 'discovery lists the one metric', path: BASE, status: 200, check: (r) => assert.deepEqual([r.body.kind, r.body.resources?.map((x) => x.name)], ['APIResourceList', ['kinfer-replica-demand']]) },
    {
      name: 'the GPU Deployment: 12 req/s × 75% ÷ 6 = 1.5 replicas', path: `${BASE}/namespaces/ml/kinfer-replica-demand?labelSelector=kinfer.dev%2Fworkload%3Dllama-gpu`, status: 200,
      check: (r) => assert.deepEqual(r.body.items?.map((i) => [i.metricLabels['kinfer.dev/workload'], i.value, i.window]), [['llama-gpu', '1500m', 30]]),
    },
    {
      name: 'the TPU Deployment: 12 × 25% ÷ 2 + 4 waiting ÷ (2 × 2 s) = 2.5', path: `${BASE}/namespaces/ml/kinfer-replica-demand?labelSelector=kinfer.dev%2Fworkload%3D%3Dllama-tpu`, status: 200,
      check: (r) => assert.deepEqual(r.body.items?.map((i) => i.value), ['2500m']),
    },
    { name: 'no selector: every Deployment', path: `${BASE}/namespaces/ml/kinfer-replica-demand`, status: 200, check: (r) => assert.equal(r.body.items?.length, 2) },
    { name: 'a selector matching nothing: empty list', path: `${BASE}/namespaces/ml/kinfer-replica-demand?labelSelector=app%3Dother`, status: 200, check: (r) => assert.deepEqual(r.body.items, []) },
    { name: 'set-based selector: 400', path: `${BASE}/namespaces/ml/kinfer-replica-demand?labelSelector=app%20in%20(a)`, status: 400, check: (r) => assert.match(r.body.message ?? '', /only equality terms/) },
    { name: 'another metric: 404', path: `${BASE}/namespaces/ml/queue-length`, status: 404, check: (r) => assert.match(r.body.message ?? '', /not served here/) },
    { name: 'another namespace: 404', path: `${BASE}/namespaces/other/kinfer-replica-demand`, status: 404, check: (r) => assert.match(r.body.message ?? '', /serves namespace ml/) },
    { name: 'POST: 405', path: BASE, method: 'POST', status: 405, check: (r) => assert.equal(r.body.kind, 'Status') },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const reply = await get(c.path, c.method);
      assert.equal(reply.status, c.status, JSON.stringify(reply.body));
      c.check(reply);
    });
  }

  it('without a client certificate the TLS handshake fails', async () => {
    await assert.rejects(get(BASE, 'GET', false));
  });
});

describe('parseEqualitySelector', () => {
  const cases: [string, Record<string, string> | RegExp][] = [
    ['', {}],
    ['kinfer.dev/workload=a', { 'kinfer.dev/workload': 'a' }],
    ['a==b, c=d', { a: 'b', c: 'd' }],
    ['a!=b', /only equality/],
    ['a', /only equality/],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => {
      const out = parseEqualitySelector(text);
      if (expected instanceof RegExp) assert.match(String(out), expected);
      else assert.deepEqual(Object.fromEntries(out as Map<string, string>), expected);
    });
  }
});

describe('ArrivalMeter', () => {
  it('counts over the window and forgets what left it', () => {
    let now = 1_000_000;
    const meter = new ArrivalMeter(10, () => now);
    for (let i = 0; i < 20; i++) meter.record();
    assert.equal(meter.ratePerSecond(), 2);
    now += 5_000;
    for (let i = 0; i < 10; i++) meter.record();
    assert.equal(meter.ratePerSecond(), 3);
    now += 6_000;
    assert.equal(meter.ratePerSecond(), 1);
    now += 60_000;
    assert.equal(meter.ratePerSecond(), 0);
  });
});

describe('workloadOf: a pod\'s Deployment from its ReplicaSet', () => {
  const pod = (owner: { kind: string; name: string } | undefined, hash: string | undefined): V1Pod => ({
    metadata: { name: 'p', ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'u' }] } : {}), labels: hash ? { 'pod-template-hash': hash } : {} },
  });
  const cases: [string, V1Pod, string | undefined][] = [
    ['a Deployment\'s pod', pod({ kind: 'ReplicaSet', name: 'llama-l4-5d8f9c7b6' }, '5d8f9c7b6'), 'llama-l4'],
    ['a ReplicaSet without the hash suffix', pod({ kind: 'ReplicaSet', name: 'standalone' }, '5d8f9c7b6'), undefined],
    ['a StatefulSet\'s pod', pod({ kind: 'StatefulSet', name: 'llama' }, undefined), undefined],
    ['no owner', pod(undefined, undefined), undefined],
  ];
  for (const [name, p, expected] of cases) it(name, () => assert.equal(workloadOf(p), expected));
});
