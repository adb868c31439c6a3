import { Args, Flags } from '@oclif/core';
import { acceleratorByName } from '../../src/accelerators/catalog.js';
import { LABELS } from '../../src/manifests/labels.js';
import { podDeviceRequests } from '../../src/placement/pod.js';
import { ANNOTATIONS } from '../../src/placement/request.js';
import { measuredProfile, type BenchSubject } from '../../src/profiles/bench.js';
import { describeKey, type PerfProfile } from '../../src/profiles/profile.js';
import { parsePromptsFile, sharedPrefixWorkload, syntheticWorkload, type BenchRequest } from '../../src/profiles/workload.js';
import { mulberry32 } from '../../src/random.js';
import { SERVERS, type ServerKind } from '../../src/servers/templates.js';
import { UsageError } from '../../src/usage.js';
import { KubeCommand } from '../base.js';
import { readFlagFile } from '../files.js';
import { gatewayUrl, routeParent } from '../load/gateway.js';
import { LoadClient } from '../load/load.js';
import { sweep, type SweepRow } from '../load/sweep.js';
import { KubeError, type Cluster } from '../cluster.js';
import { profileTable } from '../profiles/format.js';
import { openStore } from '../profiles/open.js';
import { table } from '../render.js';
import { podReady } from '../wait.js';
import { durationFlag } from '../durations.js';
import { DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS } from '../profiles/recommendation.js';
import { outputFlag, profilesFlag } from '../flags.js';

/** Stages when neither --rates nor --concurrency is given: requests in flight, doubling. */
const DEFAULT_CONCURRENCY = [1, 2, 4, 8, 16, 32];

export default class Bench extends KubeCommand {
  static override summary = "Measure a deployed model's latency-vs-throughput profile and store it for recommend.";

  static override description = `Sweeps load levels against a deployment: each stage holds a number of requests in flight (--concurrency)
or sends at a Poisson rate (--rates) for --stage-duration or --max-requests, whichever ends first, and streams
every response to time TTFT, NTPOT and inter-token latency. Requests go through the pool's Gateway (an
HTTPRoute to the InferencePool, so the endpoint picker routes them) or to --endpoint. The figures are divided
by the number of ready replicas, written to the profile store as a measured profile, and printed.`;

  static override examples = [
    { description: 'Through the Gateway that routes to the pool, default stages:', command: '<%= config.bin %> bench llama-3-1-8b-instruct' },
    { description: 'Through a port-forward, at fixed rates, 1000-token prompts:', command: '<%= config.bin %> bench llama-3-1-8b-instruct --endpoint http://127.0.0.1:8080 --rates 2,4,8,16 --input-tokens 1000 --output-tokens 200' },
    { description: 'Shared system prompts (prefix caching):', command: '<%= config.bin %> bench gemma --workload shared-prefix --prefixes 8 --prefix-tokens 600' },
    { description: 'Your own prompts, a quick sweep, JSON out:', command: '<%= config.bin %> bench gemma --prompts prompts.jsonl --concurrency 1,8,32 --stage-duration 20s -o json' },
    { description: 'A server outside the cluster (say what it runs):', command: '<%= config.bin %> bench my-vllm --endpoint http://10.0.0.5:8000 --model meta-llama/Llama-3.1-8B-Instruct --accelerator nvidia-l4 --tp 1' },
  ];

  static override args = {
    name: Args.string({ required: true, description: 'Deployment name (as kubectl inference list shows)' }),
  };

  static override flags = {
    endpoint: Flags.string({ summary: 'Base URL of an OpenAI-compatible endpoint (a Gateway, port-forward or kinfer-picker proxy) instead of the Gateway lookup.' }),
    concurrency: Flags.string({ summary: 'Stages as requests in flight, comma-separated (default 1,2,4,8,16,32).', exclusive: ['rates'] }),
    rates: Flags.string({ summary: 'Stages as Poisson request rates in requests/s, comma-separated.', exclusive: ['concurrency'] }),
    workload: Flags.option({ options: ['synthetic', 'shared-prefix'] as const, default: 'synthetic' as const, summary: 'Prompt shape (ignored with --prompts).' })(),
    'input-tokens': Flags.integer({ min: 1, default: DEFAULT_INPUT_TOKENS, summary: 'Prompt length in tokens.' }),
    'output-tokens': Flags.integer({ min: 1, default: DEFAULT_OUTPUT_TOKENS, summary: 'Output length in tokens (sent as max_tokens with ignore_eos).' }),
    prefixes: Flags.integer({ min: 1, default: 8, summary: 'shared-prefix: distinct system prompts.' }),
    'prefix-tokens': Flags.integer({ min: 1, default: 400, summary: 'shared-prefix: tokens of each system prompt (part of --input-tokens).' }),
    prompts: Flags.string({ summary: 'JSONL file of prompts: {"prompt": ...} or {"messages": [...]}, optional "max_tokens", one per line.' }),
    'stage-duration': Flags.string({ default: '30s', summary: 'Longest time a stage sends for (e.g. 20s, 2m).' }),
    'max-requests': Flags.integer({ min: 1, default: 500, summary: 'Most requests a stage sends.' }),
    'request-timeout': Flags.string({ default: '120s', summary: 'Longest one request may take.' }),
    seed: Flags.integer({ default: 1, summary: 'Seed of the prompts and the arrival times.' }),
    model: Flags.string({ summary: "Model id (default: the deployment's kinfer.dev/model annotation)." }),
    accelerator: Flags.string({ summary: "Accelerator type (default: the deployment's)." }),
    tp: Flags.integer({ min: 1, summary: "Devices per replica (default: the deployment's)." }),
    server: Flags.option({ options: SERVERS, summary: "Model server (default: the deployment's)." })(),
    replicas: Flags.integer({ min: 1, summary: 'Replicas serving the endpoint (default: ready pods of the deployment).' }),
    profiles: profilesFlag(),
    'no-save': Flags.boolean({ default: false, summary: 'Print the profile without storing it.' }),
    output: outputFlag(['json'] as const, 'Print the profile as JSON.'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Bench);
    const stages = stagesOf(flags.concurrency, flags.rates);
    const stageMs = durationFlag('--stage-duration', flags['stage-duration'], { minMs: 1 });
    const requestTimeoutMs = durationFlag('--request-timeout', flags['request-timeout'], { minMs: 1 });
    if (flags.workload === 'shared-prefix' && flags['prefix-tokens'] >= flags['input-tokens']) {
      throw new UsageError(`--prefix-tokens ${flags['prefix-tokens']} must be less than --input-tokens ${flags['input-tokens']}`);
    }
    // What is measured: from the cluster, unless every fact is on the command line.
    const cluster = flags.model && flags.accelerator && flags.tp && flags.replicas && flags.endpoint ? undefined : this.cluster(flags);
    const subject = subjectOf(args.name, flags, cluster ? await deploymentFacts(cluster, args.name) : undefined);
    const target = flags.endpoint ? endpointUrl(flags.endpoint) : await gatewayFor(cluster!, args.name);
    await reachable(target);

    const random = mulberry32(flags.seed);
    const next = this.requests(flags, subject.model, random);
    const client = new LoadClient({ url: target });
    this.note(`bench ${args.name}: ${subject.model} on ${subject.tp} × ${subject.accelerator} (${subject.server}), ${subject.replicas} replica(s), via ${target.origin}`);
    const measured = await sweep(client, {
      stages, stageMs, requestTimeoutMs, maxRequests: flags['max-requests'], replicas: subject.replicas, model: subject.model, origin: target.origin,
      next, random, note: (line) => this.note(line),
    }).finally(() => client.close());
    if (measured.points.length === 0) throw new KubeError(`${measured.stoppedBy ?? 'no request finished within its stage and the drain after it (is the server overloaded? a longer --stage-duration or --request-timeout gives it more time)'}; nothing to store`);
    const origin = `kubectl inference bench ${args.name} (${subject.replicas} replica${subject.replicas > 1 ? 's' : ''}, ${flags.prompts ? 'prompts file' : flags.workload})`;
    const profile = measuredProfile(subject, measured.points, measured.timed, { inputTokens: flags['input-tokens'], outputTokens: flags['output-tokens'] }, origin, new Date().toISOString());

    if (!flags['no-save']) this.save(profile, flags.profiles);
    if (flags.output === 'json') this.log(JSON.stringify(profile, null, 2));
    else this.log(benchReport(profile, measured.rows));
    if (measured.stoppedBy) {
      const n = measured.points.length;
      throw new KubeError(`${measured.stoppedBy}; ${flags['no-save'] ? 'kept' : 'stored'} the ${n} stage${n > 1 ? 's' : ''} before it`);
    }
  }

  private save(profile: PerfProfile, path: string | undefined): void {
    const store = openStore(path, 'write');
    store.put([profile]);
    store.close();
    this.note(`saved: ${describeKey(profile.key)} → ${store.path}`);
  }

  private requests(flags: { prompts?: string | undefined; workload: string; 'input-tokens': number; 'output-tokens': number; prefixes: number; 'prefix-tokens': number }, model: string, random: () => number): (i: number) => BenchRequest {
    if (flags.prompts) {
      const parsed = parsePromptsFile(readFlagFile(`--prompts ${flags.prompts}`, flags.prompts), flags.prompts, model, flags['output-tokens']);
      if (!parsed.ok) throw new UsageError(parsed.error);
      const prompts = parsed.value;
      return (i) => prompts[i % prompts.length]!;
    }
    return flags.workload === 'shared-prefix'
      ? sharedPrefixWorkload(model, flags['input-tokens'], flags['output-tokens'], flags.prefixes, flags['prefix-tokens'], random)
      : syntheticWorkload(model, flags['input-tokens'], flags['output-tokens'], random);
  }
}

function numbers(text: string, flag: string, integer: boolean): number[] {
  const values = text.split(',').map((t) => t.trim()).filter((t) => t !== '').map(Number);
  if (values.length === 0 || values.some((v) => !(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v)))) {
    throw new UsageError(`--${flag} ${text}: want positive ${integer ? 'whole numbers' : 'numbers'}, comma-separated`);
  }
  return values;
}

function stagesOf(concurrency: string | undefined, rates: string | undefined): { concurrency?: number; rate?: number }[] {
  if (rates !== undefined) return numbers(rates, 'rates', false).map((rate) => ({ rate }));
  return (concurrency !== undefined ? numbers(concurrency, 'concurrency', true) : DEFAULT_CONCURRENCY).map((c) => ({ concurrency: c }));
}

function endpointUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url;
  } catch {
    throw new UsageError(`--endpoint ${text}: want an http:// or https:// URL`);
  }
}

/** What runs behind the endpoint: the flags, else the deployment's facts; a cluster error when neither says. */
function subjectOf(name: string, flags: { model?: string | undefined; accelerator?: string | undefined; tp?: number | undefined; server?: string | undefined; replicas?: number | undefined }, facts: DeploymentFacts | undefined): BenchSubject {
  const model = flags.model ?? facts?.model;
  const accelerator = flags.accelerator ?? facts?.accelerator;
  const tp = flags.tp ?? facts?.tp;
  const replicas = flags.replicas ?? facts?.replicas;
  if (!model || !accelerator || !tp || !replicas) throw new KubeError(`cannot tell what ${name} runs; give --model, --accelerator, --tp and --replicas`);
  if (!acceleratorByName(accelerator)) throw new UsageError(`--accelerator ${accelerator}: not a known accelerator type`);
  return { model, accelerator, tp, replicas, server: (flags.server ?? facts?.server ?? 'vllm') as ServerKind };
}

/** The stages as sent, then the profile per replica. */
function benchReport(profile: PerfProfile, rows: readonly SweepRow[]): string {
  return [
    table(['STAGE', 'SENT', 'FAILED', 'ABORTED', 'FIRST ERROR'], rows.map((r) => [r.stage, String(r.sent), String(r.failed), String(r.aborted), r.firstError ?? ''])),
    '',
    `${describeKey(profile.key)}, measured (per replica):`,
    profileTable(profile.points),
  ].join('\n');
}

interface DeploymentFacts { model?: string; accelerator?: string; tp?: number; server?: string; replicas: number }

/** Model, accelerator, devices and ready replicas of a deployment, from its serving pods. */
async function deploymentFacts(cluster: Cluster, name: string): Promise<DeploymentFacts> {
  const pods = (await cluster.pods(`${LABELS.deployment}=${name}`)).filter((p) => p.metadata?.labels?.[LABELS.component] !== 'model-worker' && p.metadata?.labels?.[LABELS.component] !== 'picker');
  const serving = pods.filter((p) => p.metadata?.annotations?.[ANNOTATIONS.model] !== undefined);
  if (serving.length === 0) throw new KubeError(`no model-server pods of deployment ${name} in namespace ${cluster.namespace} (see kubectl inference list)`);
  const types = [...new Set(serving.map((p) => p.metadata?.labels?.[LABELS.accelerator]).filter((t) => t !== undefined))];
  if (types.length > 1) {
    throw new KubeError(`${name} runs on ${types.join(' and ')}; a profile is for one accelerator type: bench one type's pods with --endpoint and --accelerator`);
  }
  const ready = serving.filter(podReady);
  if (ready.length === 0) throw new KubeError(`no replica of ${name} is ready yet (kubectl inference deploy --wait waits for them)`);
  const first = ready[0]!;
  const devices = [...podDeviceRequests(first).values()].reduce((sum, n) => sum + n, 0);
  return {
    replicas: ready.length,
    ...(first.metadata?.annotations?.[ANNOTATIONS.model] ? { model: first.metadata.annotations[ANNOTATIONS.model] } : {}),
    ...(types[0] ? { accelerator: types[0] } : {}),
    ...(first.metadata?.labels?.[LABELS.server] ? { server: first.metadata.labels[LABELS.server] } : {}),
    ...(devices > 0 ? { tp: devices } : {}),
  };
}


async function gatewayFor(cluster: Cluster, pool: string): Promise<URL> {
  const routes = await cluster.list('gateway.networking.k8s.io/v1', 'HTTPRoute');
  const found = routeParent(routes, pool);
  const hint = `pass --endpoint with the URL of your gateway (or kubectl port-forward to it and use http://127.0.0.1:PORT)`;
  if (!found) throw new KubeError(`no HTTPRoute in namespace ${cluster.namespace} sends traffic to InferencePool ${pool}; ${hint}`);
  const gateway = await cluster.read('gateway.networking.k8s.io/v1', 'Gateway', found.parent.name!);
  if (!gateway) throw new KubeError(`HTTPRoute ${found.route} names Gateway ${found.parent.name}, which does not exist; ${hint}`);
  const url = gatewayUrl(gateway, found.parent);
  if ('problem' in url) throw new KubeError(`${url.problem}; ${hint}`);
  return url.url;
}

/** Fails fast, in one line, when nothing answers at the endpoint. */
async function reachable(url: URL): Promise<void> {
  try {
    await fetch(new URL('v1/models', url.href.endsWith('/') ? url : `${url.href}/`), { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new KubeError(`cannot reach ${url.origin}: ${cause}`);
  }
}
