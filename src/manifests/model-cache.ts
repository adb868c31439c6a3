import { weightsBytes } from '../models/memory.js';
import type { ModelSpec } from '../models/spec.js';
import { err, ok, type Result } from '../result.js';
import { GiB, parseQuantity } from '../units/quantity.js';
import { DNS_1123 } from './labels.js';
import type { KubeObject } from './objects.js';

// A model cache shared by the replicas of one deployment, so each replica does not download the weights again:
// the server's Hugging Face cache (HF_HOME) on a volume. Two kinds, as the projects people compare kinfer with
// offer them:
// - pvc: one ReadWriteMany PersistentVolumeClaim mounted by every replica on every node (vLLM production-stack's
//   chart creates a PVC per model from `pvcStorage` / `pvcAccessMode` / `storageClass`, helm/templates/pvc.yaml,
//   and mounts it into the engine pods);
// - hostpath: a directory on each node, shared by the replicas on that node (KServe's LocalModelCache keeps
//   weights on the nodes' local disks, https://kserve.github.io/website/docs/model-serving/generative-inference/modelcache/localmodel,
//   so replicas start from the node's disk; kinfer takes the simplest such volume, a hostPath, with no download
//   agent: the first replica on a node downloads, the others find the files).
// vLLM and SGLang both download through huggingface_hub, which keeps its cache under $HF_HOME/hub
// (huggingface_hub docs, "Environment variables": HF_HOME, default ~/.cache/huggingface); concurrent downloads of
// one file are serialized by its .lock file in that cache, so replicas may start together.

/** Where the cache is mounted in the server container; HF_HOME points there. */
export const MODEL_CACHE_MOUNT_PATH = '/model-cache';
/** The volume's name in the pod. */
export const MODEL_CACHE_VOLUME = 'model-cache';

/**
 * Headroom over the checkpoint's weights: tokenizer and config files, and one shard being downloaded again
 * (huggingface_hub writes a `.incomplete` blob beside the cache before moving it into place).
 */
const CACHE_HEADROOM = 1.25;

export type ModelCache =
  | {
    readonly kind: 'pvc';
    readonly claimName: string;
    /** Present when deploy creates the claim (and `delete` removes it); absent: the user's own claim, left alone. */
    readonly create?: { readonly sizeBytes: number; readonly sizeFrom: string };
  }
  | { readonly kind: 'hostPath'; readonly path: string };

/** The claim name deploy gives the cache it creates. */
export const modelCacheClaimName = (deployment: string): string => `${deployment}-model-cache`;

/** The size deploy asks for: the checkpoint's weights (its own precision, which is what is downloaded) plus headroom. */
export function modelCacheSizeBytes(model: ModelSpec): number {
  return Math.ceil((weightsBytes(model, model.nativeDtype) * CACHE_HEADROOM) / GiB) * GiB;
}

export const MODEL_CACHE_GRAMMAR = 'none | pvc | pvc:SIZE | pvc:NAME | pvc:NAME:SIZE | hostpath:/ABSOLUTE/PATH';

/**
 * `--model-cache`: `none` (the default); `pvc` (deploy creates `<deployment>-model-cache`, sized from the
 * weights), `pvc:SIZE` (the same, this size), `pvc:NAME:SIZE` (deploy creates NAME), `pvc:NAME` (an existing claim
 * the user owns: mounted, never created nor deleted); `hostpath:/path` (a directory on each node).
 */
export function parseModelCache(value: string, deployment: string, model: ModelSpec): Result<ModelCache | undefined> {
  const bad = (why: string): Result<never> => err(`--model-cache ${value}: ${why} (${MODEL_CACHE_GRAMMAR})`);
  if (value === 'none') return ok(undefined);
  if (value.startsWith('hostpath:')) {
    const path = value.slice('hostpath:'.length);
    if (!path.startsWith('/') || path.split('/').includes('..')) return bad('the host path must be absolute, without ..');
    return ok({ kind: 'hostPath', path });
  }
  const [kind, ...parts] = value.split(':');
  if (kind !== 'pvc' || parts.length > 2) return bad('not a cache this understands');
  const size = (text: string): Result<number> => {
    const parsed = parseQuantity(text);
    if (!parsed.ok || !(parsed.value >= GiB)) return bad(`${text} is not a size of at least 1Gi`);
    return parsed;
  };
  const isSize = (text: string): boolean => /^\d/.test(text);
  const sizeFrom = (bytes: number, given: boolean) => ({
    sizeBytes: bytes,
    sizeFrom: given ? 'as given' : `${model.id} weights (${model.nativeDtype}) × ${CACHE_HEADROOM}`,
  });
  const [first, second] = parts;
  if (first === undefined) return ok({ kind: 'pvc', claimName: modelCacheClaimName(deployment), create: sizeFrom(modelCacheSizeBytes(model), false) });
  if (second === undefined && isSize(first)) {
    const bytes = size(first);
    return bytes.ok ? ok({ kind: 'pvc', claimName: modelCacheClaimName(deployment), create: sizeFrom(bytes.value, true) }) : bytes;
  }
  if (!DNS_1123.test(first) || first.length > 253) return bad(`${first} is not a claim name (DNS-1123: lowercase letters, digits, -)`);
  if (second === undefined) return ok({ kind: 'pvc', claimName: first });
  const bytes = size(second);
  return bytes.ok ? ok({ kind: 'pvc', claimName: first, create: sizeFrom(bytes.value, true) }) : bytes;
}

/** The pod parts: the volume, its mount in the server container, and HF_HOME pointing at it. */
export function modelCachePodParts(cache: ModelCache): { volume: object; mount: object; env: object } {
  const volume = cache.kind === 'pvc'
    ? { name: MODEL_CACHE_VOLUME, persistentVolumeClaim: { claimName: cache.claimName } }
    : { name: MODEL_CACHE_VOLUME, hostPath: { path: cache.path, type: 'DirectoryOrCreate' } };
  return { volume, mount: { name: MODEL_CACHE_VOLUME, mountPath: MODEL_CACHE_MOUNT_PATH }, env: { name: 'HF_HOME', value: MODEL_CACHE_MOUNT_PATH } };
}

/**
 * The claim deploy creates, when it creates one: ReadWriteMany (replicas on several nodes mount it at once), on
 * the cluster's default StorageClass, which must offer ReadWriteMany (an NFS/Filestore/EFS/CephFS class; with
 * another, make the claim yourself and pass pvc:NAME).
 */
export function modelCacheClaim(cache: ModelCache, metadata: KubeObject['metadata']): KubeObject | undefined {
  if (cache.kind !== 'pvc' || !cache.create) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { ...metadata, name: cache.claimName },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: `${cache.create.sizeBytes / GiB}Gi` } } },
  };
}

/** One line for `deploy --explain`. */
export function explainModelCache(cache: ModelCache | undefined): string {
  if (!cache) return 'model cache:  none: every replica downloads the weights into its own container (--model-cache pvc or hostpath:/path to share them)';
  if (cache.kind === 'hostPath') return `model cache:  hostPath ${cache.path} on each node, mounted at ${MODEL_CACHE_MOUNT_PATH} (HF_HOME): replicas on one node download once`;
  const created = cache.create
    ? `created by deploy, ReadWriteMany, ${cache.create.sizeBytes / GiB}Gi (${cache.create.sizeFrom}); delete removes it`
    : 'your claim: mounted, never created nor deleted by kinfer';
  return `model cache:  PersistentVolumeClaim ${cache.claimName} (${created}), mounted at ${MODEL_CACHE_MOUNT_PATH} (HF_HOME) by every replica`;
}
