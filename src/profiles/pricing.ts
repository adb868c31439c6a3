import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ACCELERATORS, acceleratorByName } from '../accelerators/catalog.js';
import { formatIssues } from '../models/issues.js';
import { err, ok, type Result } from '../result.js';

// What an accelerator costs per device-hour, for `kubectl inference recommend --pricing on-demand|spot`, which
// prints each option's cost per million output tokens. The default table below holds public list prices; a price
// file (parsePriceTable) holds a user's own, laid over the default by mergePriceTables.
//
// A GPU's price is what a node costs per GPU: the accelerator-optimized VM's hourly price (GPUs, vCPUs, memory and
// bundled local SSD) divided by its GPU count, because a pod cannot rent a GPU without the VM around it. A TPU's
// price is the Cloud TPU per-chip-hour price, which already includes its host.

export type Pricing = 'on-demand' | 'spot';

export const PRICINGS: readonly Pricing[] = ['on-demand', 'spot'];

/** USD per device-hour. A price nobody has a basis for is left out, never guessed. */
export interface DevicePrice {
  readonly onDemand?: number;
  readonly spot?: number;
}

export interface PriceTable {
  /** Where the figures come from: addresses, or a phrase such as "our negotiated rates". */
  readonly source: string;
  /** Date of the figures, YYYY-MM-DD. */
  readonly asOf: string;
  readonly currency: 'USD';
  readonly region?: string;
  /** Keyed by canonical accelerator type name (src/accelerators/catalog.ts). */
  readonly prices: ReadonlyMap<string, DevicePrice>;
}

// Sources of the default table, as read for it:
const CYCLENERD = 'https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator/blob/0166a59ebba7c36f2cc8c931d9f258dcebc44776/pricing.yml';
const TANOD = 'https://huggingface.co/datasets/tanod/cloud-gpu-list-prices';
const TRILLIUM_GA = 'https://neowin.net/amp/google-takes-on-nvidia-blackwell-gpus-with-the-new-trillium-tpus';
const CLIFFCENTER = 'https://www.cliffcenter.com/research/amd-inference-economics';
const GCP_GPU_PRICING = 'https://cloud.google.com/compute/gpus-pricing';
const GCP_TPU_PRICING = 'https://cloud.google.com/tpu/pricing';

/**
 * Public list prices, USD per device-hour. Google Cloud us-central1 unless a row says otherwise; AMD parts on
 * Azure. GPU rows are the VM's price divided by its GPUs (see the head of this file).
 *
 * Most GPU figures are whole-VM prices from the Cloud Billing Catalog as the Cyclenerd calculator's pricing.yml
 * recorded them on 2025-03-06 (that date is `asOf`). Rows with another date or basis say so; rows marked "from
 * memory" are list prices as the maintainer remembers Google's pricing pages, not read for this table. Spot prices
 * move (Google may change them daily), so a spot figure is indicative only.
 */
const DEFAULT_ROWS: ReadonlyArray<readonly [string, DevicePrice]> = [
  // From memory (GCP GPU pricing page, us-central1, 2024-25): T4 $0.35/h + n1-standard-4 $0.19/h, the smallest
  // usual T4 node. No spot figure: none read, none remembered well enough.
  ['nvidia-tesla-t4', { onDemand: 0.54 }],
  // Read: g2-standard-4 (1 L4) $0.706832/h, Spot $0.279932/h (Cyclenerd, 2025-03-06). AWS g6 not read.
  ['nvidia-l4', { onDemand: 0.706832, spot: 0.279932 }],
  // Read: a2-highgpu-1g (1 A100 40GB) $3.673385/h, Spot $1.293355/h (Cyclenerd, 2025-03-06); A2 prices are
  // linear in GPUs (a2-highgpu-2g $7.34677/h). Cross-check: AWS p4d.24xlarge $21.96/h ÷ 8 = $2.74 (us-east-1).
  ['nvidia-tesla-a100', { onDemand: 3.673385, spot: 1.293355 }],
  // Read: a2-ultragpu-8g $40.5504/h ÷ 8, Spot $16.2197/h ÷ 8 (Cyclenerd, 2025-03-06).
  // Cross-check: AWS p4de.24xlarge $27.45/h ÷ 8 = $3.43 (us-east-1).
  ['nvidia-a100-80gb', { onDemand: 40.5504 / 8, spot: 16.2197 / 8 }],
  // Read: a3-highgpu-8g $88.49/h ÷ 8, Spot $35.3957/h ÷ 8 (Cyclenerd, 2025-03-06). Later figures read: a3-highgpu-1g
  // share $10.98/h on-demand, $6.57/h Spot (github.com/tgarg01/silybench-data, 2026-09-26); AWS p5.48xlarge
  // $55.04/h ÷ 8 = $6.88 (us-east-1, 2026-11-09, github.com/datareceipts/data-receipts).
  ['nvidia-h100-80gb', { onDemand: 88.49 / 8, spot: 35.3957 / 8 }],
  // Read: a3-megagpu-8g $92.9376/h ÷ 8, Spot $37.3918/h ÷ 8 — us-east4, as the snapshot listed no us-central1
  // price for A3 Mega (Cyclenerd, 2025-03-06).
  ['nvidia-h100-mega-80gb', { onDemand: 92.9376 / 8, spot: 37.3918 / 8 }],
  // Read: a3-ultragpu-8g per-GPU share $10.4365/h, Spot $6.2607/h, us-central1, from the Cloud Billing Catalog
  // (tanod/cloud-gpu-list-prices, 2026-10-13; newer than asOf — A3 Ultra is not in the 2025-03-06 snapshot).
  ['nvidia-h200-141gb', { onDemand: 10.4365, spot: 6.2607 }],
  // a4-highgpu-8g: no price read and none remembered with confidence; left out.
  ['nvidia-b200', {}],
  // a4x-highgpu-4g: likewise.
  ['nvidia-gb200', {}],
  // From memory: Cloud TPU v5e $1.20 per chip-hour on demand (GCP TPU pricing page, 2024-25). Spot not remembered.
  ['tpu-v5-lite-podslice', { onDemand: 1.2 }],
  // From memory: Cloud TPU v5p $4.20 per chip-hour on demand (GCP TPU pricing page, 2024-25). Spot not remembered.
  ['tpu-v5p-slice', { onDemand: 4.2 }],
  // Read: Trillium "starting at $2.70 per chip-hour" on demand, in its US East launch region (Google's GA
  // announcement of 2024-12-12 as reported by neowin.net). Spot not read.
  ['tpu-v6e-slice', { onDemand: 2.7 }],
  // Ironwood: no list price read or remembered; left out.
  ['tpu7x', {}],
  // Read: Azure lists MI300X at $6 per GPU-hour (ND MI300X v5, i.e. ND96isr_MI300X_v5 $48/h ÷ 8), per a research
  // note of 2026-05-18 (cliffcenter.com); Azure's own page not read. No spot figure.
  ['amd-mi300x', { onDemand: 6 }],
  // No hyperscaler list price read or remembered; left out.
  ['amd-mi325x', {}],
];

export const DEFAULT_PRICE_TABLE: PriceTable = {
  source: `Google Cloud list prices, GPUs per GPU including their share of the VM: Cloud Billing Catalog via ${CYCLENERD} `
    + `and ${TANOD} (H200, 2026-10-13); ${GCP_GPU_PRICING} and ${GCP_TPU_PRICING} (T4, TPU v5e/v5p, from memory); `
    + `${TRILLIUM_GA} (TPU v6e); Azure MI300X via ${CLIFFCENTER}`,
  asOf: '2025-03-06',
  currency: 'USD',
  region: 'us-central1',
  prices: new Map(DEFAULT_ROWS.filter(([, price]) => price.onDemand !== undefined || price.spot !== undefined)),
};

/**
 * Parses a price file, YAML or JSON (JSON is YAML too):
 *
 * ```yaml
 * source: "our negotiated rates"   # required: where the figures come from
 * asOf: 2026-10-01                 # required: date of the figures, YYYY-MM-DD
 * currency: USD                    # optional; USD is the only currency
 * region: us-central1              # optional
 * prices:                          # USD per device-hour, keyed by accelerator type (catalog name)
 *   nvidia-h100-80gb: { onDemand: 6.98, spot: 2.10 }
 *   nvidia-l4: { onDemand: 0.71 }
 * ```
 *
 * A GPU's price should be what its node costs per GPU (VM price ÷ GPUs), a TPU's its per-chip-hour price. Each row
 * gives `onDemand`, `spot` or both. Unknown fields, unknown accelerator names, and prices that are not positive
 * numbers are errors, reported on one line naming each field's path (`what: prices.nvidia-l4.spot: ...`).
 * The table holds the file's rows only; mergePriceTables lays it over DEFAULT_PRICE_TABLE.
 */
export function parsePriceTable(text: string, what: string): Result<PriceTable> {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) return err(`${what}: not valid YAML or JSON (${yamlError.message.split('\n')[0] ?? ''})`);
  const parsed = PriceFileSchema.safeParse(doc.toJS());
  if (!parsed.success) return err(formatIssues(what, parsed.error));

  const problems: string[] = [];
  const prices = new Map<string, DevicePrice>();
  for (const [key, row] of Object.entries(parsed.data.prices)) {
    const type = acceleratorByName(key);
    if (type === undefined) {
      problems.push(`prices.${key}: unknown accelerator type "${key}" (known: ${knownNamesLike(key)})`);
      continue;
    }
    if (prices.has(type.name)) {
      problems.push(`prices.${key}: ${type.name} is listed twice`);
      continue;
    }
    prices.set(type.name, row);
  }
  if (problems.length > 0) return err(`${what}: ${problems.join('; ')}`);
  const { source, asOf, region } = parsed.data;
  return ok({ source, asOf, currency: 'USD', ...(region === undefined ? {} : { region }), prices });
}

/**
 * The price file laid over a base table (normally DEFAULT_PRICE_TABLE). We merge rather than replace because a
 * file usually prices the few types someone negotiated, and `recommend` should still price the rest. Rows merge
 * whole: a type the file lists takes the file's row, so its on-demand and spot prices never come from two
 * sources; a price the row leaves out is unknown rather than the base's. `source` names both tables.
 */
export function mergePriceTables(base: PriceTable, override: PriceTable): PriceTable {
  const prices = new Map(base.prices);
  for (const [name, price] of override.prices) prices.set(name, price);
  const keepsBase = [...base.prices.keys()].some((name) => !override.prices.has(name));
  if (!keepsBase) return { ...override, prices };
  const region = override.region === base.region ? base.region : undefined;
  return {
    source: `${describe(override)}; other types: ${describe(base)}`,
    asOf: override.asOf,
    currency: 'USD',
    ...(region === undefined ? {} : { region }),
    prices,
  };
}

/** USD per device-hour of `accelerator` (canonical name; case ignored), or undefined when the table has none. */
export function pricePerDeviceHour(table: PriceTable, accelerator: string, pricing: Pricing): number | undefined {
  const name = acceleratorByName(accelerator)?.name ?? accelerator.trim().toLowerCase();
  const price = table.prices.get(name);
  return pricing === 'spot' ? price?.spot : price?.onDemand;
}

/**
 * USD per million output tokens: devices × price/h ÷ (tokens/s × 3600) × 1e6; undefined without a price, with no
 * devices, or with 0 throughput (nothing is produced, so there is no cost per token).
 */
export function costPerMillionTokens(
  pricePerDeviceHour: number | undefined,
  devices: number,
  outputTokensPerSecond: number,
): number | undefined {
  if (pricePerDeviceHour === undefined || !Number.isFinite(pricePerDeviceHour) || pricePerDeviceHour < 0) return undefined;
  if (!(devices > 0) || !(outputTokensPerSecond > 0) || !Number.isFinite(outputTokensPerSecond)) return undefined;
  return (devices * pricePerDeviceHour * 1e6) / (outputTokensPerSecond * 3600);
}

const price = z.number().finite().positive('must be a positive number (USD per device-hour)');

const isoDate = z.preprocess(
  // YAML 1.1 documents turn an unquoted date into a timestamp; take its date back.
  (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : value),
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
    .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'must be a real date'),
);

const PriceFileSchema = z.strictObject({
  source: z.string().trim().min(1, 'must say where the prices come from'),
  asOf: isoDate,
  currency: z.literal('USD', 'only USD is supported').optional(),
  region: z.string().trim().min(1).optional(),
  prices: z.record(
    z.string(),
    z.strictObject({ onDemand: price.optional(), spot: price.optional() })
      .refine((row) => row.onDemand !== undefined || row.spot !== undefined, 'give onDemand, spot or both'),
  ),
});

function describe(table: PriceTable): string {
  return `${table.source}${table.region === undefined ? '' : `, ${table.region}`}, as of ${table.asOf}`;
}

/** Up to five catalog names that share a part with `name` (`h100` finds both H100 types), else the first five. */
function knownNamesLike(name: string): string {
  const parts = name.toLowerCase().split(/[-_\s]+/).filter((p) => p.length > 1 && !['nvidia', 'amd', 'tpu', 'tesla', 'google'].includes(p));
  const names = ACCELERATORS.map((type) => type.name);
  const like = names.filter((n) => parts.some((p) => n.includes(p)));
  const shown = (like.length > 0 ? like : names).slice(0, 5);
  return shown.join(', ') + ((like.length > 0 ? like : names).length > shown.length ? ', …' : '');
}
