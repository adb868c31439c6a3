// `make demo`: the whole system on this machine. A real control plane (kube-apiserver, kube-controller-manager,
// kube-scheduler with kinfer-extender, the upstream InferencePool / Gateway API / LeaderWorkerSet CRDs and the
// upstream LWS controller), simulated accelerator nodes, a fake kubelet that runs a kinfer-sim per model-server
// pod, two models deployed with `kubectl inference deploy` (Llama 3.1 405B as one replica over two H100 nodes, a
// LeaderWorkerSet), a kinfer-picker per InferencePool (`--pool`), steady load through them, and
// `kubectl inference top`. `make demo-down` (this file's `down`) stops it all.
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../e2e/harness/cluster.js';

const DIR = join(ROOT, '.kinfer', 'demo');
const LOGS = join(DIR, 'logs');
const PIDS = join(DIR, 'demo-pids');
const KUBECONFIG = join(DIR, 'kubeconfig');
const BIN = join(ROOT, '.kinfer', 'bin');
const NS = 'demo';
const PORT = 27400;
const PICKERS = [
  { name: 'gemma', model: 'google/gemma-2-9b-it', port: PORT + 10, healthPort: PORT + 20 },
  { name: 'llama-405b', model: 'meta-llama/Llama-3.1-405B-Instruct', port: PORT + 11, healthPort: PORT + 21 },
];
const tty = process.stdout.isTTY === true && process.stdin.isTTY === true;

const clusterEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  KINFER_LOCAL_DIR: DIR,
  KINFER_ETCD_PORT: String(PORT), KINFER_ETCD_PEER_PORT: String(PORT + 1), KINFER_APISERVER_PORT: String(PORT + 2),
  KINFER_SCHEDULER_PORT: String(PORT + 3), KINFER_EXTENDER_PORT: String(PORT + 4), KINFER_DEFAULT_SCHEDULER_PORT: String(PORT + 5),
  KINFER_CONTROLLER_MANAGER_PORT: String(PORT + 6),
  KINFER_LWS_WEBHOOK_PORT: String(PORT + 7), KINFER_LWS_HEALTH_PORT: String(PORT + 8),
  KINFER_EXTENDER_CMD: `${process.execPath} ${join(ROOT, 'dist', 'extender', 'main.js')} --port ${PORT + 4} --address 127.0.0.1 --kubeconfig ${KUBECONFIG} --log-level warn`,
});

class StepError extends Error {
  constructor(readonly step: string, message: string, readonly log?: string) {
    super(message);
  }
}

let stepNo = 0;
const STEPS = 7;
async function step<T>(title: string, run: () => Promise<T> | T): Promise<T> {
  stepNo += 1;
  const started = Date.now();
  process.stdout.write(`\n[${stepNo}/${STEPS}] ${title}\n`);
  try {
    const value = await run();
    process.stdout.write(`      done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    return value;
  } catch (error) {
    if (error instanceof StepError) throw error;
    throw new StepError(title, (error as Error).message);
  }
}

/** Runs a command to completion, echoing its output indented; a non-zero exit is a StepError naming its log. */
function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; log?: string; quiet?: boolean } = {}): string {
  const result = spawnSync(command, args, { cwd: ROOT, env: options.env ?? { ...process.env, KUBECONFIG }, input: options.input, encoding: 'utf8', timeout: 600_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (!options.quiet) process.stdout.write(output.split('\n').filter((l) => l !== '').map((l) => `      ${l}\n`).join(''));
  if (result.status !== 0) throw new StepError(`${command} ${args.join(' ')}`, `exit ${result.status ?? result.signal}`, options.log);
  return output;
}

/** Starts a background process of the demo: its output to logs/NAME.log, its pid to demo-pids/NAME.pid. */
function background(name: string, args: readonly string[]): void {
  mkdirSync(LOGS, { recursive: true });
  mkdirSync(PIDS, { recursive: true });
  const log = openSync(join(LOGS, `${name}.log`), 'a');
  const stdio: StdioOptions = ['ignore', log, log];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, KUBECONFIG }, stdio, detached: true });
  child.unref();
  writeFileSync(join(PIDS, `${name}.pid`), String(child.pid));
  process.stdout.write(`      ${name}: pid ${child.pid}, log ${join(LOGS, `${name}.log`)}\n`);
}

async function waitHttp(url: string, what: string, log: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not up yet
    }
    await sleep(300);
  }
  throw new StepError(what, `no answer from ${url} within ${timeoutMs / 1000}s`, log);
}

const inference = (...args: string[]): string[] => [join(ROOT, 'bin', 'kubectl-inference'), ...args, '-n', NS, '--kubeconfig', KUBECONFIG];

async function up(): Promise<void> {
  process.stdout.write('kinfer demo: a local control plane, simulated GPU/TPU nodes, two models, kinfer-picker, live `top`.\n');
  await step('local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler (kinfer-scheduler) + kinfer-extender, upstream CRDs + LeaderWorkerSet controller', () => {
    run('bash', [join(ROOT, 'test', 'controlplane', 'cluster.sh'), 'up'], { env: clusterEnv(), log: join(DIR, 'logs') });
  });
  await step('simulated accelerator nodes: 2× L4 ×4 (GKE labels), 2× H100 ×8 and H200 ×8 (GPU Feature Discovery), TPU v6e 2x4', () => {
    run(join(BIN, 'kubectl'), ['--kubeconfig', KUBECONFIG, 'apply', '--server-side', '-f', join(ROOT, 'test', 'e2e', 'fixtures', 'nodes.yaml')]);
    run(join(BIN, 'kubectl'), ['--kubeconfig', KUBECONFIG, 'apply', '--server-side', '-f', '-'], { input: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n` });
  });
  await step('fake kubelet: marks bound pods Running on 127.0.x.y and starts a kinfer-sim for every model server', async () => {
    background('kubelet', [join(ROOT, 'dist', 'test', 'demo', 'kubelet-main.js'), KUBECONFIG]);
    await sleep(1000);
  });
  await step('kubectl inference deploy meta-llama/Llama-3.1-405B-Instruct --accelerator nvidia-h100-80gb (bf16: one replica over two H100 nodes, a LeaderWorkerSet)', () => {
    // The pickers run here on loopback (step 6), so deploy writes the pools without their in-cluster pickers.
    run(process.execPath, inference('deploy', 'meta-llama/Llama-3.1-405B-Instruct', '--name', 'llama-405b', '--accelerator', 'nvidia-h100-80gb', '--max-model-len', '4096', '--kv-reserve-seqs', '8', '--no-picker', '--explain', '--wait', '--timeout', '180s'), { log: join(LOGS, 'kubelet.log') });
  });
  await step('kubectl inference deploy google/gemma-2-9b-it over L4 and TPU v6e replicas, one Service', () => {
    run(process.execPath, inference('deploy', 'google/gemma-2-9b-it', '--name', 'gemma', '--accelerator', 'nvidia-l4,tpu-v6e-slice', '--replicas', '3', '--max-model-len', '4096', '--kv-reserve-seqs', '4', '--no-picker', '--wait', '--timeout', '120s'), { log: join(LOGS, 'kubelet.log') });
  });
  await step('kinfer-picker (proxy mode) on each InferencePool, and a steady request load through them', async () => {
    for (const p of PICKERS) {
      background(`picker-${p.name}`, [join(ROOT, 'bin', 'kinfer-picker.js'), '--mode', 'proxy', '--host', '127.0.0.1', '--port', String(p.port), '--health-port', String(p.healthPort),
        '--pool', p.name, '-n', NS, '--kubeconfig', KUBECONFIG, '--log-level', 'warn']);
      await waitHttp(`http://127.0.0.1:${p.port}/health`, `picker-${p.name}`, join(LOGS, `picker-${p.name}.log`));
    }
    // Bounded: 30 minutes or 20,000 requests, whichever comes first.
    background('load', [join(ROOT, 'dist', 'test', 'demo', 'load-main.js'), ...PICKERS.flatMap((p) => ['--target', `${p.model}=http://127.0.0.1:${p.port}`]), '--rate', '6', '--duration', '1800']);
    await sleep(4000);
  });
  if (tty) {
    await step('kubectl inference top (q quits, s sorts, / filters, Enter opens a replica)', async () => {
      await sleep(500);
      spawnSync(process.execPath, inference('top', '--direct', '--interval', '1s', ...PICKERS.flatMap((p) => ['--picker', `http://127.0.0.1:${p.healthPort}`])), { cwd: ROOT, stdio: 'inherit' });
    });
  } else {
    await step('kubectl inference top --once (not a terminal: three snapshots)', async () => {
      for (let i = 0; i < 3; i++) {
        run(process.execPath, inference('top', '--direct', '--once', '--interval', '1s'));
        await sleep(2000);
      }
    });
  }
  process.stdout.write(`
The demo keeps running in the background (load stops by itself after 30 minutes). Look around:

  export KUBECONFIG=${KUBECONFIG} PATH=${join(ROOT, 'bin')}:${BIN}:$PATH
  kubectl get nodes; kubectl get pods -n ${NS} -o wide          # which node each replica landed on
  kubectl get leaderworkersets,statefulsets,inferencepools -n ${NS}   # Llama 405B: one LWS group over h100-0 and h100-1
  kubectl inference list -n ${NS}
  kubectl inference top -n ${NS} --direct ${PICKERS.map((p) => `--picker http://127.0.0.1:${p.healthPort}`).join(' ')}   # Enter: a replica's detail
  curl -s 127.0.0.1:${PICKERS[0]!.healthPort}/debug/endpoints    # the gemma picker's view of its InferencePool's replicas
  curl -s 127.0.0.1:${PICKERS[0]!.port}/v1/completions -H 'content-type: application/json' \\
    -d '{"model": "google/gemma-2-9b-it", "prompt": "Hello", "max_tokens": 16}'
  kubectl inference recommend google/gemma-2-9b-it --in-cluster --target-ttft-ms 500 --target-ntpot-ms 60 --plot
  kill $(cat ${join(PIDS, 'load.pid')})    # stop the demo's load before measuring (it keeps Llama 405B saturated), then:
  kubectl inference bench llama-405b -n ${NS} --endpoint http://127.0.0.1:${PICKERS[1]!.port} --concurrency 1,4 --output-tokens 64 --stage-duration 20s

Logs (control plane, kubelet and its simulators, pickers, load): ${LOGS}/. Stop everything: make demo-down
`);
}

function down(): void {
  if (existsSync(PIDS)) {
    for (const file of readdirSync(PIDS)) {
      const pid = Number(readFileSync(join(PIDS, file), 'utf8'));
      try {
        process.kill(pid, 'SIGTERM');
        process.stdout.write(`stopped ${file.replace(/\.pid$/, '')} (pid ${pid})\n`);
      } catch {
        // already gone
      }
    }
    rmSync(PIDS, { recursive: true, force: true });
  }
  // Simulators the kubelet started outlive it only if it was killed hard: find them by their flags.
  spawnSync('pkill', ['-f', `kinfer-sim.js --host 127\\.0\\.`], { stdio: 'ignore' });
  run('bash', [join(ROOT, 'test', 'controlplane', 'cluster.sh'), 'down', '--purge'], { env: clusterEnv() });
}

const command = process.argv[2] ?? 'up';
try {
  if (command === 'down') down();
  else if (command === 'up') await up();
  else throw new StepError('demo', `unknown command ${command} (up or down)`);
} catch (error) {
  const e = error as StepError;
  process.stderr.write(`\ndemo failed at: ${e.step ?? 'unknown step'}: ${e.message}${e.log ? `\n  see the log: ${e.log}` : ''}\n  stop what started: make demo-down\n`);
  process.exit(1);
}
