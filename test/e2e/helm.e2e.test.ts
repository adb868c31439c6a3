// The Helm charts in charts/ through the real helm (built from helm.sh/helm/v3 at the pin in
// test/upstream/upstream.sh) against the local control plane with the real upstream CRDs (InferencePool from the
// Gateway API Inference Extension module): lint, template + server-side dry-run apply (admission, defaulting, strict
// field validation and the CRD's own schema run on the server), then helm install / uninstall for real, and the
// picker chart's pool read back by `kubectl inference route show`.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { Cluster, KUBECTL, ROOT } from './harness/cluster.js';
import { waitFor } from './harness/wait.js';
import { runProcess, type Run } from '../run.js';
import { KINFER_IMAGE } from '../../src/manifests/picker.js';

const UPSTREAM_SH = join(ROOT, 'test', 'upstream', 'upstream.sh');
const BIN_DIR = process.env.KINFER_BIN_DIR ?? join(ROOT, '.kinfer', 'bin');
const HELM = join(BIN_DIR, 'helm');
const NS = 'serve';
const POOL = 'llama';
const PICKER = 'charts/kinfer-picker';
const SCHEDULER = 'charts/kinfer-scheduler';
const POOL_VALUES = ['--set', 'inferencePool.modelServers.matchLabels.kinfer\\.dev/deployment=llama'];

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template?: { spec?: { containers?: { image: string }[] } } };
}

describe('Helm charts with the real helm on the local control plane', { timeout: 40 * 60_000 }, () => {
  const cluster = new Cluster({ suite: 'helm', basePort: 31210, extender: false });
  const home = mkdtempSync(join(tmpdir(), 'kinfer-helm-'));
  // helm keeps its cache, config and data under these; never the developer's own.
  const env = { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: cluster.kubeconfigPath, PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}` };
  const helm = (...args: string[]): Promise<Run> => runProcess(HELM, args, { env, timeoutMs: 120_000 });
  const kubectl = (args: readonly string[], input?: string): Promise<Run> =>
    runProcess(KUBECTL, ['--kubeconfig', cluster.kubeconfigPath, ...args], { env, ...(input !== undefined ? { input } : {}), timeoutMs: 120_000 });

  before(async () => {
    // A cold build of helm takes ~6.5 minutes on a loaded 2-core machine (a no-op when the pin matches).
    const built = await runProcess('bash', [UPSTREAM_SH, 'build', 'helm'], { timeoutMs: 30 * 60_000 });
    assert.equal(built.code, 0, `upstream.sh build helm: ${built.stdout}${built.stderr}`);
    const crdDir = join(home, 'crds');
    const crds = await runProcess('bash', [UPSTREAM_SH, 'crds'], { env: { ...process.env, KINFER_CRD_DIR: crdDir }, timeoutMs: 10 * 60_000 });
    assert.equal(crds.code, 0, `upstream.sh crds: ${crds.stderr}`);
    await cluster.start();
    for (const file of readdirSync(crdDir)) {
      const applied = await kubectl(['apply', '--server-side', '-f', join(crdDir, file)]);
      assert.equal(applied.code, 0, `${file}: ${applied.stderr}`);
    }
    await waitFor(async () => (await kubectl(['api-resources', '--api-group=inference.networking.k8s.io', '-o', 'name'])).stdout.includes('inferencepools') || undefined,
      { what: 'the InferencePool CRD to be served', timeoutMs: 60_000 });
    // kinfer-system is there already (cluster.sh makes it for the local scheduler's lease).
    const created = await kubectl(['create', 'namespace', NS]);
    assert.equal(created.code, 0, created.stderr);
  }, { timeout: 38 * 60_000 });

  after(async () => {
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }, { timeout: 120_000 });

  test('helm lint passes both charts (strict: warnings fail)', async () => {
    for (const args of [[SCHEDULER], [PICKER, ...POOL_VALUES]]) {
      const linted = await helm('lint', '--strict', ...args);
      assert.equal(linted.code, 0, `${args[0]}: ${linted.stdout}${linted.stderr}`);
      assert.match(linted.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  test('the picker chart without model server labels fails with what to set', async () => {
    const rendered = await helm('template', POOL, PICKER, '-n', NS);
    assert.notEqual(rendered.code, 0);
    assert.match(rendered.stderr, /inferencePool\.modelServers\.matchLabels is required/);
  });

  for (const [chart, namespace, values] of [[SCHEDULER, 'kinfer-system', []], [PICKER, NS, POOL_VALUES]] as const) {
    test(`helm template ${chart} passes a server-side dry-run apply, and names kinfer's image`, async () => {
      const rendered = await helm('template', chart === PICKER ? POOL : 'kinfer', chart, '-n', namespace, ...values);
      assert.equal(rendered.code, 0, rendered.stderr);
      const objects = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as Manifest | null).filter((o): o is Manifest => o !== null);
      const images = objects.flatMap((o) => o.spec?.template?.spec?.containers?.map((c) => c.image) ?? []);
      assert.ok(images.includes(KINFER_IMAGE), `one container runs ${KINFER_IMAGE}: ${images.join(', ')}`);
      // No -n: every object carries its namespace (one RoleBinding lives in kube-system).
      const applied = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=kinfer-e2e', '-f', '-'], rendered.stdout);
      assert.equal(applied.code, 0, `server-side dry run failed:\n${applied.stderr}`);
      const lines = applied.stdout.trim().split('\n');
      assert.equal(lines.length, objects.length, applied.stdout);
      for (const line of lines) assert.match(line, /serverside-applied \(server dry run\)$/);
    });
  }

  test('grafanaDashboards.enabled renders one ConfigMap per dashboard for the Grafana sidecar (off by default); the server accepts them', async () => {
    const plain = await helm('template', POOL, PICKER, '-n', NS, ...POOL_VALUES);
    assert.doesNotMatch(plain.stdout, /grafana_dashboard/);
    const rendered = await helm('template', POOL, PICKER, '-n', NS, ...POOL_VALUES, '--set', 'grafanaDashboards.enabled=true', '--set', 'grafanaDashboards.annotations.grafana_folder=kinfer');
    assert.equal(rendered.code, 0, rendered.stderr);
    const maps = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as (Manifest & { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; data?: Record<string, string> }) | null)
      .filter((o) => o?.metadata.labels?.grafana_dashboard === '1');
    const files = readdirSync(join(ROOT, PICKER, 'dashboards')).sort();
    assert.deepEqual(maps.map((m) => Object.keys(m!.data ?? {})[0]).sort(), files);
    for (const m of maps) {
      const [file, json] = Object.entries(m!.data!)[0]!;
      assert.deepEqual(JSON.parse(json), JSON.parse(readFileSync(join(ROOT, PICKER, 'dashboards', file), 'utf8')), file);
      assert.equal(m!.metadata.annotations?.grafana_folder, 'kinfer');
    }
    const applied = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=kinfer-e2e', '-f', '-'], rendered.stdout);
    assert.equal(applied.code, 0, `server-side dry run failed:\n${applied.stderr}`);
    assert.match(applied.stdout, /configmap\/llama-dashboard-kinfer-picker serverside-applied \(server dry run\)/);
  });

  test('helm install of the picker chart creates the pool and its picker; route show reads its config; uninstall removes them', async () => {
    const installed = await helm('install', POOL, PICKER, '-n', NS, ...POOL_VALUES, '--set', 'inferenceExtension.flags.refresh-interval=250ms');
    assert.equal(installed.code, 0, installed.stderr);
    assert.match(installed.stdout, /STATUS: deployed/);
    const pool = JSON.parse((await kubectl(['-n', NS, 'get', 'inferencepools.inference.networking.k8s.io', POOL, '-o', 'json'])).stdout) as {
      spec: { endpointPickerRef: { name: string; port: { number: number } }; selector: { matchLabels: Record<string, string> } };
    };
    // group and kind are the real CRD's defaults.
    assert.deepEqual(pool.spec.endpointPickerRef, { group: '', kind: 'Service', name: `${POOL}-picker`, port: { number: 9002 }, failureMode: 'FailOpen' });
    assert.deepEqual(pool.spec.selector.matchLabels, { 'kinfer.dev/deployment': 'llama' });
    const deployment = JSON.parse((await kubectl(['-n', NS, 'get', 'deployment', `${POOL}-picker`, '-o', 'json'])).stdout) as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    assert.deepEqual(deployment.spec.template.spec.containers[0]!.args.slice(-4), ['--log-level', 'info', '--refresh-interval', '250ms']);
    const shown = await runProcess(KUBECTL, ['inference', 'route', 'show', POOL, '-n', NS], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /predicted-latency/);

    const removed = await helm('uninstall', POOL, '-n', NS, '--wait', '--timeout', '1m');
    assert.equal(removed.code, 0, removed.stderr);
    const gone = await kubectl(['-n', NS, 'get', 'inferencepools.inference.networking.k8s.io,deployments,configmaps', '-l', 'app.kubernetes.io/instance=llama', '-o', 'name']);
    assert.equal(gone.stdout.trim(), '');
  });

  test('helm install of the scheduler chart creates the scheduler Deployment with the extender beside it', async () => {
    const installed = await helm('install', 'kinfer', SCHEDULER, '-n', 'kinfer-system', '--set', 'replicas=1');
    assert.equal(installed.code, 0, installed.stderr);
    const deployment = JSON.parse((await kubectl(['-n', 'kinfer-system', 'get', 'deployment', 'kinfer-scheduler', '-o', 'json'])).stdout) as {
      spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
    };
    assert.equal(deployment.spec.replicas, 1);
    assert.deepEqual(deployment.spec.template.spec.containers.map((c) => [c.name, c.image]).sort(), [['kinfer-extender', KINFER_IMAGE], ['kube-scheduler', 'registry.k8s.io/kube-scheduler:v1.34.1']]);
    const binding = await kubectl(['-n', 'kube-system', 'get', 'rolebinding', 'kinfer-scheduler-auth-reader', '-o', 'name']);
    assert.equal(binding.code, 0, binding.stderr);
    // kubectl inference version finds the installed component and the server's version.
    const version = await runProcess(KUBECTL, ['inference', 'version'], { env });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^Server Version: v1\.\d+\.\d+/m);
    assert.match(version.stdout, new RegExp(`^kinfer-scheduler \\(kinfer-system, kinfer-extender\\): ${KINFER_IMAGE.replaceAll('.', '\\.')}$`, 'm'));
    const removed = await helm('uninstall', 'kinfer', '-n', 'kinfer-system');
    assert.equal(removed.code, 0, removed.stderr);
  });
});
