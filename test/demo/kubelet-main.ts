// The demo's fake kubelet as a long-running process: pods bound to the simulated nodes become Running and
// Ready with a loopback IP, and every model-server pod gets a kinfer-sim listening on that IP, running the
// container's own command line (vllm serve … / sglang.launch_server …) on the node's accelerator type.
// Runs until SIGTERM; stops its simulators on the way out.
import { KubeConfig } from '@kubernetes/client-node';
import { FakeKubelet } from '../e2e/harness/kubelet.js';
import { SimFleet } from './sim-args.js';

const kubeconfig = process.argv[2];
if (!kubeconfig) {
  process.stderr.write('usage: kubelet-main KUBECONFIG\n');
  process.exit(2);
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfig);
const sims = new SimFleet(kubeConfig, { output: 'inherit', onStart: (line) => process.stdout.write(`${line}\n`) });
const kubelet = new FakeKubelet(kubeConfig, { hooks: sims.hooks });
await kubelet.start();
process.stdout.write('fake kubelet running\n');

const shutdown = async (): Promise<void> => {
  await kubelet.stop();
  sims.stopAll();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
