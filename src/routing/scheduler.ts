import { prefixBlockSizeOf, type PickerConfig } from './config.js';
import {
  clamp01,
  freshMetrics,
  sharesPrefixIndex,
  SlotTracker,
  type FilterPlugin,
  type PickContext,
  type PickerPlugin,
  type Plugin,
  type PrefixIndexSharing,
  type ScorerPlugin,
  type SlotView,
} from './framework.js';
import { DEFAULT_PICKER_TYPE, pluginType } from './registry.js';
import type { Endpoint, InferenceRequest, PickResult } from './types.js';

/**
 * Metrics older than this are unknown: five scrape intervals at the picker's default 100 ms refresh, so one or two
 * slow scrapes do not blind it, while a replica that stopped answering is out of the ranking within half a second.
 */
export const DEFAULT_METRICS_STALENESS_MS = 500;

export interface RoutingSchedulerOptions {
  /** Uniform in [0,1); seed it for tests and benchmarks. Default Math.random. */
  readonly random?: () => number;
  /** The clock metrics' `scrapedAtMs` is on. Default Date.now. */
  readonly nowMs?: () => number;
  readonly metricsStalenessMs?: number;
  /** Scheduling profile to run; default the config's first. */
  readonly profile?: string;
}

interface ResolvedSchedulingProfile {
  readonly name: string;
  readonly filters: readonly FilterPlugin[];
  readonly scorers: readonly { readonly plugin: ScorerPlugin; readonly weight: number }[];
  readonly picker: PickerPlugin;
}

/**
 * Runs one scheduling profile per request: filters, then weighted scorers (each score clamped to [0,1], times
 * its weight, summed: the only place scores are combined), then the picker. Pure apart from the injected random
 * and clock, the sequence slots it learns from the scrapes it is shown (PickContext.slots), and stateful plugins
 * (prefix indexes), which learn through `onRouted`.
 */
export class RoutingScheduler {
  readonly profile: string;
  /** Characters per block the caller must hash prompts with (`blockHashes(text, picker.prefixBlockSize, model)`). */
  readonly prefixBlockSize: number;
  /** Every plugin of the config, in the order their onRouted runs (see sharePrefixIndexes). */
  private readonly plugins: readonly Plugin[];
  private readonly run: ResolvedSchedulingProfile;
  private readonly random: () => number;
  private readonly nowMs: () => number;
  private readonly metricsStalenessMs: number;
  /** Sequence slots learned per endpoint, read by every plugin through PickContext.slots. */
  private readonly slotTracker = new SlotTracker();
  /** A plugin of the profile reads the slots: only then does a pick feed the tracker. */
  private readonly learnsSlots: boolean;

  /** `config` must come from parsePickerConfig / validatePickerConfig; an unknown `options.profile` throws. */
  constructor(config: PickerConfig, options: RoutingSchedulerOptions = {}) {
    this.random = options.random ?? Math.random;
    this.nowMs = options.nowMs ?? Date.now;
    this.metricsStalenessMs = options.metricsStalenessMs ?? DEFAULT_METRICS_STALENESS_MS;
    this.prefixBlockSize = prefixBlockSizeOf(config);
    const byName = new Map<string, Plugin>();
    for (const spec of config.plugins) {
      const type = pluginType(spec.type);
      if (type === undefined) throw new RangeError(`unknown plugin type ${spec.type}`);
      byName.set(spec.name, type.create(spec.name, spec.parameters));
    }
    this.plugins = sharePrefixIndexes([...byName.values()]);
    const profile = options.profile === undefined ? config.schedulingProfiles[0] : config.schedulingProfiles.find((p) => p.name === options.profile);
    if (profile === undefined) throw new RangeError(`no scheduling profile named ${options.profile ?? '(none)'}`);
    this.profile = profile.name;
    const filters: FilterPlugin[] = [];
    const scorers: { plugin: ScorerPlugin; weight: number }[] = [];
    let picker: PickerPlugin | undefined;
    for (const ref of profile.plugins) {
      const plugin = byName.get(ref.pluginRef);
      if (plugin === undefined) throw new RangeError(`profile ${profile.name} references unknown plugin ${ref.pluginRef}`);
      if (plugin.kind === 'filter') filters.push(plugin);
      else if (plugin.kind === 'scorer') scorers.push({ plugin, weight: ref.weight ?? 1 });
      else if (plugin.kind === 'picker') picker = plugin;
    }
    picker ??= pluginType(DEFAULT_PICKER_TYPE)?.create(DEFAULT_PICKER_TYPE, {}) as PickerPlugin;
    this.run = { name: profile.name, filters, scorers, picker };
    this.learnsSlots = [...filters, ...scorers.map((s) => s.plugin), picker].some((p) => p.readsSlots === true);
  }

  /** The sequence slots learned so far from the scrapes the picks were shown. */
  get slots(): SlotView {
    return this.slotTracker;
  }

  pick(request: InferenceRequest, endpoints: readonly Endpoint[]): PickResult {
    const profile = this.profile;
    if (endpoints.length === 0) return { endpoint: undefined, scores: new Map(), profile, reason: 'the pool has no endpoints' };
    const ctx: PickContext = { request, nowMs: this.nowMs(), metricsStalenessMs: this.metricsStalenessMs, random: this.random, slots: this.slotTracker };
    // Slots are learned from every fresh scrape, before any filter drops an endpoint (a scrape counts once).
    if (this.learnsSlots) {
      for (const e of endpoints) {
        const m = freshMetrics(ctx, e);
        if (m !== undefined) this.slotTracker.observe(m, e.address);
      }
    }
    let candidates = endpoints;
    for (const filter of this.run.filters) {
      candidates = filter.filter(ctx, candidates);
      if (candidates.length === 0) return { endpoint: undefined, scores: new Map(), profile, reason: `filter ${filter.name} removed every endpoint` };
    }
    const totals = new Array<number>(candidates.length).fill(0);
    for (const { plugin, weight } of this.run.scorers) {
      const scores = plugin.score(ctx, candidates);
      for (let i = 0; i < candidates.length; i++) totals[i] = (totals[i] as number) + weight * clamp01(scores[i] as number);
    }
    const scores = new Map<string, number>();
    for (let i = 0; i < candidates.length; i++) scores.set((candidates[i] as Endpoint).address, totals[i] as number);
    const endpoint = this.run.picker.pick(ctx, candidates, totals);
    return endpoint === undefined ? { endpoint, scores, profile, reason: `picker ${this.run.picker.name} chose none` } : { endpoint, scores, profile };
  }

  /** Tell the picker a request was sent to `address` (stateful plugins, like the prefix index, learn from it). */
  onRouted(request: InferenceRequest, address: string): void {
    const nowMs = this.nowMs();
    for (const plugin of this.plugins) plugin.onRouted?.(request, address, nowMs);
  }
}

/**
 * Gives plugins whose prefix indexes would be equal one index (PrefixIndexSharing): kinfer's profile runs
 * predicted-latency-scorer and prefix-cache-scorer, which would otherwise each keep and walk the same index. With one,
 * a pick walks it once (the index memoizes its last match) and a routed request is added once. Returns the plugins in
 * the order onRouted must run: each learner after the plugins that adopted its index, so they read it before the add.
 */
export function sharePrefixIndexes(plugins: readonly Plugin[]): Plugin[] {
  const learners = new Map<string, Plugin & PrefixIndexSharing>();
  const sharedLearners = new Set<Plugin>();
  for (const plugin of plugins) {
    if (!sharesPrefixIndex(plugin) || plugin.prefixIndexKey === undefined) continue;
    const learner = learners.get(plugin.prefixIndexKey);
    if (learner === undefined) {
      learners.set(plugin.prefixIndexKey, plugin);
      continue;
    }
    plugin.adoptPrefixIndex(learner.index);
    sharedLearners.add(learner);
  }
  return [...plugins.filter((p) => !sharedLearners.has(p)), ...plugins.filter((p) => sharedLearners.has(p))];
}
