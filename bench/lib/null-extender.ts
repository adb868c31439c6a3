// The floor probe: a kube-scheduler extender that does nothing, over plain node:http. /filter passes every node
// it is sent, /prioritize scores each 0; it keeps no state and reads no cluster. Whatever it costs the scheduler
// is the cost of the protocol itself (two loopback HTTP calls per pod, the scheduler encoding the Pod and the
// node names and decoding the answers, the process wake-ups), which no HTTP extender can go under. Run beside
// kinfer-extender by bench/extender.bench.ts (bench/lib/null-extender-server.ts) and by the scale e2e
// (test/e2e/harness/scale.ts), so "what kinfer adds above the floor" is a figure.
//
// Two variants:
// - `parse`: JSON.parse of the body, as any extender must do to read the Pod; the answer built with JSON.stringify.
// - `raw`: no JSON parse. In nodeCacheCapable mode the Go encoder writes ExtenderArgs' fields in declaration order
//   (Pod, Nodes, NodeNames: k8s.io/kube-scheduler/extender/v1 types.go), so the body ends with the NodeNames array,
//   and node names are DNS subdomains (no quote, backslash or comma: RFC 1123 as Kubernetes validates them), so the
//   array's text is echoed as the filter answer and split on `","` for prioritize. Bodies without NodeNames
//   (Full-Node mode) fall back to `parse`.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

export type NullVariant = 'parse' | 'raw';
export const NULL_VARIANTS: readonly NullVariant[] = ['parse', 'raw'];

/** Server-side time of each call, headers in → last byte handed to the socket, ms (as kinfer-extender's histogram). */
export interface NullTimes {
  readonly filter: number[];
  readonly prioritize: number[];
  /** Of each call's time (either verb), how long from the headers to the body's last byte: the peer still sending. */
  readonly bodyArrival: number[];
}

const NODE_NAMES_KEY = '"NodeNames":';

/** The array text of NodeNames at the end of a nodeCacheCapable body (`["a","b"]`), or undefined. */
function rawNodeNames(body: string): string | undefined {
  const at = body.lastIndexOf(NODE_NAMES_KEY);
  if (at < 0) return undefined;
  const end = body.lastIndexOf(']');
  if (end < at) return undefined;
  const array = body.slice(at + NODE_NAMES_KEY.length, end + 1).trim();
  return array.startsWith('[') ? array : undefined;
}

function answerFilterRaw(names: string): string {
  return `{"Nodes":null,"NodeNames":${names},"FailedNodes":{},"FailedAndUnresolvableNodes":{},"Error":""}`;
}

function answerPrioritizeRaw(names: string): string {
  const inner = names.slice(1, -1).trim();
  if (inner === '') return '[]';
  // `"a","b"` → `[{"Host":"a","Score":0},{"Host":"b","Score":0}]`, quotes kept.
  return `[{"Host":${inner.split(',').join(',"Score":0},{"Host":')},"Score":0}]`;
}

interface Parsed {
  readonly Nodes?: { readonly items?: readonly { readonly metadata?: { readonly name?: string } }[] } | null;
  readonly NodeNames?: readonly string[] | null;
}

function answerParsed(verb: 'filter' | 'prioritize', body: string): string {
  const args = JSON.parse(body) as Parsed;
  if (verb === 'filter') {
    return JSON.stringify(args.NodeNames != null
      ? { Nodes: null, NodeNames: args.NodeNames, FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: '' }
      : { Nodes: args.Nodes ?? { items: [] }, NodeNames: null, FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: '' });
  }
  const names = args.NodeNames ?? (args.Nodes?.items ?? []).map((n) => n.metadata?.name ?? '');
  return JSON.stringify(names.map((Host) => ({ Host, Score: 0 })));
}

function answer(variant: NullVariant, verb: 'filter' | 'prioritize', body: string): string {
  if (variant === 'raw') {
    const names = rawNodeNames(body);
    if (names !== undefined) return verb === 'filter' ? answerFilterRaw(names) : answerPrioritizeRaw(names);
  }
  return answerParsed(verb, body);
}

/** The null extender's request listener; `times` collects server-side times per verb. */
export function nullExtender(variant: NullVariant, times: NullTimes): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    const verb = req.method === 'POST' ? (req.url === '/filter' ? 'filter' : req.url === '/prioritize' ? 'prioritize' : undefined) : undefined;
    if (verb === undefined) {
      const ok = req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz');
      res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'the null extender serves POST /filter and /prioritize');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      times.bodyArrival.push(performance.now() - t0);
      let text: string;
      let code = 200;
      try {
        text = answer(variant, verb, (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString());
      } catch (error) {
        code = 400;
        text = JSON.stringify({ Error: `null extender: ${(error as Error).message}` });
      }
      res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      times[verb].push(performance.now() - t0);
    });
  };
}
