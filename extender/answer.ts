import type { ExtenderFilterResult, FailedNodesMap, WireNode } from './wire.js';

// Node names are DNS subdomains: they need no JSON escaping. Anything else goes through JSON.stringify.
const PLAIN = /^[A-Za-z0-9._:-]*$/;
const quote = (text: string): string => (PLAIN.test(text) ? `"${text}"` : JSON.stringify(text));

/**
 * A filter answer as it is built: passing names and (node, reason) pairs in the scheduler's order. `encode`
 * writes kube-scheduler's ExtenderFilterResult JSON directly: at 5,000 nodes the answer is ~400 kB, and
 * building a 5,000-key object only to stringify it cost more than the decision. Every node of one shape
 * shares its reason string, so each distinct reason is escaped once.
 */
export class FilterAnswer {
  readonly passed: string[] = [];
  readonly failed: [node: string, reason: string][] = [];
  readonly unresolvable: [node: string, reason: string][] = [];
  error = '';

  constructor(
    private readonly cacheMode: boolean,
    private readonly wireNodes: readonly WireNode[] = [],
  ) {}

  /** The answer as a plain object, key for key what `encode` writes. */
  toWire(): ExtenderFilterResult {
    return {
      Nodes: this.cacheMode ? null : { items: this.selectedNodes() },
      NodeNames: this.cacheMode ? [...this.passed] : null,
      FailedNodes: Object.fromEntries(this.failed) as FailedNodesMap,
      FailedAndUnresolvableNodes: Object.fromEntries(this.unresolvable) as FailedNodesMap,
      Error: this.error,
    };
  }

  encode(): string {
    const reasons = new Map<string, string>();
    const entries = (pairs: readonly [string, string][]): string => {
      const out: string[] = new Array<string>(pairs.length);
      for (let i = 0; i < pairs.length; i++) {
        const [node, reason] = pairs[i]!;
        let encoded = reasons.get(reason);
        if (encoded === undefined) {
          encoded = JSON.stringify(reason);
          reasons.set(reason, encoded);
        }
        out[i] = `${quote(node)}:${encoded}`;
      }
      return out.join(',');
    };
    const nodes = this.cacheMode ? 'null' : JSON.stringify({ items: this.selectedNodes() });
    const names = this.cacheMode ? `[${this.passed.map(quote).join(',')}]` : 'null';
    return `{"Nodes":${nodes},"NodeNames":${names},"FailedNodes":{${entries(this.failed)}},`
      + `"FailedAndUnresolvableNodes":{${entries(this.unresolvable)}},"Error":${JSON.stringify(this.error)}}`;
  }

  private selectedNodes(): WireNode[] {
    const keep = new Set(this.passed);
    return this.wireNodes.filter((n) => keep.has(n.metadata.name));
  }
}
