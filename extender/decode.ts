import { findNodeItems, slimNode, type SlimNode } from './items.js';
import { argsBesidePodSchema, describeZodError, extenderArgsSchema, nodeProblem, type ExtenderArgs, type WireNode, type WirePod } from './wire.js';

/**
 * Bodies above this are scanned for a full-Node `Nodes.items` array and parsed Node by Node, yielding to the
 * event loop between batches, so /healthz and other requests are served meanwhile and each Node's bulk is
 * dropped as soon as it is read. A nodeCacheCapable body at 5,000 nodes is ~150 kB: it never gets here.
 */
export const INCREMENTAL_PARSE_BYTES = 1024 * 1024;
/** Bytes of Nodes parsed between two yields to the event loop (~10 ms of JSON.parse on a busy core). */
const BATCH_BYTES = 1024 * 1024;

export type Decoded =
  | { readonly ok: true; readonly args: ExtenderArgs }
  | { readonly ok: false; readonly message: string };

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The last Pod validated, by uid and resourceVersion: kube-scheduler sends the same Pod to /filter and then to
 * /prioritize, and the API server gives every change of a Pod a new resourceVersion, so a Pod seen with the
 * same pair has the same content and its validation (the schema copies the Pod) is not repeated.
 */
export class ValidatedPods {
  private last: { key: string; pod: WirePod } | undefined;

  get(raw: unknown): WirePod | undefined {
    const key = versionKey(raw);
    return key !== undefined && this.last?.key === key ? this.last.pod : undefined;
  }

  remember(pod: WirePod): void {
    const key = versionKey(pod);
    if (key !== undefined) this.last = { key, pod };
  }
}

function versionKey(pod: unknown): string | undefined {
  const metadata = (pod as { metadata?: { uid?: unknown; resourceVersion?: unknown } } | null)?.metadata;
  return typeof metadata?.uid === 'string' && typeof metadata.resourceVersion === 'string' ? `${metadata.uid}/${metadata.resourceVersion}` : undefined;
}

/**
 * An ExtenderArgs body, parsed once and validated. A stack overflow (input nested deeper than any Pod) is the
 * peer's fault: a bad request, never a crash. With `pods`, a Pod already validated is not validated again.
 */
export async function decodeArgs(body: Buffer, pods?: ValidatedPods): Promise<Decoded> {
  const validate = (raw: unknown): Decoded => validateArgs(raw, pods);
  try {
    const layout = body.length > INCREMENTAL_PARSE_BYTES ? await findNodeItems(body) : undefined;
    if (layout === undefined) return validate(JSON.parse(body.toString('utf8')) as unknown);
    const skeleton = Buffer.concat([body.subarray(0, layout.start), Buffer.from('[]'), body.subarray(layout.end)]);
    const decoded = validate(JSON.parse(skeleton.toString('utf8')) as unknown);
    if (!decoded.ok || decoded.args.Nodes?.items == null) return decoded;
    const nodes: SlimNode[] = new Array<SlimNode>(layout.items.length);
    let sinceYield = 0;
    for (let i = 0; i < layout.items.length; i++) {
      const [from, to] = layout.items[i]!;
      const node = JSON.parse(body.toString('utf8', from, to)) as unknown;
      const problem = nodeProblem(node);
      if (problem) return { ok: false, message: `${['Nodes', 'items', i, ...problem.path].join('.')}: ${problem.message}` };
      nodes[i] = slimNode(node as WireNode, body, from, to);
      sinceYield += to - from;
      if (sinceYield >= BATCH_BYTES) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    return { ok: true, args: { ...decoded.args, Nodes: { items: nodes } } };
  } catch (error) {
    if (error instanceof SyntaxError) return { ok: false, message: 'malformed JSON' };
    if (error instanceof RangeError) return { ok: false, message: `nested too deeply (${error.message})` };
    throw error;
  }
}

function validateArgs(raw: unknown, pods: ValidatedPods | undefined): Decoded {
  const known = pods?.get((raw as { Pod?: unknown } | null)?.Pod);
  if (known !== undefined) {
    const rest = argsBesidePodSchema.safeParse(raw);
    return rest.success ? { ok: true, args: { ...rest.data, Pod: known } } : { ok: false, message: describeZodError(rest.error) };
  }
  const parsed = extenderArgsSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, message: describeZodError(parsed.error) };
  pods?.remember(parsed.data.Pod);
  return { ok: true, args: parsed.data };
}
