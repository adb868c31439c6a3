import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { inventory } from '../../src/deploy/inventory.js';
import { DTYPES, KV_DTYPES, type Dtype, type KvDtype } from '../../src/models/dtype.js';
import { DEFAULT_MAX_MODEL_LEN, DEFAULT_MEMORY_UTILIZATION } from '../../src/models/memory.js';
import type { PlotPanel } from '../views/plot/scale.js';
import { svgPlot } from '../views/plot/svg.js';
import { terminalPlot } from '../views/plot/terminal.js';
import { clusterCloud, priceCoverage, type Cloud, type PriceTable, type Pricing } from '../../src/profiles/pricing.js';
import { operatingBatch, type Recommendation, type RecommendInput, type RecommendOption, type Targets } from '../../src/profiles/recommend.js';
import { BATCH_FLAG } from '../../src/servers/batch.js';
import { SERVERS, type ServerKind } from '../../src/servers/templates.js';
import { formatGiB } from '../../src/units/quantity.js';
import { UsageError } from '../../src/usage.js';
import { KubeCommand } from '../base.js';
import type { Cluster } from '../cluster.js';
import { loadModels, modelFlags, modelSourceArgs, requireModel } from '../models.js';
import { figure } from '../profiles/format.js';
import { catalogCandidates, filterCandidates } from '../profiles/inputs.js';
import { recommendFlags, runRecommendation } from '../profiles/recommendation.js';
import { svgToPng } from '../profiles/png.js';
import { formatData, table } from '../render.js';
import { outputFlag } from '../flags.js';

/** Options listed without --all. */
const LISTED = 12;

export default class Recommend extends KubeCommand {
  static override summary = 'Which accelerator and TP size serve a model within latency targets at the lowest cost, from measured or estimated profiles.';

  static override description = `For every accelerator type (from the catalog, or --in-cluster) and tensor-parallel size that holds the
model, finds the highest throughput per replica whose TTFT p99 and NTPOT p99 stay within the targets, and its cost
per million output tokens. Figures come from measured profiles (kubectl inference bench, or an inference-perf
report imported with kubectl inference profiles import) where the store has one for the same model, server,
accelerator, TP and workload; otherwise from a roofline estimate, calibrated by measured profiles of the same
accelerator type when there are any. Each row says which.`;

  static override examples = [
    { description: 'Cheapest way to serve Llama 3.1 8B within 500 ms TTFT and 50 ms NTPOT:', command: '<%= config.bin %> recommend meta-llama/Llama-3.1-8B-Instruct --target-ttft-ms 500 --target-ntpot-ms 50' },
    { description: 'Only what the cluster has, long prompts, spot prices:', command: '<%= config.bin %> recommend Qwen/Qwen3-32B --in-cluster --input-tokens 4000 --output-tokens 300 --pricing spot' },
    { description: 'Compare two types, with curves in the terminal and a picture:', command: '<%= config.bin %> recommend meta-llama/Llama-3.1-70B-Instruct --accelerator nvidia-h100-80gb,nvidia-h200-141gb --plot --plot-file curves.svg' },
    { description: 'Replicas for 40 requests/s, as JSON:', command: '<%= config.bin %> recommend google/gemma-2-9b-it --target-ntpot-ms 40 --rate 40 -o json' },
  ];

  static override args = {
    model: Args.string({ required: true, description: 'Hugging Face model id from the catalog (kubectl inference models), or one --hf-config / --models-file describes' }),
  };

  static override flags = {
    ...recommendFlags,
    'max-model-len': Flags.integer({ min: 1, default: DEFAULT_MAX_MODEL_LEN, summary: 'Context length the KV cache must hold for one sequence.', helpGroup: 'WORKLOAD' }),
    rate: Flags.string({ summary: 'Total requests per second to serve: prints the replicas and cost per hour it takes.', helpGroup: 'WORKLOAD' }),
    'in-cluster': Flags.boolean({ default: false, summary: "Only the accelerator types the cluster's nodes have." }),
    accelerator: Flags.string({ summary: 'Only these accelerator types, comma-separated.' }),
    server: Flags.option({ options: SERVERS, default: 'vllm' as const, summary: 'Model server.' })(),
    dtype: Flags.option({ options: DTYPES, summary: "Weight precision (default: the checkpoint's own)." })(),
    'kv-cache-dtype': Flags.option({ options: KV_DTYPES, default: 'bf16' as const, summary: 'KV cache precision.' })(),
    'memory-utilization': Flags.string({ default: String(DEFAULT_MEMORY_UTILIZATION), summary: 'Fraction of device memory the server may use (0..1].' }),
    ...modelFlags,
    plot: Flags.boolean({ default: false, summary: 'Draw latency-vs-throughput curves of the top options in the terminal.' }),
    'plot-file': Flags.string({ summary: 'Write the curves to a picture: .svg or .png.' }),
    top: Flags.integer({ min: 1, default: 4, summary: 'Options the plot shows.' }),
    all: Flags.boolean({ default: false, summary: 'List every option (default: the best 12).' }),
    output: outputFlag(['json', 'yaml'] as const, 'Print the recommendation as data.'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Recommend);
    const models = loadModels(flags, args.model);
    const model = requireModel(models, args.model);
    const memoryUtilization = Number(flags['memory-utilization']);
    if (!(memoryUtilization > 0 && memoryUtilization <= 1)) throw new UsageError(`--memory-utilization ${flags['memory-utilization']}: must be a number in (0, 1]`);
    if (flags['max-model-len'] > model.maxContext) throw new UsageError(`--max-model-len ${flags['max-model-len']} exceeds ${model.id}'s context of ${model.maxContext} tokens`);
    const requestRate = flags.rate !== undefined ? Number(flags.rate) : undefined;
    if (requestRate !== undefined && !(requestRate > 0 && Number.isFinite(requestRate))) throw new UsageError(`--rate ${flags.rate}: want a positive number of requests per second`);
    const plotFile = flags['plot-file'];
    if (plotFile && !['.svg', '.png'].includes(extname(plotFile).toLowerCase())) throw new UsageError(`--plot-file ${plotFile}: the name must end in .svg or .png`);
    const names = flags.accelerator?.split(',').map((a) => a.trim()).filter((a) => a !== '');

    const inCluster = flags['in-cluster'] ? await this.clusterCandidates(this.cluster(flags)) : undefined;
    const candidates = inCluster
      ? filterCandidates(inCluster.candidates, names, 'the cluster')
      : filterCandidates(catalogCandidates(), names, 'the catalog');
    const { result, input } = runRecommendation({
      model, server: flags.server as ServerKind, dtype: (flags.dtype as Dtype | undefined) ?? model.nativeDtype, kvCacheDtype: flags['kv-cache-dtype'] as KvDtype,
      maxModelLen: flags['max-model-len'], memoryUtilization, flags, candidates, models, warn: (line) => this.note(line),
      ...(inCluster?.cloud ? { clusterCloud: inCluster.cloud } : {}),
      ...(requestRate !== undefined ? { requestRate } : {}),
    });

    if (flags.output) {
      const data = asData(result, input);
      this.log(formatData(data, flags.output));
      if (plotFile) this.writePlot(plotFile, result, input, flags.top);
      return;
    }
    this.log(report(result, input, flags.all ? Infinity : LISTED, modelSourceArgs(flags)));
    if (flags.plot && result.options.length > 0) {
      this.log('');
      this.log(terminalPlot(panels(result, input, flags.top), { title: `${model.id}: latency vs throughput per replica`, xLabel: 'output tokens/s per replica', color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
    }
    if (plotFile) this.writePlot(plotFile, result, input, flags.top);
    if (result.options.length === 0) process.exitCode = 1;
  }

  private async clusterCandidates(cluster: Cluster): Promise<{ candidates: ReturnType<typeof inventory>; cloud?: Cloud }> {
    const nodes = await cluster.nodes();
    const found = inventory(nodes);
    if (found.length === 0) this.note(`note: the cluster's nodes have no known accelerator (GKE, NVIDIA GPU Feature Discovery, AMD or kinfer.dev/accelerator labels)`);
    // The listed objects are whole V1Nodes; NodeLike names only what discovery reads.
    const cloud = clusterCloud(nodes.map((n) => {
      const providerID = (n as { spec?: { providerID?: string } }).spec?.providerID;
      return { ...(n.metadata?.labels ? { labels: n.metadata.labels } : {}), ...(providerID ? { providerID } : {}) };
    }));
    return { candidates: found, ...(cloud ? { cloud } : {}) };
  }

  private writePlot(file: string, result: Recommendation, input: RecommendInput, top: number): void {
    if (result.options.length === 0) {
      this.note(`note: nothing meets the targets; no plot written to ${file}`);
      return;
    }
    const svg = svgPlot(panels(result, input, top), { title: `${input.model.id.split("/").pop()} (${input.workload.inputTokens} in / ${input.workload.outputTokens} out tokens): latency vs throughput`, xLabel: 'output tokens/s per replica' });
    try {
      writeFileSync(file, extname(file).toLowerCase() === '.png' ? svgToPng(svg) : svg);
    } catch (error) {
      throw new UsageError(`--plot-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    this.note(`wrote ${file}`);
  }
}

function label(o: RecommendOption): string {
  return `${o.tp} × ${o.accelerator} (${o.source})`;
}

/** TTFT and NTPOT p99 against throughput, for the top options (measured ones solid, estimates dashed). */
function panels(result: Recommendation, input: RecommendInput, top: number): PlotPanel[] {
  const shown = result.options.slice(0, top);
  const series = (y: (p: RecommendOption['curve'][number]) => number) => shown.map((o) => ({
    label: label(o), dashed: o.source !== 'measured', points: o.curve.map((p) => ({ x: p.outputTokensPerSecond, y: y(p) })),
    highlight: { x: o.operating.outputTokensPerSecond, y: y(o.operating) },
  }));
  return [
    { title: 'TTFT p99', yLabel: 'ms', ...(input.targets.ttftMs !== undefined ? { target: input.targets.ttftMs } : {}), series: series((p) => p.ttftP99Ms) },
    { title: 'NTPOT p99', yLabel: 'ms', ...(input.targets.ntpotMs !== undefined ? { target: input.targets.ntpotMs } : {}), series: series((p) => p.ntpotP99Ms) },
  ];
}

function money(x: number | undefined, digits = 2): string {
  return x === undefined ? '-' : `$${x.toFixed(digits)}`;
}

function targetsText(targets: Targets): string {
  const parts = [
    targets.ttftMs !== undefined ? `TTFT p99 ≤ ${targets.ttftMs} ms` : undefined,
    targets.ntpotMs !== undefined ? `NTPOT p99 ≤ ${targets.ntpotMs} ms` : undefined,
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(', ') : 'none (throughput at saturation)';
}

/** The `prices:` lines under the table: which prices, of what date, and which are not current. */
function pricesLine(prices: PriceTable, pricing: Pricing, shown: ReadonlySet<string>): string {
  const cloud = prices.cloud === undefined ? '' : prices.cloud === 'all' ? 'all clouds, ' : `${prices.cloud}, `;
  const coverage = priceCoverage(prices, pricing);
  if (coverage.types === 0) {
    return `prices: none: the default table has no ${pricing} price for ${prices.cloud === 'all' ? 'any cloud' : prices.cloud} (no dated public figure was found; docs/recommend.md). Give yours with --prices FILE, or rank on --pricing ${pricing === 'spot' ? 'on-demand' : 'spot'}`;
  }
  const lines = [`prices: ${pricing}, USD per device-hour, ${cloud}${prices.region ? `${prices.region}, ` : ''}as of ${coverage.asOf} (override with --prices FILE; other clouds with --cloud)`];
  if (prices.note) lines.push(`note: ${prices.note}`);
  const stale = prices.stale?.filter((line) => shown.has(line.split(' ')[0]!) && line.includes(pricing === 'spot' ? ' spot ' : ' on-demand '));
  if (stale && stale.length > 0) lines.push(`not read current: ${stale.join('; ')}`);
  return lines.join('\n');
}

/** The human report: the recommendation first, then every option, then what does not work and why. */
function report(result: Recommendation, input: RecommendInput, limit: number, modelArgs: string): string {
  const lines: string[] = [];
  lines.push(`${input.model.id} (${input.server}), ${input.workload.inputTokens} in / ${input.workload.outputTokens} out tokens, targets: ${targetsText(input.targets)}`);
  lines.push('');
  const best = result.options[0];
  if (best) {
    lines.push(`Recommendation: ${best.tp} × ${best.accelerator}${best.nodes > 1 ? ` over ${best.nodes} nodes` : ''}${best.tpuTopology && best.nodes > 1 ? ` (one ${best.tpuTopology} slice)` : ''} per replica: ${result.reason}.`);
    if (best.replicas !== undefined) {
      lines.push(`For ${input.requestRate} req/s: ${best.replicas} replica${best.replicas > 1 ? 's' : ''} (${best.replicas * best.tp} devices)${best.pricePerHour !== undefined ? `, ${money(best.replicas * best.pricePerHour)}/hour` : ''}.`);
    }
    const targets = [
      input.targets.ttftMs !== undefined ? ` --target-ttft-ms ${input.targets.ttftMs}` : '',
      input.targets.ntpotMs !== undefined ? ` --target-ntpot-ms ${input.targets.ntpotMs}` : '',
    ].join('');
    lines.push(`  kubectl inference deploy ${input.model.id}${modelArgs} --accelerator ${best.accelerator} --tp ${best.tp}${best.replicas !== undefined ? ` --replicas ${best.replicas}` : ''}${targets}`);
    const inFlight = operatingBatch(best, input.workload);
    lines.push(targets
      ? `Server batch: deploy with these targets passes ${BATCH_FLAG[input.server]} ${inFlight}, the requests in flight at that load (the KV reservation --kv-reserve-seqs is separate: it only sizes placement).`
      : `Server batch: without targets deploy passes no ${BATCH_FLAG[input.server]} and the server keeps its own default (--explain says which); saturation here is ${inFlight} in flight.`);
  } else {
    lines.push(`No option meets the targets${result.infeasible.length > 0 ? '; see why below' : ''}.`);
  }
  if (result.changes) {
    lines.push(`Nothing here holds ${input.model.id} at ${input.dtype} with --max-model-len ${input.maxModelLen} on one node. What would, cheapest first:`);
    for (const c of result.changes) lines.push(`  ${c.flags}: ${c.text}`);
  }
  if (result.options.length > 0) {
    lines.push('');
    // NODES only when some replica spans several (a LeaderWorkerSet, one pipeline stage per node).
    const multiNode = result.options.slice(0, limit).some((o) => o.nodes > 1);
    const headers = ['#', 'ACCELERATOR', 'TP', ...(multiNode ? ['NODES'] : []), 'MEMORY (NEED/USABLE)', 'KV TOKENS', 'REQ/S', 'OUT TOK/S', 'TTFT P99', 'NTPOT P99', '$/HOUR', '$/1M OUT', ...(input.requestRate !== undefined ? ['REPLICAS'] : []), 'FIGURES'];
    lines.push(table(headers, result.options.slice(0, limit).map((o, i) => [
      String(i + 1), o.accelerator, String(o.tp), ...(multiNode ? [String(o.nodes)] : []), `${formatGiB(o.memory.needBytes)} / ${formatGiB(o.memory.usableBytes)}`, figure(o.memory.kvCapacityTokens),
      figure(o.operating.requestRate), figure(o.operating.outputTokensPerSecond), `${figure(o.operating.ttftP99Ms)} ms`, `${figure(o.operating.ntpotP99Ms)} ms`,
      money(o.pricePerHour), money(o.costPerMillionTokens), ...(input.requestRate !== undefined ? [o.replicas !== undefined ? String(o.replicas) : '-'] : []), o.source,
    ])));
    if (result.options.length > limit) lines.push(`… ${result.options.length - limit} more options meet the targets (--all lists them)`);
  }
  if (result.infeasible.length > 0) {
    lines.push('');
    lines.push('Not feasible:');
    lines.push(table(['ACCELERATOR', 'TP', 'WHY'], result.infeasible.map((x) => [x.accelerator, x.tp !== undefined ? String(x.tp) : '-', `${x.why}${x.source ? ` (${x.source})` : ''}`])));
  }
  if (result.setAside.length > 0) {
    lines.push('');
    lines.push('Measured profiles set aside (they calibrate nothing; bench them again):');
    for (const x of result.setAside) lines.push(`  ${x.profile}: ${x.doubts.join('; ')}`);
  }
  lines.push('');
  lines.push('Figures are per replica at the highest load within the targets.');
  const origins = [...new Set(result.options.map((o) => `${o.source}: ${o.origin}`))];
  for (const origin of origins.slice(0, 6)) lines.push(`  ${origin}`);
  if (origins.length > 6) lines.push(`  … and ${origins.length - 6} more sources (-o json lists each)`);
  lines.push(pricesLine(input.prices, input.pricing, new Set(input.candidates.map((c) => c.type))));
  return lines.join('\n');
}

/** The recommendation as plain data for -o json|yaml. */
function asData(result: Recommendation, input: RecommendInput): object {
  return {
    model: input.model.id,
    server: input.server,
    workload: input.workload,
    targets: input.targets,
    ...(input.requestRate !== undefined ? { requestRate: input.requestRate } : {}),
    pricing: {
      kind: input.pricing, source: input.prices.source, asOf: input.prices.asOf, ...(input.prices.region ? { region: input.prices.region } : {}),
      ...(input.prices.cloud ? { cloud: input.prices.cloud } : {}), ...(input.prices.note ? { note: input.prices.note } : {}),
      ...(input.prices.rows ? { rows: input.prices.rows.filter((r) => r.kind === input.pricing) } : {}),
    },
    recommendation: result.options[0] ? { accelerator: result.options[0].accelerator, tp: result.options[0].tp, reason: result.reason } : null,
    ...(result.changes ? { changes: result.changes.map((c) => ({ flags: c.flags, text: c.text, replicaHbmBytes: c.replicaHbmBytes })) } : {}),
    options: result.options.map((o) => ({
      accelerator: o.accelerator, tp: o.tp, nodes: o.nodes, ...(o.tpuTopology ? { tpuTopology: o.tpuTopology } : {}), source: o.source, origin: o.origin,
      memory: { needBytes: Math.round(o.memory.needBytes), usableBytes: Math.round(o.memory.usableBytes), headroom: o.memory.headroom, kvCapacityTokens: o.memory.kvCapacityTokens },
      operating: o.operating,
      serverBatch: operatingBatch(o, input.workload),
      ...(o.pricePerHour !== undefined ? { pricePerHour: o.pricePerHour } : {}),
      ...(o.costPerMillionTokens !== undefined ? { costPerMillionOutputTokens: o.costPerMillionTokens } : {}),
      ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
      ...(o.doubts ? { doubts: o.doubts } : {}),
      curve: o.curve,
    })),
    infeasible: result.infeasible,
    setAside: result.setAside,
  };
}
