// A kinfer-picker in proxy mode in front of one deployment's model-server pods, for suites that send traffic.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, type Cluster } from './cluster.js';
import { waitFor } from './wait.js';

export interface ProxyPickerOptions {
  readonly deployment: string;
  readonly namespace: string;
  /** Proxy port on 127.0.0.1; health and /debug on the next one. */
  readonly port: number;
  /** Ready once it has metrics of this many replicas. */
  readonly replicas: number;
}

/** Starts the picker and resolves once it has scraped every replica; the caller kills it. */
export async function startProxyPicker(cluster: Cluster, options: ProxyPickerOptions): Promise<ChildProcess> {
  const picker = spawn(process.execPath, [join(ROOT, 'bin', 'kinfer-picker.js'), '--mode', 'proxy', '--host', '127.0.0.1', '--port', String(options.port), '--health-port', String(options.port + 1),
    '--selector', `kinfer.dev/deployment=${options.deployment},app.kubernetes.io/component=model-server`, '-n', options.namespace, '--kubeconfig', cluster.kubeconfigPath, '--log-level', 'warn'], { stdio: 'ignore' });
  try {
    await waitFor(async () => {
      try {
        const body = await (await fetch(`http://127.0.0.1:${options.port + 1}/debug/endpoints`)).json() as { endpoints: { metrics?: unknown }[] };
        return body.endpoints.length === options.replicas && body.endpoints.every((e) => e.metrics) ? true : undefined;
      } catch {
        return undefined;
      }
    }, { what: `the picker to scrape ${options.replicas} replica(s) of ${options.deployment}`, timeoutMs: 30_000 });
  } catch (error) {
    picker.kill('SIGKILL');
    throw error;
  }
  return picker;
}
