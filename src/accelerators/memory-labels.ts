import { err, ok, type Result } from '../result.js';
import { GiB, MiB, parseQuantity } from '../units/quantity.js';

// Per-device memory as the node-labelling agents write it. Each parser answers bytes, or why it could not.

const DIGITS = /^\d+$/;
// The AMD node labeller writes round(bytes / 2^30) followed by "G" (k8s-device-plugin, cmd/k8s-node-labeller,
// "vram" generator), e.g. `amd.com/gpu.vram=192G`: its G is GiB, not the Kubernetes quantity's 1e9.
const AMD_VRAM = /^(\d+(?:\.\d+)?)\s*([GM])?B?$/i;

/** NVIDIA GFD `nvidia.com/gpu.memory` and `nvidia.com/mig-<profile>.memory`: whole MiB, e.g. `81559`. */
export function parseGfdMemory(text: string): Result<number> {
  const trimmed = text.trim();
  if (!DIGITS.test(trimmed)) return err(`"${text}" is not a whole number of MiB`);
  return positive(Number(trimmed) * MiB, text);
}

/**
 * AMD `amd.com/gpu.vram`. `192G` is GiB (see above), `196608M` MiB, a bare number MiB (the same convention
 * as GFD); a Kubernetes binary quantity such as `192Gi` is also accepted.
 */
export function parseAmdVram(text: string): Result<number> {
  const match = AMD_VRAM.exec(text.trim());
  if (match) {
    const unit = match[2]?.toUpperCase() === 'G' ? GiB : MiB;
    return positive(Number(match[1]) * unit, text);
  }
  const quantity = parseQuantity(text);
  return quantity.ok ? positive(quantity.value, text) : err(`"${text}" is not a memory size (examples: 192G, 196608M)`);
}

/** kinfer's `kinfer.dev/hbm-per-device`: a Kubernetes quantity such as `80Gi`. */
export function parseKinferHbm(text: string): Result<number> {
  const quantity = parseQuantity(text);
  return quantity.ok ? positive(quantity.value, text) : quantity;
}

function positive(bytes: number, text: string): Result<number> {
  return Number.isFinite(bytes) && bytes > 0 ? ok(Math.floor(bytes)) : err(`"${text}" is not a positive memory size`);
}
