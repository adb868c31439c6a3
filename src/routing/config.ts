import { parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { err, ok, type Result } from '../result.js';
import { DEFAULT_PREFIX_BLOCK_SIZE } from './prefix.js';
import { pluginType, PLUGIN_TYPE_NAMES, SINGLE_PROFILE_HANDLER_TYPE } from './registry.js';

// EndpointPickerConfig as the Gateway API Inference Extension (apix/config/v1alpha1) and llm-d define it:
//   apiVersion: inference.networking.x-k8s.io/v1alpha1
//   kind: EndpointPickerConfig
//   plugins: [{name, type, parameters}]          name defaults to type
//   schedulingProfiles: [{name, plugins: [{pluginRef, weight}]}]
// Decoded strictly in phases: the document's shape; each plugin's type and parameters (defaults filled);
// cross-references (pluginRef, one picker per profile, weights on scorers only). Every error names the path.

export const API_VERSION = 'inference.networking.x-k8s.io/v1alpha1';
export const KIND = 'EndpointPickerConfig';

export interface PluginConfig {
  readonly name: string;
  readonly type: string;
  /** Validated, with defaults filled. */
  readonly parameters: unknown;
}

export interface ProfilePluginRef {
  readonly pluginRef: string;
  /** Scorers only; 1 when the document gives none (upstream's default). */
  readonly weight?: number;
}

export interface SchedulingProfileConfig {
  readonly name: string;
  readonly plugins: readonly ProfilePluginRef[];
}

export interface PickerConfig {
  readonly plugins: readonly PluginConfig[];
  readonly schedulingProfiles: readonly SchedulingProfileConfig[];
}

const name = z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be lowercase letters, digits, "-" or "." (a DNS-1123 subdomain)');

const documentSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  plugins: z.array(z.strictObject({
    name: name.optional(),
    type: z.string().min(1),
    parameters: z.unknown().optional(),
  })).min(1),
  schedulingProfiles: z.array(z.strictObject({
    name,
    plugins: z.array(z.strictObject({
      pluginRef: z.string().min(1),
      weight: z.number().positive().finite().optional(),
    })).min(1),
  })).min(1),
});

/** `plugins[2].parameters.blockSize` from a zod path. */
function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  return out === '' ? '(document)' : out;
}

function issues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => `${pathOf([...prefix, ...i.path, key])}: unknown field`)
      : [`${pathOf([...prefix, ...i.path])}: ${i.message}`]);
}

export interface ScorerWeight {
  readonly type: string;
  readonly weight: number;
}

/**
 * The YAML of a one-profile EndpointPickerConfig ("default"): the scorers with their weights, in order, then the
 * picker and the single-profile handler. What `kubectl inference route set --scorer ... --picker ...` writes.
 */
export function singleProfileConfigYaml(scorers: readonly ScorerWeight[], pickerType: string): string {
  const plugins = [...scorers.map((s) => ({ type: s.type })), { type: pickerType }, { type: SINGLE_PROFILE_HANDLER_TYPE }];
  const refs = [...scorers.map((s) => ({ pluginRef: s.type, weight: s.weight })), { pluginRef: pickerType }];
  return stringify({ apiVersion: API_VERSION, kind: KIND, plugins, schedulingProfiles: [{ name: 'default', plugins: refs }] });
}

/** Parses and validates an EndpointPickerConfig YAML document. The error lists every problem, one per line. */
export function parsePickerConfig(yamlText: string): Result<PickerConfig, string> {
  const doc = parseDocument(yamlText, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) return err(`not valid YAML: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
  return validatePickerConfig(doc.toJS());
}

/** Validates an already decoded document (JSON, a ConfigMap value, a config built from CLI flags). */
export function validatePickerConfig(document: unknown): Result<PickerConfig, string> {
  const shape = documentSchema.safeParse(document);
  if (!shape.success) return err(issues(shape.error).join('\n'));
  const problems: string[] = [];

  const plugins: PluginConfig[] = [];
  const kinds = new Map<string, string>();
  shape.data.plugins.forEach((p, i) => {
    const type = pluginType(p.type);
    if (type === undefined) {
      problems.push(`plugins[${i}].type: unknown plugin type "${p.type}" (known: ${PLUGIN_TYPE_NAMES.join(', ')})`);
      return;
    }
    const pluginName = p.name ?? p.type;
    if (kinds.has(pluginName)) problems.push(`plugins[${i}].name: duplicate plugin name "${pluginName}"`);
    const params = type.parameters.safeParse(p.parameters ?? {});
    if (!params.success) {
      problems.push(...issues(params.error, ['plugins', i, 'parameters']));
      return;
    }
    kinds.set(pluginName, type.kind);
    plugins.push({ name: pluginName, type: p.type, parameters: params.data });
  });

  const profileNames = new Set<string>();
  shape.data.schedulingProfiles.forEach((profile, i) => {
    if (profileNames.has(profile.name)) problems.push(`schedulingProfiles[${i}].name: duplicate profile name "${profile.name}"`);
    profileNames.add(profile.name);
    const seen = new Set<string>();
    let pickers = 0;
    profile.plugins.forEach((ref, j) => {
      const at = `schedulingProfiles[${i}].plugins[${j}]`;
      if (seen.has(ref.pluginRef)) problems.push(`${at}.pluginRef: "${ref.pluginRef}" is listed twice in this profile`);
      seen.add(ref.pluginRef);
      const kind = kinds.get(ref.pluginRef);
      if (kind === undefined) {
        if (!shape.data.plugins.some((p) => (p.name ?? p.type) === ref.pluginRef)) problems.push(`${at}.pluginRef: no plugin named "${ref.pluginRef}"`);
        return;
      }
      if (kind === 'picker' && ++pickers > 1) problems.push(`${at}.pluginRef: a profile has one picker; "${ref.pluginRef}" is a second`);
      if (kind === 'profile-handler') problems.push(`${at}.pluginRef: "${ref.pluginRef}" is a profile handler; list it under plugins only`);
      if (ref.weight !== undefined && kind !== 'scorer') problems.push(`${at}.weight: only scorers take a weight; "${ref.pluginRef}" is a ${kind}`);
    });
  });

  // Every prefix-matching plugin hashes with the same block size: the caller hashes a request once.
  const sizes = new Set(plugins.map((p) => pluginType(p.type)?.prefixBlockSize?.(p.parameters)).filter((s) => s !== undefined));
  if (sizes.size > 1) problems.push(`plugins: prefix-matching plugins disagree on parameters.blockSize (${[...sizes].join(', ')}); use one`);

  if (problems.length > 0) return err(problems.join('\n'));
  return ok({ plugins, schedulingProfiles: shape.data.schedulingProfiles });
}

/** Characters per prefix hash block the config's plugins expect requests hashed with. */
export function prefixBlockSizeOf(config: PickerConfig): number {
  for (const p of config.plugins) {
    const size = pluginType(p.type)?.prefixBlockSize?.(p.parameters);
    if (size !== undefined) return size;
  }
  return DEFAULT_PREFIX_BLOCK_SIZE;
}

/** The config as an EndpointPickerConfig YAML document (defaults written out). */
export function pickerConfigToYaml(config: PickerConfig): string {
  return stringify({ apiVersion: API_VERSION, kind: KIND, ...config }, { aliasDuplicateObjects: false });
}

/**
 * The Inference Extension's default scheduling profile (its documented default weights: queue 2, KV cache 2,
 * prefix 3, max-score picker), the reference kinfer is measured against.
 */
export const DEFAULT_CONFIG_YAML = `apiVersion: ${API_VERSION}
kind: ${KIND}
plugins:
- type: queue-scorer
- type: kv-cache-utilization-scorer
- type: prefix-cache-scorer
- type: max-score-picker
- type: single-profile-handler
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: queue-scorer
    weight: 2
  - pluginRef: kv-cache-utilization-scorer
    weight: 2
  - pluginRef: prefix-cache-scorer
    weight: 3
  - pluginRef: max-score-picker
`;

/**
 * kinfer's profile: predicted time to first token, free KV (the decode batch's room to grow without preemption) and
 * prefix affinity. Weights and parameters measured in bench/routing.bench.ts (virtual time): predicted latency
 * alone keeps too many requests on the fastest replicas until their KV fills and vLLM preempts; with free KV and
 * prefix affinity beside it, the profile beat the reference at every load measured. learnSlots and
 * yieldWhenSlotsTaken (bench/routing-stand.bench.ts: replicas of 4 sequence slots, some 8× slower): a replica whose
 * learned slots are all taken counts as queued, and its prefix affinity yields while another replica has a slot
 * free; without them the prefix weight kept each system prompt on the slow replica that first served it. On
 * KV-bound replicas no slots are learned and bench/routing.bench.ts's figures did not move.
 */
export const KINFER_CONFIG_YAML = `apiVersion: ${API_VERSION}
kind: ${KIND}
plugins:
- type: predicted-latency-scorer
  parameters:
    kvHeadroom: 0.8
    scaleMs: 4000
    learnSlots: true
- type: kv-cache-utilization-scorer
- type: prefix-cache-scorer
  parameters:
    maxQueuePerRunning: 2
    yieldWhenSlotsTaken: true
- type: max-score-picker
- type: single-profile-handler
schedulingProfiles:
- name: predicted-latency
  plugins:
  - pluginRef: predicted-latency-scorer
    weight: 2
  - pluginRef: kv-cache-utilization-scorer
    weight: 3
  - pluginRef: prefix-cache-scorer
    weight: 3
  - pluginRef: max-score-picker
`;
