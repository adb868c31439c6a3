// The routing stand shared by the EPP e2e (test/e2e/epp.e2e.test.ts) and the side-by-side benchmark
// (bench/routing-epp.bench.ts): a real control plane with the real InferencePool v1 CRD (from its Go module,
// test/upstream/upstream.sh), one InferencePool, model-server pods that the fake kubelet marks Running on loopback
// IPs and whose servers it starts there (kinfer-sim, or llm-d-inference-sim built from its module), an endpoint
// picker reading that pool (the upstream EPP v1.5.0, or kinfer-picker) and a real Envoy in front of it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, CustomObjectsApi, KubernetesObjectApi, type V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { Child, freePort, waitFor } from '../../picker/helpers.js';
import { BIN_DIR, Cluster, ROOT } from '../harness/cluster.js';
import { FakeKubelet } from '../harness/kubelet.js';
import { bootstrapYaml, findEnvoy } from '../envoy/envoy.js';

export const UPSTREAM_SH = join(ROOT, 'test', 'upstream', 'upstream.sh');
export const CRD_DIR = join(ROOT, '.kinfer', 'crds');
export const EPP_BIN = join(BIN_DIR, 'epp');
export const LLMD_BIN = join(BIN_DIR, 'llm-d-inference-sim');
/** The model servers' port in every pod (the InferencePool's targetPort; vLLM's default). */
export const TARGET_PORT = 8000;
const GROUP = 'inference.networking.k8s.io';

export interface ReplicaSpec {
  readonly name: string;
  readonly server: 'kinfer-sim' | 'llm-d-inference-sim';
  /** Flags besides host, port and model. */
  readonly args: readonly string[];
}

export interface Replica extends ReplicaSpec {
  /** `podIP:8000`, what the pickers answer with. */
  readonly address: string;
}

export interface StandOptions {
  readonly suite: string;
  /** Seven consecutive loopback ports for the control plane (harness/cluster.ts). */
  readonly basePort: number;
  readonly model: string;
  readonly replicas: readonly ReplicaSpec[];
  readonly namespace?: string;
  readonly pool?: string;
}

/** Why the stand cannot run here (a missing upstream binary or Envoy), or undefined when it can. */
export function standMissing(): string | undefined {
  if (!existsSync(EPP_BIN) || !existsSync(LLMD_BIN)) return `${EPP_BIN} or ${LLMD_BIN} is missing: run \`test/upstream/upstream.sh build epp llm-d-inference-sim\``;
  const envoy = findEnvoy();
  return 'reason' in envoy ? envoy.reason : undefined;
}

/** The pinned upstream CRDs in .kinfer/crds (copied from the module cache on first use). */
export function ensureCrds(): void {
  if (existsSync(join(CRD_DIR, `${GROUP}_inferencepools.yaml`))) return;
  const r = spawnSync('bash', [UPSTREAM_SH, 'crds'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`upstream.sh crds failed: ${r.stderr}`);
}

/**
 * llm-d-inference-sim v0.10.2 listens on every address (`net.Listen("tcp4", ":port")`, pkg/communication/http.go),
 * so two of them cannot share port 8000 on different loopback IPs: each listens on a port of its own and a plain
 * TCP relay on podIP:8000 carries the bytes (both pickers scrape and route through it alike).
 */
function relay(host: string, port: number, toPort: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(toPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export class RoutingStand {
  readonly cluster: Cluster;
  readonly namespace: string;
  readonly pool: string;
  readonly dir = mkdtempSync(join(tmpdir(), 'kinfer-stand-'));
  private kubelet: FakeKubelet | undefined;
  private readonly servers = new Map<string, { child: Child; relay?: Server; address: string }>();
  private readonly children: Child[] = [];

  constructor(readonly options: StandOptions) {
    this.cluster = new Cluster({ suite: options.suite, basePort: options.basePort, extender: false });
    this.namespace = options.namespace ?? 'serve';
    this.pool = options.pool ?? 'pool';
  }

  /** The replicas as the pickers see them, in spec order. */
  get replicas(): Replica[] {
    return this.options.replicas.map((r) => ({ ...r, address: this.servers.get(r.name)?.address ?? '' }));
  }

  async start(): Promise<void> {
    ensureCrds();
    await this.cluster.start();
    const crd = parse(readFileSync(join(CRD_DIR, `${GROUP}_inferencepools.yaml`), 'utf8')) as { metadata: { name: string } };
    const extensions = this.cluster.kubeConfig.makeApiClient(ApiextensionsV1Api);
    await KubernetesObjectApi.makeApiClient(this.cluster.kubeConfig).create(crd as never);
    await waitFor(async () => {
      const got = await extensions.readCustomResourceDefinition({ name: crd.metadata.name });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, 'the InferencePool CRD to be established', 30_000, 200);
    await this.cluster.core.createNamespace({ body: { metadata: { name: this.namespace } } });
    await this.cluster.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: GROUP, version: 'v1', namespace: this.namespace, plural: 'inferencepools',
      body: {
        apiVersion: `${GROUP}/v1`, kind: 'InferencePool', metadata: { name: this.pool },
        spec: { selector: { matchLabels: { app: this.pool } }, targetPorts: [{ number: TARGET_PORT }], endpointPickerRef: { name: `${this.pool}-epp`, port: { number: 9002 } } },
      },
    });
    // The kubeconfig exists once the control plane is up.
    const kubelet = new FakeKubelet(this.cluster.kubeConfig, {
      namespace: this.namespace,
      hooks: {
        onPodStart: (pod, ip) => this.startServer(pod, ip),
        onPodStop: async (pod) => this.stopServer(pod.metadata?.name ?? ''),
      },
    });
    this.kubelet = kubelet;
    await kubelet.start();
    for (const r of this.options.replicas) {
      await this.cluster.core.createNamespacedPod({
        namespace: this.namespace,
        body: {
          metadata: { name: r.name, labels: { app: this.pool } },
          spec: { nodeName: 'loopback', containers: [{ name: 'server', image: r.server, ports: [{ containerPort: TARGET_PORT }] }] },
        },
      });
    }
    await waitFor(() => this.servers.size === this.options.replicas.length || undefined, `${this.options.replicas.length} model servers to start (${kubelet.errors.join('; ')})`, 60_000, 100);
  }

  private async startServer(pod: V1Pod, ip: string): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const spec = this.options.replicas.find((r) => r.name === name);
    if (!spec) throw new Error(`no replica spec for pod ${name}`);
    const address = `${ip}:${TARGET_PORT}`;
    let child: Child;
    let server: Server | undefined;
    if (spec.server === 'kinfer-sim') {
      child = new Child(name, process.execPath, ['bin/kinfer-sim.js', '--host', ip, '--port', String(TARGET_PORT), '--model', this.options.model, '--log-level', 'error', ...spec.args]);
    } else {
      const port = await freePort();
      child = new Child(name, LLMD_BIN, ['--port', String(port), '--model', this.options.model, '--force-dummy-tokenizer', ...spec.args], { env: { ...process.env, POD_IP: ip, POD_NAME: name, POD_NAMESPACE: this.namespace } });
      server = await relay(ip, TARGET_PORT, port);
    }
    this.children.push(child);
    this.servers.set(name, { child, address, ...(server ? { relay: server } : {}) });
    await waitFor(async () => {
      if (!child.running) throw new Error(`${name} exited: ${child.tail()}`);
      const response = await fetch(`http://${address}/v1/models`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      return response?.ok;
    }, `${name} (${spec.server}) to answer on ${address}`, 30_000, 100);
  }

  private async stopServer(name: string): Promise<void> {
    const s = this.servers.get(name);
    if (!s) return;
    this.servers.delete(name);
    s.relay?.close();
    await s.child.stop();
  }

  /** The upstream EPP v1.5.0 on the pool, with its default configuration (no --config-file). Resolves with its gRPC port. */
  async startEpp(): Promise<{ port: number; child: Child }> {
    const [grpc, health, metrics] = [await freePort(), await freePort(), await freePort()];
    // Flags: pkg/epp/server/options.go. Secure serving is on by default (a self-signed certificate); Envoy here speaks
    // plain HTTP/2 to both pickers, so it is turned off, as are tracing (no collector) and pprof.
    const child = new Child('epp', EPP_BIN, [
      '--pool-name', this.pool, '--pool-namespace', this.namespace, '--grpc-port', String(grpc), '--grpc-health-port', String(health),
      '--metrics-port', String(metrics), '--secure-serving=false', '--tracing=false', '--enable-pprof=false', '--metrics-endpoint-auth=false',
    ], { env: { ...process.env, KUBECONFIG: this.cluster.kubeconfigPath } });
    this.children.push(child);
    await waitFor(async () => {
      if (!child.running) throw new Error(`epp exited: ${child.tail()}`);
      const text = await fetch(`http://127.0.0.1:${metrics}/metrics`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text()).catch(() => '');
      // The pool's pods, as the EPP's datastore counts them (inference_pool_ready_pods{name=...}).
      const ready = /^inference_pool_ready_pods\{[^}]*\} (\d+)/m.exec(text);
      return ready !== null && Number(ready[1]) === this.options.replicas.length;
    }, `the EPP to see ${this.options.replicas.length} ready pods: ${child.tail(1500)}`, 60_000, 250);
    return { port: grpc, child };
  }

  /** kinfer-picker in ext-proc mode on the same pool, with `configYaml` (default: its built-in profile). */
  async startKinferPicker(configYaml?: string): Promise<{ port: number; healthUrl: string; child: Child }> {
    const [port, health] = [await freePort(), await freePort()];
    const config = configYaml === undefined ? [] : ['--config', this.write(`picker-${port}.yaml`, configYaml)];
    const child = new Child('kinfer-picker', process.execPath, [
      'bin/kinfer-picker.js', '--mode', 'ext-proc', '--host', '127.0.0.1', '--port', String(port), '--health-port', String(health),
      '--pool', this.pool, '-n', this.namespace, '--kubeconfig', this.cluster.kubeconfigPath, '--log-level', 'warn', ...config,
      // Plaintext on loopback, as the EPP beside it runs (--secure-serving=false): the same Envoy cluster for both.
      '--secure-serving', 'false',
    ]);
    this.children.push(child);
    const healthUrl = `http://127.0.0.1:${health}`;
    await waitFor(async () => {
      if (!child.running) throw new Error(`kinfer-picker exited: ${child.tail()}`);
      const body = await fetch(`${healthUrl}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.json() as Promise<{ fresh?: number }>).catch(() => undefined);
      return body?.fresh === this.options.replicas.length;
    }, `kinfer-picker to scrape ${this.options.replicas.length} pods`, 30_000, 100);
    return { port, healthUrl, child };
  }

  /**
   * A real Envoy in front of the ext_proc server on `extProcPort`, or with no picker at all (`round-robin`: Envoy's
   * ROUND_ROBIN over the pool's pod addresses, what a plain Service or gateway without an endpoint picker does).
   */
  async startEnvoy(extProcPort: number | 'round-robin', bodyMode: 'buffered' | 'full-duplex' = 'buffered'): Promise<{ url: string; child: Child }> {
    const envoy = findEnvoy();
    if ('reason' in envoy) throw new Error(envoy.reason);
    const [listener, admin] = [await freePort(), await freePort()];
    const yaml = extProcPort === 'round-robin'
      ? bootstrapYaml({ listener, admin, extProc: 0, roundRobin: this.replicas.map((r) => r.address) })
      : bootstrapYaml({ listener, admin, extProc: extProcPort, bodyMode });
    const config = this.write(`envoy-${listener}.yaml`, yaml);
    const child = new Child('envoy', envoy.path, ['-c', config, '--concurrency', '1', '--disable-hot-restart', '--log-level', 'warn', '--file-flush-interval-msec', '100', '--base-id', String(listener)]);
    this.children.push(child);
    await waitFor(async () => {
      if (!child.running) throw new Error(`envoy exited: ${child.tail()}`);
      const response = await fetch(`http://127.0.0.1:${admin}/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      return response?.status === 200;
    }, `envoy ${envoy.version} to be ready`, 30_000, 100);
    return { url: `http://127.0.0.1:${listener}`, child };
  }

  private write(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  async stop(): Promise<void> {
    await this.kubelet?.stop().catch(() => undefined);
    for (const name of [...this.servers.keys()]) await this.stopServer(name);
    await Promise.all(this.children.map((c) => c.stop()));
    await this.cluster.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

