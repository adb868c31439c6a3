// `kubectl inference deploy --autoscale` through the real CLI binary with no cluster (client dry run from the
// catalog): one autoscaling/v2 HPA per Deployment on kinfer-replica-demand, and --explain's rule with figures.
// The cluster path, with kube-controller-manager's HPA controller, is test/e2e/autoscale.e2e.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, runProcess, type Run } from '../run.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const H100 = ['--accelerator', 'nvidia-h100-80gb', '--tp', '1'];
const TARGETS = ['--target-ttft-ms', '1000', '--target-ntpot-ms', '50'];

interface Hpa {
  kind: string;
  metadata: { name: string };
  spec: {
    scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number;
    metrics: { type: string; external: { metric: { name: string; selector: { matchLabels: Record<string, string> } }; target: { type: string; averageValue: string } } }[];
    behavior: { scaleUp: { stabilizationWindowSeconds: number }; scaleDown: { stabilizationWindowSeconds: number; policies: { type: string; value: number; periodSeconds: number }[] } };
  };
}

describe('kubectl inference deploy --autoscale (no cluster)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-autoscale-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: c\n');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: readonly string[]): Promise<Run> => runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'kubectl-inference'), 'deploy', MODEL, ...args],
    { env: { ...process.env, KUBECONFIG: kubeconfig, KINFER_PROFILES: join(dir, 'profiles.db') } });

  it('creates one HPA per Deployment on the External metric, with the stated behavior', async () => {
    const run = await cli([...H100, ...TARGETS, '--autoscale', '--min-replicas', '2', '--max-replicas', '6', '--scale-down-window', '2m', '--dry-run=client', '-o', 'yaml']);
    assert.equal(run.code, 0, run.stderr);
    const objects = parseAllDocuments(run.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec?: { template?: { metadata?: { labels?: Record<string, string> } } } });
    // The model servers' Deployments, not the picker's.
    const deployments = objects.filter((o) => o.kind === 'Deployment' && o.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'] === 'model-server');
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler') as unknown as Hpa[];
    assert.deepEqual(hpas.map((h) => h.spec.scaleTargetRef), deployments.map((d) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name })));
    const [hpa] = hpas;
    assert.deepEqual([hpa!.spec.minReplicas, hpa!.spec.maxReplicas], [2, 6]);
    assert.deepEqual(hpa!.spec.metrics, [{
      type: 'External',
      external: { metric: { name: 'kinfer-replica-demand', selector: { matchLabels: { 'kinfer.dev/workload': 'llama-3-1-8b-instruct' } } }, target: { type: 'AverageValue', averageValue: '1' } },
    }]);
    assert.equal(hpa!.spec.behavior.scaleUp.stabilizationWindowSeconds, 0);
    assert.equal(hpa!.spec.behavior.scaleDown.stabilizationWindowSeconds, 120);
    assert.deepEqual(hpa!.spec.behavior.scaleDown.policies, [{ type: 'Percent', value: 50, periodSeconds: 60 }]);
  });

  it('--explain gives the rule with recommend\'s capacity, and the picker flags that serve it', async () => {
    const run = await cli([...H100, ...TARGETS, '--autoscale', '--explain', '--dry-run=client']);
    assert.equal(run.code, 0, run.stderr);
    const capacity = /^autoscale: llama-3-1-8b-instruct 1\.\.10 replicas at (\d+\.\d\d) req\/s each; the pool's kinfer-picker serves the metric with --autoscale llama-3-1-8b-instruct=(\d+\.\d+) --ttft-target 1000ms/m.exec(run.stdout);
    assert.ok(capacity, run.stdout);
    assert.ok(Math.abs(Number(capacity[1]) - Number(capacity[2])) < 0.01);
    assert.match(run.stdout, new RegExp(`^ {2}demand {4}= arrivals ÷ ${capacity[1]} req/s per replica \\(recommend, estimated, at \\d+ output tokens/s within the targets\\) \\+ waiting requests ÷ \\(${capacity[1]} × 1 s TTFT target\\);$`, 'm'));
    assert.match(run.stdout, /^ {2}scale-down: only after 300 s below/m);
    assert.match(run.stdout, /^ {2}e\.g\. {8}\S+ req\/s → 1, \S+ req\/s → 2, \S+ req\/s → 4 \(idle queues and KV\)$/m);
  });

  it('--autoscale-with: the objects each writes', async () => {
    const kinds = async (extra: string[]): Promise<string[]> => {
      const run = await cli([...H100, ...TARGETS, '--autoscale', ...extra, '--dry-run=client', '-o', 'yaml']);
      assert.equal(run.code, 0, run.stderr);
      const autoscaling = ['HorizontalPodAutoscaler', 'ScaledObject', 'APIService', 'Secret', 'ClusterRoleBinding'];
      return parseAllDocuments(run.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } })
        .filter((o) => autoscaling.includes(o.kind) || o.metadata.name.endsWith('-adapter-rules')).map((o) => o.kind).sort();
    };
    assert.deepEqual(await kinds([]), ['APIService', 'ClusterRoleBinding', 'HorizontalPodAutoscaler', 'Secret']);
    assert.deepEqual(await kinds(['--autoscale-with', 'keda', '--prometheus-url', 'http://prometheus:9090']), ['ScaledObject']);
    assert.deepEqual(await kinds(['--autoscale-with', 'prometheus-adapter']), ['ConfigMap', 'HorizontalPodAutoscaler']);
  });

  const bad: { name: string; args: string[]; message: RegExp }[] = [
    { name: 'without targets', args: [...H100, '--autoscale'], message: /--autoscale needs --target-ttft-ms and\/or --target-ntpot-ms/ },
    { name: 'min above max', args: [...H100, ...TARGETS, '--autoscale', '--min-replicas', '5', '--max-replicas', '3'], message: /--min-replicas 5 is above --max-replicas 3/ },
    { name: 'KEDA without a Prometheus', args: [...H100, ...TARGETS, '--autoscale', '--autoscale-with', 'keda'], message: /--autoscale-with keda needs --prometheus-url URL/ },
    { name: 'no picker to compute the demand', args: [...H100, ...TARGETS, '--autoscale', '--no-picker'], message: /--autoscale needs the pool's kinfer-picker, which computes the demand: drop --no-picker/ },
    { name: 'a scale-down window beyond the HPA limit', args: [...H100, ...TARGETS, '--autoscale', '--scale-down-window', '2h'], message: /^error: --scale-down-window 2h: must be at most 1h \(see --help\)$/m },
  ];
  for (const c of bad) {
    it(`refuses ${c.name} with one line and exit 2`, async () => {
      const run = await cli([...c.args, '--dry-run=client']);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, c.message);
    });
  }
});
