import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createApp } from '../../extender/app.js';
import { ExtenderMetrics } from '../../extender/metrics.js';
import { ExtenderService, type Readiness } from '../../extender/service.js';
import { ModelRegistry } from '../../src/models/user.js';
import { Placer } from '../../src/placement/scheduler.js';
import { ClusterState } from '../../src/placement/state.js';

export interface RunningExtender {
  readonly url: string;
  readonly state: ClusterState;
  readonly metrics: ExtenderMetrics;
  setReady(reason: string | undefined): void;
  close(): Promise<void>;
}

/** The real extender app on an ephemeral loopback port, fed by a ClusterState the test fills. */
export async function startExtender(state = new ClusterState()): Promise<RunningExtender> {
  let notReady: string | undefined;
  const readiness: Readiness = { notReadyReason: () => notReady };
  const metrics = new ExtenderMetrics();
  const service = new ExtenderService(state, new Placer(), new ModelRegistry(), readiness, metrics);
  const app = createApp({ service, readiness, metrics, cacheSizes: () => ({ nodes: state.nodeCount, pods: state.podCount }) });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    metrics,
    setReady: (reason) => {
      notReady = reason;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export async function post(url: string, body: string | object): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}
