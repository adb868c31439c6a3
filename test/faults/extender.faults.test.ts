// Faults against the real kinfer-extender process (dist/extender/main.js): what a hostile or broken peer can
// do with big, slow or deep bodies, without a client certificate, or dribbling headers. Each case asserts
// the outcome and prints its figure (peak RSS from /proc/<pid>/status VmHWM, probe latency); docs/reliability.md
// ("## Extender") lists them. The extender runs against an API server that is not there: it serves while
// its informers retry, and pods kinfer does not constrain pass without cluster state.
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aNode, aPod } from '../builders.js';
import { REPO_ROOT } from '../run.js';

const MAIN = join(REPO_ROOT, 'dist', 'extender', 'main.js');
const MiB = 1024 * 1024;
/** The extender container's memory limit in manifests/scheduler/deployment.yaml. */
const SHIPPED_LIMIT_MIB = 768;
/** kubelet's default probe timeoutSeconds (1 s, k8s.io/api core/v1 Probe): a slower /healthz is a failed probe. */
const PROBE_TIMEOUT_MS = 1_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Extender {
  readonly child: ChildProcess;
  readonly port: number;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/** Starts the extender with a kubeconfig whose API server does not answer; resolves once it listens. */
async function startExtender(dir: string, args: readonly string[] = []): Promise<Extender> {
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{ name: none, cluster: { server: "http://127.0.0.1:1" } }]
users: [{ name: none, user: {} }]
contexts: [{ name: none, context: { cluster: none, user: none } }]
current-context: none
`);
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, '--port', String(port), '--kubeconfig', kubeconfig, '--log-level', 'info', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`extender did not listen in 20 s: ${stderr}`)), 20_000);
    const check = (): void => {
      if (stderr.includes('kinfer-extender listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`extender exited (${code}): ${stderr}`)));
  });
  return {
    child,
    port,
    stderr: () => stderr,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }),
  };
}

/** Peak resident set of a process so far, MiB (Linux /proc). */
function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** POSTs `body` in 64 kB chunks (chunked encoding unless `declareLength`), reading the answer whenever it comes. */
function postBody(port: number, path: string, body: Buffer, options: { declareLength?: boolean; chunkDelayMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (options.declareLength) headers['content-length'] = body.length;
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    // The server may answer and close before the whole body is sent: that is the point of a limit.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    let answered = false;
    req.on('response', () => (answered = true));
    const CHUNK = 64 * 1024;
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length && !answered) {
        const chunk = body.subarray(offset, offset + CHUNK);
        offset += CHUNK;
        if (options.chunkDelayMs) {
          req.write(chunk);
          setTimeout(pump, options.chunkDelayMs);
          return;
        }
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/**
 * POSTs `body` chunked over a raw socket, reading whatever the server answers meanwhile: a server that answers
 * early and closes makes Node's HTTP client fail the write (EPIPE) before it reads the answer; Go's, which
 * kube-scheduler uses, reads it. So does this.
 */
function postChunkedRaw(port: number, path: string, body: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const CHUNK = 64 * 1024;
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length && !socket.destroyed && text === '') {
        const chunk = body.subarray(offset, offset + CHUNK);
        offset += CHUNK;
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        if (!socket.write('\r\n')) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!socket.destroyed && text === '') socket.write('0\r\n\r\n');
    };
    pump();
  });
}

/** A full Node as a kubelet reports it: labels, allocatable, and the 50 images kubelet lists by default (--node-status-max-images). */
function bulkyNode(i: number): object {
  const node = aNode(`gpu-${i}`).gkeGpu('nvidia-l4', 4).zone('zone-a').build();
  const images = Array.from({ length: 50 }, (_, k) => ({
    names: [`registry.example.com/team/model-server-${k}@sha256:${'0123456789abcdef'.repeat(4)}`, `registry.example.com/team/model-server-${k}:v1.${k}.0`],
    sizeBytes: 1_000_000_000 + k,
  }));
  return { ...node, metadata: { ...node.metadata, uid: `uid-${i}`, resourceVersion: String(i) }, status: { ...node.status, images } };
}

function fullNodeBody(targetBytes: number): Buffer {
  const pod = JSON.stringify(aPod('web').build());
  const one = JSON.stringify(bulkyNode(0)).length;
  const count = Math.ceil(targetBytes / (one + 1));
  const items = Array.from({ length: count }, (_, i) => JSON.stringify(bulkyNode(i))).join(',');
  return Buffer.from(`{"Pod":${pod},"Nodes":{"items":[${items}]},"NodeNames":null}`);
}

describe('faults: kinfer-extender against hostile and broken peers (real process)', { timeout: 240_000 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kinfer-extender-faults-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('default limits (nodeCacheCapable sizing)', () => {
    let extender: Extender;
    before(async () => {
      extender = await startExtender(dir);
    });
    after(() => extender.stop());

    it('listens on loopback by default', () => {
      assert.match(extender.stderr(), /"address":"127\.0\.0\.1"/);
    });

    it('a 30 MB /filter body with Content-Length gets 413 before it is read; RSS stays flat', async (t) => {
      // Headers only: the answer must come before any of the body is sent.
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: extender.port, path: '/filter', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 30 * MiB } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, body: text });
          });
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      assert.equal(answer.status, 413);
      assert.match(answer.body, /larger than 4194304 bytes \(--max-body-bytes\)/);
      const peak = peakRssMiB(extender.child.pid!);
      t.diagnostic(`FAULT extender: 30 MB declared body → 413; peak RSS ${peak.toFixed(0)} MiB`);
      assert.ok(peak < 200, `peak RSS ${peak} MiB`);
    });

    it('a 30 MB chunked /filter body (no length) gets 413 once 4 MiB have arrived; RSS stays flat', async (t) => {
      const answer = await postChunkedRaw(extender.port, '/filter', fullNodeBody(30 * MiB));
      assert.equal(answer.status, 413, answer.body.slice(0, 200));
      const peak = peakRssMiB(extender.child.pid!);
      t.diagnostic(`FAULT extender: 30 MB chunked body → 413; peak RSS ${peak.toFixed(0)} MiB`);
      assert.ok(peak < 200, `peak RSS ${peak} MiB`);
    });

    it('JSON nested 100,000 deep: 400, and the extender still answers', async () => {
      const deep = `{"Pod":{"metadata":{"name":"x","labels":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}},"NodeNames":[]}`;
      const answer = await postBody(extender.port, '/filter', Buffer.from(deep), { declareLength: true });
      assert.equal(answer.status, 400, answer.body.slice(0, 200));
      const arrays = `{"Pod":${'['.repeat(100_000)}${']'.repeat(100_000)},"NodeNames":[]}`;
      assert.equal((await postBody(extender.port, '/prioritize', Buffer.from(arrays), { declareLength: true })).status, 400);
      const ok = await postBody(extender.port, '/filter', Buffer.from(JSON.stringify({ Pod: aPod('web').build(), NodeNames: ['a'] })), { declareLength: true });
      assert.equal(ok.status, 200);
    });

    it('a client dribbling headers is cut off by the headers timeout (408), not held', async (t) => {
      const socket = connect(extender.port, '127.0.0.1');
      const t0 = Date.now();
      socket.write('POST /filter HTTP/1.1\r\nHost: x\r\n');
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => resolve(text));
      });
      t.diagnostic(`FAULT extender: headers never finished → closed after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.match(answer, /^HTTP\/1\.1 408/);
    });
  });

  describe('full-Node mode at a raised limit (--max-body-bytes 32 MiB)', () => {
    let extender: Extender;
    before(async () => {
      extender = await startExtender(dir, ['--max-body-bytes', String(32 * MiB), '--health-port', String(await freePort())]);
    });
    after(() => extender.stop());

    it('a 30 MB body of full Nodes is answered; peak RSS stays under the shipped limit; /healthz keeps answering', async (t) => {
      const healthPort = Number(/"healthPort":(\d+)/.exec(extender.stderr())?.[1]);
      const before = peakRssMiB(extender.child.pid!);
      let worstProbeMs = 0;
      let probes = 0;
      let done = false;
      const probe = async (): Promise<void> => {
        while (!done) {
          const t0 = Date.now();
          const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`, { signal: AbortSignal.timeout(10_000) });
          assert.equal(await res.text(), 'ok');
          worstProbeMs = Math.max(worstProbeMs, Date.now() - t0);
          probes += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      // Built before probing starts: the probes measure the extender, not this process building 30 MB.
      const body = fullNodeBody(30 * MiB);
      const probing = probe();
      const t0 = Date.now();
      const answer = await postBody(extender.port, '/filter', body, { declareLength: true });
      const seconds = (Date.now() - t0) / 1000;
      done = true;
      await probing;
      assert.equal(answer.status, 200, answer.body.slice(0, 300));
      const passed = (JSON.parse(answer.body) as { Nodes: { items: unknown[] } }).Nodes.items.length;
      const peak = peakRssMiB(extender.child.pid!);
      t.diagnostic(`FAULT extender: 30 MB full-Node body (${passed} Nodes) → 200 in ${seconds.toFixed(1)} s; peak RSS ${before.toFixed(0)} → ${peak.toFixed(0)} MiB; /healthz ${probes} probes, worst ${worstProbeMs} ms`);
      assert.ok(passed > 1000);
      assert.ok(peak < SHIPPED_LIMIT_MIB, `peak RSS ${peak} MiB over the shipped ${SHIPPED_LIMIT_MIB} MiB limit`);
      assert.ok(probes > 0 && worstProbeMs < PROBE_TIMEOUT_MS, `/healthz worst ${worstProbeMs} ms over ${probes} probes`);
    });

    it('the probe port serves probes only: the verbs are not there', async () => {
      const healthPort = Number(/"healthPort":(\d+)/.exec(extender.stderr())?.[1]);
      const res = await fetch(`http://127.0.0.1:${healthPort}/filter`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 404);
    });
  });

  describe('client certificates (--tls-client-ca), certificates made by openssl', () => {
    let extender: Extender;
    let certs: string;
    const openssl = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: certs, stdio: 'ignore' });
    };
    before(async () => {
      certs = mkdtempSync(join(dir, 'certs-'));
      const ca = (name: string): void => openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`);
      const signed = (name: string, by: string, ext: string): void => {
        openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
        writeFileSync(join(certs, `${name}.ext`), ext);
        openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${by}.crt`, '-CAkey', `${by}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
      };
      ca('ca');
      ca('rogue-ca');
      signed('server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
      signed('scheduler', 'ca', 'extendedKeyUsage=clientAuth\n');
      signed('intruder', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
      extender = await startExtender(dir, ['--tls-cert', join(certs, 'server.crt'), '--tls-key', join(certs, 'server.key'), '--tls-client-ca', join(certs, 'ca.crt')]);
    });
    after(() => extender.stop());

    const call = (client?: string): Promise<number> => new Promise((resolve, reject) => {
      const read = (f: string): Buffer => readFileSync(join(certs, f));
      const req = httpsRequest({
        host: '127.0.0.1', port: extender.port, path: '/filter', method: 'POST', ca: read('ca.crt'),
        ...(client ? { cert: read(`${client}.crt`), key: read(`${client}.key`) } : {}),
        headers: { 'content-type': 'application/json' },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ Pod: aPod('web').build(), NodeNames: ['a'] }));
    });

    it('a client with a certificate from the CA is served', async () => {
      assert.equal(await call('scheduler'), 200);
    });
    it('a client without a certificate is refused at the handshake', async () => {
      await assert.rejects(call(), /certificate|handshake|socket hang up|ECONNRESET|alert/i);
    });
    it('a client with a certificate from another CA is refused', async () => {
      await assert.rejects(call('intruder'), /certificate|unknown ca|socket hang up|ECONNRESET|alert/i);
    });
  });

  it('--tls-client-ca without --tls-cert is a usage error (exit 2, one line)', () => {
    let code = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [MAIN, '--tls-client-ca', '/nonexistent'], { stdio: 'pipe' });
    } catch (error) {
      code = (error as { status: number }).status;
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    assert.equal(code, 2);
    assert.match(stderr, /--tls-client-ca needs --tls-cert/);
  });
});
