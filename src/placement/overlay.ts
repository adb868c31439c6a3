import type { NodeLike } from '../accelerators/discovery.js';
import { nodeEntry, type ClusterView, type NodeEntry, type SlimPod } from './state.js';

/**
 * A cluster view whose nodes come from the request itself (kube-scheduler's `nodeCacheCapable: false` mode
 * sends full Node objects) while pods and device use come from the informer-fed state.
 */
export class NodeOverlay implements ClusterView {
  private readonly entries = new Map<string, NodeEntry>();

  constructor(private readonly base: ClusterView, nodes: readonly NodeLike[], private readonly cache?: NodeEntryCache) {
    for (const node of nodes) {
      const entry = cache ? cache.entry(node) : nodeEntry(node);
      if (entry) this.entries.set(entry.name, entry);
    }
  }

  get nodeCount(): number {
    let count = this.entries.size;
    for (const node of this.base.nodes()) if (!this.entries.has(node.name)) count += 1;
    return count;
  }

  get podCount(): number {
    return this.base.podCount;
  }

  node(name: string): NodeEntry | undefined {
    return this.entries.get(name) ?? this.base.node(name);
  }

  *nodes(): IterableIterator<NodeEntry> {
    yield* this.entries.values();
    for (const node of this.base.nodes()) if (!this.entries.has(node.name)) yield node;
  }

  usedDevices(nodeName: string, resourceName: string): number {
    return this.base.usedDevices(nodeName, resourceName);
  }

  groupMembers(namespace: string, group: string): readonly SlimPod[] {
    return this.base.groupMembers(namespace, group);
  }

  modelReplicas(namespace: string, model: string): readonly SlimPod[] {
    return this.base.modelReplicas(namespace, model);
  }
}

/**
 * Node entries by name and resourceVersion, so a scheduler that sends the same Nodes on every call
 * (`nodeCacheCapable: false`) pays for discovery once per node version, not once per request.
 */
export class NodeEntryCache {
  private readonly entries = new Map<string, { resourceVersion: string; entry: NodeEntry }>();

  constructor(private readonly maxEntries = 50_000) {}

  entry(node: NodeLike & { metadata?: { resourceVersion?: string } }): NodeEntry | undefined {
    const name = node.metadata?.name;
    const version = node.metadata?.resourceVersion;
    if (!name || !version) return nodeEntry(node);
    const hit = this.entries.get(name);
    if (hit && hit.resourceVersion === version) return hit.entry;
    const entry = nodeEntry(node);
    if (!entry) return undefined;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(name, { resourceVersion: version, entry });
    return entry;
  }
}
