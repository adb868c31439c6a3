// Faults against a real kinfer-picker's scraping (spawned, proxy mode, loopback): one endpoint whose /metrics
// drips a byte every 100 ms forever must not stall the others, and must not get traffic; with no endpoint
// answering, the picker is not ready.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, startSimProcess, stopAll, type Child } from '../picker/helpers.js';
import { endpointRows, figure, Peer, startPicker, waitFresh, type RunningPicker } from './peers.js';

const MODEL = 'fault-model';

describe('faults: one /metrics that drips forever (kinfer-picker --mode proxy, --refresh-interval 100ms --scrape-timeout 500ms)', { timeout: 60_000 }, () => {
  const dripper = new Peer('drip');
  let sim: { child: Child; address: string } | undefined;
  let picker: RunningPicker | undefined;

  before(async () => {
    await dripper.start();
    sim = await startSimProcess('kinfer-sim', ['--model', MODEL, '--decode-base-ms', '1', '--max-model-len', '2048']);
    picker = await startPicker('proxy', [dripper.address, sim.address], ['--refresh-interval', '100ms', '--scrape-timeout', '500ms']);
    await waitFresh(picker.health, 1);
  });
  after(async () => {
    await stopAll([picker?.child, sim?.child]);
    await dripper.stop();
  });

  it('over 4 s the healthy sim stays fresh (its metrics age stays under 1 s), the dripper is unknown, requests all go to the sim', async () => {
    let worstAgeMs = 0;
    for (let i = 0; i < 20; i++) {
      await sleep(200);
      const rows = await endpointRows(picker!.health);
      const healthy = rows.find((r) => r.address === sim!.address)!;
      assert.ok(healthy.metrics, `the sim has metrics at sample ${i}: ${JSON.stringify(healthy)}`);
      worstAgeMs = Math.max(worstAgeMs, Date.now() - healthy.metrics.scrapedAtMs);
    }
    const rows = await endpointRows(picker!.health);
    const dripping = rows.find((r) => r.address === dripper.address)!;
    assert.equal(dripping.metrics, null, 'the dripping endpoint is unknown, not idle');
    assert.match(dripping.lastError ?? '', /no complete answer within 500 ms/);

    const decisionsBefore = new Map(rows.map((r) => [r.address, r.decisions]));
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${picker!.data}/v1/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000),
        body: JSON.stringify({ model: MODEL, prompt: `request ${i}`, max_tokens: 2 }),
      });
      await response.arrayBuffer();
      assert.equal(response.status, 200);
    }
    const afterRows = await endpointRows(picker!.health);
    const toSim = afterRows.find((r) => r.address === sim!.address)!.decisions - decisionsBefore.get(sim!.address)!;
    const toDripper = afterRows.find((r) => r.address === dripper.address)!.decisions - decisionsBefore.get(dripper.address)!;
    const health = (await (await fetch(`${picker!.health}/health`)).json()) as { ready: boolean; fresh: number; endpoints: number };
    figure('scrape-dripping-metrics', { worstHealthyAgeMs: worstAgeMs, dripsOpened: dripper.drips, requestsToSim: toSim, requestsToDripper: toDripper, fresh: `${health.fresh}/${health.endpoints}` });
    assert.ok(worstAgeMs < 1000, `the healthy sim's metrics were ${worstAgeMs} ms old`);
    assert.ok(dripper.drips >= 4, 'the dripper was retried each deadline, not waited on forever');
    assert.equal(toSim, 20);
    assert.equal(toDripper, 0);
    assert.deepEqual([health.ready, health.fresh, health.endpoints], [true, 1, 2]);
  });
});

describe('faults: no endpoint answers (kinfer-picker --mode proxy pointed at a dripper and a closed port)', { timeout: 30_000 }, () => {
  const dripper = new Peer('drip');
  let picker: RunningPicker | undefined;

  before(async () => {
    await dripper.start();
    const closed = new Peer('ok');
    await closed.start();
    await closed.stop();
    picker = await startPicker('proxy', [dripper.address, closed.address], ['--refresh-interval', '100ms', '--scrape-timeout', '300ms']);
  });
  after(async () => {
    await stopAll([picker?.child]);
    await dripper.stop();
  });

  it('/health (readiness) answers 503 on both ports; /healthz (liveness) 200', async () => {
    await sleep(1000);
    const health = await fetch(`${picker!.health}/health`, { signal: AbortSignal.timeout(3000) });
    const proxyHealth = await fetch(`${picker!.data}/health`, { signal: AbortSignal.timeout(3000) });
    const live = await fetch(`${picker!.health}/healthz`, { signal: AbortSignal.timeout(3000) });
    const body = (await health.json()) as { ready: boolean; fresh: number; endpoints: number; status: string };
    figure('readiness-no-fresh-endpoint', { health: health.status, proxyHealth: proxyHealth.status, healthz: live.status, fresh: `${body.fresh}/${body.endpoints}` });
    assert.equal(health.status, 503);
    assert.equal(proxyHealth.status, 503);
    assert.equal(live.status, 200);
    assert.deepEqual([body.ready, body.fresh, body.endpoints, body.status], [false, 0, 2, 'no endpoint has fresh metrics']);
  });
});
