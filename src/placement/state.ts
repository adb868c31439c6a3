import { discoverAccelerators, type NodeAccelerators, type NodeLike } from '../accelerators/discovery.js';
import { DecisionMemo } from './memo.js';
import { ANNOTATIONS } from './request.js';
import { isTerminated, podDeviceRequests, podGroup, type PodLike } from './pod.js';

/**
 * The slim projection of a pod that placement needs: where it is bound and what it holds. Pods that request
 * no accelerator are not kept at all, so 100,000 ordinary pods cost nothing.
 */
export interface SlimPod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  readonly resourceName: string;
  readonly devices: number;
  readonly model?: string;
  readonly group?: string;
}

export interface NodeEntry {
  readonly name: string;
  readonly accelerators: NodeAccelerators | undefined;
  /**
   * Everything shape-scoped filters and scorers read (type, pools, TPU topology): nodes with equal keys get
   * the same verdict for a request, so a decision over 5,000 nodes of a dozen shapes runs those plugins a
   * dozen times.
   */
  readonly shapeKey: string;
}

/** The placement view of one Node. */
export function nodeEntry(node: NodeLike): NodeEntry | undefined {
  const name = node.metadata?.name;
  if (!name) return undefined;
  const accelerators = discoverAccelerators(node);
  const shapeKey = accelerators === undefined
    ? ''
    : `${accelerators.type}|${accelerators.tpuTopology ?? ''}|${accelerators.pools.map((p) => `${p.resourceName}:${p.devices}:${p.hbmBytesPerDevice}${p.sharing ? `/${p.sharing.strategy}x${p.sharing.sharesPerDevice}` : ''}`).join(',')}`;
  return { name, accelerators, shapeKey };
}

interface Usage {
  readonly devices: Map<string, number>;
  readonly pods: Set<string>;
}

/** Read access to the cluster for filters and scorers. */
export interface ClusterView {
  node(name: string): NodeEntry | undefined;
  nodes(): IterableIterator<NodeEntry>;
  /** Devices of `resourceName` held on the node by bound, non-terminated pods. */
  usedDevices(nodeName: string, resourceName: string): number;
  /** Bound pods of a multi-host group (DESIGN.md `kinfer.dev/group`), by namespace. */
  groupMembers(namespace: string, group: string): readonly SlimPod[];
  /** Bound replicas of one model (`kinfer.dev/model`), by namespace. */
  modelReplicas(namespace: string, model: string): readonly SlimPod[];
  readonly nodeCount: number;
  readonly podCount: number;
  /**
   * Decisions kept across calls, forgotten per node as the view changes (see DecisionMemo); absent for a view
   * that cannot say when a node changes (NodeOverlay's nodes come with each request).
   */
  readonly memo?: DecisionMemo;
}

/**
 * The placement core's cluster state, fed by the extender's informers (or by a benchmark's replay). Pure data:
 * no I/O; each update is O(1) and keeps per-node usage and per-group/model indexes in step.
 */
export class ClusterState implements ClusterView {
  private readonly nodeEntries = new Map<string, NodeEntry>();
  private readonly podEntries = new Map<string, SlimPod>();
  private readonly usage = new Map<string, Usage>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly models = new Map<string, Set<string>>();
  readonly memo = new DecisionMemo();

  get nodeCount(): number {
    return this.nodeEntries.size;
  }

  get podCount(): number {
    return this.podEntries.size;
  }

  upsertNode(node: NodeLike): void {
    const entry = nodeEntry(node);
    if (entry) {
      this.nodeEntries.set(entry.name, entry);
      this.memo.forget(entry.name);
    }
  }

  deleteNode(name: string): void {
    this.nodeEntries.delete(name);
    this.memo.forget(name);
  }

  /** Adds, updates or (when it no longer holds devices) drops a pod. */
  upsertPod(pod: PodLike): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const slim = project(pod);
    const previous = this.podEntries.get(uid);
    if (previous) this.forget(previous);
    if (slim) this.remember(slim);
  }

  deletePod(uid: string): void {
    const previous = this.podEntries.get(uid);
    if (previous) this.forget(previous);
  }

  /** Replaces all pods (a relist). */
  replacePods(pods: Iterable<PodLike>): void {
    const list = this.beginPodList();
    for (const pod of pods) list.add(pod);
    list.done();
  }

  /**
   * A relist streamed page by page: pods are projected as they arrive (so a page of full objects can be
   * dropped at once) and swapped in on `done`; pods absent from the list are gone.
   */
  beginPodList(): { add(pod: PodLike): void; done(): void } {
    const fresh: SlimPod[] = [];
    return {
      add: (pod) => {
        const slim = project(pod);
        if (slim) fresh.push(slim);
      },
      done: () => {
        for (const pod of [...this.podEntries.values()]) this.forget(pod);
        for (const pod of fresh) this.remember(pod);
      },
    };
  }

  /** Replaces all nodes (a relist). */
  replaceNodes(nodes: Iterable<NodeLike>): void {
    const list = this.beginNodeList();
    for (const node of nodes) list.add(node);
    list.done();
  }

  beginNodeList(): { add(node: NodeLike): void; done(): void } {
    const fresh = new Map<string, NodeEntry>();
    return {
      add: (node) => {
        const entry = nodeEntry(node);
        if (entry) fresh.set(entry.name, entry);
      },
      done: () => {
        this.nodeEntries.clear();
        for (const [name, entry] of fresh) this.nodeEntries.set(name, entry);
        this.memo.clear();
      },
    };
  }

  node(name: string): NodeEntry | undefined {
    return this.nodeEntries.get(name);
  }

  nodes(): IterableIterator<NodeEntry> {
    return this.nodeEntries.values();
  }

  usedDevices(nodeName: string, resourceName: string): number {
    return this.usage.get(nodeName)?.devices.get(resourceName) ?? 0;
  }

  groupMembers(namespace: string, group: string): readonly SlimPod[] {
    return this.lookup(this.groups, `${namespace}/${group}`);
  }

  modelReplicas(namespace: string, model: string): readonly SlimPod[] {
    return this.lookup(this.models, `${namespace}/${model}`);
  }

  pods(): IterableIterator<SlimPod> {
    return this.podEntries.values();
  }

  private lookup(index: Map<string, Set<string>>, key: string): SlimPod[] {
    const uids = index.get(key);
    if (!uids) return [];
    const pods: SlimPod[] = [];
    for (const uid of uids) {
      const pod = this.podEntries.get(uid);
      if (pod) pods.push(pod);
    }
    return pods;
  }

  private remember(pod: SlimPod): void {
    this.podEntries.set(pod.uid, pod);
    this.memo.forget(pod.nodeName);
    let usage = this.usage.get(pod.nodeName);
    if (!usage) {
      usage = { devices: new Map(), pods: new Set() };
      this.usage.set(pod.nodeName, usage);
    }
    usage.pods.add(pod.uid);
    usage.devices.set(pod.resourceName, (usage.devices.get(pod.resourceName) ?? 0) + pod.devices);
    if (pod.group !== undefined) addTo(this.groups, `${pod.namespace}/${pod.group}`, pod.uid);
    if (pod.model !== undefined) addTo(this.models, `${pod.namespace}/${pod.model}`, pod.uid);
  }

  private forget(pod: SlimPod): void {
    this.podEntries.delete(pod.uid);
    this.memo.forget(pod.nodeName);
    const usage = this.usage.get(pod.nodeName);
    if (usage) {
      usage.pods.delete(pod.uid);
      const left = (usage.devices.get(pod.resourceName) ?? 0) - pod.devices;
      if (left > 0) usage.devices.set(pod.resourceName, left);
      else usage.devices.delete(pod.resourceName);
      if (usage.pods.size === 0) this.usage.delete(pod.nodeName);
    }
    if (pod.group !== undefined) removeFrom(this.groups, `${pod.namespace}/${pod.group}`, pod.uid);
    if (pod.model !== undefined) removeFrom(this.models, `${pod.namespace}/${pod.model}`, pod.uid);
  }
}

/** The slim projection, or undefined for a pod that holds no accelerator (unbound, terminated, or none requested). */
export function project(pod: PodLike): SlimPod | undefined {
  const nodeName = pod.spec?.nodeName;
  const uid = pod.metadata?.uid;
  if (!nodeName || !uid || isTerminated(pod)) return undefined;
  const requests = podDeviceRequests(pod);
  if (requests.size === 0) return undefined;
  // A pod requests one accelerator resource (the request parser rejects more); take the first.
  const [resourceName, devices] = [...requests][0]!;
  const annotations = pod.metadata?.annotations ?? {};
  const model = annotations[ANNOTATIONS.model];
  const group = podGroup(pod);
  return {
    uid,
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    nodeName,
    resourceName,
    devices,
    ...(model !== undefined ? { model: model.trim() } : {}),
    ...(group !== undefined ? { group } : {}),
  };
}

function addTo(index: Map<string, Set<string>>, key: string, uid: string): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(uid);
}

function removeFrom(index: Map<string, Set<string>>, key: string, uid: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(uid);
  if (set.size === 0) index.delete(key);
}
