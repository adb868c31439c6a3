import { err, ok, type Result } from '../result.js';

// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): a decimal number with an optional
// binary (Ki..Ei) or decimal (n, u, m, k, M, G, T, P, E) suffix, or an exponent (1e3).
const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** Parses a Kubernetes quantity ("80Gi", "1.5", "500m", "2e3") into a plain number of base units. */
export function parseQuantity(text: string): Result<number> {
  const match = QUANTITY.exec(text.trim());
  if (!match) return err(`"${text}" is not a Kubernetes quantity (examples: 80Gi, 1.5, 500m)`);
  const [, digits, exponent, suffix] = match;
  const base = Number(digits);
  if (exponent !== undefined) return ok(base * 10 ** Number(exponent.slice(1)));
  const scale = suffix === undefined ? 1 : (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
  return ok(base * scale);
}

/** Parses a quantity that counts whole things (devices, pods); fractional or invalid values read as 0. */
export function parseCount(text: string | undefined): number {
  if (text === undefined) return 0;
  const parsed = parseQuantity(text);
  return parsed.ok && Number.isFinite(parsed.value) ? Math.max(0, Math.floor(parsed.value)) : 0;
}

export const GiB = 2 ** 30;
export const MiB = 2 ** 20;
export const KiB = 2 ** 10;

/** Formats bytes as GiB with one decimal, for messages people read ("171.2 GiB"). */
export function formatGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(1)} GiB`;
}
