import type { NodeScore } from '../src/placement/scheduler.js';
import { RAW_JSON, type SlimNode } from './items.js';
import type { ExtenderFilterResult, FailedNodesMap, HostPriorityList, WireNode } from './wire.js';

// Node names are DNS subdomains: they need no JSON escaping. Anything else goes through JSON.stringify.
const PLAIN = /^[A-Za-z0-9._:-]*$/;
const quote = (text: string): string => (PLAIN.test(text) ? `"${text}"` : JSON.stringify(text));

/** Most entries kept; past it the table starts over (names the peer made up must not grow it forever). */
const MAX_QUOTED_NAMES = 100_000;

/**
 * Node names as JSON string literals, made once per name and reused by every answer: the scheduler sends the
 * same 5,000 names on every call, and each answer writes most of them.
 */
export class QuotedNames {
  private readonly quoted = new Map<string, string>();

  get(name: string): string {
    let q = this.quoted.get(name);
    if (q === undefined) {
      if (this.quoted.size >= MAX_QUOTED_NAMES) this.quoted.clear();
      q = quote(name);
      this.quoted.set(name, q);
    }
    return q;
  }
}

/**
 * A filter answer as it is built: passing names and (node, reason) pairs in the scheduler's order, kept as
 * parallel arrays. `encode` writes kube-scheduler's ExtenderFilterResult JSON directly, joining the pieces
 * once: at 5,000 nodes the answer is ~400 kB, and building a 5,000-key object only to stringify it cost more
 * than the decision. Every node of one shape shares its reason string, so each distinct reason is escaped once.
 */
export class FilterAnswer {
  readonly passed: string[] = [];
  private readonly failedNodes: string[] = [];
  private readonly failedReasons: string[] = [];
  private readonly unresolvableNodes: string[] = [];
  private readonly unresolvableReasons: string[] = [];
  error = '';

  constructor(
    private readonly cacheMode: boolean,
    private readonly wireNodes: readonly WireNode[] = [],
    private readonly names: QuotedNames = new QuotedNames(),
  ) {}

  pass(node: string): void {
    this.passed.push(node);
  }

  /** A retryable rejection (FailedNodes). */
  fail(node: string, reason: string): void {
    this.failedNodes.push(node);
    this.failedReasons.push(reason);
  }

  /** A rejection no preemption can cure (FailedAndUnresolvableNodes). */
  failUnresolvable(node: string, reason: string): void {
    this.unresolvableNodes.push(node);
    this.unresolvableReasons.push(reason);
  }

  /** The answer as a plain object, key for key what `encode` writes. */
  toWire(): ExtenderFilterResult {
    const map = (nodes: string[], reasons: string[]): FailedNodesMap => Object.fromEntries(nodes.map((n, i) => [n, reasons[i]!]));
    return {
      Nodes: this.cacheMode ? null : { items: this.selectedNodes() },
      NodeNames: this.cacheMode ? [...this.passed] : null,
      FailedNodes: map(this.failedNodes, this.failedReasons),
      FailedAndUnresolvableNodes: map(this.unresolvableNodes, this.unresolvableReasons),
      Error: this.error,
    };
  }

  encode(): string {
    const chunks = this.encodeChunks();
    return chunks.length === 1 ? chunks[0] as string : chunks.map((c) => (typeof c === 'string' ? c : c.toString('utf8'))).join('');
  }

  /**
   * The answer as pieces to write in order: one string, or, when full Nodes go back that were parsed Node by
   * Node (decode.ts), strings around the Nodes' own bytes (slices of the request body, never decoded again).
   */
  encodeChunks(): (string | Buffer)[] {
    // One array of pieces sized up front and joined once: the answer string is the only big allocation.
    const pieces = 2 * (this.failedNodes.length + this.unresolvableNodes.length) + 10;
    const parts = new Array<string>(pieces);
    let at = 0;
    // Each distinct reason is escaped once, as `:"reason",`; the last entry of a map drops the comma.
    const reasons = new Map<string, string>();
    const entries = (nodes: readonly string[], why: readonly string[]): void => {
      for (let i = 0; i < nodes.length; i++) {
        const reason = why[i]!;
        let encoded = reasons.get(reason);
        if (encoded === undefined) {
          encoded = `:${JSON.stringify(reason)},`;
          reasons.set(reason, encoded);
        }
        parts[at++] = this.names.get(nodes[i]!);
        parts[at++] = encoded;
      }
      if (nodes.length > 0) parts[at - 1] = parts[at - 1]!.slice(0, -1);
    };
    const selected = this.cacheMode ? [] : this.selectedNodes();
    const raw = selected.length > 0 && (selected[0] as SlimNode)[RAW_JSON] !== undefined;
    parts[at++] = '{"Nodes":';
    parts[at++] = this.cacheMode ? 'null' : raw ? '' : JSON.stringify({ items: selected });
    parts[at++] = ',"NodeNames":';
    parts[at++] = this.cacheMode ? JSON.stringify(this.passed) : 'null';
    parts[at++] = ',"FailedNodes":{';
    entries(this.failedNodes, this.failedReasons);
    parts[at++] = '},"FailedAndUnresolvableNodes":{';
    entries(this.unresolvableNodes, this.unresolvableReasons);
    parts[at++] = '},"Error":';
    parts[at++] = JSON.stringify(this.error);
    // The closing brace is a piece too: `join() + '}'` would make a cons string that writing must flatten (a copy).
    parts[at++] = '}';
    const rest = parts.join('');
    if (!raw) return [rest];
    const chunks: (string | Buffer)[] = ['{"Nodes":{"items":['];
    selected.forEach((n, i) => {
      if (i > 0) chunks.push(',');
      chunks.push((n as SlimNode)[RAW_JSON] ?? JSON.stringify(n));
    });
    chunks.push(']}', rest.slice('{"Nodes":'.length));
    return chunks;
  }

  private selectedNodes(): WireNode[] {
    const keep = new Set(this.passed);
    return this.wireNodes.filter((n) => keep.has(n.metadata.name));
  }
}

/** A prioritize answer: scores in the scheduler's order. */
export class PrioritizeAnswer {
  constructor(readonly scores: readonly NodeScore[]) {}

  toWire(): HostPriorityList {
    return this.scores.map(({ host, score }) => ({ Host: host, Score: score }));
  }

  /** V8's JSON.stringify of small uniform objects beats joining pieces here (measured: 85 vs 298 kB per call at 1,820 nodes). */
  encode(): string {
    return JSON.stringify(this.toWire());
  }
}
