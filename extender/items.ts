import type { WireNode } from './wire.js';

/**
 * Where the elements of an ExtenderArgs body's `Nodes.items` array lie, found by one scan of the bytes
 * (no parse): `start`/`end` bound the array itself (`[` … `]`), `items` each element as [from, to).
 * Undefined when the body has no such array of objects: the caller then parses the body whole, which also
 * gives the right error for a malformed one.
 */
export interface ItemsLayout {
  readonly start: number;
  readonly end: number;
  readonly items: readonly (readonly [number, number])[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const NODES = Buffer.from('"Nodes"');
const ITEMS = Buffer.from('"items"');

/** Index of the quote closing the string opened at `open`, or -1. */
function stringEnd(body: Buffer, open: number): number {
  let at = open + 1;
  for (;;) {
    const quote = body.indexOf(QUOTE, at);
    if (quote < 0) return -1;
    let backslashes = 0;
    for (let k = quote - 1; body[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/** Bytes scanned between two yields to the event loop (a few ms each). */
const SCAN_SLICE_BYTES = 2 * 1024 * 1024;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A non-recursive scan: depth is a counter, so any nesting costs nothing but time linear in the bytes. It
 * yields to the event loop every SCAN_SLICE_BYTES, so probes and other requests are served meanwhile.
 */
export async function findNodeItems(body: Buffer): Promise<ItemsLayout | undefined> {
  let nextYield = SCAN_SLICE_BYTES;
  let depth = 0;
  let key: 'Nodes' | 'items' | undefined;
  let inNodes = false;
  let arrayStart = -1;
  let itemStart = -1;
  const items: [number, number][] = [];
  for (let i = 0; i < body.length; i++) {
    if (i >= nextYield) {
      nextYield = i + SCAN_SLICE_BYTES;
      await yieldToLoop();
    }
    const c = body[i]!;
    if (c === QUOTE) {
      const close = stringEnd(body, i);
      if (close < 0) return undefined;
      // A key at the levels that matter: "Nodes" at the top, "items" inside Nodes.
      if (depth === 1 && close - i + 1 === NODES.length && body.compare(NODES, 0, NODES.length, i, close + 1) === 0) key = 'Nodes';
      else if (depth === 2 && inNodes && close - i + 1 === ITEMS.length && body.compare(ITEMS, 0, ITEMS.length, i, close + 1) === 0) key = 'items';
      else if (body[nextNonSpace(body, close + 1)] === COLON) key = undefined;
      i = close;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === 1 && c === OPEN_OBJECT && key === 'Nodes') inNodes = true;
      else if (depth === 2 && inNodes && c === OPEN_ARRAY && key === 'items') arrayStart = i;
      else if (depth === 3 && arrayStart >= 0 && itemStart < 0) {
        if (c !== OPEN_OBJECT) return undefined;
        itemStart = i;
      }
      key = undefined;
      depth++;
      continue;
    }
    if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 3 && itemStart >= 0) {
        items.push([itemStart, i + 1]);
        itemStart = -1;
      } else if (depth === 2 && arrayStart >= 0 && c === CLOSE_ARRAY) {
        return { start: arrayStart, end: i + 1, items };
      } else if (depth === 1 && inNodes) inNodes = false;
      if (depth < 0) return undefined;
      continue;
    }
    // A scalar element of items (not an object) at depth 3: leave it to the whole parse.
    if (depth === 3 && arrayStart >= 0 && itemStart < 0 && c > 0x20 && c !== 0x2c) return undefined;
  }
  return undefined;
}

function nextNonSpace(body: Buffer, from: number): number {
  let i = from;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  return i;
}

/** The raw JSON of a Node as it came in, kept so a full-Node answer writes the same bytes back. */
export const RAW_JSON: unique symbol = Symbol('raw node JSON');

export type SlimNode = WireNode & { [RAW_JSON]?: Buffer };

/**
 * What discovery reads of a full Node (name, resourceVersion, labels, allocatable, capacity) and a way back
 * to its raw JSON; the rest of the object (images, conditions, managedFields: most of its bytes) is dropped
 * as soon as it is parsed.
 */
export function slimNode(node: WireNode & { metadata: { resourceVersion?: unknown } }, body: Buffer, from: number, to: number): SlimNode {
  const slim: SlimNode = {
    metadata: { name: node.metadata.name, labels: node.metadata.labels, ...(typeof node.metadata.resourceVersion === 'string' ? { resourceVersion: node.metadata.resourceVersion } : {}) },
    status: node.status ? { allocatable: node.status.allocatable, capacity: node.status.capacity } : undefined,
  };
  Object.defineProperty(slim, RAW_JSON, { value: body.subarray(from, to), enumerable: false });
  return slim;
}
