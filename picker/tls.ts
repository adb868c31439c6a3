import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServingCertificate } from '../src/tls/certificate.js';

// The picker's serving certificates: made at start (src/tls/certificate.ts, shared with `deploy --autoscale`, which
// makes the external metrics API's), or read from a mounted Secret.
export { selfSignedCertificate, type ServingCertificate } from '../src/tls/certificate.js';

/** tls.crt and tls.key from a directory (a mounted kubernetes.io/tls Secret), as the EPP's --cert-path reads them. */
export function readCertificate(dir: string): ServingCertificate {
  const certPem = readFileSync(join(dir, 'tls.crt'), 'utf8');
  const keyPem = readFileSync(join(dir, 'tls.key'), 'utf8');
  createPrivateKey(keyPem); // fails here, with the file named by the caller, rather than at the first handshake
  return { certPem, keyPem };
}
