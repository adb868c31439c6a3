import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { endToEndHeaders } from '../../picker/proxy.js';
import { readCertificate, selfSignedCertificate } from '../../picker/tls.js';

describe('endToEndHeaders: what the proxy forwards (RFC 9110 §7.6.1)', () => {
  const cases: { name: string; in: Record<string, string>; out: Record<string, string> }[] = [
    { name: 'end-to-end headers pass', in: { 'content-type': 'application/json', authorization: 'Bearer x', 'x-request-id': 'r1' }, out: { 'content-type': 'application/json', authorization: 'Bearer x', 'x-request-id': 'r1' } },
    { name: 'the fixed hop-by-hop set is dropped', in: { connection: 'close', 'keep-alive': 'timeout=5', 'proxy-connection': 'keep-alive', te: 'trailers', trailer: 'x-sum', 'transfer-encoding': 'chunked', upgrade: 'h2c', 'proxy-authorization': 'Basic eA==', 'proxy-authenticate': 'Basic', accept: '*/*' }, out: { accept: '*/*' } },
    { name: 'headers named in Connection are dropped, whatever their case and spacing', in: { connection: 'keep-alive,  X-Secret ,x-other', 'x-secret': '1', 'x-other': '2', 'x-kept': '3' }, out: { 'x-kept': '3' } },
    { name: 'no Connection header: nothing else dropped', in: { 'x-secret': '1' }, out: { 'x-secret': '1' } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(endToEndHeaders(c.in), c.out));
});

describe('selfSignedCertificate: parsed and checked by Node (OpenSSL), and served', () => {
  const { certPem, keyPem } = selfSignedCertificate(['llama-picker'], new Date('2026-12-01T00:00:00Z'));
  const x509 = new X509Certificate(certPem);

  const checks: { name: string; ok: () => boolean }[] = [
    { name: 'self-signed: the signature verifies with its own key', ok: () => x509.verify(x509.publicKey) && x509.issuer === x509.subject },
    { name: 'names: CN kinfer-picker, SAN DNS llama-picker and IP 127.0.0.1', ok: () => x509.subject.includes('CN=kinfer-picker') && x509.checkHost('llama-picker') === 'llama-picker' && x509.checkIP('127.0.0.1') === '127.0.0.1' && x509.checkHost('other') === undefined },
    { name: 'valid a year from a minute before it was made', ok: () => new Date(x509.validFrom).toISOString() === '2026-11-30T23:59:00.000Z' && new Date(x509.validTo).toISOString() === '2027-12-01T00:00:00.000Z' },
    { name: 'a leaf (not a CA), P-256 key', ok: () => !x509.ca && x509.publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1' },
    { name: 'a fresh serial each time', ok: () => new X509Certificate(selfSignedCertificate().certPem).serialNumber !== x509.serialNumber },
  ];
  for (const c of checks) it(c.name, () => assert.ok(c.ok()));

  it('a TLS server with it completes a handshake with a client that pins it', async () => {
    const server = createServer({ cert: certPem, key: keyPem }, (socket) => socket.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: certPem, servername: 'llama-picker' }, () => undefined);
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      assert.equal(text, 'hello');
    } finally {
      server.close();
    }
  });

  it('readCertificate: tls.crt and tls.key from a directory; a bad key fails there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kinfer-cert-'));
    try {
      writeFileSync(join(dir, 'tls.crt'), certPem);
      writeFileSync(join(dir, 'tls.key'), keyPem);
      assert.equal(readCertificate(dir).certPem, certPem);
      writeFileSync(join(dir, 'tls.key'), 'not a key');
      assert.throws(() => readCertificate(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
