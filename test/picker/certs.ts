// A throwaway PKI for HTTPS tests: a CA, a server certificate for 127.0.0.1 (and extra IPs), and a client
// certificate (CN front-proxy-client, as the API server's aggregation proxy presents), made with openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  read(file: string): string;
}

/** `serverNames`: extra IPs and DNS names of the server certificate (the API server checks `<service>.<namespace>.svc`). */
export function makeTestPki(serverNames: { ips?: readonly string[]; dns?: readonly string[] } = {}): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-pki-'));
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kinfer-test-ca');
  const sign = (name: string, cn: string, ext: string): void => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  const sans = ['IP:127.0.0.1', 'DNS:localhost', ...(serverNames.ips ?? []).map((ip) => `IP:${ip}`), ...(serverNames.dns ?? []).map((name) => `DNS:${name}`)].join(',');
  sign('server', 'kinfer-picker-metrics', `extendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`);
  sign('client', 'front-proxy-client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir, caFile: join(dir, 'ca.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.crt'), clientKeyFile: join(dir, 'client.key'),
    read: (file) => readFileSync(file, 'utf8'),
  };
}
