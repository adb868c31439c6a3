// Faults against a real kinfer-picker in ext_proc mode (spawned, loopback): a peer that streams request-body
// chunks without end_of_stream, a peer that sends end_of_stream bodies again and again on one stream, and what
// a client sees of the default TLS serving.
import assert from 'node:assert/strict';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { assertImmediate, connect, Exchange, lbAddress, requestBody, requestHeaders, type ExtProcClient, type ProcessingResponse } from '../picker/extproc-client.js';
import { stopAll, waitFor } from '../picker/helpers.js';
import { endpointRows, figure, memoryMiB, Peer, startPicker, waitFresh, type RunningPicker } from './peers.js';

const MiB = 1024 * 1024;
const MODEL = 'fault-model';
const body = (prompt: string): object => ({ model: MODEL, prompt, max_tokens: 4 });

describe('faults: ext_proc body flood and repeated end_of_stream (kinfer-picker --mode ext-proc, plaintext on loopback)', { timeout: 120_000 }, () => {
  const peers = [new Peer('ok'), new Peer('ok')];
  let picker: RunningPicker | undefined;
  let client: ExtProcClient | undefined;

  before(async () => {
    await Promise.all(peers.map((p) => p.start()));
    picker = await startPicker('ext-proc', peers.map((p) => p.address), ['--secure-serving', 'false', '--refresh-interval', '100ms']);
    await waitFresh(picker.health, 2);
    // 1 MiB pieces: under gRPC's default 4 MiB message limit, as Envoy's streamed body chunks are.
    client = connect(picker.data, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 4 * MiB });
  });
  after(async () => {
    client?.close();
    await stopAll([picker?.child]);
    await Promise.all(peers.map((p) => p.stop()));
  });

  const inFlight = async (): Promise<number> => (await endpointRows(picker!.health)).reduce((n, r) => n + r.inFlight, 0);

  it('4 streams each offering 256 MiB of body without end_of_stream: each refused with 413 past 8 MiB, memory bounded, still routing', { timeout: 90_000 }, async () => {
    const pid = picker!.child.process.pid!;
    const before = memoryMiB(pid);
    const OFFER_MIB = 256;
    const piece = Buffer.alloc(MiB, 0x61);
    const flood = async (): Promise<{ acceptedMiB: number; answer: ProcessingResponse }> => {
      const exchange = new Exchange(client!.Process());
      await exchange.send(requestHeaders('/v1/completions'));
      let sent = 0;
      for (let i = 0; i < OFFER_MIB; i++) {
        const answer = await exchange.send({ requestBody: { body: piece, endOfStream: false } });
        sent += 1;
        if (answer.response === 'immediateResponse') {
          await exchange.ended;
          return { acceptedMiB: sent, answer };
        }
      }
      throw new Error(`${OFFER_MIB} MiB accepted without a refusal`);
    };
    const results = await Promise.all([flood(), flood(), flood(), flood()]);
    const after = memoryMiB(pid);
    for (const r of results) {
      assertImmediate(r.answer, 413, /request body over 8388608 bytes/);
      assert.equal(r.acceptedMiB, 9, 'refused at the piece that passed 8 MiB');
    }
    figure('extproc-body-flood', {
      streams: 4, offeredMiB: 4 * OFFER_MIB, sentBeforeRefusalMiB: results.reduce((n, r) => n + r.acceptedMiB, 0),
      rssBeforeMiB: before.rss, peakRssMiB: after.peak, peakGrowthMiB: after.peak - before.peak,
    });
    // 4 streams × 8 MiB held at most, plus gRPC's decoding buffers: far below what was offered (1 GiB).
    assert.ok(after.peak - before.rss < 120, `peak RSS grew ${(after.peak - before.rss).toFixed(0)} MiB`);
    assert.ok(picker!.child.running, 'the picker is still up');

    const exchange = new Exchange(client!.Process());
    await exchange.send(requestHeaders('/v1/completions'));
    const picked = await exchange.send(requestBody(body('after the flood')));
    assert.ok(peers.some((p) => p.address === lbAddress(picked)), JSON.stringify(picked));
    await exchange.close();
    await waitFor(async () => (await inFlight()) === 0, 'nothing in flight', 3000);
  });

  it('20 streams, each sending end_of_stream bodies 5 times: 20 decisions, in-flight back to 0', { timeout: 30_000 }, async () => {
    const decisionsBefore = (await endpointRows(picker!.health)).reduce((n, r) => n + r.decisions, 0);
    for (let s = 0; s < 20; s++) {
      const exchange = new Exchange(client!.Process());
      await exchange.send(requestHeaders('/v1/completions'));
      for (let i = 0; i < 5; i++) await exchange.send(requestBody(body(`stream ${s} body ${i}`)));
      await exchange.send({ responseHeaders: { endOfStream: false } });
      await exchange.send({ responseBody: { body: Buffer.from('{}'), endOfStream: true } });
      await exchange.close();
    }
    const rows = await endpointRows(picker!.health);
    const decisions = rows.reduce((n, r) => n + r.decisions, 0) - decisionsBefore;
    const leaked = rows.reduce((n, r) => n + r.inFlight, 0);
    figure('extproc-repeated-eos', { streams: 20, bodiesPerStream: 5, decisions, inFlightAfter: leaked });
    assert.equal(decisions, 20);
    assert.equal(leaked, 0);
  });
});

describe('faults: ext_proc serving is TLS by default (kinfer-picker --mode ext-proc, no flag)', { timeout: 60_000 }, () => {
  const peer = new Peer('ok');
  let picker: RunningPicker | undefined;

  before(async () => {
    await peer.start();
    picker = await startPicker('ext-proc', [peer.address]);
    await waitFresh(picker.health, 1);
  });
  after(async () => {
    await stopAll([picker?.child]);
    await peer.stop();
  });

  const handshake = (): Promise<{ certificate: PeerCertificate; protocol: string | null; alpn: string | false; pem: string }> => new Promise((resolve, reject) => {
    const [host, port] = picker!.data.split(':') as [string, string];
    const socket = tlsConnect({ host, port: Number(port), ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => {
      const certificate = socket.getPeerCertificate();
      const pem = `-----BEGIN CERTIFICATE-----\n${certificate.raw.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
      resolve({ certificate, protocol: socket.getProtocol(), alpn: socket.alpnProtocol ?? false, pem });
      socket.end();
    });
    socket.once('error', reject);
  });

  it('a TLS handshake: self-signed kinfer-picker certificate, TLS 1.3, ALPN h2; a client pinning it routes a request', async () => {
    const tls = await handshake();
    figure('extproc-tls', { protocol: String(tls.protocol), alpn: String(tls.alpn), subject: String(tls.certificate.subject.CN), selfSigned: tls.certificate.issuer.CN === tls.certificate.subject.CN, validTo: tls.certificate.valid_to });
    assert.equal(tls.protocol, 'TLSv1.3');
    assert.equal(tls.alpn, 'h2');
    assert.equal(tls.certificate.subject.CN, 'kinfer-picker');
    assert.equal(tls.certificate.issuer.CN, 'kinfer-picker');

    // Verified against the pinned certificate (its SAN holds 127.0.0.1), not skipped.
    const client = connect(picker!.data, grpc.credentials.createSsl(Buffer.from(tls.pem)));
    try {
      const exchange = new Exchange(client.Process());
      await exchange.send(requestHeaders('/v1/completions'));
      const picked = await exchange.send(requestBody(body('over TLS')));
      assert.equal(lbAddress(picked), peer.address);
      await exchange.close();
    } finally {
      client.close();
    }
  });

  it('a plaintext client is not served', async () => {
    const client = connect(picker!.data, grpc.credentials.createInsecure());
    try {
      const exchange = new Exchange(client.Process({ deadline: Date.now() + 3000 }));
      await assert.rejects(exchange.send(requestHeaders('/v1/completions')), /UNAVAILABLE|DEADLINE_EXCEEDED|no ext_proc answer/);
    } finally {
      client.close();
    }
  });
});

describe('faults: ext_proc readiness follows the endpoints (grpc.health.v1)', { timeout: 60_000 }, () => {
  const peer = new Peer('ok');
  let picker: RunningPicker | undefined;

  before(async () => {
    await peer.start();
    picker = await startPicker('ext-proc', [peer.address], ['--secure-serving', 'false', '--refresh-interval', '100ms', '--scrape-timeout', '300ms']);
    await waitFresh(picker.health, 1);
  });
  after(async () => {
    await stopAll([picker?.child]);
  });

  it('SERVING while the endpoint answers; NOT_SERVING within seconds of it going away', async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
    const health = new Health(picker!.data, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { status: string | number }) => void): void;
    };
    const check = (): Promise<string> => new Promise((resolve, reject) => {
      health.Check({ service: 'envoy.service.ext_proc.v3.ExternalProcessor' }, { deadline: Date.now() + 3000 }, (error, response) => (error ? reject(error) : resolve(String(response!.status))));
    });
    try {
      assert.match(await check(), /^(SERVING|1)$/);
      await peer.stop();
      const started = Date.now();
      await waitFor(async () => /^(NOT_SERVING|2)$/.test(await check()), 'NOT_SERVING', 10_000);
      figure('extproc-grpc-readiness', { notServingAfterMs: Date.now() - started });
    } finally {
      health.close();
    }
  });
});
