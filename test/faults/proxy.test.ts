// Faults against a real kinfer-picker in proxy mode (spawned, loopback): an upstream that dies mid-stream, one
// that accepts and never answers, a chunked request with hop-by-hop headers, and 100k-deep JSON.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startSimProcess, stopAll, waitFor, type Child } from '../picker/helpers.js';
import { endpointRows, figure, memoryMiB, Peer, startPicker, waitFresh, type RunningPicker } from './peers.js';

const MODEL = 'fault-model';
const inFlight = async (picker: RunningPicker): Promise<number> => (await endpointRows(picker.health)).reduce((n, r) => n + r.inFlight, 0);

/** POST through a raw client: chunked when `chunked` (no Content-Length), with the extra headers given. */
function rawPost(url: string, body: string, headers: Record<string, string>, chunked: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    if (chunked) {
      // Two writes before end: Node frames the body as Transfer-Encoding: chunked.
      req.write(body.slice(0, 10));
      req.end(body.slice(10));
    } else req.end(body);
  });
}

describe('faults: the upstream dies mid-stream', { timeout: 60_000 }, () => {
  const peer = new Peer('ok', 'die-mid-stream');
  let picker: RunningPicker | undefined;
  before(async () => {
    await peer.start();
    picker = await startPicker('proxy', [peer.address], ['--refresh-interval', '100ms']);
    await waitFresh(picker.health, 1);
  });
  after(async () => {
    await stopAll([picker?.child]);
    await peer.stop();
  });

  it('the client stream ends in an error (a reset), not a clean end or a hang; in-flight back to 0', async () => {
    const started = Date.now();
    const response = await fetch(`${picker!.data}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(15_000),
      body: JSON.stringify({ model: MODEL, prompt: 'stream please', stream: true }),
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let bytes = 0;
    let outcome = 'clean end';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
      }
    } catch (error) {
      outcome = `error: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`;
    }
    const ms = Date.now() - started;
    await waitFor(async () => (await inFlight(picker!)) === 0, 'in-flight back to 0', 3000);
    figure('proxy-upstream-dies-mid-stream', { outcome, bytesBeforeError: bytes, msToError: ms, inFlightAfter: 0 });
    assert.match(outcome, /^error: /);
    assert.ok(bytes > 0, 'what the upstream sent before dying reached the client');
    assert.ok(ms < 5000, `the client learned within ${ms} ms`);
  });
});

describe('faults: the upstream accepts and never answers (--upstream-timeout 1s)', { timeout: 60_000 }, () => {
  const peer = new Peer('ok', 'hang');
  let picker: RunningPicker | undefined;
  before(async () => {
    await peer.start();
    picker = await startPicker('proxy', [peer.address], ['--refresh-interval', '100ms', '--upstream-timeout', '1s']);
    await waitFresh(picker.health, 1);
  });
  after(async () => {
    await stopAll([picker?.child]);
    await peer.stop();
  });

  it('504 GatewayTimeoutError after the deadline, and the request no longer counts as in flight', async () => {
    const started = Date.now();
    const response = await fetch(`${picker!.data}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(15_000),
      body: JSON.stringify({ model: MODEL, prompt: 'anyone home?' }),
    });
    const body = (await response.json()) as { error: { type: string; message: string } };
    const ms = Date.now() - started;
    const left = await inFlight(picker!);
    figure('proxy-upstream-hangs', { status: response.status, msToAnswer: ms, inFlightAfter: left });
    assert.equal(response.status, 504);
    assert.equal(body.error.type, 'GatewayTimeoutError');
    assert.match(body.error.message, /sent nothing for 1000 ms/);
    assert.ok(ms >= 900 && ms < 5000, `answered after ${ms} ms`);
    assert.equal(left, 0);
  });
});

describe('faults: framing and hop-by-hop headers of what the proxy forwards', { timeout: 60_000 }, () => {
  const recorder = new Peer('ok', 'record');
  let sim: { child: Child; address: string; url: string } | undefined;
  let toRecorder: RunningPicker | undefined;
  let toSim: RunningPicker | undefined;
  before(async () => {
    await recorder.start();
    sim = await startSimProcess('kinfer-sim', ['--model', MODEL, '--decode-base-ms', '1', '--max-model-len', '2048']);
    toRecorder = await startPicker('proxy', [recorder.address], ['--refresh-interval', '100ms']);
    toSim = await startPicker('proxy', [sim.address], ['--refresh-interval', '100ms']);
    await Promise.all([waitFresh(toRecorder.health, 1), waitFresh(toSim.health, 1)]);
  });
  after(async () => {
    await stopAll([toRecorder?.child, toSim?.child, sim?.child]);
    await recorder.stop();
  });

  const BODY = JSON.stringify({ model: MODEL, prompt: 'framed once', max_tokens: 2 });
  const HOP_BY_HOP = {
    connection: 'keep-alive, x-internal-hop',
    'keep-alive': 'timeout=5',
    te: 'trailers',
    'proxy-authorization': 'Basic c2VjcmV0OnNlY3JldA==',
    'x-internal-hop': 'named in Connection',
    trailer: 'x-checksum',
  };

  it('a chunked request reaches the upstream with exactly one framing header and none of the hop-by-hop ones', async () => {
    const answer = await rawPost(toRecorder!.data, BODY, { ...HOP_BY_HOP, authorization: 'Bearer end-to-end' }, true);
    assert.equal(answer.status, 200, answer.text);
    const raw = recorder.rawReceived.at(-1)!;
    const names = raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    const framing = names.filter((n) => n === 'content-length' || n === 'transfer-encoding');
    const leaked = names.filter((n) => ['keep-alive', 'te', 'proxy-authorization', 'x-internal-hop', 'trailer', 'transfer-encoding'].includes(n));
    figure('proxy-framing', { framingHeaders: framing.join('+'), contentLength: String(recorder.received.at(-1)!['content-length']), bodyBytes: Buffer.byteLength(BODY), hopByHopForwarded: leaked.length });
    assert.deepEqual(framing, ['content-length']);
    assert.equal(recorder.received.at(-1)!['content-length'], String(Buffer.byteLength(BODY)));
    assert.equal((JSON.parse(answer.text) as { bytes: number }).bytes, Buffer.byteLength(BODY));
    assert.deepEqual(leaked, []);
    // Node's agent sets its own `Connection: keep-alive` for the pooled upstream socket; the client's value is gone.
    assert.equal(recorder.received.at(-1)!.connection, 'keep-alive');
    assert.equal(recorder.received.at(-1)!.authorization, 'Bearer end-to-end', 'end-to-end headers pass');
  });

  it('a chunked request to a real kinfer-sim through the proxy: 200 (the sim answers 400 to two framing headers)', async () => {
    const answer = await rawPost(toSim!.data, BODY, HOP_BY_HOP, true);
    figure('proxy-chunked-to-sim', { status: answer.status });
    assert.equal(answer.status, 200, answer.text);
  });

  it('a chunked body of 128 MiB without Content-Length: 413 once it passes 8 MiB (the rest read and dropped), memory bounded, nothing forwarded', async () => {
    const pid = toRecorder!.child.process.pid!;
    const before = memoryMiB(pid);
    const forwardedBefore = recorder.received.length;
    const piece = Buffer.alloc(1024 * 1024, 0x61);
    // Resolves once the answer is read and the client stopped sending (all written, or the connection closed).
    const status = await new Promise<number>((resolve, reject) => {
      let answered: number | undefined;
      let written = false;
      const settle = (): void => {
        if (answered !== undefined && written) resolve(answered);
      };
      const req = http.request(`${toRecorder!.data}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => {
          answered = res.statusCode ?? 0;
          settle();
        });
      });
      // Written whole, or the connection closed under the writes (the proxy closes it after its 413).
      for (const event of ['finish', 'close']) {
        req.on(event, () => {
          written = true;
          settle();
        });
      }
      // The proxy closes the connection after its 413: the rest of the body is refused, not read.
      req.on('error', (error) => {
        written = true;
        settle();
        // The 413 may still be in the socket's buffer when the write fails: give it a moment to be read.
        setTimeout(() => reject(error), 2000).unref();
      });
      req.write(`{"model":"${MODEL}","prompt":"`);
      let sent = 0;
      const more = (): void => {
        while (sent < 128) {
          sent += 1;
          if (!req.write(piece)) return void req.once('drain', more);
        }
        req.end('"}');
      };
      more();
    });
    const after = memoryMiB(pid);
    figure('proxy-body-flood', { status, offeredMiB: 128, peakRssGrowthMiB: after.peak - before.rss, forwarded: recorder.received.length - forwardedBefore });
    assert.equal(status, 413);
    assert.ok(after.peak - before.rss < 64, `peak RSS grew ${(after.peak - before.rss).toFixed(0)} MiB`);
    assert.equal(recorder.received.length, forwardedBefore, 'nothing reached the upstream');
  });

  it('100k-deep JSON nesting, in the places a body can hide it: 4xx or 2xx from the proxy and the sim, never 5xx', async () => {
    const N = 100_000;
    const arrays = '['.repeat(N) + ']'.repeat(N);
    const objects = '{"a":'.repeat(N) + '1' + '}'.repeat(N);
    const bodies: Record<string, string> = {
      'whole body': arrays,
      'prompt (arrays)': `{"model":"${MODEL}","prompt":${arrays}}`,
      'prompt (objects)': `{"model":"${MODEL}","prompt":${objects}}`,
      'unknown field': `{"model":"${MODEL}","prompt":"x","max_tokens":2,"extra":${objects}}`,
      'chat content': `{"model":"${MODEL}","messages":[{"role":"user","content":${arrays}}]}`,
      'unterminated': `{"model":"${MODEL}","prompt":${'['.repeat(N)}`,
    };
    const statuses: string[] = [];
    for (const [name, body] of Object.entries(bodies)) {
      for (const [target, url] of [['proxy', toSim!.data], ['sim', sim!.url]] as const) {
        const path = name === 'chat content' ? '/v1/chat/completions' : '/v1/completions';
        const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000) });
        await response.arrayBuffer();
        statuses.push(`${target}:${name.replace(/ /g, '-')}=${response.status}`);
        assert.ok(response.status < 500, `${target}, ${name}: ${response.status}`);
      }
    }
    figure('deep-json', Object.fromEntries(statuses.map((s) => s.split('='))));
    assert.ok(toSim!.child.running && sim!.child.running);
  });
});
