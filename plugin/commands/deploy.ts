import { Args, Flags, type Interfaces } from '@oclif/core';
import { AUTOSCALE_WITH, type AutoscaleWith } from '../../src/autoscale/adapters.js';
import { planDeploy } from '../../src/deploy/pipeline.js';
import type { DeploySpec } from '../../src/deploy/plan.js';
import { requestProblem, type AutoscaleRequest, type DeployRequest } from '../../src/deploy/request.js';
import { defaultName } from '../../src/manifests/labels.js';
import { explainModelCache, MODEL_CACHE_GRAMMAR, parseModelCache } from '../../src/manifests/model-cache.js';
import { DTYPES, KV_DTYPES, type Dtype, type KvDtype } from '../../src/models/dtype.js';
import { DEFAULT_MAX_MODEL_LEN, DEFAULT_KV_RESERVE_SEQS, DEFAULT_MEMORY_UTILIZATION } from '../../src/models/memory.js';
import type { ModelSpec } from '../../src/models/spec.js';
import type { ModelRegistry } from '../../src/models/user.js';
import { SERVERS, type ServerKind } from '../../src/servers/templates.js';
import { UsageError } from '../../src/usage.js';
import { KubeCommand } from '../base.js';
import { KubeError } from '../cluster.js';
import { readDeployCluster } from '../deploy/cluster-view.js';
import { deploySummary, explainDeploy } from '../deploy/view.js';
import { durationFlag } from '../durations.js';
import { loadModels, modelFlags, requireModel } from '../models.js';
import { recommendFlags, recommendSettings } from '../profiles/recommendation.js';
import { formatObjects, resourceName, type OutputFormat } from '../render.js';
import { waitForReady } from '../wait.js';
import { dryRunFlag, outputFlag } from '../flags.js';

export default class Deploy extends KubeCommand {
  static override summary = 'Deploy a model: choose accelerator and tensor-parallel size from the cluster, create server, Service and InferencePool.';

  static override description = `Reads the cluster's nodes, computes for each accelerator type the smallest tensor-parallel size that holds
the model at the requested context and concurrency, picks the cheapest memory that fits with headroom (see
--explain), and server-side applies a Deployment per accelerator type (a LeaderWorkerSet for multi-host
replicas), a Service and an InferencePool. Pods carry the kinfer.dev/ annotations so kinfer-scheduler checks
the same HBM need.`;

  static override examples = [
    { description: 'Let kinfer choose accelerator and TP size:', command: '<%= config.bin %> deploy meta-llama/Llama-3.1-8B-Instruct' },
    { description: 'See the choice and the alternatives without creating anything:', command: '<%= config.bin %> deploy meta-llama/Llama-3.1-70B-Instruct --explain --dry-run=client' },
    { description: 'Print exactly what would be applied:', command: '<%= config.bin %> deploy Qwen/Qwen3-32B --max-model-len 32768 --dry-run=client -o yaml' },
    { description: 'One endpoint over GPU and TPU replicas:', command: '<%= config.bin %> deploy google/gemma-2-9b-it --accelerator nvidia-l4,tpu-v6e-slice --replicas 4' },
    { description: 'Wait until every replica is ready:', command: '<%= config.bin %> deploy meta-llama/Llama-3.1-8B-Instruct --hf-token-secret hf-token --wait --timeout 20m' },
  ];

  static override args = {
    model: Args.string({ required: true, description: 'Hugging Face model id from the catalog (kubectl inference models), or one --hf-config / --models-file describes' }),
  };

  static override flags = {
    name: Flags.string({ summary: 'Name of the deployment (default: from the model id).' }),
    server: Flags.option({ options: SERVERS, default: 'vllm' as const, summary: 'Model server.' })(),
    image: Flags.string({ summary: 'Server image (default: a pinned tag per server and accelerator).' }),
    accelerator: Flags.string({ summary: 'Accelerator type(s), comma-separated; several spread replicas over them.' }),
    tp: Flags.integer({ min: 1, summary: 'Devices per replica (tensor-parallel size).' }),
    replicas: Flags.integer({ min: 1, default: 1, summary: 'Replicas.' }),
    'max-model-len': Flags.integer({ min: 1, default: DEFAULT_MAX_MODEL_LEN, summary: 'Context length the KV cache must hold.' }),
    'kv-reserve-seqs': Flags.integer({
      min: 1, default: DEFAULT_KV_RESERVE_SEQS, aliases: ['max-num-seqs'], deprecateAliases: true,
      summary: 'Sequences at full context the KV cache must hold (placement only; not the server batch).',
    }),
    'max-batch': Flags.integer({ min: 1, summary: "Server batch cap (vLLM --max-num-seqs, SGLang --max-running-requests), passed as is (default: recommend's operating concurrency with --target-*, else the server's own)." }),
    dtype: Flags.option({ options: DTYPES, summary: "Weight precision (default: the checkpoint's own, e.g. fp8 for DeepSeek-V3)." })(),
    'kv-cache-dtype': Flags.option({ options: KV_DTYPES, default: 'bf16' as const, summary: 'KV cache precision.' })(),
    'memory-utilization': Flags.string({ default: String(DEFAULT_MEMORY_UTILIZATION), summary: 'Fraction of device memory the server may use (0..1].' }),
    'hf-token-secret': Flags.string({ summary: 'Secret with the Hugging Face token, NAME or NAME:KEY (key default: token).' }),
    scheduler: Flags.string({ summary: 'schedulerName (default: kinfer-scheduler when it runs, else the default scheduler with node affinity).' }),
    'no-pool': Flags.boolean({ default: false, summary: 'Do not create an InferencePool (nor its picker).' }),
    'no-picker': Flags.boolean({ default: false, summary: 'Create the InferencePool but not its kinfer-picker (see kubectl inference route install).' }),
    'picker-image': Flags.string({ summary: 'kinfer image for the picker (default: the release image).' }),
    'model-cache': Flags.string({ default: 'none', summary: `Weights shared by the replicas: ${MODEL_CACHE_GRAMMAR} (docs/plugin.md#model-cache).` }),
    ...modelFlags,
    autoscale: Flags.boolean({ default: false, summary: "Create a HorizontalPodAutoscaler per Deployment on kinfer's replica demand (needs --target-*; see docs/autoscaling.md)." }),
    'min-replicas': Flags.integer({ min: 1, default: 1, summary: 'With --autoscale: the fewest replicas.' }),
    'max-replicas': Flags.integer({ min: 1, default: 10, summary: 'With --autoscale: the most replicas.' }),
    'autoscale-with': Flags.option({ options: AUTOSCALE_WITH, default: 'kinfer' as const, summary: "With --autoscale: who serves the metric to the HPA: kinfer (the picker's own external metrics APIService), keda (a ScaledObject) or prometheus-adapter (its rules); see docs/autoscaling.md." })(),
    'prometheus-url': Flags.string({ summary: 'With --autoscale-with keda: the Prometheus that scrapes the picker, e.g. http://prometheus-operated.monitoring.svc:9090.' }),
    'scale-down-window': Flags.string({ default: '5m', summary: 'With --autoscale: how long load must stay lower before replicas are removed (HPA scale-down stabilization).' }),
    explain: Flags.boolean({ default: false, summary: 'Show every accelerator type considered and why it was or was not chosen.' }),
    'dry-run': dryRunFlag(),
    output: outputFlag(['yaml', 'json'] as const, 'Print the objects instead of a summary.'),
    wait: Flags.boolean({ default: false, summary: 'Wait until every replica is ready, showing progress.' }),
    timeout: Flags.string({ default: '15m', summary: 'How long --wait waits (Go duration: 90s, 15m, 1h30m).' }),
    'target-ttft-ms': recommendFlags['target-ttft-ms'],
    'target-ntpot-ms': recommendFlags['target-ntpot-ms'],
    'input-tokens': recommendFlags['input-tokens'],
    'output-tokens': recommendFlags['output-tokens'],
    pricing: recommendFlags.pricing,
    prices: recommendFlags.prices,
    profiles: recommendFlags.profiles,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Deploy);
    const models = loadModels(flags, args.model);
    const request = deployRequest(flags, requireModel(models, args.model), (line) => this.note(line), models);
    const timeoutMs = durationFlag('--timeout', flags.timeout, { minMs: 1 });
    const cluster = await readDeployCluster(() => this.cluster(flags), request, flags.namespace);

    const outcome = planDeploy(request, cluster.view);
    for (const line of outcome.ok ? outcome.value.notes : outcome.error.notes) this.note(line);
    if (!outcome.ok) {
      if (flags.explain && outcome.error.planned) this.log(explainDeploy(outcome.error.planned, request.server).join('\n'));
      throw outcome.error.kind === 'usage' ? new UsageError(outcome.error.message) : new KubeError(outcome.error.message);
    }
    const { steps, objects } = outcome.value;
    if (flags.explain) this.log([...explainDeploy(outcome.value, request.server), explainModelCache(request.modelCache)].join('\n'));
    const output = flags.output as OutputFormat | undefined;
    if (!output) this.log(deploySummary(outcome.value).join('\n'));
    if (!steps.apply) {
      this.log(output ? formatObjects(objects, output) : objects.map((o) => `${resourceName(o)} created (dry run)`).join('\n'));
      return;
    }
    // steps.apply implies a reachable cluster: the core plans offline only for a client dry run.
    const applied = [];
    for (const object of objects) {
      applied.push(await cluster.client!.apply(object, steps.serverDryRun));
      if (!output) this.log(`${resourceName(object)} serverside-applied${steps.serverDryRun ? ' (server dry run)' : ''}`);
    }
    if (output) this.log(formatObjects(applied, output));
    if (steps.wait && !(await waitForReady(cluster.client!, outcome.value.deployment, timeoutMs, (line) => this.note(line)))) {
      throw new KubeError(`not every replica of ${request.name} was ready within ${flags.timeout}; see kubectl describe pods -l kinfer.dev/deployment=${request.name}`);
    }
  }
}

type DeployFlags = Interfaces.InferredFlags<typeof Deploy.flags>;

/** The command line as src/deploy's request: flags parsed, flag files read (--prices, the profile store), usage checked. */
function deployRequest(flags: DeployFlags, model: ModelSpec, warn: (line: string) => void, models: ModelRegistry): DeployRequest {
  const memoryUtilization = Number(flags['memory-utilization']);
  if (!(memoryUtilization > 0 && memoryUtilization <= 1)) throw new UsageError(`--memory-utilization ${flags['memory-utilization']}: must be a number in (0, 1]`);
  const accelerators = flags.accelerator?.split(',').map((a) => a.trim()).filter((a) => a !== '');
  const spec: DeploySpec = {
    model,
    dtype: (flags.dtype as Dtype | undefined) ?? model.nativeDtype,
    kvCacheDtype: flags['kv-cache-dtype'] as KvDtype,
    maxModelLen: flags['max-model-len'],
    kvReserveSeqs: flags['kv-reserve-seqs'],
    ...(flags['max-batch'] !== undefined ? { maxBatch: flags['max-batch'] } : {}),
    memoryUtilization,
    replicas: flags.replicas,
    ...(accelerators ? { accelerators } : {}),
    ...(flags.tp !== undefined ? { tp: flags.tp } : {}),
  };
  const targets = flags['target-ttft-ms'] !== undefined || flags['target-ntpot-ms'] !== undefined;
  const name = flags.name ?? defaultName(model.id);
  const modelCache = parseModelCache(flags['model-cache'], name, model);
  if (!modelCache.ok) throw new UsageError(modelCache.error);
  const request: DeployRequest = {
    name,
    server: flags.server as ServerKind,
    spec,
    dryRun: flags['dry-run'] ?? 'none',
    wait: flags.wait,
    pool: !flags['no-pool'],
    picker: !flags['no-picker'],
    ...(flags.image ? { image: flags.image } : {}),
    ...(flags.scheduler !== undefined ? { scheduler: flags.scheduler } : {}),
    ...(flags['hf-token-secret'] ? { hfTokenSecret: flags['hf-token-secret'] } : {}),
    ...(flags['picker-image'] ? { pickerImage: flags['picker-image'] } : {}),
    ...(modelCache.value ? { modelCache: modelCache.value } : {}),
    ...(flags.autoscale ? { autoscale: autoscaleRequest(flags) } : {}),
    ...(targets ? { recommend: recommendSettings({ maxModelLen: spec.maxModelLen, flags, models, warn }) } : {}),
  };
  const problem = requestProblem(request);
  if (problem) throw new UsageError(problem);
  return request;
}

function autoscaleRequest(flags: DeployFlags): AutoscaleRequest {
  // The HPA's stabilization window: 0 to one hour.
  const scaleDownMs = durationFlag('--scale-down-window', flags['scale-down-window'], { minMs: 0, maxMs: 3_600_000 });
  return {
    minReplicas: flags['min-replicas'], maxReplicas: flags['max-replicas'], scaleDownSeconds: Math.round(scaleDownMs / 1000),
    with: flags['autoscale-with'] as AutoscaleWith, ...(flags['prometheus-url'] ? { prometheusUrl: flags['prometheus-url'] } : {}),
  };
}
