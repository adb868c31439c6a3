import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { inventory } from '../../../src/deploy/inventory.js';
import { planDeployment, type DeploySpec } from '../../../src/deploy/plan.js';
import { defaultName, modelLabelValue } from '../../../src/manifests/labels.js';
import { buildModelObjects, type ModelDeployment } from '../../../src/manifests/model.js';
import { parseModelCache, type ModelCache } from '../../../src/manifests/model-cache.js';
import { ModelRegistry } from '../../../src/models/user.js';
import { aNode } from '../../builders.js';

// Exact objects, pinned as golden YAML (regenerate with UPDATE_GOLDEN=1 and read the diff).
const GOLDEN = new URL('../../../../test/src/manifests/golden/', import.meta.url);
const models = new ModelRegistry();
const cluster = inventory([
  aNode('l4-0').gkeGpu('nvidia-l4', 8).build(),
  aNode('h100-0').gfdGpu('NVIDIA-H100-80GB-HBM3', 8, 81559).build(),
  aNode('h100-1').gfdGpu('NVIDIA-H100-80GB-HBM3', 8, 81559).build(),
  aNode('v6e-0').gkeTpu('tpu-v6e-slice', '2x4', 8).build(),
]);

/** A GKE v6e node pool of one multi-host 4x4 slice: 4 × ct6e-standard-4t, as GKE labels them. */
const tpuCluster = inventory([
  ...[0, 1, 2, 3].map((i) => aNode(`slice-${i}`).gkeTpu('tpu-v6e-slice', '4x4', 4).label('cloud.google.com/gke-nodepool', 'slice-a').build()),
]);

function deployment(id: string, over: Partial<DeploySpec> & Partial<Omit<ModelDeployment, 'spec' | 'targets'>> = {}, nodes = cluster): ModelDeployment {
  const spec: DeploySpec = {
    model: models.get(id)!, dtype: 'bf16', kvCacheDtype: 'bf16', maxModelLen: 8192, kvReserveSeqs: 1, memoryUtilization: 0.92, replicas: 2,
    ...(over.accelerators ? { accelerators: over.accelerators } : {}),
    ...(over.replicas ? { replicas: over.replicas } : {}),
    ...(over.dtype ? { dtype: over.dtype } : {}),
  };
  const plan = planDeployment(spec, nodes);
  if (!plan.ok) throw new Error(plan.error);
  return {
    name: over.name ?? defaultName(id), namespace: 'ml', server: over.server ?? 'vllm', spec, targets: plan.value.targets,
    pool: over.pool ?? true, leaderWorkerSet: over.leaderWorkerSet ?? false,
    ...('schedulerName' in over ? (over.schedulerName ? { schedulerName: over.schedulerName } : {}) : { schedulerName: 'kinfer-scheduler' }),
    ...(over.hfTokenSecret ? { hfTokenSecret: over.hfTokenSecret } : {}),
    ...(over.image ? { image: over.image } : {}),
    ...(over.modelCache ? { modelCache: over.modelCache } : {}),
  };
}

function cache(flag: string, name: string, id: string): ModelCache {
  const parsed = parseModelCache(flag, name, models.get(id)!);
  if (!parsed.ok || !parsed.value) throw new Error(`--model-cache ${flag}`);
  return parsed.value;
}

const goldens: { file: string; d: ModelDeployment }[] = [
  { file: 'llama-8b-vllm.yaml', d: deployment('meta-llama/Llama-3.1-8B-Instruct', { accelerators: ['nvidia-l4'], hfTokenSecret: { name: 'hf', key: 'token' } }) },
  { file: 'gemma-mixed-l4-tpu.yaml', d: deployment('google/gemma-2-9b-it', { accelerators: ['nvidia-l4', 'tpu-v6e-slice'], replicas: 4, name: 'gemma' }) },
  { file: 'qwen-sglang-default-scheduler.yaml', d: deployment('Qwen/Qwen2.5-7B-Instruct', { server: 'sglang', schedulerName: undefined, pool: false, accelerators: ['nvidia-h100-80gb'], dtype: 'fp8' }) },
  { file: 'llama-405b-lws.yaml', d: deployment('meta-llama/Llama-3.1-405B-Instruct', { replicas: 1, leaderWorkerSet: true, name: 'llama-405b' }) },
  // A 70B in bf16 (141 GB) outgrows a 4-chip v6e host (128 GiB): one 4x4 slice, four hosts, one LWS group.
  { file: 'llama-70b-tpu-4x4-lws.yaml', d: deployment('meta-llama/Llama-3.1-70B-Instruct', { replicas: 1, leaderWorkerSet: true, name: 'llama-70b' }, tpuCluster) },
  { file: 'llama-8b-model-cache-pvc.yaml', d: deployment('meta-llama/Llama-3.1-8B-Instruct', { accelerators: ['nvidia-l4'], name: 'llama', modelCache: cache('pvc', 'llama', 'meta-llama/Llama-3.1-8B-Instruct') }) },
  { file: 'qwen-model-cache-hostpath.yaml', d: deployment('Qwen/Qwen2.5-7B-Instruct', { accelerators: ['nvidia-h100-80gb'], pool: false, modelCache: cache('hostpath:/var/cache/kinfer', 'qwen', 'Qwen/Qwen2.5-7B-Instruct') }) },
];

describe('buildModelObjects (golden)', () => {
  for (const g of goldens) {
    it(g.file, () => {
      const built = buildModelObjects(g.d);
      assert.ok(built.ok, built.ok ? '' : built.error);
      const yaml = built.value.map((o) => stringify(o)).join('---\n');
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(new URL(g.file, GOLDEN), yaml);
      assert.equal(yaml, readFileSync(new URL(g.file, GOLDEN), 'utf8'));
    });
  }
});

describe('buildModelObjects: rules', () => {
  it('the server batch flag appears only with a cap, and never is the KV reservation', () => {
    const cases: { server: 'vllm' | 'sglang'; maxBatch?: number; flag: string; want?: string }[] = [
      { server: 'vllm', flag: '--max-num-seqs' },
      { server: 'vllm', maxBatch: 161, flag: '--max-num-seqs', want: '161' },
      { server: 'sglang', flag: '--max-running-requests' },
      { server: 'sglang', maxBatch: 48, flag: '--max-running-requests', want: '48' },
    ];
    for (const c of cases) {
      const d = deployment('meta-llama/Llama-3.1-8B-Instruct', { accelerators: ['nvidia-h100-80gb'], server: c.server });
      const withCap = { ...d, spec: { ...d.spec, kvReserveSeqs: 7, ...(c.maxBatch !== undefined ? { maxBatch: c.maxBatch } : {}) } };
      const built = buildModelObjects(withCap);
      assert.ok(built.ok);
      const template = (built.value[0] as unknown as { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { args: string[] }[] } } } }).spec.template;
      const args = template.spec.containers[0]!.args;
      const at = args.indexOf(c.flag);
      assert.equal(at >= 0 ? args[at + 1] : undefined, c.want, `${c.server} ${args.join(' ')}`);
      assert.equal(template.metadata.annotations['kinfer.dev/kv-reserve-seqs'], '7');
      assert.ok(!args.includes('7'), 'the reservation is not passed to the server');
    }
  });

  it('every object carries the managed-by and model labels; the pool and Service select only serving pods', () => {
    const built = buildModelObjects(deployment('meta-llama/Llama-3.1-8B-Instruct', { accelerators: ['nvidia-l4'] }));
    assert.ok(built.ok);
    assert.deepEqual(built.value.map((o) => o.kind), ['Deployment', 'Service', 'NetworkPolicy', 'InferencePool']);
    for (const o of built.value) {
      assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'kubectl-inference');
      assert.equal(o.metadata.labels?.['kinfer.dev/model'], 'meta-llama--Llama-3.1-8B-Instruct');
      assert.equal(o.metadata.namespace, 'ml');
    }
  });

  it('a multi-host replica without the LeaderWorkerSet CRD is a clear error', () => {
    const built = buildModelObjects(deployment('meta-llama/Llama-3.1-405B-Instruct', { replicas: 1 }));
    assert.ok(!built.ok);
    assert.match(built.error, /needs 16 × nvidia-h100-80gb over 2 nodes per replica, which takes a LeaderWorkerSet; its CRD .* is not installed/);
  });

  it('SGLang has no TPU image: a clear error naming --image', () => {
    const built = buildModelObjects(deployment('google/gemma-2-9b-it', { server: 'sglang', accelerators: ['tpu-v6e-slice'] }));
    assert.ok(!built.ok);
    assert.match(built.error, /sglang publishes no image for tpu-v6e-slice \(tpu\); pass --image or use --server vllm/);
  });

  const labelCases: [string, string][] = [
    ['meta-llama/Llama-3.1-8B-Instruct', 'meta-llama--Llama-3.1-8B-Instruct'],
    ['openai/gpt-oss-120b', 'openai--gpt-oss-120b'],
    ['a'.repeat(80), 'a'.repeat(63)],
  ];
  for (const [id, label] of labelCases) it(`label value of ${id.slice(0, 30)}`, () => assert.equal(modelLabelValue(id), label));

  const nameCases: [string, string][] = [
    ['meta-llama/Llama-3.1-8B-Instruct', 'llama-3-1-8b-instruct'],
    ['Qwen/Qwen2.5-72B-Instruct', 'qwen2-5-72b-instruct'],
    ['deepseek-ai/DeepSeek-V3', 'deepseek-v3'],
  ];
  for (const [id, name] of nameCases) it(`default name of ${id}`, () => assert.equal(defaultName(id), name));
});
