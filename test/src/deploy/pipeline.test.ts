// src/deploy's pipeline as a table: request + cluster view (inventory from built nodes, capabilities) in; objects,
// notes and steps out. Pure: no cluster, no files. The command around it is test/plugin/deploy-command.test.ts and
// the real control plane test/e2e/plugin.e2e.test.ts, lws.e2e.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unreachable, type Capabilities, type ClusterView } from '../../../src/deploy/capabilities.js';
import { inventory } from '../../../src/deploy/inventory.js';
import { planDeploy, type DeployOutcome } from '../../../src/deploy/pipeline.js';
import type { DeploySpec } from '../../../src/deploy/plan.js';
import type { AutoscaleWith } from '../../../src/autoscale/adapters.js';
import type { AutoscaleRequest, DeployRequest, RecommendSettings } from '../../../src/deploy/request.js';
import { requestProblem } from '../../../src/deploy/request.js';
import type { KubeObject } from '../../../src/manifests/objects.js';
import { ModelRegistry } from '../../../src/models/user.js';
import { defaultPriceTable } from '../../../src/profiles/pricing.js';
import { aNode, type NodeBuilder } from '../../builders.js';

const models = new ModelRegistry();
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';

const spec = (id: string, extra: Partial<DeploySpec> = {}): DeploySpec => ({
  model: models.get(id)!, dtype: 'bf16', kvCacheDtype: 'bf16', maxModelLen: 8192, kvReserveSeqs: 1, memoryUtilization: 0.9, replicas: 1, ...extra,
});
const request = (extra: Partial<DeployRequest> = {}): DeployRequest => ({
  name: 'llama', server: 'vllm', spec: spec(LLAMA_8B), dryRun: 'none', wait: false, pool: true, picker: true, ...extra,
});
/** recommend over the catalog's estimates: no stored profiles, GCP on-demand prices. */
const targets = (ttftMs: number, ntpotMs: number): RecommendSettings => ({
  workload: { inputTokens: 1000, outputTokens: 200 }, targets: { ttftMs, ntpotMs }, prices: defaultPriceTable('gcp'), pricing: 'on-demand',
  measured: [], modelOf: (id) => models.get(id),
});
const ALL: Capabilities = { inferencePool: true, leaderWorkerSet: true, kinferScheduler: true };
const view = (nodes: NodeBuilder[], capabilities: Partial<Capabilities> = {}): ClusterView => ({
  namespace: 'ml', inventory: inventory(nodes.map((n) => n.build())), capabilities: { ...ALL, ...capabilities },
});
const offline = (why = 'connect ECONNREFUSED 127.0.0.1:1; is the API server up?'): ClusterView => ({ namespace: 'ml', inventory: [], capabilities: unreachable(why) });

const l4 = (i: number) => aNode(`l4-${i}`).gkeGpu('nvidia-l4', 8);
const h100 = (i: number) => aNode(`h100-${i}`).gfdGpu('NVIDIA-H100-80GB-HBM3', 8, 81559);

const MODEL_L4 = ['Deployment/llama', 'Service/llama'];
const POOL = ['NetworkPolicy/llama-model-servers', 'InferencePool/llama'];
const PICKER = ['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'NetworkPolicy', 'Service'].map((k) => `${k}/llama-picker`);
const METRICS_API = ['Secret/llama-picker-metrics-api', 'Service/llama-picker-metrics', 'APIService/v1beta1.external.metrics.k8s.io',
  'ClusterRole/kinfer:external-metrics-reader', 'ClusterRoleBinding/kinfer:external-metrics-reader'];
const CLUSTER_SCOPED = new Set(['APIService', 'ClusterRole', 'ClusterRoleBinding']);
const autoscale = (w: AutoscaleWith): AutoscaleRequest => ({ minReplicas: 1, maxReplicas: 4, scaleDownSeconds: 120, with: w });
/** A certificate pair as the picker's metrics Secret keeps it (the text is not parsed on the way through). */
const KEPT = { certPem: 'KEPT CERT PEM', keyPem: 'KEPT KEY PEM' };

interface Case {
  name: string;
  request: DeployRequest;
  cluster: ClusterView;
  /** `Kind/name` of every object, in apply order. */
  objects?: string[];
  notes?: RegExp[];
  /** The summary's autoscaling lines. */
  autoscaleNotes?: RegExp[];
  scheduler?: string;
  steps?: DeployOutcome['steps'];
  /** What else to check on the outcome. */
  check?: (o: DeployOutcome) => void;
  error?: { kind: 'usage' | 'cluster'; message: RegExp; planned?: boolean };
}

const env = (o: DeployOutcome) => ((o.objects[0]!.spec as { template: { spec: { containers: { env?: unknown[] }[] } } }).template.spec.containers[0]!.env ?? []);
const podSpec = (o: KubeObject) => (o.spec as { template: { spec: Record<string, unknown> } }).template.spec;
const pickerArgs = (o: DeployOutcome): string[] =>
  (podSpec(o.objects.find((x) => x.kind === 'Deployment' && x.metadata.name === 'llama-picker')!) as { containers: { args: string[] }[] }).containers[0]!.args;
const ingressPorts = (o: DeployOutcome, name: string): number[][] =>
  (o.objects.find((x) => x.kind === 'NetworkPolicy' && x.metadata.name === name)!.spec as { ingress: { ports: { port: number }[] }[] }).ingress.map((i) => i.ports.map((p) => p.port));

const cases: Case[] = [
  {
    name: 'a full cluster: workloads, pool, its picker; kinfer-scheduler places the pods', request: request(), cluster: view([l4(0), h100(0)]),
    objects: [...MODEL_L4, ...POOL, ...PICKER], notes: [], scheduler: 'kinfer-scheduler',
    check: (o) => assert.equal(podSpec(o.objects[0]!).schedulerName, 'kinfer-scheduler'),
  },
  {
    name: 'no kinfer-scheduler: the default scheduler, pinned by node affinity', request: request(), cluster: view([l4(0)], { kinferScheduler: false }),
    objects: [...MODEL_L4, ...POOL, ...PICKER], scheduler: undefined,
    check: (o) => assert.equal(podSpec(o.objects[0]!).schedulerName, undefined),
  },
  {
    name: '--scheduler default-scheduler is said as given and left out of the pod', request: request({ scheduler: 'default-scheduler' }), cluster: view([l4(0)]),
    scheduler: 'default-scheduler', check: (o) => assert.equal(podSpec(o.objects[0]!).schedulerName, undefined),
  },
  {
    name: 'no InferencePool CRD: no pool, no picker, and a note that says so', request: request(), cluster: view([l4(0)], { inferencePool: false }),
    objects: MODEL_L4, notes: [/^note: the InferencePool CRD \(inference\.networking\.k8s\.io\/v1\) is not installed/],
  },
  { name: '--no-pool: neither pool nor picker, and no note', request: request({ pool: false }), cluster: view([l4(0)], { inferencePool: false }), objects: MODEL_L4, notes: [] },
  { name: '--no-picker: the pool without its picker', request: request({ picker: false }), cluster: view([l4(0)]), objects: [...MODEL_L4, ...POOL] },
  {
    name: '--hf-token-secret NAME: the key defaults to token', request: request({ hfTokenSecret: 'hf' }), cluster: view([l4(0)]),
    check: (o) => assert.deepEqual(env(o).find((e) => (e as { name: string }).name === 'HF_TOKEN'), { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } }),
  },
  {
    name: '--hf-token-secret NAME:KEY', request: request({ hfTokenSecret: 'hf:api-key' }), cluster: view([l4(0)]),
    check: (o) => assert.deepEqual(o.deployment.hfTokenSecret, { name: 'hf', key: 'api-key' }),
  },
  {
    name: 'unreachable, client dry run with --accelerator and --tp: planned from the catalog, with a note',
    request: request({ dryRun: 'client', spec: spec(LLAMA_8B, { accelerators: ['nvidia-h100-80gb'], tp: 1 }) }), cluster: offline(),
    objects: ['Deployment/llama', 'Service/llama', ...POOL, ...PICKER],
    notes: [/^note: connect ECONNREFUSED 127\.0\.0\.1:1; planning from the catalog for --dry-run=client$/], scheduler: undefined,
    steps: { apply: false, serverDryRun: false, wait: false },
  },
  { name: 'unreachable without a dry run: the cluster error as it is', request: request(), cluster: offline('no route'), error: { kind: 'cluster', message: /^no route$/ } },
  {
    name: 'unreachable, client dry run without --tp: the cluster error (nothing to plan with)',
    request: request({ dryRun: 'client', spec: spec(LLAMA_8B, { accelerators: ['nvidia-l4'] }) }), cluster: offline('no route'), error: { kind: 'cluster', message: /^no route$/ },
  },
  {
    name: 'unreachable, client dry run, an unknown accelerator: a usage error',
    request: request({ dryRun: 'client', spec: spec(LLAMA_8B, { accelerators: ['nvidia-z9'], tp: 1 }) }), cluster: offline(),
    error: { kind: 'usage', message: /^--accelerator nvidia-z9: not a known accelerator type$/ },
  },
  {
    name: 'nothing fits: the error names the changes that would fit', request: request({ spec: spec('meta-llama/Llama-3.1-70B-Instruct', { accelerators: ['nvidia-l4'], tp: 1 }) }),
    cluster: view([l4(0)]), error: { kind: 'cluster', message: /^meta-llama\/Llama-3\.1-70B-Instruct does not fit nvidia-l4: .*; smallest change that fits: / },
  },
  {
    name: 'a multi-host replica without the LeaderWorkerSet CRD: refused, with the plan for --explain',
    request: request({ spec: spec('meta-llama/Llama-3.1-405B-Instruct') }), cluster: view([h100(0), h100(1)], { leaderWorkerSet: false }),
    error: { kind: 'cluster', message: /over 2 nodes per replica, which takes a LeaderWorkerSet/, planned: true },
  },
  {
    name: 'a multi-host replica with the CRD: a LeaderWorkerSet', request: request({ spec: spec('meta-llama/Llama-3.1-405B-Instruct') }), cluster: view([h100(0), h100(1)]),
    check: (o) => assert.deepEqual(o.objects.filter((x) => x.metadata.name === 'llama').map((x) => x.kind), ['LeaderWorkerSet', 'Service', 'InferencePool']),
  },
  {
    name: 'targets: recommend chooses type, TP and batch, and says so', request: request({ recommend: targets(1000, 50) }), cluster: view([h100(0)]),
    notes: [/^recommend: 1 × nvidia-h100-80gb, \d+ output tokens\/s per replica at TTFT p99 \d+ ms, NTPOT p99 [\d.]+ ms, \d+ requests in flight \(estimated\)$/],
    check: (o) => {
      assert.deepEqual(o.targeted.spec.accelerators, ['nvidia-h100-80gb']);
      assert.ok((o.targeted.spec.maxBatch ?? 0) > 1);
      assert.match(o.targeted.batchWhy ?? '', /^the concurrency recommend chose within the targets/);
    },
  },
  {
    name: '--max-batch under targets wins, with a warning below the priced concurrency',
    request: request({ recommend: targets(1000, 50), spec: spec(LLAMA_8B, { maxBatch: 2 }) }), cluster: view([h100(0)]),
    notes: [/^recommend: /, /^warning: --max-batch 2 is below the \d+ requests in flight recommend priced/],
    check: (o) => assert.equal(o.targeted.spec.maxBatch, 2),
  },
  {
    name: 'targets nothing meets: the reasons, as a cluster error', request: request({ recommend: targets(1, 1) }), cluster: view([l4(0)]),
    error: { kind: 'cluster', message: /^no accelerator in the cluster serves meta-llama\/Llama-3\.1-8B-Instruct within the targets: / },
  },
  {
    name: '--autoscale (kinfer, no cluster read): the metrics API before the picker it serves from, then one HPA per Deployment, labelled as it',
    request: request({ recommend: targets(1000, 50), autoscale: autoscale('kinfer') }), cluster: view([h100(0)]),
    objects: [...MODEL_L4, ...POOL, ...METRICS_API, ...PICKER, 'HorizontalPodAutoscaler/llama'],
    autoscaleNotes: [/^autoscale: the picker serves v1beta1\.external\.metrics\.k8s\.io \(Service llama-picker-metrics, certificate in Secret llama-picker-metrics-api\); no cluster to read the front-proxy CA from/],
    check: (o) => {
      assert.equal(o.autoscale.length, 1);
      assert.equal(o.autoscale[0]!.behavior.scaleDownStabilizationSeconds, 120);
      assert.deepEqual(o.objects.at(-1)!.metadata.labels, o.objects[0]!.metadata.labels);
      const picker = pickerArgs(o);
      assert.deepEqual(picker.slice(picker.indexOf('--autoscale'), picker.indexOf('--autoscale') + 2), ['--autoscale', `llama=${o.autoscale[0]!.capacityRps.toFixed(3)}`]);
      assert.ok(picker.includes('--autoscale-port') && !picker.includes('--autoscale-client-ca'), picker.join(' '));
      // The picker's NetworkPolicy opens the metrics API port to the API server (no pod, so any source).
      assert.deepEqual(ingressPorts(o, 'llama-picker'), [[9002], [9003], [6443]]);
    },
  },
  {
    name: '--autoscale (kinfer) read from the cluster: the kept pair and the front-proxy CA go into the Secret; the picker asks for client certificates',
    request: request({ recommend: targets(1000, 50), autoscale: autoscale('kinfer') }), cluster: { ...view([h100(0)]), metricsApi: { kept: KEPT, frontProxyCaPem: 'CA PEM' } },
    autoscaleNotes: [/^autoscale: the picker serves v1beta1\.external\.metrics\.k8s\.io \(Service llama-picker-metrics, certificate in Secret llama-picker-metrics-api\)$/],
    check: (o) => {
      const secret = o.objects.find((x) => x.kind === 'Secret') as KubeObject & { stringData: Record<string, string> };
      assert.deepEqual(secret.stringData, { 'tls.crt': KEPT.certPem, 'tls.key': KEPT.keyPem, 'client-ca.crt': 'CA PEM' });
      assert.ok(pickerArgs(o).includes('--autoscale-client-ca'));
    },
  },
  {
    name: '--autoscale (kinfer) a reachable cluster whose front-proxy CA was not readable: the note says the picker accepts any TLS client',
    request: request({ recommend: targets(1000, 50), autoscale: autoscale('kinfer') }), cluster: { ...view([h100(0)]), metricsApi: {} },
    autoscaleNotes: [/; the front-proxy CA \(kube-system\/extension-apiserver-authentication\) was not readable, so the picker accepts any TLS client$/],
  },
  {
    name: '--autoscale (kinfer) while KEDA holds the external metrics API: refused, naming the holder, with the plan for --explain',
    request: request({ recommend: targets(1000, 50), autoscale: autoscale('kinfer') }),
    cluster: { ...view([h100(0)]), metricsApi: { holder: { metadata: { labels: { 'app.kubernetes.io/name': 'keda-operator-metrics-apiserver' } }, spec: { service: { name: 'keda-operator-metrics-apiserver', namespace: 'keda' } } } } },
    error: { kind: 'cluster', message: /^the external metrics API .* held by KEDA \(keda-operator-metrics-apiserver\); a cluster has one\. Keep it and use --autoscale-with keda/, planned: true },
  },
  {
    name: '--autoscale-with keda: the picker exports the gauge for Prometheus; a ScaledObject per Deployment instead of the HPA',
    request: request({ recommend: targets(1000, 50), autoscale: { ...autoscale('keda'), prometheusUrl: 'http://prometheus:9090' } }), cluster: view([h100(0)]),
    objects: [...MODEL_L4, ...POOL, ...PICKER, 'ScaledObject/llama'],
    autoscaleNotes: [/^autoscale with KEDA: a ScaledObject per workload on http:\/\/prometheus:9090; Prometheus must scrape the picker's \/metrics/],
    check: (o) => assert.ok(!pickerArgs(o).includes('--autoscale-port')),
  },
  {
    name: '--autoscale-with prometheus-adapter: the HPA selects on the gauge\'s label, and the adapter\'s rules in a ConfigMap',
    request: request({ recommend: targets(1000, 50), autoscale: autoscale('prometheus-adapter') }), cluster: view([h100(0)]),
    objects: [...MODEL_L4, ...POOL, ...PICKER, 'HorizontalPodAutoscaler/llama', 'ConfigMap/llama-picker-adapter-rules'],
    autoscaleNotes: [/^autoscale with prometheus-adapter: add the externalRules of ConfigMap llama-picker-adapter-rules/],
  },
  {
    name: '--autoscale without the InferencePool CRD: no picker to compute the demand, refused',
    request: request({ recommend: targets(1000, 50), autoscale: autoscale('kinfer') }), cluster: view([h100(0)], { inferencePool: false }),
    error: { kind: 'cluster', message: /^--autoscale needs the pool's kinfer-picker, which computes the demand, and this cluster has no InferencePool CRD/, planned: true },
  },
  { name: 'no dry run with --wait: apply, then wait', request: request({ wait: true }), cluster: view([l4(0)]), steps: { apply: true, serverDryRun: false, wait: true } },
  { name: 'server dry run: apply as a dry run, never wait', request: request({ dryRun: 'server', wait: true }), cluster: view([l4(0)]), steps: { apply: true, serverDryRun: true, wait: false } },
  { name: 'client dry run reachable: plan from the cluster, apply nothing', request: request({ dryRun: 'client', wait: true }), cluster: view([l4(0)]), notes: [], steps: { apply: false, serverDryRun: false, wait: false } },
];

describe('planDeploy: request and cluster view in, objects and notes out', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = planDeploy(c.request, c.cluster);
      if (c.error) {
        assert.equal(got.ok, false, 'expected a failure');
        if (got.ok) return;
        assert.equal(got.error.kind, c.error.kind);
        assert.match(got.error.message, c.error.message);
        assert.equal(got.error.planned !== undefined, c.error.planned === true);
        return;
      }
      assert.ok(got.ok, got.ok ? '' : got.error.message);
      const o = got.value;
      if (c.objects) assert.deepEqual(o.objects.map((x) => `${x.kind}/${x.metadata.name}`), c.objects);
      assert.ok(o.objects.every((x) => x.metadata.namespace === (CLUSTER_SCOPED.has(x.kind) ? undefined : 'ml')), 'every object in the view\'s namespace');
      for (const [got, want] of [[o.notes, c.notes], [o.autoscaleNotes, c.autoscaleNotes ?? (c.request.autoscale ? undefined : [])]] as const) {
        if (!want) continue;
        assert.equal(got.length, want.length, got.join('\n'));
        want.forEach((n, i) => assert.match(got[i]!, n));
      }
      if ('scheduler' in c) assert.equal(o.scheduler, c.scheduler);
      if (c.steps) assert.deepEqual(o.steps, c.steps);
      c.check?.(o);
    });
  }
});

describe('requestProblem: what no cluster can fix', () => {
  const problems: { name: string; request: DeployRequest; problem?: RegExp }[] = [
    { name: 'a plain request', request: request() },
    { name: 'a name that is no DNS-1123 label', request: request({ name: 'Llama_3' }), problem: /^--name Llama_3: must be a DNS-1123 label of at most 50 characters/ },
    { name: 'a name over 50 characters', request: request({ name: 'a'.repeat(51) }), problem: /^--name a{51}: / },
    { name: 'a context above the model\'s', request: request({ spec: spec(LLAMA_8B, { maxModelLen: 10_000_000 }) }), problem: /max-model-len/ },
    { name: '--autoscale without targets', request: request({ autoscale: { minReplicas: 1, maxReplicas: 2, scaleDownSeconds: 300, with: 'kinfer' } }), problem: /^--autoscale needs --target-ttft-ms/ },
    {
      name: '--min-replicas above --max-replicas', request: request({ recommend: targets(1000, 50), autoscale: { minReplicas: 3, maxReplicas: 2, scaleDownSeconds: 300, with: 'kinfer' } }),
      problem: /^--min-replicas 3 is above --max-replicas 2$/,
    },
  ];
  for (const p of problems) {
    it(p.name, () => {
      const got = requestProblem(p.request);
      if (p.problem) assert.match(got ?? '', p.problem);
      else assert.equal(got, undefined);
    });
  }
});
