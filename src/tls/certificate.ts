import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

// A self-signed serving certificate made at start, as the Gateway API Inference Extension's EPP does with
// --secure-serving (pkg/common/tls CreateSelfSignedTLSCertificate: a fresh key, one year, no CA). The gateway
// encrypts to it without verifying it (the Inference Extension documents Istio's DestinationRule
// `tls: {mode: SIMPLE, insecureSkipVerify: true}` for the EPP): it protects prompts on the wire against
// passive readers, not against an active man in the middle; mount a real certificate with --cert-path for that.
// X.509 is written here as DER (RFC 5280) with node:crypto's ECDSA P-256 signature, so no dependency is needed;
// tests check the result with Node's own parser (crypto.X509Certificate) and a real TLS handshake.

export interface ServingCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const n = body.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
};
const seq = (...parts: Buffer[]): Buffer => der(0x30, ...parts);
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
};
const utf8 = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'));
const time = (date: Date): Buffer => der(0x17, Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`, 'ascii'));
const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  subjectAltName: '2.5.29.17',
};

/** A fresh P-256 key and a one-year self-signed server certificate naming `dnsNames` (and 127.0.0.1). */
export function selfSignedCertificate(dnsNames: readonly string[] = ['localhost'], now = new Date()): ServingCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const algorithm = seq(oid(OID.ecdsaWithSha256));
  const name = seq(
    der(0x31, seq(oid(OID.organization), utf8('kinfer'))),
    der(0x31, seq(oid(OID.commonName), utf8('kinfer-picker'))),
  );
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and minimal, as RFC 5280 §4.1.2.2 asks
  const names = [...dnsNames.map((n) => der(0x82, Buffer.from(n, 'ascii'))), der(0x87, Buffer.from([127, 0, 0, 1]))];
  const extension = (id: string, critical: boolean, value: Buffer): Buffer => seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value));
  const extensions = der(0xa3, seq(
    extension(OID.basicConstraints, true, seq()),
    extension(OID.keyUsage, true, der(0x03, Buffer.from([0x07, 0x80]))), // digitalSignature
    extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
    extension(OID.subjectAltName, false, seq(...names)),
  ));
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    algorithm,
    name,
    seq(time(new Date(now.getTime() - 60_000)), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, algorithm, der(0x03, Buffer.from([0]), signature));
  const lines = cert.toString('base64').match(/.{1,64}/g) ?? [];
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
