// The extender under test, one process per cluster size so its RSS is its own: fills a ClusterState through
// upsertNode / upsertPod (the informers' path) with full API-server objects, serves the real app on
// 127.0.0.1:0, and answers the benchmark's IPC messages (memory after GC, in-process timings).
// Run by bench/extender.bench.ts as: node --expose-gc dist/bench/lib/extender-server.js <nodes> <podsPerNode>
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createApp } from '../../extender/app.js';
import { ExtenderMetrics } from '../../extender/metrics.js';
import { ExtenderService, type Readiness } from '../../extender/service.js';
import { ModelRegistry } from '../../src/models/user.js';
import { Placer } from '../../src/placement/scheduler.js';
import { ClusterState } from '../../src/placement/state.js';
import { Churn } from './churn.js';
import { makeNode, nodeSpecs, podsForNode, requestPods } from './cluster.js';
import { breakdown, timeCore, type Breakdown, type CoreDeps, type CoreTiming } from './core.js';
import { commonReply, type FromServer, type ToServer } from './protocol.js';
import { memoryAfterGc, round1 } from './stats.js';

const size = Number(process.argv[2] ?? '100');
const podsPerNode = Number(process.argv[3] ?? '20');

function send(message: FromServer): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('extender-server.js is started by bench/extender.bench.js over IPC');
  const state = new ClusterState();
  const specs = nodeSpecs(size);
  const t0 = performance.now();
  // Nodes first, then each node's pods, as two informers' initial lists would arrive; the objects are
  // dropped as soon as they are fed, as the reflector drops each page.
  for (const spec of specs) state.upsertNode(makeNode(spec));
  let podsFed = 0;
  for (const spec of specs) {
    for (const pod of podsForNode(spec, podsPerNode)) {
      state.upsertPod(pod);
      podsFed += 1;
    }
  }
  const fillMs = round1(performance.now() - t0);

  const readiness: Readiness = { notReadyReason: () => undefined };
  const metrics = new ExtenderMetrics();
  const models = new ModelRegistry();
  const placer = new Placer();
  const service = new ExtenderService(state, placer, models, readiness, metrics);
  const churn = new Churn(state);
  // The decision's share of each served request: ExtenderService.filter / prioritize, timed in place.
  const serviceTimes = { filter: [] as number[], prioritize: [] as number[] };
  const timed = new ExtenderService(state, placer, models, readiness, metrics);
  timed.filter = (args) => {
    const t0 = performance.now();
    const out = service.filter(args);
    serviceTimes.filter.push(performance.now() - t0);
    return out;
  };
  timed.prioritize = (args) => {
    const t0 = performance.now();
    const out = service.prioritize(args);
    serviceTimes.prioritize.push(performance.now() - t0);
    // The bind arrives after the answer is written, as an informer event would.
    if (!('notReady' in out)) setImmediate(() => churn.bind(args.Pod, out.scores));
    return out;
  };
  // Full-Node mode at 5,000 nodes sends ~25 MB: the limit raised as docs/scheduler.md says to for that mode.
  const app = createApp({ service: timed, readiness, metrics, maxBodyBytes: 256 * 1024 * 1024, cacheSizes: () => ({ nodes: state.nodeCount, pods: state.podCount }) });
  // Server-side time of each request: from its headers having arrived to the last byte of the answer handed
  // to the socket (body streaming and parsing, validation, decision, serialization, ETag, write).
  const times = { filter: [] as number[], prioritize: [] as number[] };
  const server = createServer((req, res) => {
    const t0 = performance.now();
    const verb = req.url === '/filter' ? 'filter' : req.url === '/prioritize' ? 'prioritize' : undefined;
    if (verb !== undefined) res.on('finish', () => times[verb].push(performance.now() - t0));
    app(req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  send({ type: 'ready', port, nodes: state.nodeCount, podsFed, slimPods: state.podCount, fillMs, memory: memoryAfterGc() });

  const deps: CoreDeps = { state, placer, service, models, churn };
  process.on('message', (message: ToServer) => {
    const reply = commonReply(message, { ...times, serviceFilter: serviceTimes.filter, servicePrioritize: serviceTimes.prioritize });
    if (reply) {
      send(reply);
      return;
    }
    switch (message.type) {
      case 'core': {
        const names = specs.map((s) => s.name);
        const pods = requestPods();
        const timings: CoreTiming[] = [];
        const breakdowns: Breakdown[] = [];
        for (const mode of message.modes) {
          const items = mode === 'no-cache' ? specs.map(makeNode) : undefined;
          timings.push(timeCore(deps, pods.map((p) => p.pod), mode, names, items, message.pairs[mode], message.maxMs));
          if (message.breakdownRuns > 0) {
            for (const { kind, pod } of pods) breakdowns.push(breakdown(deps, kind, pod, mode, names, items, message.breakdownRuns));
          }
        }
        send({ type: 'core', timings, breakdowns });
        break;
      }
      case 'exit':
        server.closeAllConnections();
        server.close(() => process.exit(0));
        break;
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
