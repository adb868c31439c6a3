// deploy --autoscale beside other metrics adapters, with real parts (issue 21):
// - KEDA: the ScaledObject `--autoscale-with keda` writes is applied with strict field validation against KEDA's own
//   CRD (kedacore/keda v2.18.3, config/crd/bases/keda.sh_scaledobjects.yaml, from the Go module) on the real
//   kube-apiserver, and read back unchanged. KEDA's operator and admission webhook do not run here (they need a
//   Prometheus and KEDA's images): the trigger's fields are held to KEDA's prometheus scaler by name only.
// - prometheus-adapter: the externalRules `--autoscale-with prometheus-adapter` writes are loaded by the adapter's own
//   config loader (strict YAML) and turned into the PromQL for the HPA's selector by its own query builder
//   (test/controlplane/adapter-rules over sigs.k8s.io/prometheus-adapter v0.12.0); no Prometheus runs here.
// - one external metrics API per cluster: deploy refuses an APIService held by KEDA or by another kinfer
//   deployment, naming it; `delete` removes only what its deployment made.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { runProcess, type Run } from '../run.js';
import { Cluster, KUBECTL, ROOT } from './harness/cluster.js';
import { createNodes } from './harness/nodes.js';

const NODES = `
- { name: h100, count: 1, scheme: gke, type: nvidia-h100-80gb, devices: 8, zone: us-central1-a, cpu: 96, memory: 1Ti }
`;
const NS = 'ml';
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const PLAN = ['--accelerator', 'nvidia-h100-80gb', '--tp', '1', '--target-ttft-ms', '1000', '--target-ntpot-ms', '50', '--autoscale', '--max-replicas', '5'];
const UPSTREAM_SH = join(ROOT, 'test', 'upstream', 'upstream.sh');
const BIN_DIR = process.env.KINFER_BIN_DIR ?? join(ROOT, '.kinfer', 'bin');
const API_SERVICE = 'v1beta1.external.metrics.k8s.io';

interface Obj { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; data?: Record<string, string> }

describe('autoscaling beside KEDA and prometheus-adapter', { timeout: 600_000 }, () => {
  const cluster = new Cluster({ suite: 'metrics-adapters', basePort: 31460, crds: true });
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-adapters-'));

  const inference = (args: readonly string[], namespace = NS): Promise<Run> => runProcess(KUBECTL, ['inference', ...args, '-n', namespace], {
    env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}`, KUBECONFIG: cluster.kubeconfigPath, KINFER_PROFILES: join(dir, 'profiles.db') },
    timeoutMs: 120_000,
  });
  const kubectl = (args: readonly string[], input?: string): string =>
    execFileSync(KUBECTL, ['--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8', ...(input ? { input } : {}) });
  const printed = async (name: string, extra: readonly string[]): Promise<Obj[]> => {
    const run = await inference(['deploy', MODEL, '--name', name, ...PLAN, ...extra, '--dry-run=client', '-o', 'yaml']);
    assert.equal(run.code, 0, run.stderr);
    return parseAllDocuments(run.stdout).map((d) => d.toJS() as Obj);
  };

  before(async () => {
    // The prometheus-adapter check is a small Go program over the adapter's packages (built once, ~1 min cold).
    execFileSync(UPSTREAM_SH, ['build', 'adapter-rules'], { stdio: 'inherit', env: { ...process.env, KINFER_BIN_DIR: BIN_DIR } });
    await cluster.start();
    await createNodes(cluster.core, NODES);
    await cluster.waitExtenderNodes(1);
    for (const ns of [NS, 'other']) await cluster.core.createNamespace({ body: { metadata: { name: ns } } });
    const keda = execFileSync(UPSTREAM_SH, ['dir', 'github.com/kedacore/keda/v2'], { encoding: 'utf8' }).trim();
    kubectl(['apply', '--server-side', '-f', join(keda, 'config', 'crd', 'bases', 'keda.sh_scaledobjects.yaml')]);
    kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/scaledobjects.keda.sh']);
  }, { timeout: 300_000 });

  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("KEDA: the ScaledObject passes KEDA's CRD schema under strict field validation and reads back as written", async () => {
    const objects = await printed('keda-llama', ['--autoscale-with', 'keda', '--prometheus-url', 'http://prometheus-operated.monitoring.svc:9090']);
    assert.deepEqual(objects.filter((o) => ['HorizontalPodAutoscaler', 'APIService'].includes(o.kind)), [], 'KEDA makes the HPA; no APIService of ours');
    const scaled = objects.find((o) => o.kind === 'ScaledObject')!;
    // Strict: a field KEDA's schema does not know is an error, not silently pruned.
    kubectl(['apply', '--server-side', '--field-manager=suite', '--validate=strict', '--dry-run=server', '-f', '-'], JSON.stringify(scaled));
    const run = await inference(['deploy', MODEL, '--name', 'keda-llama', ...PLAN, '--autoscale-with', 'keda', '--prometheus-url', 'http://prometheus-operated.monitoring.svc:9090']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /autoscale with KEDA: a ScaledObject per workload on http:\/\/prometheus-operated\.monitoring\.svc:9090/);
    const stored = JSON.parse(kubectl(['get', 'scaledobject', 'keda-llama', '-n', NS, '-o', 'json'])) as Obj;
    assert.deepEqual(stored.spec, scaled.spec);
    const trigger = (stored.spec!.triggers as { type: string; metricType: string; metadata: Record<string, string> }[])[0]!;
    assert.deepEqual([trigger.type, trigger.metricType, trigger.metadata.threshold], ['prometheus', 'AverageValue', '1']);
    assert.equal(trigger.metadata.query, 'max(kinfer_picker_replica_demand{namespace="ml",workload="keda-llama"})');
    // The picker computes the demand for the gauge Prometheus scrapes: no certificate, no metrics API port.
    const picker = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'keda-llama-picker') as unknown as
      { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { args: string[] }[] } } } };
    const args = picker.spec.template.spec.containers[0]!.args.join(' ');
    assert.match(args, /--autoscale keda-llama=[\d.]+ --ttft-target 1000ms$/);
    assert.equal(picker.spec.template.metadata.annotations['prometheus.io/port'], '9003');
    assert.equal(kubectl(['get', 'apiservice', API_SERVICE, '--ignore-not-found']).trim(), '');
  });

  test("prometheus-adapter: its own loader reads the rules and builds the HPA's query", async () => {
    const objects = await printed('adapter-llama', ['--autoscale-with', 'prometheus-adapter']);
    const rules = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'adapter-llama-picker-adapter-rules')!.data!['config.yaml']!;
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')! as unknown as
      { spec: { metrics: { external: { metric: { name: string; selector: { matchLabels: Record<string, string> } } } }[] } };
    const metric = hpa.spec.metrics[0]!.external.metric;
    assert.deepEqual(metric.selector.matchLabels, { workload: 'adapter-llama' });
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, rules);
    // The series the picker exports (picker/metrics.ts), in the namespace Prometheus labels it with.
    const out = execFileSync(join(BIN_DIR, 'adapter-rules'), [file, 'kinfer_picker_replica_demand', NS, ...Object.entries(metric.selector.matchLabels).map(([k, v]) => `${k}=${v}`)], { encoding: 'utf8' });
    const [rule] = JSON.parse(out) as { seriesQuery: string; matches: boolean; externalMetricName: string; query: string }[];
    assert.ok(rule!.matches, out);
    assert.equal(rule!.externalMetricName, metric.name, "the adapter serves the gauge under the HPA's metric name");
    assert.equal(rule!.query, 'max(kinfer_picker_replica_demand{workload="adapter-llama",namespace="ml"}) by (workload)');
    // A misspelt field fails in the same loader (the check can fail).
    writeFileSync(file, rules.replace('metricsQuery', 'metricQuery'));
    assert.throws(() => execFileSync(join(BIN_DIR, 'adapter-rules'), [file, 'kinfer_picker_replica_demand', NS], { encoding: 'utf8', stdio: 'pipe' }), /field metricQuery not found/);
    const run = await inference(['deploy', MODEL, '--name', 'adapter-llama', ...PLAN, '--autoscale-with', 'prometheus-adapter']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /add the externalRules of ConfigMap adapter-llama-picker-adapter-rules to the adapter's config/);
  });

  test('one external metrics API per cluster: deploy refuses a held APIService, naming the holder; delete removes only its own', async (t) => {
    // What KEDA's chart registers (its labels and Service name).
    const keda = {
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService',
      metadata: { name: API_SERVICE, labels: { 'app.kubernetes.io/name': 'keda-operator-metrics-apiserver', 'app.kubernetes.io/part-of': 'keda-operator' } },
      spec: { group: 'external.metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true, service: { name: 'keda-operator-metrics-apiserver', namespace: 'keda', port: 443 } },
    };
    kubectl(['apply', '-f', '-'], JSON.stringify(keda));
    const refused = await inference(['deploy', MODEL, '--name', 'api-a', ...PLAN]);
    t.diagnostic(refused.stderr);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already points at Service keda\/keda-operator-metrics-apiserver, held by KEDA \(keda-operator-metrics-apiserver\); a cluster has one\. Keep it and use --autoscale-with keda/);
    assert.equal(kubectl(['get', 'deployments', '-n', NS, '-l', 'kinfer.dev/deployment=api-a', '-o', 'name']).trim(), '', 'nothing applied');
    kubectl(['delete', 'apiservice', API_SERVICE]);

    const first = await inference(['deploy', MODEL, '--name', 'api-a', ...PLAN]);
    assert.equal(first.code, 0, first.stderr);
    const caBundle = (): string => (JSON.parse(kubectl(['get', 'apiservice', API_SERVICE, '-o', 'json'])) as { spec: { caBundle: string } }).spec.caBundle;
    const before = caBundle();
    const again = await inference(['deploy', MODEL, '--name', 'api-a', ...PLAN]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(caBundle(), before, 'a re-deploy keeps the certificate (and the caBundle)');
    const second = await inference(['deploy', MODEL, '--name', 'api-b', ...PLAN], 'other');
    t.diagnostic(second.stderr);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /held by kinfer deployment ml\/api-a \(its picker answers for its own pool only\)/);

    const deleted = await inference(['delete', 'api-a']);
    assert.equal(deleted.code, 0, deleted.stderr);
    t.diagnostic(deleted.stdout);
    for (const what of [`apiservice.apiregistration.k8s.io/${API_SERVICE}`, 'clusterrole.rbac.authorization.k8s.io/kinfer:external-metrics-reader',
      'clusterrolebinding.rbac.authorization.k8s.io/kinfer:external-metrics-reader', 'secret/api-a-picker-metrics-api', 'service/api-a-picker-metrics']) {
      assert.ok(deleted.stdout.split('\n').includes(`${what} deleted`), what);
    }
    assert.equal(kubectl(['get', 'apiservice', API_SERVICE, '--ignore-not-found']).trim(), '');
    // The other deployments' autoscalers are untouched.
    assert.match(kubectl(['get', 'scaledobject', 'keda-llama', '-n', NS, '-o', 'name']), /keda-llama/);
    assert.match(kubectl(['get', 'hpa', 'adapter-llama', '-n', NS, '-o', 'name']), /adapter-llama/);
    // Now the other namespace's deployment may register.
    const now = await inference(['deploy', MODEL, '--name', 'api-b', ...PLAN], 'other');
    assert.equal(now.code, 0, now.stderr);
  });
});
