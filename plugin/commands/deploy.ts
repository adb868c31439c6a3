import { KubeConfig } from '@kubernetes/client-node';
import { Args, Flags } from '@oclif/core';
import { acceleratorByName } from '../../src/accelerators/catalog.js';
import { explainAutoscale, pickerAutoscaleArgs, type AutoscalePlan } from '../../src/autoscale/explain.js';
import { buildHpa, DEFAULT_BEHAVIOR } from '../../src/autoscale/hpa.js';
import { catalogInventory, inventory, type AcceleratorInventory } from '../../src/deploy/inventory.js';
import { planDeployment, type DeployPlan, type DeploySpec } from '../../src/deploy/plan.js';
import { describeChanges, fittingChanges, type FittingChange } from '../../src/deploy/suggest.js';
import { DNS_1123, defaultName } from '../../src/manifests/labels.js';
import { buildModelObjects, type ModelDeployment } from '../../src/manifests/model.js';
import { explainModelCache, MODEL_CACHE_GRAMMAR, parseModelCache } from '../../src/manifests/model-cache.js';
import { buildPickerObjects } from '../../src/manifests/picker.js';
import { KINFER_CONFIG_YAML } from '../../src/routing/config.js';
import { DTYPES, KV_DTYPES, type Dtype, type KvDtype } from '../../src/models/dtype.js';
import { DEFAULT_MAX_MODEL_LEN, DEFAULT_KV_RESERVE_SEQS, DEFAULT_MEMORY_UTILIZATION, servingShapeProblem } from '../../src/models/memory.js';
import { BATCH_FLAG, serverDefaultBatch } from '../../src/servers/batch.js';
import { SERVERS, type ServerKind } from '../../src/servers/templates.js';
import { operatingBatch } from '../../src/profiles/recommend.js';
import { formatGiB } from '../../src/units/quantity.js';
import { KubeCommand, UsageError } from '../base.js';
import { dryRunFlag } from '../dry-run.js';
import { durationFlag } from '../durations.js';
import { loadModels, modelFlags, requireModel } from '../models.js';
import { recommendFlags, runRecommendation } from '../profiles/recommendation.js';
import type { ModelRegistry } from '../../src/models/user.js';
import { Cluster, KINFER_SCHEDULER, KubeError } from '../cluster.js';
import { formatObjects, resourceName, table, type OutputFormat } from '../render.js';
import { waitForReady } from '../wait.js';

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
    'scale-down-window': Flags.string({ default: '5m', summary: 'With --autoscale: how long load must stay lower before replicas are removed (HPA scale-down stabilization).' }),
    explain: Flags.boolean({ default: false, summary: 'Show every accelerator type considered and why it was or was not chosen.' }),
    'dry-run': dryRunFlag(),
    output: Flags.option({ char: 'o', options: ['yaml', 'json'] as const, summary: 'Print the objects instead of a summary.' })(),
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
    const model = requireModel(models, args.model);
    const memoryUtilization = Number(flags['memory-utilization']);
    if (!(memoryUtilization > 0 && memoryUtilization <= 1)) throw new UsageError(`--memory-utilization ${flags['memory-utilization']}: must be a number in (0, 1]`);
    const name = flags.name ?? defaultName(model.id);
    if (!DNS_1123.test(name) || name.length > 50) throw new UsageError(`--name ${name}: must be a DNS-1123 label of at most 50 characters (lowercase letters, digits, -)`);
    const modelCache = parseModelCache(flags['model-cache'], name, model);
    if (!modelCache.ok) throw new UsageError(modelCache.error);
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
    const shapeProblem = servingShapeProblem(spec);
    if (shapeProblem) throw new UsageError(shapeProblem);
    const timeoutMs = durationFlag('--timeout', flags.timeout, { minMs: 1 });
    const dryRun = flags['dry-run'] ?? 'none';
    const output = flags.output as OutputFormat | undefined;
    const hfToken = flags['hf-token-secret'];

    // Made on first use: a client dry run with --accelerator and --tp plans from the catalog even with no kubeconfig.
    let connected: Cluster | undefined;
    const nodes = await this.inventoryOf(() => (connected = this.cluster(flags)), spec, dryRun === 'client');
    const cluster = connected ?? this.offline(flags.namespace);
    const hasTargets = flags['target-ttft-ms'] !== undefined || flags['target-ntpot-ms'] !== undefined;
    if (flags.autoscale && !hasTargets) throw new UsageError('--autoscale needs --target-ttft-ms and/or --target-ntpot-ms: the replica capacity it scales by is what one replica serves within them');
    if (flags.autoscale && flags['min-replicas'] > flags['max-replicas']) throw new UsageError(`--min-replicas ${flags['min-replicas']} is above --max-replicas ${flags['max-replicas']}`);
    // The HPA's stabilization window: 0 to one hour.
    const scaleDownSeconds = Math.round(durationFlag('--scale-down-window', flags['scale-down-window'], { minMs: 0, maxMs: 3_600_000 }) / 1000);
    const targeted = hasTargets
      ? this.recommended(spec, nodes.inventory, flags, flags.server as ServerKind, models)
      : { spec, batchWhy: spec.maxBatch !== undefined ? 'set by --max-batch' : undefined };
    const plan = planDeployment(targeted.spec, nodes.inventory);
    if (!plan.ok) throw new KubeError(withChanges(plan.error, fittingChanges(targeted.spec, nodes.inventory)));
    if (flags.explain) this.log(explain(plan.value, targeted, flags.server as ServerKind));

    const pool = !flags['no-pool'] && (nodes.online ? await cluster.hasInferencePool() : true);
    if (!flags['no-pool'] && !pool) {
      this.note('note: the InferencePool CRD (inference.networking.k8s.io/v1) is not installed; deploying without a pool (as --no-pool). Install the Gateway API Inference Extension CRDs for one.');
    }
    const lws = nodes.online ? await cluster.hasLeaderWorkerSet() : true;
    const schedulerName = flags.scheduler ?? (nodes.online && (await cluster.hasKinferScheduler()) ? KINFER_SCHEDULER : undefined);
    const deployment: ModelDeployment = {
      name,
      namespace: cluster.namespace,
      server: flags.server as ServerKind,
      spec: targeted.spec,
      targets: plan.value.targets,
      pool,
      leaderWorkerSet: lws,
      ...(flags.image ? { image: flags.image } : {}),
      ...(schedulerName && schedulerName !== 'default-scheduler' ? { schedulerName } : {}),
      ...(hfToken ? { hfTokenSecret: { name: hfToken.split(':')[0]!, key: hfToken.split(':')[1] ?? 'token' } } : {}),
    };
    if (flags.explain) this.log(explainModelCache(modelCache.value));
    const built = buildModelObjects({ ...deployment, ...(modelCache.value ? { modelCache: modelCache.value } : {}) });
    // Without a LeaderWorkerSet, only what fits on one node helps.
    if (!built.ok) throw new KubeError(withChanges(built.error, fittingChanges(targeted.spec, nodes.inventory).filter((c) => !c.multiNode)));
    // The pool's endpoint picker comes with it (what `route install` applies), with kinfer's default profile.
    const models_ = pool && !flags['no-picker']
      ? [...built.value, ...buildPickerObjects({ pool: name, namespace: cluster.namespace, configYaml: KINFER_CONFIG_YAML, ...(flags['picker-image'] ? { image: flags['picker-image'] } : {}) })]
      : built.value;
    // One HPA per Deployment (one per accelerator type), named as it. With targets there is one type: recommend's.
    const capacity = flags.autoscale ? targeted.capacity : undefined;
    const autoscalePlans: (AutoscalePlan & { labels: Record<string, string> })[] = capacity
      ? built.value.filter((o) => o.kind === 'Deployment').map((o) => ({
        workload: o.metadata.name, labels: o.metadata.labels ?? {}, ...capacity, minReplicas: flags['min-replicas'], maxReplicas: flags['max-replicas'],
        behavior: { ...DEFAULT_BEHAVIOR, scaleDownStabilizationSeconds: scaleDownSeconds },
      }))
      : [];
    if (flags.explain) for (const p of autoscalePlans) this.log(explainAutoscale(p).join('\n'));
    // Labelled as their Deployment, so `list` shows them and `delete` removes them.
    const hpas = autoscalePlans.map((p) => buildHpa({
      deployment: p.workload, namespace: cluster.namespace, minReplicas: p.minReplicas, maxReplicas: p.maxReplicas, behavior: p.behavior, labels: p.labels,
    }));
    const objects = [...models_, ...hpas];

    for (const warning of plan.value.warnings) this.note(`warning: ${warning}`);
    if (!output) {
      for (const t of plan.value.targets) {
        this.log(`${model.id}: ${t.replicas} replica(s) on ${t.option.inventory.type}, ${t.option.devices} device(s) each${t.option.hosts > 1 ? ` over ${t.option.hosts} nodes` : ''}: ${t.option.why}`);
      }
      if (autoscalePlans.length > 0) this.log(`autoscale: ${autoscalePlans.map((p) => `${p.workload} ${p.minReplicas}..${p.maxReplicas} replicas at ${p.capacityRps.toFixed(2)} req/s each`).join(', ')}; the pool's kinfer-picker serves the metric with ${pickerAutoscaleArgs(autoscalePlans).join(' ')} (docs/autoscaling.md)`);
      this.log(`scheduler: ${schedulerName ?? 'default-scheduler (pinned to the accelerator by node affinity; kinfer-scheduler not found)'}`);
    }
    if (dryRun === 'client') {
      if (output) this.log(formatObjects(objects, output));
      else for (const o of objects) this.log(`${resourceName(o)} created (dry run)`);
      return;
    }
    const applied = [];
    for (const object of objects) {
      applied.push(await cluster.apply(object, dryRun === 'server'));
      if (!output) this.log(`${resourceName(object)} serverside-applied${dryRun === 'server' ? ' (server dry run)' : ''}`);
    }
    if (output) this.log(formatObjects(applied, output));
    if (flags.wait && dryRun === 'none') {
      const ok = await waitForReady(cluster, deployment, timeoutMs, (line) => this.note(line));
      if (!ok) throw new KubeError(`not every replica of ${name} was ready within ${flags.timeout}; see kubectl describe pods -l kinfer.dev/deployment=${name}`);
    }
  }

  /**
   * With latency targets: the option `recommend` ranks first among the cluster's types (and --accelerator/--tp
   * when given), as the spec's accelerator and TP.
   */
  private recommended(spec: DeploySpec, cluster: readonly AcceleratorInventory[], flags: Parameters<typeof runRecommendation>[0]['flags'], server: ServerKind, models: ModelRegistry): Batched {
    const candidates = spec.accelerators ? cluster.filter((c) => spec.accelerators!.includes(c.type)) : cluster;
    const { result, input } = runRecommendation({
      model: spec.model, server, dtype: spec.dtype, kvCacheDtype: spec.kvCacheDtype, maxModelLen: spec.maxModelLen,
      memoryUtilization: spec.memoryUtilization, flags, candidates, models, warn: (line) => this.note(line),
    });
    const options = result.options.filter((o) => spec.tp === undefined || o.tp === spec.tp);
    const best = options[0];
    if (!best) {
      const why = result.infeasible.map((x) => `${x.tp !== undefined ? `${x.tp} × ` : ''}${x.accelerator}: ${x.why}`).join('; ');
      const changes = result.changes ? `; ${describeChanges(result.changes)}` : '';
      throw new KubeError(`no accelerator in the cluster serves ${spec.model.id} within the targets${why ? `: ${why}` : ''}${changes}`);
    }
    const batch = operatingBatch(best, input.workload);
    this.note(`recommend: ${best.tp} × ${best.accelerator}, ${best.operating.outputTokensPerSecond.toFixed(0)} output tokens/s per replica at TTFT p99 ${best.operating.ttftP99Ms.toFixed(0)} ms, NTPOT p99 ${best.operating.ntpotP99Ms.toFixed(1)} ms, ${batch} requests in flight (${best.source})`);
    const chosen = { ...spec, accelerators: [best.accelerator], tp: best.tp };
    const ttftTarget = flags['target-ttft-ms'] ?? best.operating.ttftP99Ms;
    const capacity = {
      capacityRps: best.operating.requestRate, ttftTargetSeconds: ttftTarget / 1000,
      capacityFrom: `recommend, ${best.source}, at ${best.operating.outputTokensPerSecond.toFixed(0)} output tokens/s within the targets`,
    };
    if (spec.maxBatch !== undefined) {
      // An explicit --max-batch wins as given; below the operating concurrency it caps what was priced.
      if (spec.maxBatch < batch) this.note(`warning: --max-batch ${spec.maxBatch} is below the ${batch} requests in flight recommend priced; the replica will serve less than quoted`);
      return { spec: chosen, batchWhy: 'set by --max-batch', capacity };
    }
    return { spec: { ...chosen, maxBatch: batch }, capacity, batchWhy: `the concurrency recommend chose within the targets (${best.operating.outputTokensPerSecond.toFixed(0)} output tokens/s per replica)` };
  }

  /**
   * The accelerators to plan with: the cluster's nodes; or, for `--dry-run=client` with --accelerator and --tp
   * and no reachable cluster, the catalog's figures (so manifests can be rendered offline).
   */
  private async inventoryOf(cluster: () => Cluster, spec: DeploySpec, clientDryRun: boolean): Promise<{ inventory: AcceleratorInventory[]; online: boolean }> {
    try {
      return { inventory: inventory(await cluster().nodes()), online: true };
    } catch (error) {
      if (!clientDryRun || !spec.accelerators || spec.tp === undefined) throw error;
      const offline: AcceleratorInventory[] = [];
      for (const type of spec.accelerators) {
        const known = acceleratorByName(type);
        if (!known) throw new UsageError(`--accelerator ${type}: not a known accelerator type`);
        offline.push(catalogInventory(known, spec.tp));
      }
      this.note(`note: ${(error as Error).message.split(';')[0]}; planning from the catalog for --dry-run=client`);
      return { inventory: offline, online: false };
    }
  }

  /** A stand-in for an unreachable cluster in a client dry run: only its namespace is read. */
  private offline(namespace: string | undefined): Cluster {
    const kc = new KubeConfig();
    // Never contacted (the plan is offline); the API clients just need a cluster to be built.
    kc.loadFromOptions({ clusters: [{ name: 'offline', server: 'https://offline.invalid' }], users: [{ name: 'offline' }],
      contexts: [{ name: 'offline', cluster: 'offline', user: 'offline' }], currentContext: 'offline' });
    return new Cluster(kc, namespace ?? 'default');
  }
}

function withChanges(error: string, changes: readonly FittingChange[]): string {
  return changes.length > 0 ? `${error}; ${describeChanges(changes)}` : error;
}

/** The spec to deploy, and why its server batch cap is what it is (absent: the server's own default). */
interface Batched {
  readonly spec: DeploySpec;
  readonly batchWhy: string | undefined;
  /** With targets: one replica's request rate within them, for --autoscale. */
  readonly capacity?: Pick<AutoscalePlan, 'capacityRps' | 'capacityFrom' | 'ttftTargetSeconds'>;
}

/** The two settings people confuse, one line each: the KV reservation (placement) and the server's batch cap. */
function explainBatch(plan: DeployPlan, batched: Batched, server: ServerKind): string[] {
  const { spec } = batched;
  const lines = [`kv reserve:   ${spec.kvReserveSeqs} sequence(s) × ${spec.maxModelLen} tokens must fit in the KV cache (kinfer.dev/kv-reserve-seqs; placement only, not passed to the server)`];
  if (spec.maxBatch !== undefined) {
    lines.push(`server batch: ${BATCH_FLAG[server]} ${spec.maxBatch}: ${batched.batchWhy ?? 'set by --max-batch'}`);
    return lines;
  }
  for (const t of plan.targets) {
    const inv = t.option.inventory;
    const fallback = serverDefaultBatch(server, {
      accelerator: inv.type, kind: inv.resourceName === 'google.com/tpu' ? 'tpu' : 'gpu', hbmBytesPerDevice: inv.hbmBytesPerDevice,
      kvCapacityTokens: t.option.kvCapacityTokens, maxModelLen: spec.maxModelLen,
    });
    lines.push(`server batch: no ${BATCH_FLAG[server]} flag: the server's default on ${inv.type} is ${fallback.maxBatch}, ${fallback.rule}`);
  }
  return lines;
}

function explain(plan: DeployPlan, batched: Batched, server: ServerKind): string {
  return [explainTable(plan), '', ...explainBatch(plan, batched, server)].join('\n');
}

function explainTable(plan: DeployPlan): string {
  const chosen = new Set(plan.targets.map((t) => t.option.inventory.type));
  const rows = plan.options.map((o) => [
    chosen.has(o.inventory.type) ? '*' : '',
    o.inventory.type,
    o.devices !== undefined ? String(o.devices) : '-',
    o.hosts > 1 ? String(o.hosts) : '1',
    o.need ? formatGiB(o.need.totalBytes) : '-',
    o.usableBytes > 0 ? formatGiB(o.usableBytes) : '-',
    o.feasible ? `${Math.round(o.headroom * 100)}%` : '-',
    o.feasible ? String(o.kvCapacityTokens) : '-',
    o.feasible ? 'fits' : `no: ${o.why}`,
  ]);
  return table(['', 'ACCELERATOR', 'DEVICES', 'HOSTS', 'NEED', 'USABLE', 'HEADROOM', 'KV TOKENS', 'WHY'], rows);
}

