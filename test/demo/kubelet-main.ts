// The demo's fake kubelet as a long-running process: pods bound to the simulated nodes become Running and
// Ready with a loopback IP, and every model-server pod gets a kinfer-sim listening on that IP and the
// container's port, sized from the pod's kinfer.dev/ annotations (model, accelerator, TP, context and
// concurrency). Runs until SIGTERM; stops its simulators on the way out.
import { spawn, type ChildProcess } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeKubelet } from '../e2e/harness/kubelet.js';
import { simArgs } from './sim-args.js';

const kubeconfig = process.argv[2];
if (!kubeconfig) {
  process.stderr.write('usage: kubelet-main KUBECONFIG\n');
  process.exit(2);
}

const sims = new Map<string, ChildProcess>();

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
