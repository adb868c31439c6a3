import { z } from 'zod';
import { parseDtype, parseKvDtype, type Dtype, type KvDtype } from '../models/dtype.js';
import { DEFAULT_MAX_MODEL_LEN, DEFAULT_KV_RESERVE_SEQS, DEFAULT_MEMORY_UTILIZATION, replicaHbmNeed, type HbmNeed } from '../models/memory.js';
import type { ModelRegistry } from '../models/user.js';
import type { ModelSpec } from '../models/spec.js';
import { err, ok, type Result } from '../result.js';
import { parseQuantity } from '../units/quantity.js';
import { ANNOTATION_PREFIX, hasKinferAnnotations, podDeviceRequests, podGroup, type DeviceRequest, type PodLike } from './pod.js';

/** What one model pod asks of a node, parsed from its `kinfer.dev/` annotations and resource requests (DESIGN.md). */
export interface PlacementRequest {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The one accelerator resource the pod requests. */
  readonly devices: DeviceRequest;
  readonly model?: ModelSpec;
  /** Annotation value as written, kept for messages and model-spread keys even when the HBM figure came from `hbm`. */
  readonly modelId?: string;
  /**
   * HBM this pod needs: its replica's, or for a member of a multi-host group its share of the replica (see
   * memberShare); absent when the pod names neither a model nor `kinfer.dev/hbm` (no memory check).
   */
  readonly hbm?: HbmNeed;
  readonly memoryUtilization: number;
  readonly maxModelLen: number;
  /** Sequences of max-model-len the KV cache must hold at once: a memory reservation, not the server's batch cap. */
  readonly kvReserveSeqs: number;
  readonly dtype: Dtype;
  readonly kvCacheDtype: KvDtype;
  /** Acceptable accelerator types, most preferred first; absent = any that fits. */
  readonly accelerators?: readonly string[];
  readonly tpuTopology?: string;
  readonly group?: { readonly name: string; readonly size: number };
  /** Deprecated annotations the pod still uses, one sentence each (the caller logs them). */
  readonly deprecations?: readonly string[];
}

/** One bad annotation: which, its value, and what is wrong, for a person to fix. */
export interface AnnotationError {
  readonly annotation: string;
  readonly value: string;
  readonly problem: string;
}

export function describeAnnotationErrors(errors: readonly AnnotationError[]): string {
  return errors.map((e) => `${e.annotation}="${e.value}": ${e.problem}`).join('; ');
}

/** Every annotation kinfer reads; anything else under the prefix is a typo, reported as such. */
export const ANNOTATIONS = {
  model: `${ANNOTATION_PREFIX}model`,
  hbm: `${ANNOTATION_PREFIX}hbm`,
  maxModelLen: `${ANNOTATION_PREFIX}max-model-len`,
  kvReserveSeqs: `${ANNOTATION_PREFIX}kv-reserve-seqs`,
  /** Deprecated name of kv-reserve-seqs: it read as the server's --max-num-seqs, which it never was. */
  maxNumSeqs: `${ANNOTATION_PREFIX}max-num-seqs`,
  dtype: `${ANNOTATION_PREFIX}dtype`,
  kvCacheDtype: `${ANNOTATION_PREFIX}kv-cache-dtype`,
  accelerators: `${ANNOTATION_PREFIX}accelerators`,
  tpuTopology: `${ANNOTATION_PREFIX}tpu-topology`,
  group: `${ANNOTATION_PREFIX}group`,
  groupSize: `${ANNOTATION_PREFIX}group-size`,
  memoryUtilization: `${ANNOTATION_PREFIX}memory-utilization`,
} as const;
const KNOWN = new Set<string>(Object.values(ANNOTATIONS));

const positiveInt = z.string().regex(/^\s*\d+\s*$/, 'not a whole number').transform(Number).pipe(z.number().int().positive('must be at least 1'));
const fraction = z.string().regex(/^\s*(0|1)?(\.\d+)?\s*$|^\s*1\s*$/, 'not a number between 0 and 1').transform(Number)
  .pipe(z.number().gt(0, 'must be above 0').max(1, 'must be at most 1'));
const acceleratorList = z.string().transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t !== ''))
  .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9.:-]*$/, 'accelerator types are lowercase names such as nvidia-h100-80gb')).min(1, 'lists no accelerator type'));
const topology = z.string().regex(/^\d+x\d+(x\d+)?$/, 'a TPU topology looks like 2x4 or 4x4x4');
const groupName = z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'not a valid group name (letters, digits, - _ .)');

/** The message of a failed zod parse on one annotation value, without zod's framing. */
function problemOf<T>(schema: z.ZodType<T>, value: string): Result<T, string> {
  const parsed = schema.safeParse(value);
  return parsed.success ? ok(parsed.data) : err(parsed.error.issues[0]?.message ?? 'invalid value');
}

/**
 * Parses a pod into a PlacementRequest. `ok(undefined)` means the pod is not constrained by kinfer: it
 * requests no accelerator or carries no `kinfer.dev/` annotation (it passes every node, neutral score).
 */
export function parsePlacementRequest(pod: PodLike, models: ModelRegistry): Result<PlacementRequest | undefined, readonly AnnotationError[]> {
  if (!hasKinferAnnotations(pod)) return ok(undefined);
  const requested = podDeviceRequests(pod);
  if (requested.size === 0) return ok(undefined);

  const annotations = pod.metadata?.annotations ?? {};
  const errors: AnnotationError[] = [];
  const read = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
    const value = annotations[key];
    if (value === undefined) return undefined;
    const parsed = problemOf(schema, value);
    if (parsed.ok) return parsed.value;
    errors.push({ annotation: key, value, problem: parsed.error });
    return undefined;
  };

  for (const key of Object.keys(annotations)) {
    if (key.startsWith(ANNOTATION_PREFIX) && !KNOWN.has(key)) {
      errors.push({ annotation: key, value: annotations[key] ?? '', problem: `unknown kinfer annotation (known: ${[...KNOWN].join(', ')})` });
    }
  }

  const maxModelLen = read(ANNOTATIONS.maxModelLen, positiveInt) ?? DEFAULT_MAX_MODEL_LEN;
  const deprecations: string[] = [];
  const legacySeqs = read(ANNOTATIONS.maxNumSeqs, positiveInt);
  if (annotations[ANNOTATIONS.maxNumSeqs] !== undefined) {
    deprecations.push(`${ANNOTATIONS.maxNumSeqs} is deprecated: it is the KV reservation, now ${ANNOTATIONS.kvReserveSeqs}${annotations[ANNOTATIONS.kvReserveSeqs] !== undefined ? ' (which this pod also sets, and which wins)' : ''}`);
  }
  const kvReserveSeqs = read(ANNOTATIONS.kvReserveSeqs, positiveInt) ?? legacySeqs ?? DEFAULT_KV_RESERVE_SEQS;
  const memoryUtilization = read(ANNOTATIONS.memoryUtilization, fraction) ?? DEFAULT_MEMORY_UTILIZATION;
  const accelerators = read(ANNOTATIONS.accelerators, acceleratorList);
  const tpuTopology = read(ANNOTATIONS.tpuTopology, topology);
  // A LeaderWorkerSet names the group through its pod labels; kinfer.dev/group-size then gives the size.
  const explicitGroup = read(ANNOTATIONS.group, groupName);
  const groupSize = read(ANNOTATIONS.groupSize, positiveInt);
  const groupNameValue = explicitGroup ?? (groupSize !== undefined && annotations[ANNOTATIONS.group] === undefined ? podGroup(pod) : undefined);
  const dtype = readWith(annotations, ANNOTATIONS.dtype, parseDtype, errors) ?? 'bf16';
  const kvCacheDtype = readWith(annotations, ANNOTATIONS.kvCacheDtype, parseKvDtype, errors) ?? 'bf16';
  const hbmOverride = readWith(annotations, ANNOTATIONS.hbm, parsePositiveBytes, errors);

  if ((groupNameValue === undefined) !== (groupSize === undefined) && errors.every((e) => e.annotation !== ANNOTATIONS.group && e.annotation !== ANNOTATIONS.groupSize)) {
    const [present, missing] = groupNameValue === undefined ? [ANNOTATIONS.groupSize, ANNOTATIONS.group] : [ANNOTATIONS.group, ANNOTATIONS.groupSize];
    errors.push({ annotation: present, value: annotations[present] ?? '', problem: `needs ${missing} too (a group is a name and a size)` });
  }

  if (requested.size > 1) {
    errors.push({
      annotation: 'resources',
      value: [...requested].map(([n, c]) => `${n}=${c}`).join(','),
      problem: 'a model pod requests one kind of accelerator; this one requests several',
    });
  }
  const [resourceName, count] = [...requested][0]!;

  const modelId = annotations[ANNOTATIONS.model]?.trim();
  let model: ModelSpec | undefined;
  if (modelId !== undefined) {
    model = models.get(modelId);
    if (model === undefined && hbmOverride === undefined) {
      errors.push({ annotation: ANNOTATIONS.model, value: modelId, problem: `unknown model; set ${ANNOTATIONS.hbm} or add the model to the catalog` });
    }
    if (model !== undefined && maxModelLen > model.maxContext) {
      errors.push({ annotation: ANNOTATIONS.maxModelLen, value: String(maxModelLen), problem: `exceeds ${model.id}'s maximum context of ${model.maxContext} tokens` });
    }
  }
  if (errors.length > 0) return err(errors);

  let hbm: HbmNeed | undefined;
  const members = groupNameValue !== undefined ? groupSize ?? 1 : 1;
  if (hbmOverride !== undefined) {
    hbm = { weightsBytes: 0, kvBytes: 0, overheadBytes: 0, totalBytes: hbmOverride / members };
  } else if (model !== undefined) {
    hbm = memberShare(replicaHbmNeed({ model, dtype, kvCacheDtype, maxModelLen, kvReserveSeqs }, count), members);
  }

  return ok({
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    devices: { resourceName, count },
    ...(model !== undefined ? { model } : {}),
    ...(modelId !== undefined ? { modelId } : {}),
    ...(hbm !== undefined ? { hbm } : {}),
    memoryUtilization,
    maxModelLen,
    kvReserveSeqs,
    dtype,
    kvCacheDtype,
    ...(accelerators !== undefined ? { accelerators } : {}),
    ...(tpuTopology !== undefined ? { tpuTopology } : {}),
    ...(groupNameValue !== undefined && groupSize !== undefined ? { group: { name: groupNameValue, size: groupSize } } : {}),
    ...(deprecations.length > 0 ? { deprecations } : {}),
  });
}

function readWith<T>(annotations: Readonly<Record<string, string>>, key: string, parse: (s: string) => Result<T, string>, errors: AnnotationError[]): T | undefined {
  const value = annotations[key];
  if (value === undefined) return undefined;
  const parsed = parse(value.trim());
  if (parsed.ok) return parsed.value;
  errors.push({ annotation: key, value, problem: parsed.error });
  return undefined;
}

/**
 * What one of `members` pods of a multi-host replica holds, given the replica's need at this pod's device count
 * (the tensor-parallel size within a host): a 1/members share of the weights and KV cache (vLLM's multi-node
 * layout: tensor parallel within a host, pipeline stages across hosts, docs.vllm.ai "Distributed inference and
 * serving"), and its own devices' runtime overhead whole.
 */
export function memberShare(need: HbmNeed, members: number): HbmNeed {
  if (members <= 1) return need;
  const weightsBytes = need.weightsBytes / members;
  const kvBytes = need.kvBytes / members;
  return { weightsBytes, kvBytes, overheadBytes: need.overheadBytes, totalBytes: weightsBytes + kvBytes + need.overheadBytes };
}

function parsePositiveBytes(text: string): Result<number, string> {
  const parsed = parseQuantity(text);
  if (!parsed.ok) return parsed;
  if (!(parsed.value > 0) || !Number.isFinite(parsed.value)) return err('must be a positive amount of memory such as 60Gi');
  return ok(Math.ceil(parsed.value));
}
