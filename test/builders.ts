// Builders for the objects tests talk about: Nodes and Pods as the API server (or the scheduler's
// extender request) carries them. Start from a minimal object and add what the case is about.

export interface NodeObject {
  metadata: { name: string; labels: Record<string, string> };
  status: { allocatable: Record<string, string>; capacity: Record<string, string> };
}

export class NodeBuilder {
  private readonly node: NodeObject;

  constructor(name: string) {
    this.node = {
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      status: { allocatable: { cpu: '32', memory: '256Gi', pods: '110' }, capacity: { cpu: '32', memory: '256Gi', pods: '110' } },
    };
  }

  label(key: string, value: string): this {
    this.node.metadata.labels[key] = value;
    return this;
  }

  labels(labels: Record<string, string>): this {
    Object.assign(this.node.metadata.labels, labels);
    return this;
  }

  /** Sets allocatable and capacity of a resource (e.g. `nvidia.com/gpu`, 8). */
  resource(name: string, quantity: string | number): this {
    this.node.status.allocatable[name] = String(quantity);
    this.node.status.capacity[name] = String(quantity);
    return this;
  }

  /** A GKE GPU node: `cloud.google.com/gke-accelerator` + `nvidia.com/gpu`. */
  gkeGpu(type: string, count: number): this {
    return this.label('cloud.google.com/gke-accelerator', type).resource('nvidia.com/gpu', count);
  }

  /** A GKE TPU node: accelerator and topology labels + `google.com/tpu`. */
  gkeTpu(type: string, topology: string, chips: number): this {
    return this.label('cloud.google.com/gke-tpu-accelerator', type)
      .label('cloud.google.com/gke-tpu-topology', topology)
      .resource('google.com/tpu', chips);
  }

  /** An NVIDIA GPU Feature Discovery node: product and memory (MiB) labels + `nvidia.com/gpu`. */
  gfdGpu(product: string, count: number, memoryMiB?: number): this {
    this.label('nvidia.com/gpu.product', product).label('nvidia.com/gpu.count', String(count));
    if (memoryMiB !== undefined) this.label('nvidia.com/gpu.memory', String(memoryMiB));
    return this.resource('nvidia.com/gpu', count);
  }

  zone(zone: string): this {
    return this.label('topology.kubernetes.io/zone', zone);
  }

  build(): NodeObject {
    return structuredClone(this.node);
  }
}

export const aNode = (name: string): NodeBuilder => new NodeBuilder(name);

export interface PodObject {
  metadata: { name: string; namespace: string; uid: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    nodeName?: string;
    schedulerName?: string;
    containers: { name: string; resources: { requests?: Record<string, string>; limits?: Record<string, string> } }[];
  };
  status: { phase: string };
}

let podSerial = 0;

export class PodBuilder {
  private readonly pod: PodObject;

  constructor(name: string, namespace = 'default') {
    podSerial += 1;
    this.pod = {
      metadata: { name, namespace, uid: `uid-${name}-${podSerial}`, labels: {}, annotations: {} },
      spec: { containers: [{ name: 'server', resources: {} }] },
      status: { phase: 'Pending' },
    };
  }

  annotate(key: string, value: string): this {
    this.pod.metadata.annotations[key] = value;
    return this;
  }

  /** Sets a `kinfer.dev/<key>` annotation. */
  kinfer(key: string, value: string): this {
    return this.annotate(`kinfer.dev/${key}`, value);
  }

  model(id: string): this {
    return this.kinfer('model', id);
  }

  label(key: string, value: string): this {
    this.pod.metadata.labels[key] = value;
    return this;
  }

  /** Requests (and limits, as device plugins require) `count` of an extended resource on the first container. */
  devices(resourceName: string, count: number): this {
    const container = this.pod.spec.containers[0]!;
    container.resources.requests = { ...container.resources.requests, [resourceName]: String(count) };
    container.resources.limits = { ...container.resources.limits, [resourceName]: String(count) };
    return this;
  }

  gpus(count: number): this {
    return this.devices('nvidia.com/gpu', count);
  }

  onNode(nodeName: string, phase = 'Running'): this {
    this.pod.spec.nodeName = nodeName;
    this.pod.status.phase = phase;
    return this;
  }

  build(): PodObject {
    return structuredClone(this.pod);
  }
}

export const aPod = (name: string, namespace?: string): PodBuilder => new PodBuilder(name, namespace);
