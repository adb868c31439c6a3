import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ACCELERATORS, acceleratorByName } from '../accelerators/catalog.js';
import { formatIssues } from '../models/issues.js';
import { err, ok, type Result } from '../result.js';

// What an accelerator costs per device-hour, for `kubectl inference recommend --pricing on-demand|spot`, which
// prints each option's cost per million output tokens. The default rows below hold public list prices, each with
// its cloud, region, machine, kind, date and source; a table is built for one cloud (recommend ranks within the
// cluster's cloud, or --cloud's) or for all of them under a note. A price file (parsePriceTable) holds a user's
// own, laid over the default by mergePriceTables.
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
  /** Which cloud's prices, for default tables; a price file's table has none. */
  readonly cloud?: CloudChoice;
  /** The rows behind a default table, each with its cloud, region, machine, kind, date and source. */
  readonly rows?: readonly PriceRow[];
  /** Said with every report that uses the table (a comparison across clouds). */
  readonly note?: string;
  /** Prices in use that were not read current: "type kind (status, date)". */
  readonly stale?: readonly string[];
  /** Keyed by canonical accelerator type name (src/accelerators/catalog.ts). */
  readonly prices: ReadonlyMap<string, DevicePrice>;
}

export type Cloud = 'gcp' | 'aws' | 'azure';
export const CLOUDS: readonly Cloud[] = ['gcp', 'aws', 'azure'];

/**
 * One public price: what `machine` costs per device-hour (the VM's price ÷ its devices) in `region` of `cloud`,
 * on demand or as spot, as read on `date` from `source`. `status` says how much to trust it: 'read' from the
 * source on that date; 'unverified' when the figure is older than the last check and no current source was found
 * (spot prices move, Google's daily); 'from memory' when no source was read at all.
 */
export interface PriceRow {
  readonly cloud: Cloud;
  readonly region: string;
  readonly machine: string;
  /** Canonical accelerator type name (src/accelerators/catalog.ts). */
  readonly accelerator: string;
  readonly kind: Pricing;
  readonly usdPerDeviceHour: number;
  /** YYYY-MM-DD the figure was read (or, for 'unverified', the date of the figure found). */
  readonly date: string;
  readonly source: string;
  readonly status: 'read' | 'unverified' | 'from memory';
}

// Sources of the default rows, as read for them:
const CYCLENERD = 'https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator/blob/0166a59ebba7c36f2cc8c931d9f258dcebc44776/pricing.yml';
const SILYBENCH = 'https://github.com/tgarg01/silybench-data/blob/045df3bf56b8d62c58f108fc43cb397306b83331/derived/csv/gpu_prices.csv';
const TANOD = 'https://huggingface.co/datasets/tanod/cloud-gpu-list-prices';
const TRILLIUM_GA = 'https://neowin.net/amp/google-takes-on-nvidia-blackwell-gpus-with-the-new-trillium-tpus';
const CLIFFCENTER = 'https://www.cliffcenter.com/research/amd-inference-economics';
const DATARECEIPTS = 'https://github.com/datareceipts/data-receipts/tree/main/109-gpu-pricing';
const GCP_GPU_PRICING = 'https://cloud.google.com/compute/gpus-pricing';
const GCP_TPU_PRICING = 'https://cloud.google.com/tpu/pricing';
/** The day this table's sources were last searched for newer figures. */
const CHECKED = '2026-12-07';

const gcp = (region: string, machine: string, accelerator: string, kind: Pricing, usdPerDeviceHour: number, date: string, source: string, status: PriceRow['status']): PriceRow =>
  ({ cloud: 'gcp', region, machine, accelerator, kind, usdPerDeviceHour, date, source, status });

/**
 * Public list prices, USD per device-hour; GPU rows are the VM's price ÷ its GPUs (see the head of this file).
 * Google Cloud us-central1 unless a row says otherwise. Spot prices were looked for again on CHECKED and only those
 * read in 2026 are kept: the 2025-03-06 snapshot's spot figures were 33–49% below the current ones wherever a current
 * one was found (a3-highgpu spot $4.42 per GPU against $6.57 on 2026-09-26), so its L4, A100, A100 80GB and A3 Mega
 * spot figures (0.28, 1.29, 2.03, 4.67 per GPU-hour) are left out rather than shown as prices: those types have no
 * spot price here until a current one is read (or given with --prices).
 */
export const DEFAULT_PRICE_ROWS: readonly PriceRow[] = [
  // From memory (GCP GPU pricing page, 2024-25): T4 $0.35/h + n1-standard-4 $0.19/h, the smallest usual T4 node.
  gcp('us-central1', 'n1-standard-4 + 1 × T4', 'nvidia-tesla-t4', 'on-demand', 0.54, '2025-01-01', GCP_GPU_PRICING, 'from memory'),
  gcp('us-central1', 'g2-standard-4', 'nvidia-l4', 'on-demand', 0.706832, '2025-03-06', CYCLENERD, 'read'),
  // A2 prices are linear in GPUs (a2-highgpu-2g $7.34677/h).
  gcp('us-central1', 'a2-highgpu-1g', 'nvidia-tesla-a100', 'on-demand', 3.673385, '2025-03-06', CYCLENERD, 'read'),
  gcp('us-central1', 'a2-ultragpu-8g', 'nvidia-a100-80gb', 'on-demand', 40.5504 / 8, '2025-03-06', CYCLENERD, 'read'),
  // "a3-highgpu-1g, us-central1 ... 10.9791" and "a3-highgpu-1g Spot, us-central1 ... 6.571 (GPU $5.8632 + 26 vCPU +
  // 234 GiB from the Cloud Billing catalog)", checked 2026-09-26. (a3-highgpu-8g on 2025-03-06: $88.49/h, Spot $35.3957/h.)
  gcp('us-central1', 'a3-highgpu-1g', 'nvidia-h100-80gb', 'on-demand', 10.9791, '2026-09-26', SILYBENCH, 'read'),
  gcp('us-central1', 'a3-highgpu-1g', 'nvidia-h100-80gb', 'spot', 6.571, '2026-09-26', SILYBENCH, 'read'),
  // us-east4: the 2025-03-06 snapshot lists no us-central1 price for A3 Mega.
  gcp('us-east4', 'a3-megagpu-8g', 'nvidia-h100-mega-80gb', 'on-demand', 92.9376 / 8, '2025-03-06', CYCLENERD, 'read'),
  // a3-ultragpu-8g per-GPU share from the Cloud Billing Catalog.
  gcp('us-central1', 'a3-ultragpu-8g', 'nvidia-h200-141gb', 'on-demand', 10.4365, '2026-10-13', TANOD, 'read'),
  gcp('us-central1', 'a3-ultragpu-8g', 'nvidia-h200-141gb', 'spot', 6.2607, '2026-10-13', TANOD, 'read'),
  // From memory (GCP TPU pricing page, 2024-25).
  gcp('us-central1', 'ct5lp-hightpu (v5e)', 'tpu-v5-lite-podslice', 'on-demand', 1.2, '2025-01-01', GCP_TPU_PRICING, 'from memory'),
  gcp('us-central1', 'ct5p-hightpu-4t (v5p)', 'tpu-v5p-slice', 'on-demand', 4.2, '2025-01-01', GCP_TPU_PRICING, 'from memory'),
  // "starting at $2.70 per chip-hour" in its US East launch region (Google's GA announcement of 2024-12-12).
  gcp('us-east1', 'ct6e-standard (v6e)', 'tpu-v6e-slice', 'on-demand', 2.7, '2024-12-12', TRILLIUM_GA, 'read'),
  // AWS, us-east-1, on demand (datareceipts hyperscalers.json, retrieved 2026-11-09): p4d.24xlarge $21.957642/h,
  // p4de.24xlarge $27.44705/h, p5.48xlarge $55.04/h, 8 GPUs each. No spot figure read.
  { cloud: 'aws', region: 'us-east-1', machine: 'p4d.24xlarge', accelerator: 'nvidia-tesla-a100', kind: 'on-demand', usdPerDeviceHour: 21.957642 / 8, date: '2026-11-09', source: DATARECEIPTS, status: 'read' },
  { cloud: 'aws', region: 'us-east-1', machine: 'p4de.24xlarge', accelerator: 'nvidia-a100-80gb', kind: 'on-demand', usdPerDeviceHour: 27.44705 / 8, date: '2026-11-09', source: DATARECEIPTS, status: 'read' },
  { cloud: 'aws', region: 'us-east-1', machine: 'p5.48xlarge', accelerator: 'nvidia-h100-80gb', kind: 'on-demand', usdPerDeviceHour: 55.04 / 8, date: '2026-11-09', source: DATARECEIPTS, status: 'read' },
  // Azure, eastus, on demand (the same datareceipts files): ND96asr_A100_v4 $3.3996 per GPU, ND96isr_H100_v5
  // $12.29 per GPU; ND MI300X v5 $6 per GPU-hour (ND96isr_MI300X_v5 $48/h ÷ 8, cliffcenter.com note of 2026-05-18;
  // Azure's own page not read). No spot figure read.
  { cloud: 'azure', region: 'eastus', machine: 'Standard_ND96asr_A100_v4', accelerator: 'nvidia-tesla-a100', kind: 'on-demand', usdPerDeviceHour: 3.3996, date: '2026-11-09', source: DATARECEIPTS, status: 'read' },
  { cloud: 'azure', region: 'eastus', machine: 'Standard_ND96isr_H100_v5', accelerator: 'nvidia-h100-80gb', kind: 'on-demand', usdPerDeviceHour: 12.29, date: '2026-11-09', source: DATARECEIPTS, status: 'read' },
  { cloud: 'azure', region: 'eastus', machine: 'Standard_ND96isr_MI300X_v5', accelerator: 'amd-mi300x', kind: 'on-demand', usdPerDeviceHour: 6, date: '2026-05-18', source: CLIFFCENTER, status: 'read' },
];

/** Clouds a price table can be built for: one, or `all` to compare across clouds. */
export type CloudChoice = Cloud | 'all';

/** The note every table built over several clouds carries. */
export const ALL_CLOUDS_NOTE = 'prices compared across clouds: each type at its cheapest cloud\'s list price; a recommendation across clouds assumes you can run there (quotas, data egress and networking differ)';

/**
 * The default table for one cloud (ranking stays within it), or for all clouds (each type at its cheapest row,
 * with ALL_CLOUDS_NOTE). A type the cloud has no row for is unpriced, never borrowed from another cloud.
 */
export function defaultPriceTable(cloud: CloudChoice, rows: readonly PriceRow[] = DEFAULT_PRICE_ROWS): PriceTable {
  const chosen = new Map<string, { onDemand?: PriceRow; spot?: PriceRow }>();
  for (const row of rows) {
    if (cloud !== 'all' && row.cloud !== cloud) continue;
    const entry = chosen.get(row.accelerator) ?? {};
    const key = row.kind === 'spot' ? 'spot' : 'onDemand';
    const current = entry[key];
    if (!current || row.usdPerDeviceHour < current.usdPerDeviceHour) chosen.set(row.accelerator, { ...entry, [key]: row });
  }
  const prices = new Map<string, DevicePrice>();
  for (const [accelerator, { onDemand, spot }] of chosen) {
    prices.set(accelerator, { ...(onDemand ? { onDemand: onDemand.usdPerDeviceHour } : {}), ...(spot ? { spot: spot.usdPerDeviceHour } : {}) });
  }
  const used = [...chosen.values()].flatMap((e) => [e.onDemand, e.spot]).filter((r): r is PriceRow => r !== undefined);
  const regions = [...new Set(used.map((r) => r.region))];
  const stale = used.filter((r) => r.status !== 'read');
  const dates = used.map((r) => r.date).sort();
  return {
    source: [...new Set(used.map((r) => r.source))].join(', '),
    asOf: dates.at(-1) ?? CHECKED,
    currency: 'USD',
    ...(regions.length === 1 ? { region: regions[0]! } : {}),
    cloud,
    rows: used,
    ...(cloud === 'all' ? { note: ALL_CLOUDS_NOTE } : {}),
    ...(stale.length > 0 ? { stale: stale.map((r) => `${r.accelerator} ${r.kind} (${r.status}, ${r.date})`) } : {}),
    prices,
  };
}

/** What a node says of its provider: its labels and spec.providerID. */
export interface NodeProviderHints {
  readonly labels?: Readonly<Record<string, string>>;
  readonly providerID?: string;
}

const PROVIDER_ID_PREFIX: ReadonlyArray<[string, Cloud]> = [['gce://', 'gcp'], ['aws://', 'aws'], ['azure://', 'azure']];
/** Labels the managed Kubernetes of each cloud puts on every node (GKE, EKS, AKS). */
const PROVIDER_LABEL_PREFIX: ReadonlyArray<[string, Cloud]> = [['cloud.google.com/gke-', 'gcp'], ['eks.amazonaws.com/', 'aws'], ['kubernetes.azure.com/', 'azure']];

/**
 * The cloud most of a cluster's nodes run on, from spec.providerID (`gce://`, `aws://`, `azure://`, set by each
 * cloud's controller manager) or the GKE/EKS/AKS node labels; undefined when no node says.
 */
export function clusterCloud(nodes: readonly NodeProviderHints[]): Cloud | undefined {
  const counts = new Map<Cloud, number>();
  for (const node of nodes) {
    const byId = PROVIDER_ID_PREFIX.find(([prefix]) => node.providerID?.startsWith(prefix))?.[1];
    const byLabel = PROVIDER_LABEL_PREFIX.find(([prefix]) => Object.keys(node.labels ?? {}).some((key) => key.startsWith(prefix)))?.[1];
    const cloud = byId ?? byLabel;
    if (cloud) counts.set(cloud, (counts.get(cloud) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/**
 * How much of a table serves one kind of pricing: how many types it prices that way, and the newest date behind
 * those prices (a default table's rows of that kind; a price file's prices carry the file's date).
 */
export function priceCoverage(table: PriceTable, pricing: Pricing): { readonly types: number; readonly asOf: string } {
  const priced = [...table.prices].filter(([, price]) => (pricing === 'spot' ? price.spot : price.onDemand) !== undefined).map(([type]) => type);
  const rows = (table.rows ?? []).filter((row) => row.kind === pricing);
  const fromRows = new Set(rows.map((row) => row.accelerator));
  const dates = [...rows.map((row) => row.date), ...(priced.some((type) => !fromRows.has(type)) ? [table.asOf] : [])].sort();
  return { types: priced.length, asOf: dates.at(-1) ?? table.asOf };
}

/** Google Cloud, as the default for clusters on GKE and for recommendations without a cluster. */
export const DEFAULT_PRICE_TABLE: PriceTable = defaultPriceTable('gcp');

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
  // The base's rows still price the types the file leaves out: keep what it says of them.
  const kept = base.rows?.filter((row) => !override.prices.has(row.accelerator));
  const stale = base.stale?.filter((line) => !override.prices.has(line.split(' ')[0]!));
  return {
    source: `${describe(override)}; other types: ${describe(base)}`,
    asOf: override.asOf,
    currency: 'USD',
    ...(region === undefined ? {} : { region }),
    ...(base.cloud === undefined ? {} : { cloud: base.cloud }),
    ...(kept && kept.length > 0 ? { rows: kept } : {}),
    ...(base.note === undefined ? {} : { note: base.note }),
    ...(stale && stale.length > 0 ? { stale } : {}),
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
