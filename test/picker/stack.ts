// The picker's data path assembled in-process from picker/ parts, the way picker/main.ts assembles it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { EndpointTable } from '../../picker/endpoints.js';
import { createExtProcServer, DEFAULT_MAX_BODY_BYTES } from '../../picker/extproc.js';
import { PickerMetrics } from '../../picker/metrics.js';
import { createProxy } from '../../picker/proxy.js';
import { Router } from '../../picker/router.js';
import { Scraper } from '../../picker/scrape.js';
import { KINFER_CONFIG_YAML, parsePickerConfig } from '../../src/routing/config.js';
import { RoutingScheduler, type RoutingSchedulerOptions } from '../../src/routing/scheduler.js';
import type { RecentRequests } from '../../src/routing/recent-requests.js';

export interface StackOptions {
  readonly configYaml?: string;
  /** Start the scraper's timer (default true); false: call `scraper.scrapeAll()` by hand. */
  readonly scrape?: boolean;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly picker?: RoutingSchedulerOptions;
}

export interface Stack {
  readonly metrics: PickerMetrics;
  readonly table: EndpointTable;
  readonly router: Router;
  readonly scraper: Scraper;
  readonly blockSize: () => number;
  close(): Promise<void>;
}

export function pickerStack(addresses: readonly string[], options: StackOptions = {}): Stack {
  const parsed = parsePickerConfig(options.configYaml ?? KINFER_CONFIG_YAML);
  if (!parsed.ok) throw new Error(`bad test config: ${parsed.error}`);
  const metrics = new PickerMetrics();
  const table = new EndpointTable();
  table.replace(addresses);
  const router = new Router(new RoutingScheduler(parsed.value, options.picker ?? {}), table, metrics);
  const scraper = new Scraper(table, { intervalMs: options.intervalMs ?? 50, timeoutMs: options.timeoutMs ?? 500 }, metrics);
  if (options.scrape ?? true) scraper.start();
  return { metrics, table, router, scraper, blockSize: () => router.current.prefixBlockSize, close: async () => scraper.stop() };
}

/** The proxy on an ephemeral loopback port. */
export async function startProxy(stack: Stack, options: { maxBodyBytes?: number; upstreamIdleTimeoutMs?: number; recent?: RecentRequests } = {}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createProxy(stack.router, {
    ...(options.recent ? { recent: options.recent } : {}),
    blockSize: stack.blockSize, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, upstreamIdleTimeoutMs: options.upstreamIdleTimeoutMs ?? 30_000,
    health: () => ({ ready: stack.table.all().some((s) => stack.scraper.isFresh(s)), status: 'ok', endpoints: stack.table.size }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The ext_proc gRPC server (with grpc.health.v1) on an ephemeral loopback port. */
export async function startExtProc(stack: Stack, options: { maxBodyBytes?: number } = {}): Promise<{ server: grpc.Server; target: string; close(): void }> {
  const { server } = createExtProcServer(stack.router, { blockSize: stack.blockSize, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return { server, target: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}
