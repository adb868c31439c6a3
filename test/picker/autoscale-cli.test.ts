// kinfer-picker --autoscale as a process: its flags' errors, and one picker serving both the external metrics API
// (HTTPS) and the same demand as a Prometheus gauge, in front of a real kinfer-sim.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import type { RunningSim } from '../../sim/server.js';
import { MODEL, startSim } from '../sim/harness.js';
import { makeTestPki, type TestPki } from './certs.js';
import { Child, freePort, ROOT, waitFor } from './helpers.js';

const BIN = 'bin/kinfer-picker.js';

describe('kinfer-picker --autoscale: flags', () => {
  const cases: [string, string[], RegExp][] = [
    ['a capacity that is not a rate', ['--autoscale', 'llama=fast'], /--autoscale llama=fast: use DEPLOYMENT=RPS/],
    ['a zero capacity', ['--autoscale', 'llama=0'], /above zero/],
    ['the same Deployment twice', ['--autoscale', 'a=1', '--autoscale', 'a=2', '--ttft-target', '1s'], /--autoscale a is given twice/],
    ['no TTFT target', ['--autoscale', 'a=1'], /--autoscale needs --ttft-target/],
    ['a certificate without its key', ['--autoscale', 'a=1', '--ttft-target', '1s', '--autoscale-cert', 'x.crt'], /--autoscale-cert and --autoscale-key go together/],
    ['a metrics port with no certificate', ['--autoscale', 'a=1', '--ttft-target', '1s', '--autoscale-port', '6443'], /--autoscale-port needs --autoscale-cert and --autoscale-key/],
    ['a related flag alone', ['--ttft-target', '1s'], /--ttft-target needs --autoscale NAME=RPS/],
  ];
  for (const [name, args, message] of cases) {
    it(`${name}: exit 2 with one line`, () => {
      const r = spawnSync(process.execPath, [BIN, '--endpoint', 'http://127.0.0.1:1', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
    });
  }
});

describe('kinfer-picker --autoscale: one sim, traffic, the demand over HTTPS and in /metrics', { timeout: 60_000 }, () => {
  let sim: RunningSim;
  let picker: Child;
  let pki: TestPki;
  let ports: { proxy: number; health: number; metrics: number };
  before(async () => {
    sim = await startSim();
    pki = makeTestPki();
    ports = { proxy: await freePort(), health: await freePort(), metrics: await freePort() };
    picker = new Child('picker', process.execPath, [BIN, '--mode', 'proxy', '--host', '127.0.0.1', '--port', String(ports.proxy), '--health-port', String(ports.health),
      '--endpoint', sim.url, '--autoscale', 'llama=2', '--ttft-target', '2s', '--autoscale-window', '5s', '--autoscale-port', String(ports.metrics),
      '--autoscale-cert', pki.certFile, '--autoscale-key', pki.keyFile, '--refresh-interval', '50ms']);
    await picker.waitOutput(/kinfer-picker ready/);
  });
  after(async () => {
    await picker?.stop();
    await sim?.close();
  });

  const demandOverHttps = (): Promise<string> => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ports.metrics, ca: pki.read(pki.caFile), path: '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/kinfer-replica-demand?labelSelector=kinfer.dev/workload=llama' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve((JSON.parse(body) as { items: { value: string }[] }).items[0]!.value));
    });
    req.on('error', reject);
    req.end();
  });

  it('10 requests in the 5 s window at 2 req/s per replica: demand 1 replica, in both places', async () => {
    assert.equal(await demandOverHttps(), '0m');
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`http://127.0.0.1:${ports.proxy}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, prompt: `hello ${i}`, max_tokens: 2 }) });
      assert.equal(res.status, 200, await res.text());
    }
    // 10 arrivals ÷ 5 s ÷ 2 req/s; nothing waits once they are answered.
    await waitFor(async () => (await demandOverHttps()) === '1000m' || undefined, 'a demand of 1000m', 5000);
    const text = await (await fetch(`http://127.0.0.1:${ports.health}/metrics`)).text();
    assert.match(text, /^kinfer_picker_replica_demand\{workload="llama"\} 1$/m);
  });
});
