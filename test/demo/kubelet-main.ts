// The demo's fake kubelet as a long-running process: pods bound to the simulated nodes become Running and
// Ready with a loopback IP, and every model-server pod gets a kinfer-sim listening on that IP and the
// container's port, sized from the pod's kinfer.dev/ annotations (model, accelerator, TP, context and
// concurrency). Runs until SIGTERM; stops its simulators on the way out.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { FakeKubelet } from '../e2e/harness/kubelet.js';
import { ROOT } from '../e2e/harness/cluster.js';

const kubeconfig = process.argv[2];
if (!kubeconfig) {
  process.stderr.write('usage: kubelet-main KUBECONFIG\n');
  process.exit(2);
}

const sims = new Map<string, ChildProcess>();

/** kinfer-sim flags for a vLLM pod deploy made: served name and port from its args, speed and KV from its annotations. */
export function simArgs(pod: V1Pod, ip: string): string[] | undefined {
  const container = pod.spec?.containers?.[0];
  const args = container?.args ?? [];
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const model = flag('--served-model-name');
  if (!model) return undefined;
  const annotations = pod.metadata?.annotations ?? {};
  const maxModelLen = Number(annotations['kinfer.dev/max-model-len'] ?? 4096);
  const maxNumSeqs = Number(annotations['kinfer.dev/max-num-seqs'] ?? 8);
  const limits = container?.resources?.limits ?? {};
  const devices = Object.entries(limits).find(([k]) => k.endsWith('/gpu') || k.endsWith('/tpu'))?.[1] ?? '1';
  return [
    join(ROOT, 'bin', 'kinfer-sim.js'),
    '--host', ip, '--port', flag('--port') ?? '8000', '--model', model,
    '--accelerator', annotations['kinfer.dev/accelerators']?.split(',')[0] ?? 'nvidia-h100-80gb',
    '--profile-model', annotations['kinfer.dev/model'] ?? model,
    '--tensor-parallel-size', String(devices),
    '--dtype', annotations['kinfer.dev/dtype'] ?? 'bf16',
    '--max-model-len', String(maxModelLen),
    '--max-num-seqs', String(maxNumSeqs),
    // The KV cache holds what the deployment asked for (max-model-len x max-num-seqs) and a fifth more, so
    // the demo's load fills it visibly instead of leaving a 140 GB cache at 1%.
    '--kv-cache-tokens', String(Math.round(maxModelLen * maxNumSeqs * 1.2)),
    '--output-length', 'uniform',
    '--log-level', 'warn',
  ];
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfig);
const kubelet = new FakeKubelet(kubeConfig, {
  hooks: {
    async onPodStart(pod, ip) {
      const args = simArgs(pod, ip);
      if (!args) return;
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      sims.set(pod.metadata?.uid ?? ip, child);
      process.stdout.write(`started kinfer-sim for ${pod.metadata?.namespace}/${pod.metadata?.name} on ${ip}\n`);
    },
    async onPodStop(pod) {
      const child = sims.get(pod.metadata?.uid ?? '');
      child?.kill('SIGTERM');
      sims.delete(pod.metadata?.uid ?? '');
    },
  },
});
await kubelet.start();
process.stdout.write('fake kubelet running\n');

const shutdown = async (): Promise<void> => {
  await kubelet.stop();
  for (const child of sims.values()) child.kill('SIGTERM');
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
