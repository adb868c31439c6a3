// Runs the kinfer-picker pods that `deploy` writes as processes, for a FakeKubelet: the container's own command line,
// its ConfigMap and Secret volumes written to a folder and their mount paths rewritten there, plus what a laptop
// process needs (--kubeconfig) and what a suite changes on purpose (`adjust`, e.g. proxy mode instead of ext_proc).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Child } from '../../picker/helpers.js';
import type { KubeletHooks } from './kubelet.js';
import { ROOT } from './cluster.js';
import { waitFor } from './wait.js';

export const isPickerPod = (pod: V1Pod): boolean => pod.metadata?.labels?.['app.kubernetes.io/component'] === 'endpoint-picker';

export class PickerPods {
  private readonly core: CoreV1Api;
  private readonly running = new Map<string, { child: Child; dir: string }>();
  /** The command lines started, for the suite's diagnostics. */
  readonly started: string[][] = [];

  constructor(private readonly kubeConfig: KubeConfig, private readonly kubeconfigPath: string, private readonly adjust: (args: string[]) => string[] = (a) => a) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** The picker of a deployment, while it runs. */
  child(deployment: string): Child | undefined {
    return [...this.running.values()].find((r) => r.child.name === deployment)?.child;
  }

  /** Picker pods here; every other pod to `others` (e.g. SimFleet's hooks). */
  hooks(others: KubeletHooks = {}): KubeletHooks {
    return {
      onPodStart: async (pod, ip) => (isPickerPod(pod) ? this.start(pod) : others.onPodStart?.(pod, ip)),
      onPodStop: async (pod, ip) => (isPickerPod(pod) ? this.stop(pod) : others.onPodStop?.(pod, ip)),
    };
  }

  private async start(pod: V1Pod): Promise<void> {
    const container = pod.spec!.containers[0]!;
    const namespace = pod.metadata!.namespace!;
    const dir = mkdtempSync(join(tmpdir(), 'kinfer-picker-pod-'));
    let args = [...(container.command ?? []).slice(1), ...(container.args ?? [])];
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.spec!.volumes?.find((v) => v.name === mount.name);
      // As a kubelet, wait for a volume's object to exist.
      const files = await waitFor(async () => (volume?.configMap
        ? (await this.core.readNamespacedConfigMap({ name: volume.configMap.name!, namespace })).data ?? {}
        : volume?.secret
          ? Object.fromEntries(Object.entries((await this.core.readNamespacedSecret({ name: volume.secret.secretName!, namespace })).data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))
          : {}), { what: `volume ${mount.name} of ${pod.metadata!.name}`, timeoutMs: 20_000, intervalMs: 500 });
      const local = join(dir, mount.mountPath);
      for (const [key, text] of Object.entries(files)) {
        mkdirSync(dirname(join(local, key)), { recursive: true });
        writeFileSync(join(local, key), text);
      }
      args = args.map((a) => (a.startsWith(`${mount.mountPath}/`) ? join(local, a.slice(mount.mountPath.length + 1)) : a));
    }
    // The image's entrypoint is node with /app/bin/kinfer-picker.js: here, this checkout's.
    args = args.map((a) => (a === '/app/bin/kinfer-picker.js' ? join(ROOT, 'bin', 'kinfer-picker.js') : a));
    const full = this.adjust([...args, '--kubeconfig', this.kubeconfigPath]);
    this.started.push(full);
    const child = new Child(pod.metadata!.labels!['kinfer.dev/deployment'] ?? 'picker', process.execPath, full);
    this.running.set(pod.metadata!.uid!, { child, dir });
    await child.waitOutput(/kinfer-picker ready/, 30_000);
  }

  private async stop(pod: V1Pod): Promise<void> {
    const entry = this.running.get(pod.metadata!.uid!);
    if (!entry) return;
    this.running.delete(pod.metadata!.uid!);
    await entry.child.stop();
    rmSync(entry.dir, { recursive: true, force: true });
  }

  async stopAll(): Promise<void> {
    for (const [uid, entry] of this.running) {
      this.running.delete(uid);
      await entry.child.stop();
      rmSync(entry.dir, { recursive: true, force: true });
    }
  }
}
