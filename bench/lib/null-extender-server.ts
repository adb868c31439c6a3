// The null extender (bench/lib/null-extender.ts) as a process of its own, as kinfer-extender runs.
//   node dist/bench/lib/null-extender-server.js <variant: parse|raw> [port]
// Forked by bench/extender.bench.ts (IPC channel present): listens on an ephemeral port and answers the
// benchmark's messages ('ready', 'server-times', 'memory', 'exit'; GC figures come from gc-probe.ts).
// Started by the scale e2e (no IPC): listens on 127.0.0.1:<port>; GET /stats answers the calls served so far
// per verb and their summed server-side seconds ({ filter: { calls, seconds }, prioritize: …, bodyArrival: … }).
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { NULL_VARIANTS, nullExtender, type NullTimes, type NullVariant } from './null-extender.js';
import { commonReply, type FromServer, type ToServer } from './protocol.js';
import { memoryAfterGc } from './stats.js';

const variant = process.argv[2] as NullVariant;
const port = Number(process.argv[3] ?? '0');

function stats(times: NullTimes): string {
  const verb = (samples: readonly number[]) => ({ calls: samples.length, seconds: samples.reduce((a, b) => a + b, 0) / 1000 });
  return JSON.stringify({ filter: verb(times.filter), prioritize: verb(times.prioritize), bodyArrival: verb(times.bodyArrival) });
}

async function main(): Promise<void> {
  if (!NULL_VARIANTS.includes(variant) || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`usage: null-extender-server.js <${NULL_VARIANTS.join('|')}> [port]`);
    process.exit(2);
  }
  const times: NullTimes = { filter: [], prioritize: [], bodyArrival: [] };
  const serve = nullExtender(variant, times);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') res.writeHead(200, { 'content-type': 'application/json' }).end(stats(times));
    else serve(req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const send = (message: FromServer): void => void process.send?.(message);
  if (!process.send) return;
  const bound = (server.address() as AddressInfo).port;
  send({ type: 'ready', port: bound, nodes: 0, podsFed: 0, slimPods: 0, fillMs: 0, memory: memoryAfterGc() });
  process.on('message', (message: ToServer) => {
    const reply = commonReply(message, times);
    if (reply) {
      times.bodyArrival.length = 0;
      send(reply);
    } else if (message.type === 'exit') {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
