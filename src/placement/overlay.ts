import { discoverAccelerators, type NodeLike } from '../accelerators/discovery.js';
import type { ClusterView, NodeEntry, SlimPod } from './state.js';

/**
 * A cluster view whose nodes come from the request itself (kube-scheduler's `nodeCacheCapable: false` mode
 * sends full Node objects) while pods and device use come from the informer-fed state.
 */
export class NodeOverlay implements ClusterView {
  private readonly entries = new Map<string, NodeEntry>();

  constructor(private readonly base: ClusterView, nodes: readonly NodeLike[]) {
    for (const node of nodes) {
      const name = node.metadata?.name;
      if (name) this.entries.set(name, { name, accelerators: discoverAccelerators(node) });
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
