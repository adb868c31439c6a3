// A fake kubelet for fake nodes: pods bound to a node become Running and Ready with a unique loopback IP
// (127.0.x.y), and pods being deleted (deletionTimestamp set) are deleted for good (grace period 0), as a
// real kubelet does once their containers have stopped. No containers run; `hooks` is where a model server
// simulator is started and stopped for a pod (the simulator issue plugs kinfer-sim in there).
import { CoreV1Api, Watch, type KubeConfig, type V1Pod, type V1PodCondition } from '@kubernetes/client-node';
import { sleep } from './wait.js';

export interface KubeletHooks {
  /**
   * Called when a pod bound to a fake node is about to be marked Running, with the IP it will report. Start
   * the pod's processes here (e.g. kinfer-sim on `podIP` and the container's port); if this throws, the pod
   * stays Pending and the next event for it retries.
   */
  onPodStart?(pod: V1Pod, podIP: string): Promise<void>;
  /** Called once when a started pod goes away (being deleted, or gone). Stop its processes here. */
  onPodStop?(pod: V1Pod, podIP: string): Promise<void>;
}

export interface KubeletOptions {
  /** Only pods of this namespace (default: all namespaces). */
  readonly namespace?: string;
  /** Which nodes are ours (default: every node). */
  readonly isFakeNode?: (nodeName: string) => boolean;
  readonly hooks?: KubeletHooks;
  /**
   * The IP of a pod instead of a loopback one (which EndpointSlices refuse): e.g. a private address the suite added to
   * its own network namespace, for a pod a Service must reach through the real endpointslice controller.
   */
  readonly ipFor?: (pod: V1Pod) => string | undefined;
}

const RETRY_MS = 500;

export class FakeKubelet {
  private readonly core: CoreV1Api;
  /** uid → pod IP of the pods marked Running. */
  private readonly started = new Map<string, { ip: string; pod: V1Pod }>();
  private readonly busy = new Set<string>();
  private readonly freeIps: string[] = [];
  private nextIp = 0;
  private stopped = true;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private listedOnce: (() => void) | undefined;
  /** Errors met while handling pods (the loop retries; a test may print them). */
  readonly errors: string[] = [];

  constructor(private readonly kubeConfig: KubeConfig, private readonly options: KubeletOptions = {}) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Starts watching; resolves after the first full list was handled. */
  start(): Promise<void> {
    if (!this.stopped) return Promise.resolve();
    this.stopped = false;
    const listed = new Promise<void>((resolve) => (this.listedOnce = resolve));
    this.loop = this.run();
    return listed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.listedOnce?.();
    await this.loop;
    for (const [uid, { ip, pod }] of this.started) {
      this.started.delete(uid);
      await this.options.hooks?.onPodStop?.(pod, ip).catch(() => undefined);
    }
  }

  /** The IP given to a pod (by uid), if it was started. */
  ipOf(uid: string): string | undefined {
    return this.started.get(uid)?.ip;
  }

  get runningCount(): number {
    return this.started.size;
  }

  private allocateIp(): string {
    const reused = this.freeIps.shift();
    if (reused) return reused;
    // 127.0.1.1 onwards: 127.0.0.x is left to the control plane's own listeners.
    const n = this.nextIp++;
    const x = 1 + Math.floor(n / 254);
    if (x > 255) throw new Error('fake kubelet: out of loopback pod IPs');
    return `127.0.${x}.${(n % 254) + 1}`;
  }

  private path(): string {
    return this.options.namespace ? `/api/v1/namespaces/${this.options.namespace}/pods` : '/api/v1/pods';
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const list = this.options.namespace
          ? await this.core.listNamespacedPod({ namespace: this.options.namespace })
          : await this.core.listPodForAllNamespaces({});
        const present = new Set<string>();
        for (const pod of list.items) {
          present.add(pod.metadata?.uid ?? '');
          this.handle(pod);
        }
        // Pods deleted while we were not watching.
        for (const [uid, { pod }] of this.started) if (!present.has(uid)) void this.gone(pod);
        this.listedOnce?.();
        this.listedOnce = undefined;
        await this.watch(list.metadata?.resourceVersion ?? '');
      } catch (error) {
        if (this.stopped) break;
        this.errors.push(`list/watch: ${(error as Error).message}`);
      }
      if (!this.stopped) await sleep(RETRY_MS);
    }
  }

  private watch(resourceVersion: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const watch = new Watch(this.kubeConfig);
      watch
        .watch(
          this.path(),
          { resourceVersion, allowWatchBookmarks: true },
          (type: string, pod: V1Pod) => {
            if (type === 'ADDED' || type === 'MODIFIED') this.handle(pod);
            else if (type === 'DELETED') void this.gone(pod);
          },
          (error: unknown) => {
            this.abort = undefined;
            if (error && !this.stopped) reject(error instanceof Error ? error : new Error(String(error)));
            else resolve();
          },
        )
        .then((controller) => {
          if (this.stopped) controller.abort();
          else this.abort = controller;
        }, reject);
    });
  }

  private handle(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const node = pod.spec?.nodeName;
    if (!uid || !node || this.busy.has(uid)) return;
    if (this.options.isFakeNode && !this.options.isFakeNode(node)) return;
    if (pod.metadata?.deletionTimestamp) {
      this.busy.add(uid);
      void this.terminate(pod).finally(() => this.busy.delete(uid));
      return;
    }
    if (this.started.has(uid)) return;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    this.busy.add(uid);
    void this.startPod(pod).finally(() => this.busy.delete(uid));
  }

  private async startPod(pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const own = this.options.ipFor?.(pod);
    const ip = own ?? this.allocateIp();
    try {
      await this.options.hooks?.onPodStart?.(pod, ip);
      const now = new Date().toISOString();
      const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      const condition = (type: string): V1PodCondition => ({ type, status: 'True', lastTransitionTime: now as unknown as Date });
      const conditions = [
        ...(scheduled ? [scheduled] : [condition('PodScheduled')]),
        condition('PodReadyToStartContainers'),
        condition('Initialized'),
        condition('ContainersReady'),
        condition('Ready'),
      ];
      const containerStatuses = (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        containerID: `fake://${uid}/${c.name}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      }));
      const patch = [
        { op: 'add', path: '/status/phase', value: 'Running' },
        { op: 'add', path: '/status/hostIP', value: '127.0.0.1' },
        { op: 'add', path: '/status/hostIPs', value: [{ ip: '127.0.0.1' }] },
        { op: 'add', path: '/status/podIP', value: ip },
        { op: 'add', path: '/status/podIPs', value: [{ ip }] },
        { op: 'add', path: '/status/startTime', value: now },
        { op: 'add', path: '/status/conditions', value: conditions },
        { op: 'add', path: '/status/containerStatuses', value: containerStatuses },
      ];
      const updated = await this.core.patchNamespacedPodStatus({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: patch });
      this.started.set(uid, { ip, pod: updated });
    } catch (error) {
      if (own === undefined) this.freeIps.push(ip);
      await this.options.hooks?.onPodStop?.(pod, ip).catch(() => undefined);
      if (!this.stopped) this.errors.push(`start ${pod.metadata?.namespace}/${pod.metadata?.name}: ${(error as Error).message}`);
    }
  }

  private async terminate(pod: V1Pod): Promise<void> {
    await this.gone(pod);
    try {
      await this.core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, gracePeriodSeconds: 0 });
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code !== 404 && !this.stopped) this.errors.push(`delete ${pod.metadata?.namespace}/${pod.metadata?.name}: ${(error as Error).message}`);
    }
  }

  private async gone(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const entry = this.started.get(uid);
    if (!entry) return;
    this.started.delete(uid);
    if (this.options.ipFor?.(entry.pod) === undefined) this.freeIps.push(entry.ip);
    await this.options.hooks?.onPodStop?.(entry.pod, entry.ip).catch(() => undefined);
  }
}
