// Builders and figures the models tests share.
import { modelById } from '../../../src/models/catalog.js';
import type { ModelSpec } from '../../../src/models/spec.js';
import { MiB } from '../../../src/units/quantity.js';

/** Total device memory as nvidia-smi reports it (MiB): the figures a GPU Feature Discovery label carries. */
export const H100_80GB = 81559 * MiB;
export const H200_141GB = 143771 * MiB;
export const L4_24GB = 23034 * MiB;

/** A catalog model, failing loudly when the id is wrong (a test bug, not a case). */
export function catalogModel(id: string): ModelSpec {
  const model = modelById(id);
  if (model === undefined) throw new Error(`test fixture: no catalog model ${id}`);
  return model;
}

/** A small dense model; override what the case is about. */
export function modelSpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    id: 'example/tiny',
    params: 1_000_000_000,
    layers: 16,
    hiddenSize: 2048,
    attentionHeads: 16,
    kvHeads: 4,
    headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16',
    maxContext: 32768,
    source: 'test',
    ...overrides,
  };
}
