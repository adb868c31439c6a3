import { Flags } from '@oclif/core';
import type { Dtype, KvDtype } from '../../src/models/dtype.js';
import type { ModelSpec } from '../../src/models/spec.js';
import { CLOUDS, PRICINGS, type CloudChoice, type Pricing } from '../../src/profiles/pricing.js';
import { recommend, type Recommendation, type RecommendInput, type Targets } from '../../src/profiles/recommend.js';
import type { RecommendSettings } from '../../src/deploy/request.js';
import type { ServerKind } from '../../src/servers/templates.js';
import { UsageError } from '../../src/usage.js';
import { loadMeasured, loadPrices } from './inputs.js';
import { profilesFlag } from '../flags.js';

// What `recommend` and `deploy --target-*` share: the flags and the run.

/** Defaults shared with `bench`, so a profile measured with defaults answers a recommend with defaults. */
export const DEFAULT_INPUT_TOKENS = 1000;
export const DEFAULT_OUTPUT_TOKENS = 200;

/** Flags `recommend` and `deploy --target-*` share. */
export const recommendFlags = {
  'target-ttft-ms': Flags.integer({ min: 1, summary: 'Time to first token the p99 must stay within, in ms.' }),
  'target-ntpot-ms': Flags.integer({ min: 1, summary: 'Normalized time per output token (latency ÷ output tokens) the p99 must stay within, in ms.' }),
  'input-tokens': Flags.integer({ min: 1, default: DEFAULT_INPUT_TOKENS, summary: 'Workload: mean prompt length in tokens.', helpGroup: 'WORKLOAD' }),
  'output-tokens': Flags.integer({ min: 1, default: DEFAULT_OUTPUT_TOKENS, summary: 'Workload: mean output length in tokens.', helpGroup: 'WORKLOAD' }),
  pricing: Flags.option({ options: PRICINGS, default: 'on-demand' as const, summary: 'Which prices to cost with.', helpGroup: 'COST' })(),
  prices: Flags.string({ summary: 'Price file (YAML/JSON, USD per device-hour) laid over the default table; see docs/recommend.md.', helpGroup: 'COST' }),
  cloud: Flags.option({ options: [...CLOUDS, 'all'] as const, summary: "Whose list prices to rank by: gcp, aws, azure, or all (across clouds, with a note). Default: the cluster's provider with --in-cluster, else gcp.", helpGroup: 'COST' })(),
  profiles: profilesFlag(),
};

export interface RecommendRun {
  readonly result: Recommendation;
  readonly input: RecommendInput;
}

/** The flags `recommendSettings` reads. */
export interface RecommendSettingsFlags {
  'target-ttft-ms'?: number | undefined; 'target-ntpot-ms'?: number | undefined; 'input-tokens': number; 'output-tokens': number;
  pricing: string; prices?: string | undefined; profiles?: string | undefined; cloud?: string | undefined;
}

/** What a recommendation reads besides the model and the candidates: workload, targets, prices and stored profiles. */
export function recommendSettings(options: {
  maxModelLen: number; flags: RecommendSettingsFlags;
  /** The cluster's provider when recommending for a cluster (it decides the cloud unless --cloud does). */
  clusterCloud?: CloudChoice | undefined;
  models: { get(id: string): ModelSpec | undefined }; warn: (line: string) => void;
}): RecommendSettings {
  const { flags } = options;
  const workload = { inputTokens: flags['input-tokens'], outputTokens: flags['output-tokens'] };
  if (workload.inputTokens + workload.outputTokens > options.maxModelLen) {
    throw new UsageError(`--input-tokens ${workload.inputTokens} + --output-tokens ${workload.outputTokens} exceed --max-model-len ${options.maxModelLen}`);
  }
  const targets: Targets = {
    ...(flags['target-ttft-ms'] !== undefined ? { ttftMs: flags['target-ttft-ms'] } : {}),
    ...(flags['target-ntpot-ms'] !== undefined ? { ntpotMs: flags['target-ntpot-ms'] } : {}),
  };
  return {
    workload, targets,
    prices: loadPrices(flags.prices, (flags.cloud as CloudChoice | undefined) ?? options.clusterCloud ?? 'gcp'), pricing: flags.pricing as Pricing, measured: loadMeasured(flags.profiles, options.warn),
    modelOf: (id) => options.models.get(id),
  };
}

/** Builds the recommendation's input from the flags and runs it. */
export function runRecommendation(options: Parameters<typeof recommendSettings>[0] & {
  model: ModelSpec; server: ServerKind; dtype: Dtype; kvCacheDtype: KvDtype; memoryUtilization: number;
  candidates: RecommendInput['candidates']; requestRate?: number;
}): RecommendRun {
  const input: RecommendInput = {
    ...recommendSettings(options),
    model: options.model, server: options.server, dtype: options.dtype, kvCacheDtype: options.kvCacheDtype, maxModelLen: options.maxModelLen,
    memoryUtilization: options.memoryUtilization, candidates: options.candidates, ...(options.requestRate !== undefined ? { requestRate: options.requestRate } : {}),
  };
  return { result: recommend(input), input };
}
