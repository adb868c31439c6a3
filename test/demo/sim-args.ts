// What a fake kubelet runs for a model-server pod: kinfer-sim with the node's accelerator type and the pod's IP
// (its own flags), then exactly the container's command and args, which kinfer-sim takes as a drop-in for the
// server (sim/server-args.ts). So the simulation is sized by what `deploy` wrote, not by annotations.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { discoverAccelerators } from '../../src/accelerators/discovery.js';
import { ROOT } from '../e2e/harness/cluster.js';
import type { KubeletHooks } from '../e2e/harness/kubelet.js';
import { waitFor } from '../e2e/harness/wait.js';

/**
 * The container's command line, as its process would see it: command + args; a `sh -c` script's `exec`'d
 * command (vLLM's multi-node leader runs `… ; exec vllm serve …`). Undefined when the container starts no model
 * server (a multi-host worker only joins the leader's Ray cluster).
 */
export function containerCommandLine(pod: V1Pod): string[] | undefined {
  const container = pod.spec?.containers?.[0];
  const line = [...(container?.command ?? []), ...(container?.args ?? [])];
  if (line.length === 0) return undefined;
  if (/(^|\/)(ba)?sh$/.test(line[0]!) && line[1] === '-c') {
    const exec = /(?:^|[;&\n]\s*)exec\s+(.+)$/s.exec(line[2] ?? '');
    return exec ? exec[1]!.trim().split(/\s+/) : undefined;
  }
  return line;
}

/** kinfer-sim's arguments for a pod on a node of `accelerator`, listening on `ip`. */
export function simArgs(pod: V1Pod, ip: string, accelerator: string, logLevel = 'warn'): string[] | undefined {
  const line = containerCommandLine(pod);
  if (!line || !line.some((w) => w === 'serve' || w === 'sglang.launch_server')) return undefined;
  return [join(ROOT, 'bin', 'kinfer-sim.js'), '--accelerator', accelerator, '--host', ip, '--log-level', logLevel, ...line];
}

export interface SimFleetOptions {
  /** kinfer-sim's --log-level (default warn). */
  readonly logLevel?: string;
  /** Where the sims' output goes: the kubelet's own stderr, nowhere, or kept per pod (`logs`). */
  readonly output?: 'inherit' | 'ignore' | 'keep';
  /** Called with one line per started sim. */
  readonly onStart?: (line: string) => void;
}

/** kinfer-sim processes for the model-server pods a FakeKubelet starts: `hooks` plugs them in. */
export class SimFleet {
  private readonly core: CoreV1Api;
  private readonly sims = new Map<string, ChildProcess>();
  private readonly output = new Map<string, string>();

  constructor(kubeConfig: KubeConfig, private readonly options: SimFleetOptions = {}) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  readonly hooks: KubeletHooks = {
    onPodStart: async (pod, ip) => {
      const node = await this.core.readNode({ name: pod.spec!.nodeName! });
      const accelerator = discoverAccelerators(node)?.type;
      if (!accelerator) return;
      const args = simArgs(pod, ip, accelerator, this.options.logLevel);
      if (!args) return;
      const uid = pod.metadata?.uid ?? ip;
      const output = this.options.output ?? 'ignore';
      const child = spawn(process.execPath, args, { stdio: ['ignore', output === 'inherit' ? 'inherit' : 'ignore', output === 'keep' ? 'pipe' : output] });
      if (output === 'keep') {
        this.output.set(uid, '');
        child.stderr?.on('data', (data: Buffer) => this.output.set(uid, (this.output.get(uid) ?? '') + data.toString()));
      }
      this.sims.set(uid, child);
      const port = pod.spec?.containers?.[0]?.ports?.[0]?.containerPort ?? 8000;
      // Ready only once the sim answers, as a readiness probe would have it.
      const state = await waitFor(async () => {
        if (child.exitCode !== null) return 'exited';
        try {
          return (await fetch(`http://${ip}:${port}/health`)).ok ? 'ready' : undefined;
        } catch {
          return undefined;
        }
      }, { what: `kinfer-sim on ${ip}:${port}`, timeoutMs: 20_000 });
      if (state === 'exited') throw new Error(`kinfer-sim for ${pod.metadata?.name} exited ${child.exitCode}: ${this.output.get(uid) ?? ''}`);
      this.options.onStart?.(`started kinfer-sim for ${pod.metadata?.namespace}/${pod.metadata?.name} on ${ip}:${port} (${accelerator}): ${args.slice(1).join(' ')}`);
    },
    onPodStop: async (pod) => {
      const uid = pod.metadata?.uid ?? '';
      this.sims.get(uid)?.kill('SIGTERM');
      this.sims.delete(uid);
    },
  };

  /** What a pod's sim wrote to stderr (with output: 'keep'). */
  logs(pod: V1Pod): string {
    return this.output.get(pod.metadata?.uid ?? '') ?? '';
  }

  stopAll(signal: NodeJS.Signals = 'SIGTERM'): void {
    for (const child of this.sims.values()) child.kill(signal);
    this.sims.clear();
  }
}
