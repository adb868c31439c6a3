// One real control plane per e2e suite: etcd + kube-apiserver + kube-scheduler (+ kinfer-extender, + the upstream
// CRDs, + the upstream LeaderWorkerSet controller), started
// and stopped through test/controlplane/cluster.sh with the suite's own state directory and ports, so a
// developer's `make cluster` on the default ports can run beside it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { sleep, waitFor } from './wait.js';

/** The repository root (this file runs from dist/test/e2e/harness/). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const BIN_DIR = join(ROOT, '.kinfer', 'bin');
export const KUBECTL = join(BIN_DIR, 'kubectl');
const CLUSTER_SH = join(ROOT, 'test', 'controlplane', 'cluster.sh');
const BUILD_SH = join(ROOT, 'test', 'controlplane', 'build.sh');
const UPSTREAM_SH = join(ROOT, 'test', 'upstream', 'upstream.sh');
export const CRD_DIR = join(ROOT, '.kinfer', 'crds');
const EXTENDER_MAIN = join(ROOT, 'dist', 'extender', 'main.js');

export interface ClusterOptions {
  /** State lives in `.kinfer/e2e-<suite>/`. */
  readonly suite: string;
  /** Six consecutive loopback ports from here: etcd, etcd peer, apiserver, scheduler, extender, baseline scheduler. */
  readonly basePort: number;
  /** Run kinfer-extender (default true). */
  readonly extender?: boolean;
  /** The extender's `ignorable` in the scheduler's configuration (default false). */
  readonly ignorable?: boolean;
  /** Also run the baseline scheduler (profile `default-scheduler`, no extender) in its own process. */
  readonly defaultScheduler?: boolean;
  /** clientConnection.qps of the schedulers (burst 2×); default: upstream's 50/100. */
  readonly schedulerQps?: number;
  /** Apply the upstream CRDs (InferencePool, Gateway API, LeaderWorkerSet; test/upstream) at start (default false: a few
   * seconds per suite; the suites that write those kinds turn it on). */
  readonly crds?: boolean;
  /** Run the upstream LeaderWorkerSet controller and its webhooks (default false: it is one more process). */
  readonly lws?: boolean;
}

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'lws-controller' | 'extender' | 'kube-scheduler' | 'default-scheduler';

export interface Ports {
  readonly etcd: number;
  readonly etcdPeer: number;
  readonly apiserver: number;
  readonly scheduler: number;
  readonly extender: number;
  readonly defaultScheduler: number;
  readonly controllerManager: number;
  readonly lwsWebhook: number;
  readonly lwsHealth: number;
}

/** Generous for a loaded 2-core machine; cluster.sh itself bounds each component's readiness wait. */
const SCRIPT_TIMEOUT_MS = 240_000;
const BUILD_TIMEOUT_MS = 30 * 60_000;

interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

/** Scripts in flight, so an exit path can stop them before it runs `cluster.sh down`. */
const inFlight = new Set<ChildProcess>();

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    inFlight.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[e2e harness] ${command} ${args.join(' ')} timed out after ${timeoutMs / 1000}s; killing pid ${child.pid}\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      inFlight.delete(child);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      inFlight.delete(child);
      resolve({ code, output });
    });
  });
}

let built: Promise<void> | undefined;
let crdsCopied: Promise<void> | undefined;
let lwsBuilt: Promise<void> | undefined;

async function script(path: string, args: readonly string[], what: string): Promise<void> {
  const result = await run('bash', [path, ...args], process.env, BUILD_TIMEOUT_MS);
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output}`);
}

/**
 * Builds the control-plane binaries once per process (build.sh is a no-op when they are up to date), copies the
 * upstream CRDs out of their Go modules, and builds the LWS controller when asked (both no-ops when current).
 */
export async function ensureBinaries(options: { crds?: boolean; lws?: boolean } = {}): Promise<void> {
  built ??= (async () => {
    await script(BUILD_SH, [], 'test/controlplane/build.sh');
    if (!existsSync(EXTENDER_MAIN)) throw new Error(`${EXTENDER_MAIN} is missing: run \`npx tsc -p tsconfig.json\` first`);
  })();
  await built;
  if (options.crds ?? false) await (crdsCopied ??= script(UPSTREAM_SH, ['crds'], 'test/upstream/upstream.sh crds'));
  if (options.lws) await (lwsBuilt ??= script(UPSTREAM_SH, ['build', 'lws-controller'], 'test/upstream/upstream.sh build lws-controller'));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie counts as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export class Cluster {
  readonly dir: string;
  readonly ports: Ports;
  readonly kubeconfigPath: string;
  readonly extenderUrl: string;
  private extenderOn: boolean;
  private ignorable: boolean;
  private readonly defaultScheduler: boolean;
  private schedulerQps: number | undefined;
  /** The kinfer scheduler's extender urlPrefix when not kinfer-extender's (the scale e2e's null extender). */
  private schedulerExtenderUrl: string | undefined;
  private kc: KubeConfig | undefined;
  private readonly onExit = (): void => {
    // The test process is going away without its `after` hooks: stop what we started anyway (the
    // components run in their own sessions, so nothing else would). A `cluster.sh up` still running would
    // race with `down`: stop it first.
    for (const child of inFlight) child.kill('SIGKILL');
    spawnSync('bash', [CLUSTER_SH, 'down', '--purge'], { cwd: ROOT, env: this.env(), stdio: 'ignore', timeout: 60_000 });
  };
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  constructor(readonly options: ClusterOptions) {
    this.dir = join(ROOT, '.kinfer', `e2e-${options.suite}`);
    const p = options.basePort;
    this.ports = {
      etcd: p, etcdPeer: p + 1, apiserver: p + 2, scheduler: p + 3, extender: p + 4, defaultScheduler: p + 5, controllerManager: p + 6,
      lwsWebhook: p + 7, lwsHealth: p + 8,
    };
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
    this.extenderUrl = `http://127.0.0.1:${this.ports.extender}`;
    this.extenderOn = options.extender ?? true;
    this.ignorable = options.ignorable ?? false;
    this.defaultScheduler = options.defaultScheduler ?? false;
    this.schedulerQps = options.schedulerQps;
  }

  /** The upstream CRDs are applied (asked for, or needed by the LWS controller). */
  private get crds(): boolean {
    return this.options.crds ?? this.options.lws ?? false;
  }

  /** The environment cluster.sh runs with, for the current settings. */
  env(): NodeJS.ProcessEnv {
    // KINFER_E2E_EXTENDER_NODE_FLAGS: Node flags for kinfer-extender, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
    // to profile it through a suite (the profile is written when cluster.sh stops it).
    const nodeFlags = process.env.KINFER_E2E_EXTENDER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
    const extenderCmd = [process.execPath, ...nodeFlags, EXTENDER_MAIN, '--port', String(this.ports.extender), '--address', '127.0.0.1',
      '--kubeconfig', this.kubeconfigPath, '--log-level', 'warn'].join(' ');
    return {
      ...process.env,
      KINFER_LOCAL_DIR: this.dir,
      KINFER_BIN_DIR: BIN_DIR,
      KINFER_ETCD_PORT: String(this.ports.etcd),
      KINFER_ETCD_PEER_PORT: String(this.ports.etcdPeer),
      KINFER_APISERVER_PORT: String(this.ports.apiserver),
      KINFER_SCHEDULER_PORT: String(this.ports.scheduler),
      KINFER_EXTENDER_PORT: String(this.ports.extender),
      KINFER_DEFAULT_SCHEDULER_PORT: String(this.ports.defaultScheduler),
      KINFER_CONTROLLER_MANAGER_PORT: String(this.ports.controllerManager),
      KINFER_SCHEDULER_EXTENDER: 'on',
      KINFER_EXTENDER_IGNORABLE: this.ignorable ? 'true' : 'false',
      KINFER_EXTENDER_CMD: this.extenderOn ? extenderCmd : '',
      KINFER_DEFAULT_SCHEDULER: this.defaultScheduler ? 'on' : 'off',
      KINFER_SCHEDULER_QPS: this.schedulerQps === undefined ? '' : String(this.schedulerQps),
      KINFER_SCHEDULER_BURST: '',
      KINFER_SCHEDULER_EXTENDER_URL: this.schedulerExtenderUrl ?? this.extenderUrl,
      KINFER_CRDS: this.crds ? 'on' : 'off',
      KINFER_CRD_DIR: CRD_DIR,
      KINFER_LWS: this.options.lws ? 'on' : 'off',
      KINFER_LWS_WEBHOOK_PORT: String(this.ports.lwsWebhook),
      KINFER_LWS_HEALTH_PORT: String(this.ports.lwsHealth),
      KINFER_READY_TIMEOUT: '120',
    };
  }

  private async script(...args: string[]): Promise<string> {
    const result = await run('bash', [CLUSTER_SH, ...args], this.env(), SCRIPT_TIMEOUT_MS);
    if (result.code !== 0) throw new Error(`cluster.sh ${args.join(' ')} failed (exit ${result.code}):\n${result.output}`);
    return result.output;
  }

  /** Starts from empty etcd (a previous crashed run's state is purged first); resolves once all are ready. */
  async start(): Promise<void> {
    await ensureBinaries({ crds: this.crds, lws: this.options.lws ?? false });
    process.on('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    await this.script('down', '--purge');
    // cluster.sh appends to its logs; keep only this run's, so they stay small and to the point.
    rmSync(join(this.dir, 'logs'), { recursive: true, force: true });
    await this.script('up');
    this.kc = undefined;
  }

  /** `cluster.sh up` with the current settings: starts what is missing, restarts what changed. */
  up(): Promise<string> {
    return this.script('up');
  }

  /** Stops everything and deletes etcd data; idempotent, safe to call from `after` even if start failed. */
  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    await this.script('down', '--purge');
  }

  get kubeConfig(): KubeConfig {
    if (!this.kc) {
      const kc = new KubeConfig();
      kc.loadFromFile(this.kubeconfigPath);
      this.kc = kc;
    }
    return this.kc;
  }

  get core(): CoreV1Api {
    return this.kubeConfig.makeApiClient(CoreV1Api);
  }

  get apps(): AppsV1Api {
    return this.kubeConfig.makeApiClient(AppsV1Api);
  }

  /** The pid cluster.sh recorded for a component, if it is alive. */
  pid(component: Component): number | undefined {
    const file = join(this.dir, 'pids', `${component}.pid`);
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  }

  /** Kills one component by its recorded pid and waits until it is gone. SIGKILL emulates a crash. */
  async kill(component: Component, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const pid = this.pid(component);
    if (pid === undefined) throw new Error(`${component} is not running`);
    process.kill(pid, signal);
    try {
      await waitFor(() => !isAlive(pid), { timeoutMs: 20_000, intervalMs: 100, what: `${component} (pid ${pid}) to exit after ${signal}` });
    } catch (error) {
      if (signal === 'SIGKILL') throw error;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 100, what: `${component} (pid ${pid}) to exit after SIGKILL` });
    }
  }

  /** Kills the extender (SIGKILL: a crash) and keeps it off in later `up` calls. */
  async killExtender(): Promise<void> {
    this.extenderOn = false;
    await this.kill('extender', 'SIGKILL');
  }

  /** Starts the extender again; resolves once its /readyz answers (informers synced). */
  async startExtender(): Promise<void> {
    this.extenderOn = true;
    await this.up();
  }

  /** Restarts the kinfer scheduler with the extender `ignorable` (or not). */
  async setIgnorable(ignorable: boolean): Promise<void> {
    await this.configure({ ignorable });
  }

  /**
   * Changes settings and runs `cluster.sh up`: the schedulers restart when `ignorable` or `schedulerQps`
   * changed (`schedulerQps: null` = upstream default); the extender starts (`extender: true`) or stops
   * (`false`); components that did not change keep running.
   */
  async configure(settings: { extender?: boolean; ignorable?: boolean; schedulerQps?: number | null }): Promise<void> {
    if (settings.extender !== undefined) this.extenderOn = settings.extender;
    if (settings.ignorable !== undefined) this.ignorable = settings.ignorable;
    if (settings.schedulerQps !== undefined) this.schedulerQps = settings.schedulerQps ?? undefined;
    await this.up();
  }

  /**
   * Points the kinfer scheduler at another extender (`undefined`: kinfer-extender again) from its next start
   * (`up()` after a `kill('kube-scheduler')`, or any `up()`, which restarts it when the URL changed).
   * kinfer-extender itself keeps running.
   */
  useSchedulerExtender(url: string | undefined): void {
    this.schedulerExtenderUrl = url;
  }

  /** CPU time (user + system, all threads) a component's process has used so far, seconds; from /proc. */
  cpuSeconds(component: Component): number {
    const pid = this.pid(component);
    return pid === undefined ? Number.NaN : processCpuSeconds(pid);
  }

  /** Stops the API server (SIGTERM) and starts it again; `downMs` keeps it down a while first. */
  async restartApiServer(downMs = 0): Promise<void> {
    await this.kill('kube-apiserver', 'SIGTERM');
    if (downMs > 0) await sleep(downMs);
    await this.up();
  }

  /** The extender's /metrics text. */
  async extenderMetrics(): Promise<string> {
    const response = await fetch(`${this.extenderUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
    return response.text();
  }

  /**
   * Waits until the extender's informer cache holds `nodes` nodes (read from /metrics), so pods created next
   * are not turned away with "not in kinfer-extender's cache (yet)".
   */
  async waitExtenderNodes(nodes: number, timeoutMs = 60_000): Promise<void> {
    let seen = -1;
    await waitFor(async () => {
      seen = metricSum(await this.extenderMetrics(), 'kinfer_extender_cache_nodes');
      return seen === nodes;
    }, { timeoutMs, intervalMs: 250, what: `kinfer-extender to cache ${nodes} nodes`, describe: () => `cache_nodes=${seen}` });
  }

  /** The last lines of a component's log, for failure messages. */
  logTail(component: Component, lines = 30): string {
    const file = join(this.dir, 'logs', `${component}.log`);
    if (!existsSync(file)) return `(no ${file})`;
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  }
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux, proc(5)). */
const USER_HZ = 100;

/** CPU time (user + system, all threads) a process has used so far, seconds (proc(5): fields 14 and 15). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

/** Sum of a Prometheus counter/gauge over all its label sets, from exposition text. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    const value = Number(line.trim().split(/\s+/).pop());
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
