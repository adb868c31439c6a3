// The stand most e2e suites share: their own control plane (cluster.ts), the fake nodes they describe, the
// extender's cache holding all of them, a namespace, and a fake kubelet (marking pods Running, or running each
// model server's own command line as kinfer-sim). One function brings it up for a suite's `before`; `close()`
// takes it down in its `after`, whatever got started.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { runProcess, type Run } from '../../run.js';
import { SimFleet, type SimFleetOptions } from '../../demo/sim-args.js';
import { Cluster, KUBECTL, ROOT, type ClusterOptions } from './cluster.js';
import { FakeKubelet } from './kubelet.js';
import { createNodes } from './nodes.js';

export interface StandOptions extends ClusterOptions {
  /** The fake nodes, in nodes.ts's notation; the stand is up once the extender caches every one. */
  readonly nodes: string;
  /** How many nodes `nodes` makes: checked, so a suite's count and its list cannot drift apart. */
  readonly nodeCount?: number;
  /** A namespace to create (absent: the suite works in `default`). */
  readonly namespace?: string;
  /**
   * The fake kubelet: `pods` marks the pods of `namespace` Running and Ready (none run); `sims` runs each model
   * server's container command line as kinfer-sim (every namespace); absent: no kubelet, pods stay Pending once bound.
   */
  readonly kubelet?: 'pods' | { readonly sims: SimFleetOptions };
}

export interface Stand {
  readonly cluster: Cluster;
  readonly nodeNames: readonly string[];
  readonly kubelet?: FakeKubelet;
  /** With `kubelet: { sims }`: the kinfer-sim processes, one per running model-server pod. */
  readonly sims?: SimFleet;
  /** Processes the suite starts beside the stand (pickers): `close()` kills them first. */
  readonly children: ChildProcess[];
  /**
   * `kubectl inference ARGS` as a user runs it: the plugin on PATH, the stand's kubeconfig, `-n namespace` when given,
   * `env` added (e.g. KINFER_PROFILES).
   */
  inference(args: readonly string[], options?: { readonly namespace?: string; readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv }): Promise<Run>;
  /** Stops what was started, in reverse order; safe to call from `after` whatever state the suite is in. */
  close(): Promise<void>;
}

/** Brings the stand up; if any step fails, what was started is stopped before the error is thrown. */
export async function startStand(options: StandOptions): Promise<Stand> {
  const cluster = new Cluster(options);
  const children: ChildProcess[] = [];
  let kubelet: FakeKubelet | undefined;
  let sims: SimFleet | undefined;
  const close = async (): Promise<void> => {
    for (const child of children) child.kill('SIGKILL');
    await kubelet?.stop();
    sims?.stopAll('SIGKILL');
    await cluster.stop();
  };
  try {
    await cluster.start();
    const nodeNames = await createNodes(cluster.core, options.nodes);
    if (options.nodeCount !== undefined && nodeNames.length !== options.nodeCount) {
      throw new Error(`the suite's nodes make ${nodeNames.length} nodes, not the ${options.nodeCount} it counts on`);
    }
    await cluster.waitExtenderNodes(nodeNames.length);
    if (options.namespace) await cluster.core.createNamespace({ body: { metadata: { name: options.namespace } } });
    if (options.kubelet === 'pods') kubelet = new FakeKubelet(cluster.kubeConfig, { namespace: options.namespace ?? 'default' });
    else if (options.kubelet) {
      sims = new SimFleet(cluster.kubeConfig, options.kubelet.sims);
      kubelet = new FakeKubelet(cluster.kubeConfig, { hooks: sims.hooks });
    }
    await kubelet?.start();
    const inference: Stand['inference'] = (args, { namespace, timeoutMs = 120_000, env = {} } = {}) => runProcess(KUBECTL, ['inference', ...args, ...(namespace ? ['-n', namespace] : [])], {
      env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}`, KUBECONFIG: cluster.kubeconfigPath, ...env },
      timeoutMs,
    });
    return { cluster, nodeNames, ...(kubelet ? { kubelet } : {}), ...(sims ? { sims } : {}), children, inference, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
