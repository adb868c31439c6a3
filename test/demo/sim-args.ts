import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { ROOT } from '../e2e/harness/cluster.js';
import { hostsOf, serverArgs } from './server-args.js';

/** kinfer-sim flags for a vLLM pod deploy made: served name and port from its args, speed and KV from its annotations. */
export function simArgs(pod: V1Pod, ip: string): string[] | undefined {
  const container = pod.spec?.containers?.[0];
  const args = serverArgs(container);
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
    // A multi-host replica's leader serves for the whole group: its devices times the hosts.
    '--tensor-parallel-size', String(Number(devices) * hostsOf(pod)),
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
