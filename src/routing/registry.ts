import type { z } from 'zod';
import type { Plugin, PluginKind } from './framework.js';
import * as kvCache from './plugins/kv-cache-utilization-scorer.js';
import * as lora from './plugins/lora-affinity-scorer.js';
import * as maxScore from './plugins/max-score-picker.js';
import * as predictedLatency from './plugins/predicted-latency-scorer.js';
import * as prefix from './plugins/prefix-cache-scorer.js';
import * as queue from './plugins/queue-scorer.js';
import * as randomPicker from './plugins/random-picker.js';
import * as saturation from './plugins/saturation-filter.js';
import * as singleProfile from './plugins/single-profile-handler.js';

// The one file that knows every routing plugin type (DESIGN.md): type name -> kind, parameter schema, factory.
// Type names are the Gateway API Inference Extension's where kinfer implements the same plugin.

export interface PluginType {
  readonly kind: PluginKind;
  /** Strict schema of `parameters`; defaults are filled here, wrong values rejected. */
  readonly parameters: z.ZodType;
  create(name: string, parameters: unknown): Plugin;
  /** Characters per prefix hash block, for plugins that match request prefixes. */
  readonly prefixBlockSize?: (parameters: unknown) => number;
}

function entry<S extends z.ZodType>(kind: PluginKind, parameters: S, create: (name: string, params: z.output<S>) => Plugin, prefixBlockSize?: (params: z.output<S>) => number): PluginType {
  return {
    kind,
    parameters,
    create: (name, params) => create(name, parameters.parse(params ?? {})),
    ...(prefixBlockSize ? { prefixBlockSize: (params: unknown) => prefixBlockSize(parameters.parse(params ?? {})) } : {}),
  };
}

export const PLUGIN_TYPES: Readonly<Record<string, PluginType>> = {
  [queue.TYPE]: entry('scorer', queue.parameters, queue.create),
  [kvCache.TYPE]: entry('scorer', kvCache.parameters, kvCache.create),
  [prefix.TYPE]: entry('scorer', prefix.parameters, prefix.create, (p) => p.blockSize),
  [lora.TYPE]: entry('scorer', lora.parameters, lora.create),
  [predictedLatency.TYPE]: entry('scorer', predictedLatency.parameters, predictedLatency.create, (p) => p.blockSize),
  [saturation.TYPE]: entry('filter', saturation.parameters, saturation.create),
  [maxScore.TYPE]: entry('picker', maxScore.parameters, maxScore.create),
  [randomPicker.TYPE]: entry('picker', randomPicker.parameters, randomPicker.create),
  [singleProfile.TYPE]: entry('profile-handler', singleProfile.parameters, singleProfile.create),
};

/** Every plugin type name kinfer accepts, sorted. */
export const PLUGIN_TYPE_NAMES: readonly string[] = Object.keys(PLUGIN_TYPES).sort();

export function pluginType(type: string): PluginType | undefined {
  return Object.hasOwn(PLUGIN_TYPES, type) ? PLUGIN_TYPES[type] : undefined;
}

/** The picker used when a profile names none (as upstream: max-score-picker). */
export const DEFAULT_PICKER_TYPE = maxScore.TYPE;

/** The profile handler of a one-profile config (as upstream: single-profile-handler). */
export const SINGLE_PROFILE_HANDLER_TYPE = singleProfile.TYPE;

/** Short scorer names, as `kubectl inference route set --scorer NAME=WEIGHT` takes them, to plugin types. */
export const SCORER_SHORT_NAMES: Readonly<Record<string, string>> = {
  'kv-cache': kvCache.TYPE,
  queue: queue.TYPE,
  prefix: prefix.TYPE,
  lora: lora.TYPE,
  'predicted-latency': predictedLatency.TYPE,
};
/** Short picker names, as `route set --picker` takes them, to plugin types. */
export const PICKER_SHORT_NAMES: Readonly<Record<string, string>> = { 'max-score': maxScore.TYPE, random: randomPicker.TYPE };
